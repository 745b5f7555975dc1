-- training set availability v1 (mysql)
WITH `__spine` AS (
  SELECT 
    *,
    ROW_NUMBER() OVER (ORDER BY CASE WHEN `__t` IS NULL THEN 0 ELSE 1 END, `__t`, CASE WHEN `__k0` IS NULL THEN 0 ELSE 1 END, `__k0`, CASE WHEN `__k1` IS NULL THEN 0 ELSE 1 END, `__k1`, CASE WHEN `__label` IS NULL THEN 0 ELSE 1 END, `__label`) AS `__rid`
  FROM (
    SELECT 
      `outcomes`.`account_id` AS `__k0`,
      `outcomes`.`shop_id` AS `__k1`,
      `outcomes`.`happened_at` AS `__t`,
      `outcomes`.`churned` AS `__label`
    FROM `outcomes`
    WHERE (`outcomes`.`account_id` IS NOT NULL) AND (`outcomes`.`happened_at` IS NOT NULL)
  ) AS `__labels`
),
`__stage1` AS (
  SELECT 
    `__s`.*,
    (
    SELECT SUM(`late_events`.`d`)
    FROM `late_events`
    WHERE (`late_events`.`account_id` = `__s`.`__k0`) AND ((`late_events`.`ts` <= (`__s`.`__t` - INTERVAL 21600 SECOND)) AND (`late_events`.`ts` > (`__s`.`__t` - INTERVAL 108000 SECOND)))
  ) AS `f1`,
    (
    SELECT SUM(`late_events`.`d`)
    FROM `late_events`
    WHERE (`late_events`.`account_id` = `__s`.`__k0`) AND ((`late_events`.`ts` <= (`__s`.`__t` - INTERVAL 21600 SECOND)) AND (`late_events`.`ts` > (`__s`.`__t` - INTERVAL 626400 SECOND)))
  ) AS `f2`,
    (
    SELECT MAX(`late_events`.`ts`)
    FROM `late_events`
    WHERE (`late_events`.`account_id` = `__s`.`__k0`) AND (`late_events`.`ts` <= (`__s`.`__t` - INTERVAL 21600 SECOND))
  ) AS `__g2__time`,
    (
    SELECT COUNT(*)
    FROM `late_events`
    WHERE (`late_events`.`shop_id` = `__s`.`__k1`) AND ((`late_events`.`ts` < (`__s`.`__t` - INTERVAL 21600 SECOND)) AND (`late_events`.`ts` > (`__s`.`__t` - INTERVAL 626400 SECOND)))
  ) AS `f4`,
    (
    SELECT CAST(SUM(`daily_closed`.`visits`) AS SIGNED)
    FROM `daily_closed`
    WHERE (`daily_closed`.`account_id` = `__s`.`__k0`) AND ((CAST(`daily_closed`.`day` AS DATETIME(6)) <= (`__s`.`__t` - INTERVAL 86400 SECOND)) AND (CAST(`daily_closed`.`day` AS DATETIME(6)) > (`__s`.`__t` - INTERVAL 691200 SECOND)))
  ) AS `f5`,
    (
    SELECT MAX(CAST(`daily_closed`.`day` AS DATETIME(6)))
    FROM `daily_closed`
    WHERE (`daily_closed`.`account_id` = `__s`.`__k0`) AND (CAST(`daily_closed`.`day` AS DATETIME(6)) < (`__s`.`__t` - INTERVAL 86400 SECOND))
  ) AS `__g5__time`,
    (
    SELECT COUNT(*)
    FROM `events`
    WHERE (`events`.`account_id` = `__s`.`__k0`) AND ((`events`.`ts` < `__s`.`__t`) AND (`events`.`ts` > (`__s`.`__t` - INTERVAL 3600 SECOND)))
  ) AS `f7`,
    (
    SELECT MAX(`events`.`ts`)
    FROM `events`
    WHERE (`events`.`account_id` = `__s`.`__k0`) AND (`events`.`ts` < `__s`.`__t`)
  ) AS `__g7__time`,
    (
    SELECT MAX(`late_events_copy`.`ts`)
    FROM `late_events_copy`
    WHERE (`late_events_copy`.`account_id` = `__s`.`__k0`) AND (`late_events_copy`.`ts` <= (`__s`.`__t` - INTERVAL 21600 SECOND))
  ) AS `__g8__time`
  FROM `__spine` AS `__s`
),
`__stage2` AS (
  SELECT 
    `__st`.*,
    (
    SELECT `late_events`.`s`
    FROM `late_events`
    WHERE (`late_events`.`account_id` = `__st`.`__k0`) AND (`late_events`.`ts` = `__st`.`__g2__time`)
    ORDER BY CASE WHEN `late_events`.`shop_id` IS NULL THEN 1 ELSE 0 END, `late_events`.`shop_id` DESC, CASE WHEN `late_events`.`d` IS NULL THEN 1 ELSE 0 END, `late_events`.`d` DESC, CASE WHEN `late_events`.`s` IS NULL THEN 1 ELSE 0 END, `late_events`.`s` DESC
    LIMIT 1
  ) AS `f3`,
    (
    SELECT `daily_closed`.`note`
    FROM `daily_closed`
    WHERE (`daily_closed`.`account_id` = `__st`.`__k0`) AND (CAST(`daily_closed`.`day` AS DATETIME(6)) = `__st`.`__g5__time`)
    ORDER BY CASE WHEN `daily_closed`.`visits` IS NULL THEN 1 ELSE 0 END, `daily_closed`.`visits` DESC, CASE WHEN `daily_closed`.`note` IS NULL THEN 1 ELSE 0 END, `daily_closed`.`note` DESC
    LIMIT 1
  ) AS `f6`,
    (
    SELECT `events`.`d`
    FROM `events`
    WHERE (`events`.`account_id` = `__st`.`__k0`) AND (`events`.`ts` = `__st`.`__g7__time`)
    ORDER BY CASE WHEN `events`.`event_id` IS NULL THEN 1 ELSE 0 END, `events`.`event_id` DESC, CASE WHEN `events`.`shop_id` IS NULL THEN 1 ELSE 0 END, `events`.`shop_id` DESC, CASE WHEN `events`.`i` IS NULL THEN 1 ELSE 0 END, `events`.`i` DESC, CASE WHEN `events`.`j` IS NULL THEN 1 ELSE 0 END, `events`.`j` DESC, CASE WHEN `events`.`d` IS NULL THEN 1 ELSE 0 END, `events`.`d` DESC, CASE WHEN `events`.`s` IS NULL THEN 1 ELSE 0 END, `events`.`s` DESC, CASE WHEN `events`.`p` IS NULL THEN 1 ELSE 0 END, `events`.`p` DESC, CASE WHEN `events`.`b` IS NULL THEN 1 ELSE 0 END, `events`.`b` DESC, CASE WHEN `events`.`dt` IS NULL THEN 1 ELSE 0 END, `events`.`dt` DESC
    LIMIT 1
  ) AS `f8`,
    (
    SELECT `late_events_copy`.`d`
    FROM `late_events_copy`
    WHERE (`late_events_copy`.`account_id` = `__st`.`__k0`) AND (`late_events_copy`.`ts` = `__st`.`__g8__time`)
    ORDER BY CASE WHEN `late_events_copy`.`d` IS NULL THEN 1 ELSE 0 END, `late_events_copy`.`d` DESC
    LIMIT 1
  ) AS `f9`
  FROM `__stage1` AS `__st`
)
SELECT 
  `__r`.`__k0` AS `account_id`,
  `__r`.`__k1` AS `shop_id`,
  `__r`.`__t` AS `happened_at`,
  `__r`.`f1` AS `late_sum_1d`,
  `__r`.`f2` AS `late_sum_7d`,
  CASE WHEN `__r`.`__g2__time` >= (`__r`.`__t` - INTERVAL 28800 SECOND) THEN `__r`.`f3` ELSE CAST(NULL AS CHAR) END AS `late_last_s`,
  `__r`.`f4` AS `late_shop_n`,
  `__r`.`f5` AS `closed_visits_7d`,
  CASE WHEN `__r`.`__g5__time` >= (`__r`.`__t` - INTERVAL 259200 SECOND) THEN `__r`.`f6` ELSE CAST(NULL AS CHAR) END AS `closed_note`,
  `__r`.`f7` AS `strict_n`,
  `__r`.`f8` AS `strict_last`,
  COALESCE(`__r`.`f9`, 5.791666666666667E0) AS `copy_last`,
  `__r`.`__label` AS `churned_av`
FROM `__stage2` AS `__r`
ORDER BY CASE WHEN `__r`.`__rid` IS NULL THEN 0 ELSE 1 END, `__r`.`__rid`;
-- online vectors of entity account (mysql)
WITH `__spine` AS (
  SELECT 
    `__k0`,
    TIMESTAMP '2024-03-01 00:00:00' AS `__t`,
    ROW_NUMBER() OVER (ORDER BY CASE WHEN `__k0` IS NULL THEN 0 ELSE 1 END, `__k0`) AS `__rid`
  FROM (
    SELECT `late_events`.`account_id` AS `__k0`
    FROM `late_events`
    WHERE (`late_events`.`account_id` IS NOT NULL) AND (`late_events`.`ts` <= (TIMESTAMP '2024-03-01 00:00:00' - INTERVAL 21600 SECOND))
    UNION
    SELECT `daily_closed`.`account_id` AS `__k0`
    FROM `daily_closed`
    WHERE (`daily_closed`.`account_id` IS NOT NULL) AND (CAST(`daily_closed`.`day` AS DATETIME(6)) <= (TIMESTAMP '2024-03-01 00:00:00' - INTERVAL 86400 SECOND))
    UNION
    SELECT `events`.`account_id` AS `__k0`
    FROM `events`
    WHERE (`events`.`account_id` IS NOT NULL) AND (`events`.`ts` <= TIMESTAMP '2024-03-01 00:00:00')
    UNION
    SELECT `late_events_copy`.`account_id` AS `__k0`
    FROM `late_events_copy`
    WHERE (`late_events_copy`.`account_id` IS NOT NULL) AND (`late_events_copy`.`ts` <= (TIMESTAMP '2024-03-01 00:00:00' - INTERVAL 21600 SECOND))
  ) AS `__keys`
),
`__stage1` AS (
  SELECT 
    `__s`.*,
    (
    SELECT SUM(`late_events`.`d`)
    FROM `late_events`
    WHERE (`late_events`.`account_id` = `__s`.`__k0`) AND ((`late_events`.`ts` <= (`__s`.`__t` - INTERVAL 21600 SECOND)) AND (`late_events`.`ts` > (`__s`.`__t` - INTERVAL 108000 SECOND)))
  ) AS `f1`,
    (
    SELECT MAX(`late_events`.`ts`)
    FROM `late_events`
    WHERE (`late_events`.`account_id` = `__s`.`__k0`) AND ((`late_events`.`ts` <= (`__s`.`__t` - INTERVAL 21600 SECOND)) AND (`late_events`.`ts` > (`__s`.`__t` - INTERVAL 108000 SECOND)))
  ) AS `f1__time`,
    (
    SELECT SUM(`late_events`.`d`)
    FROM `late_events`
    WHERE (`late_events`.`account_id` = `__s`.`__k0`) AND ((`late_events`.`ts` <= (`__s`.`__t` - INTERVAL 21600 SECOND)) AND (`late_events`.`ts` > (`__s`.`__t` - INTERVAL 626400 SECOND)))
  ) AS `f2`,
    (
    SELECT MAX(`late_events`.`ts`)
    FROM `late_events`
    WHERE (`late_events`.`account_id` = `__s`.`__k0`) AND ((`late_events`.`ts` <= (`__s`.`__t` - INTERVAL 21600 SECOND)) AND (`late_events`.`ts` > (`__s`.`__t` - INTERVAL 626400 SECOND)))
  ) AS `f2__time`,
    (
    SELECT MAX(`late_events`.`ts`)
    FROM `late_events`
    WHERE (`late_events`.`account_id` = `__s`.`__k0`) AND (`late_events`.`ts` <= (`__s`.`__t` - INTERVAL 21600 SECOND))
  ) AS `__g2__time`,
    (
    SELECT CAST(SUM(`daily_closed`.`visits`) AS SIGNED)
    FROM `daily_closed`
    WHERE (`daily_closed`.`account_id` = `__s`.`__k0`) AND ((CAST(`daily_closed`.`day` AS DATETIME(6)) <= (`__s`.`__t` - INTERVAL 86400 SECOND)) AND (CAST(`daily_closed`.`day` AS DATETIME(6)) > (`__s`.`__t` - INTERVAL 691200 SECOND)))
  ) AS `f4`,
    (
    SELECT MAX(CAST(`daily_closed`.`day` AS DATETIME(6)))
    FROM `daily_closed`
    WHERE (`daily_closed`.`account_id` = `__s`.`__k0`) AND ((CAST(`daily_closed`.`day` AS DATETIME(6)) <= (`__s`.`__t` - INTERVAL 86400 SECOND)) AND (CAST(`daily_closed`.`day` AS DATETIME(6)) > (`__s`.`__t` - INTERVAL 691200 SECOND)))
  ) AS `f4__time`,
    (
    SELECT MAX(CAST(`daily_closed`.`day` AS DATETIME(6)))
    FROM `daily_closed`
    WHERE (`daily_closed`.`account_id` = `__s`.`__k0`) AND (CAST(`daily_closed`.`day` AS DATETIME(6)) < (`__s`.`__t` - INTERVAL 86400 SECOND))
  ) AS `__g4__time`,
    (
    SELECT COUNT(*)
    FROM `events`
    WHERE (`events`.`account_id` = `__s`.`__k0`) AND ((`events`.`ts` < `__s`.`__t`) AND (`events`.`ts` > (`__s`.`__t` - INTERVAL 3600 SECOND)))
  ) AS `f6`,
    (
    SELECT MAX(`events`.`ts`)
    FROM `events`
    WHERE (`events`.`account_id` = `__s`.`__k0`) AND ((`events`.`ts` < `__s`.`__t`) AND (`events`.`ts` > (`__s`.`__t` - INTERVAL 3600 SECOND)))
  ) AS `f6__time`,
    (
    SELECT MAX(`events`.`ts`)
    FROM `events`
    WHERE (`events`.`account_id` = `__s`.`__k0`) AND (`events`.`ts` < `__s`.`__t`)
  ) AS `__g6__time`,
    (
    SELECT MAX(`late_events_copy`.`ts`)
    FROM `late_events_copy`
    WHERE (`late_events_copy`.`account_id` = `__s`.`__k0`) AND (`late_events_copy`.`ts` <= (`__s`.`__t` - INTERVAL 21600 SECOND))
  ) AS `__g7__time`
  FROM `__spine` AS `__s`
),
`__stage2` AS (
  SELECT 
    `__st`.*,
    (
    SELECT `late_events`.`s`
    FROM `late_events`
    WHERE (`late_events`.`account_id` = `__st`.`__k0`) AND (`late_events`.`ts` = `__st`.`__g2__time`)
    ORDER BY CASE WHEN `late_events`.`shop_id` IS NULL THEN 1 ELSE 0 END, `late_events`.`shop_id` DESC, CASE WHEN `late_events`.`d` IS NULL THEN 1 ELSE 0 END, `late_events`.`d` DESC, CASE WHEN `late_events`.`s` IS NULL THEN 1 ELSE 0 END, `late_events`.`s` DESC
    LIMIT 1
  ) AS `f3`,
    (
    SELECT `daily_closed`.`note`
    FROM `daily_closed`
    WHERE (`daily_closed`.`account_id` = `__st`.`__k0`) AND (CAST(`daily_closed`.`day` AS DATETIME(6)) = `__st`.`__g4__time`)
    ORDER BY CASE WHEN `daily_closed`.`visits` IS NULL THEN 1 ELSE 0 END, `daily_closed`.`visits` DESC, CASE WHEN `daily_closed`.`note` IS NULL THEN 1 ELSE 0 END, `daily_closed`.`note` DESC
    LIMIT 1
  ) AS `f5`,
    (
    SELECT `events`.`d`
    FROM `events`
    WHERE (`events`.`account_id` = `__st`.`__k0`) AND (`events`.`ts` = `__st`.`__g6__time`)
    ORDER BY CASE WHEN `events`.`event_id` IS NULL THEN 1 ELSE 0 END, `events`.`event_id` DESC, CASE WHEN `events`.`shop_id` IS NULL THEN 1 ELSE 0 END, `events`.`shop_id` DESC, CASE WHEN `events`.`i` IS NULL THEN 1 ELSE 0 END, `events`.`i` DESC, CASE WHEN `events`.`j` IS NULL THEN 1 ELSE 0 END, `events`.`j` DESC, CASE WHEN `events`.`d` IS NULL THEN 1 ELSE 0 END, `events`.`d` DESC, CASE WHEN `events`.`s` IS NULL THEN 1 ELSE 0 END, `events`.`s` DESC, CASE WHEN `events`.`p` IS NULL THEN 1 ELSE 0 END, `events`.`p` DESC, CASE WHEN `events`.`b` IS NULL THEN 1 ELSE 0 END, `events`.`b` DESC, CASE WHEN `events`.`dt` IS NULL THEN 1 ELSE 0 END, `events`.`dt` DESC
    LIMIT 1
  ) AS `f7`,
    (
    SELECT `late_events_copy`.`d`
    FROM `late_events_copy`
    WHERE (`late_events_copy`.`account_id` = `__st`.`__k0`) AND (`late_events_copy`.`ts` = `__st`.`__g7__time`)
    ORDER BY CASE WHEN `late_events_copy`.`d` IS NULL THEN 1 ELSE 0 END, `late_events_copy`.`d` DESC
    LIMIT 1
  ) AS `f8`
  FROM `__stage1` AS `__st`
)
SELECT 
  `__r`.`__k0` AS `account_id`,
  `__r`.`f1` AS `late_sum_1d`,
  `__r`.`f1__time` AS `f1__time`,
  `__r`.`f2` AS `late_sum_7d`,
  `__r`.`f2__time` AS `f2__time`,
  CASE WHEN `__r`.`__g2__time` >= (`__r`.`__t` - INTERVAL 28800 SECOND) THEN `__r`.`f3` ELSE CAST(NULL AS CHAR) END AS `late_last_s`,
  `__r`.`__g2__time` AS `f3__time`,
  `__r`.`f4` AS `closed_visits_7d`,
  `__r`.`f4__time` AS `f4__time`,
  CASE WHEN `__r`.`__g4__time` >= (`__r`.`__t` - INTERVAL 259200 SECOND) THEN `__r`.`f5` ELSE CAST(NULL AS CHAR) END AS `closed_note`,
  `__r`.`__g4__time` AS `f5__time`,
  `__r`.`f6` AS `strict_n`,
  `__r`.`f6__time` AS `f6__time`,
  `__r`.`f7` AS `strict_last`,
  `__r`.`__g6__time` AS `f7__time`,
  COALESCE(`__r`.`f8`, 5.791666666666667E0) AS `copy_last`,
  `__r`.`__g7__time` AS `f8__time`
FROM `__stage2` AS `__r`
ORDER BY CASE WHEN `__r`.`__rid` IS NULL THEN 0 ELSE 1 END, `__r`.`__rid`;
