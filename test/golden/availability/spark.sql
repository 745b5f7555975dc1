-- training set availability v1 (spark)
WITH `__spine` AS (
  SELECT 
    *,
    CAST(ROW_NUMBER() OVER (ORDER BY `__t` NULLS FIRST, `__k0` NULLS FIRST, `__k1` NULLS FIRST, `__label` NULLS FIRST) AS BIGINT) AS `__rid`
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
`__g1_agg` AS (
  SELECT /*+ MERGE(`__s`) */ 
    `__s`.`__rid` AS `__rid`,
    SUM(CASE WHEN `late_events`.`ts` > (`__s`.`__t` - INTERVAL '108000' SECOND) THEN `late_events`.`d` END) AS `__v_f1`,
    SUM(`late_events`.`d`) AS `__v_f2`
  FROM `__spine` AS `__s`
  JOIN `late_events` ON (`late_events`.`account_id` = `__s`.`__k0`) AND ((`late_events`.`ts` <= (`__s`.`__t` - INTERVAL '21600' SECOND)) AND (`late_events`.`ts` > (`__s`.`__t` - INTERVAL '626400' SECOND)))
  GROUP BY `__s`.`__k0`, `__s`.`__rid`
),
`__g2_rows` AS (
  SELECT `__k0`, `__e`, `__v_f3`
  FROM (
    SELECT 
      `late_events`.`account_id` AS `__k0`,
      `late_events`.`ts` AS `__e`,
      `late_events`.`s` AS `__v_f3`,
      CAST(ROW_NUMBER() OVER (PARTITION BY `late_events`.`account_id`, `late_events`.`ts` ORDER BY `late_events`.`shop_id` DESC NULLS LAST, `late_events`.`d` DESC NULLS LAST, `late_events`.`s` DESC NULLS LAST) AS BIGINT) AS `__n`
    FROM `late_events`
    WHERE `late_events`.`account_id` IS NOT NULL
  ) AS `__ranked`
  WHERE `__n` = 1
),
`__g2_last` AS (
  SELECT `__rid`, `__last`
  FROM (
    SELECT 
      `__side`,
      `__rid`,
      MAX(`__e`) OVER (PARTITION BY `__k0` ORDER BY `__t` NULLS FIRST, `__side` NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS `__last`
    FROM (
      SELECT `__k0` AS `__k0`, `__e` AS `__t`, 0 AS `__side`, CAST(NULL AS BIGINT) AS `__rid`, `__e` AS `__e`
      FROM `__g2_rows`
      UNION ALL
      SELECT 
        `__k0` AS `__k0`,
        (`__t` - INTERVAL '21600' SECOND) AS `__t`,
        1 AS `__side`,
        `__rid` AS `__rid`,
        CAST(NULL AS TIMESTAMP_NTZ) AS `__e`
      FROM `__spine`
    ) AS `__u`
  ) AS `__r`
  WHERE `__side` = 1
),
`__g3_agg` AS (
  SELECT /*+ MERGE(`__s`) */ `__s`.`__rid` AS `__rid`, COUNT(*) AS `__v_f4`
  FROM `__spine` AS `__s`
  JOIN `late_events` ON (`late_events`.`shop_id` = `__s`.`__k1`) AND ((`late_events`.`ts` < (`__s`.`__t` - INTERVAL '21600' SECOND)) AND (`late_events`.`ts` > (`__s`.`__t` - INTERVAL '626400' SECOND)))
  GROUP BY `__s`.`__k1`, `__s`.`__rid`
),
`__g4_agg` AS (
  SELECT /*+ MERGE(`__s`) */ `__s`.`__rid` AS `__rid`, SUM(`daily_closed`.`visits`) AS `__v_f5`
  FROM `__spine` AS `__s`
  JOIN `daily_closed` ON (`daily_closed`.`account_id` = `__s`.`__k0`) AND ((CAST(`daily_closed`.`day` AS TIMESTAMP_NTZ) <= (`__s`.`__t` - INTERVAL '86400' SECOND)) AND (CAST(`daily_closed`.`day` AS TIMESTAMP_NTZ) > (`__s`.`__t` - INTERVAL '691200' SECOND)))
  GROUP BY `__s`.`__k0`, `__s`.`__rid`
),
`__g5_rows` AS (
  SELECT `__k0`, `__e`, `__v_f6`
  FROM (
    SELECT 
      `daily_closed`.`account_id` AS `__k0`,
      CAST(`daily_closed`.`day` AS TIMESTAMP_NTZ) AS `__e`,
      `daily_closed`.`note` AS `__v_f6`,
      CAST(ROW_NUMBER() OVER (PARTITION BY `daily_closed`.`account_id`, `daily_closed`.`day` ORDER BY `daily_closed`.`visits` DESC NULLS LAST, `daily_closed`.`note` DESC NULLS LAST) AS BIGINT) AS `__n`
    FROM `daily_closed`
    WHERE `daily_closed`.`account_id` IS NOT NULL
  ) AS `__ranked`
  WHERE `__n` = 1
),
`__g5_last` AS (
  SELECT `__rid`, `__last`
  FROM (
    SELECT 
      `__side`,
      `__rid`,
      MAX(`__e`) OVER (PARTITION BY `__k0` ORDER BY `__t` NULLS FIRST, `__side` NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS `__last`
    FROM (
      SELECT `__k0` AS `__k0`, `__e` AS `__t`, 2 AS `__side`, CAST(NULL AS BIGINT) AS `__rid`, `__e` AS `__e`
      FROM `__g5_rows`
      UNION ALL
      SELECT 
        `__k0` AS `__k0`,
        (`__t` - INTERVAL '86400' SECOND) AS `__t`,
        1 AS `__side`,
        `__rid` AS `__rid`,
        CAST(NULL AS TIMESTAMP_NTZ) AS `__e`
      FROM `__spine`
    ) AS `__u`
  ) AS `__r`
  WHERE `__side` = 1
),
`__g6_agg` AS (
  SELECT /*+ MERGE(`__s`) */ `__s`.`__rid` AS `__rid`, COUNT(*) AS `__v_f7`
  FROM `__spine` AS `__s`
  JOIN `events` ON (`events`.`account_id` = `__s`.`__k0`) AND ((`events`.`ts` < `__s`.`__t`) AND (`events`.`ts` > (`__s`.`__t` - INTERVAL '3600' SECOND)))
  GROUP BY `__s`.`__k0`, `__s`.`__rid`
),
`__g7_rows` AS (
  SELECT `__k0`, `__e`, `__v_f8`
  FROM (
    SELECT 
      `events`.`account_id` AS `__k0`,
      `events`.`ts` AS `__e`,
      `events`.`d` AS `__v_f8`,
      CAST(ROW_NUMBER() OVER (PARTITION BY `events`.`account_id`, `events`.`ts` ORDER BY `events`.`event_id` DESC NULLS LAST, `events`.`shop_id` DESC NULLS LAST, `events`.`i` DESC NULLS LAST, `events`.`j` DESC NULLS LAST, `events`.`d` DESC NULLS LAST, `events`.`s` DESC NULLS LAST, `events`.`p` DESC NULLS LAST, `events`.`b` DESC NULLS LAST, `events`.`dt` DESC NULLS LAST) AS BIGINT) AS `__n`
    FROM `events`
    WHERE `events`.`account_id` IS NOT NULL
  ) AS `__ranked`
  WHERE `__n` = 1
),
`__g7_last` AS (
  SELECT `__rid`, `__last`
  FROM (
    SELECT 
      `__side`,
      `__rid`,
      MAX(`__e`) OVER (PARTITION BY `__k0` ORDER BY `__t` NULLS FIRST, `__side` NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS `__last`
    FROM (
      SELECT `__k0` AS `__k0`, `__e` AS `__t`, 2 AS `__side`, CAST(NULL AS BIGINT) AS `__rid`, `__e` AS `__e`
      FROM `__g7_rows`
      UNION ALL
      SELECT 
        `__k0` AS `__k0`,
        `__t` AS `__t`,
        1 AS `__side`,
        `__rid` AS `__rid`,
        CAST(NULL AS TIMESTAMP_NTZ) AS `__e`
      FROM `__spine`
    ) AS `__u`
  ) AS `__r`
  WHERE `__side` = 1
),
`__g8_rows` AS (
  SELECT `__k0`, `__e`, `__v_f9`
  FROM (
    SELECT 
      `late_events_copy`.`account_id` AS `__k0`,
      `late_events_copy`.`ts` AS `__e`,
      `late_events_copy`.`d` AS `__v_f9`,
      CAST(ROW_NUMBER() OVER (PARTITION BY `late_events_copy`.`account_id`, `late_events_copy`.`ts` ORDER BY `late_events_copy`.`d` DESC NULLS LAST) AS BIGINT) AS `__n`
    FROM `late_events_copy`
    WHERE `late_events_copy`.`account_id` IS NOT NULL
  ) AS `__ranked`
  WHERE `__n` = 1
),
`__g8_last` AS (
  SELECT `__rid`, `__last`
  FROM (
    SELECT 
      `__side`,
      `__rid`,
      MAX(`__e`) OVER (PARTITION BY `__k0` ORDER BY `__t` NULLS FIRST, `__side` NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS `__last`
    FROM (
      SELECT `__k0` AS `__k0`, `__e` AS `__t`, 0 AS `__side`, CAST(NULL AS BIGINT) AS `__rid`, `__e` AS `__e`
      FROM `__g8_rows`
      UNION ALL
      SELECT 
        `__k0` AS `__k0`,
        (`__t` - INTERVAL '21600' SECOND) AS `__t`,
        1 AS `__side`,
        `__rid` AS `__rid`,
        CAST(NULL AS TIMESTAMP_NTZ) AS `__e`
      FROM `__spine`
    ) AS `__u`
  ) AS `__r`
  WHERE `__side` = 1
),
`__stage1` AS (
  SELECT 
    `__s`.*,
    `__g1_j`.`__v_f1` AS `f1`,
    `__g1_j`.`__v_f2` AS `f2`,
    `__g2_j`.`__e` AS `__g2__time`,
    `__g2_j`.`__v_f3` AS `f3`,
    COALESCE(`__g3_j`.`__v_f4`, 0) AS `f4`,
    `__g4_j`.`__v_f5` AS `f5`,
    `__g5_j`.`__e` AS `__g5__time`,
    `__g5_j`.`__v_f6` AS `f6`,
    COALESCE(`__g6_j`.`__v_f7`, 0) AS `f7`,
    `__g7_j`.`__e` AS `__g7__time`,
    `__g7_j`.`__v_f8` AS `f8`,
    `__g8_j`.`__e` AS `__g8__time`,
    `__g8_j`.`__v_f9` AS `f9`
  FROM `__spine` AS `__s`
  LEFT JOIN `__g1_agg` AS `__g1_j` ON `__g1_j`.`__rid` = `__s`.`__rid`
  LEFT JOIN `__g2_last` AS `__g2_l` ON `__g2_l`.`__rid` = `__s`.`__rid`
  LEFT JOIN `__g2_rows` AS `__g2_j` ON (`__s`.`__k0` = `__g2_j`.`__k0`) AND (`__g2_j`.`__e` = `__g2_l`.`__last`)
  LEFT JOIN `__g3_agg` AS `__g3_j` ON `__g3_j`.`__rid` = `__s`.`__rid`
  LEFT JOIN `__g4_agg` AS `__g4_j` ON `__g4_j`.`__rid` = `__s`.`__rid`
  LEFT JOIN `__g5_last` AS `__g5_l` ON `__g5_l`.`__rid` = `__s`.`__rid`
  LEFT JOIN `__g5_rows` AS `__g5_j` ON (`__s`.`__k0` = `__g5_j`.`__k0`) AND (`__g5_j`.`__e` = `__g5_l`.`__last`)
  LEFT JOIN `__g6_agg` AS `__g6_j` ON `__g6_j`.`__rid` = `__s`.`__rid`
  LEFT JOIN `__g7_last` AS `__g7_l` ON `__g7_l`.`__rid` = `__s`.`__rid`
  LEFT JOIN `__g7_rows` AS `__g7_j` ON (`__s`.`__k0` = `__g7_j`.`__k0`) AND (`__g7_j`.`__e` = `__g7_l`.`__last`)
  LEFT JOIN `__g8_last` AS `__g8_l` ON `__g8_l`.`__rid` = `__s`.`__rid`
  LEFT JOIN `__g8_rows` AS `__g8_j` ON (`__s`.`__k0` = `__g8_j`.`__k0`) AND (`__g8_j`.`__e` = `__g8_l`.`__last`)
)
SELECT 
  `__r`.`__k0` AS `account_id`,
  `__r`.`__k1` AS `shop_id`,
  `__r`.`__t` AS `happened_at`,
  `__r`.`f1` AS `late_sum_1d`,
  `__r`.`f2` AS `late_sum_7d`,
  CASE WHEN `__r`.`__g2__time` >= (`__r`.`__t` - INTERVAL '28800' SECOND) THEN `__r`.`f3` ELSE CAST(NULL AS STRING) END AS `late_last_s`,
  `__r`.`f4` AS `late_shop_n`,
  `__r`.`f5` AS `closed_visits_7d`,
  CASE WHEN `__r`.`__g5__time` >= (`__r`.`__t` - INTERVAL '259200' SECOND) THEN `__r`.`f6` ELSE CAST(NULL AS STRING) END AS `closed_note`,
  `__r`.`f7` AS `strict_n`,
  `__r`.`f8` AS `strict_last`,
  COALESCE(`__r`.`f9`, 5.791666666666667E0) AS `copy_last`,
  `__r`.`__label` AS `churned_av`
FROM `__stage1` AS `__r`
ORDER BY `__r`.`__rid` NULLS FIRST;
-- online vectors of entity account (spark)
WITH `__spine` AS (
  SELECT 
    `__k0`,
    TIMESTAMP_NTZ '2024-03-01 00:00:00' AS `__t`,
    CAST(ROW_NUMBER() OVER (ORDER BY `__k0` NULLS FIRST) AS BIGINT) AS `__rid`
  FROM (
    SELECT `late_events`.`account_id` AS `__k0`
    FROM `late_events`
    WHERE (`late_events`.`account_id` IS NOT NULL) AND (`late_events`.`ts` <= (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '21600' SECOND))
    UNION
    SELECT `daily_closed`.`account_id` AS `__k0`
    FROM `daily_closed`
    WHERE (`daily_closed`.`account_id` IS NOT NULL) AND (CAST(`daily_closed`.`day` AS TIMESTAMP_NTZ) <= (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '86400' SECOND))
    UNION
    SELECT `events`.`account_id` AS `__k0`
    FROM `events`
    WHERE (`events`.`account_id` IS NOT NULL) AND (`events`.`ts` <= TIMESTAMP_NTZ '2024-03-01 00:00:00')
    UNION
    SELECT `late_events_copy`.`account_id` AS `__k0`
    FROM `late_events_copy`
    WHERE (`late_events_copy`.`account_id` IS NOT NULL) AND (`late_events_copy`.`ts` <= (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '21600' SECOND))
  ) AS `__keys`
),
`__o1` AS (
  SELECT 
    `late_events`.`account_id` AS `__k0`,
    SUM(CASE WHEN `late_events`.`ts` > (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '108000' SECOND) THEN `late_events`.`d` END) AS `__a1`,
    MAX(`late_events`.`ts`) AS `__a2`,
    SUM(`late_events`.`d`) AS `__a3`
  FROM `late_events`
  WHERE ((`late_events`.`account_id` IS NOT NULL) AND (`late_events`.`ts` <= (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '21600' SECOND))) AND (`late_events`.`ts` > (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '626400' SECOND))
  GROUP BY `late_events`.`account_id`
),
`__o2` AS (
  SELECT 
    `daily_closed`.`account_id` AS `__k0`,
    SUM(`daily_closed`.`visits`) AS `__a1`,
    MAX(CAST(`daily_closed`.`day` AS TIMESTAMP_NTZ)) AS `__a2`
  FROM `daily_closed`
  WHERE ((`daily_closed`.`account_id` IS NOT NULL) AND (CAST(`daily_closed`.`day` AS TIMESTAMP_NTZ) <= (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '86400' SECOND))) AND (CAST(`daily_closed`.`day` AS TIMESTAMP_NTZ) > (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '691200' SECOND))
  GROUP BY `daily_closed`.`account_id`
),
`__o3` AS (
  SELECT `events`.`account_id` AS `__k0`, COUNT(*) AS `__a1`, MAX(`events`.`ts`) AS `__a2`
  FROM `events`
  WHERE ((`events`.`account_id` IS NOT NULL) AND (`events`.`ts` < TIMESTAMP_NTZ '2024-03-01 00:00:00')) AND (`events`.`ts` > (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '3600' SECOND))
  GROUP BY `events`.`account_id`
),
`__o4_max` AS (
  SELECT `late_events`.`account_id` AS `__k0`, MAX(`late_events`.`ts`) AS `__er`
  FROM `late_events`
  WHERE (`late_events`.`account_id` IS NOT NULL) AND (`late_events`.`ts` <= (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '21600' SECOND))
  GROUP BY `late_events`.`account_id`
),
`__o4` AS (
  SELECT `__k0`, `__e`, `__v_f3`
  FROM (
    SELECT 
      `__o4_m`.`__k0` AS `__k0`,
      `late_events`.`ts` AS `__e`,
      `late_events`.`s` AS `__v_f3`,
      CAST(ROW_NUMBER() OVER (PARTITION BY `__o4_m`.`__k0` ORDER BY `late_events`.`shop_id` DESC NULLS LAST, `late_events`.`d` DESC NULLS LAST, `late_events`.`s` DESC NULLS LAST) AS BIGINT) AS `__n`
    FROM `__o4_max` AS `__o4_m`
    JOIN `late_events` ON (`late_events`.`account_id` = `__o4_m`.`__k0`) AND (`late_events`.`ts` = `__o4_m`.`__er`)
  ) AS `__ranked`
  WHERE `__n` = 1
),
`__o5_max` AS (
  SELECT `daily_closed`.`account_id` AS `__k0`, MAX(`daily_closed`.`day`) AS `__er`
  FROM `daily_closed`
  WHERE (`daily_closed`.`account_id` IS NOT NULL) AND (CAST(`daily_closed`.`day` AS TIMESTAMP_NTZ) < (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '86400' SECOND))
  GROUP BY `daily_closed`.`account_id`
),
`__o5` AS (
  SELECT `__k0`, `__e`, `__v_f5`
  FROM (
    SELECT 
      `__o5_m`.`__k0` AS `__k0`,
      CAST(`daily_closed`.`day` AS TIMESTAMP_NTZ) AS `__e`,
      `daily_closed`.`note` AS `__v_f5`,
      CAST(ROW_NUMBER() OVER (PARTITION BY `__o5_m`.`__k0` ORDER BY `daily_closed`.`visits` DESC NULLS LAST, `daily_closed`.`note` DESC NULLS LAST) AS BIGINT) AS `__n`
    FROM `__o5_max` AS `__o5_m`
    JOIN `daily_closed` ON (`daily_closed`.`account_id` = `__o5_m`.`__k0`) AND (`daily_closed`.`day` = `__o5_m`.`__er`)
  ) AS `__ranked`
  WHERE `__n` = 1
),
`__o6_max` AS (
  SELECT `events`.`account_id` AS `__k0`, MAX(`events`.`ts`) AS `__er`
  FROM `events`
  WHERE (`events`.`account_id` IS NOT NULL) AND (`events`.`ts` < TIMESTAMP_NTZ '2024-03-01 00:00:00')
  GROUP BY `events`.`account_id`
),
`__o6` AS (
  SELECT `__k0`, `__e`, `__v_f7`
  FROM (
    SELECT 
      `__o6_m`.`__k0` AS `__k0`,
      `events`.`ts` AS `__e`,
      `events`.`d` AS `__v_f7`,
      CAST(ROW_NUMBER() OVER (PARTITION BY `__o6_m`.`__k0` ORDER BY `events`.`event_id` DESC NULLS LAST, `events`.`shop_id` DESC NULLS LAST, `events`.`i` DESC NULLS LAST, `events`.`j` DESC NULLS LAST, `events`.`d` DESC NULLS LAST, `events`.`s` DESC NULLS LAST, `events`.`p` DESC NULLS LAST, `events`.`b` DESC NULLS LAST, `events`.`dt` DESC NULLS LAST) AS BIGINT) AS `__n`
    FROM `__o6_max` AS `__o6_m`
    JOIN `events` ON (`events`.`account_id` = `__o6_m`.`__k0`) AND (`events`.`ts` = `__o6_m`.`__er`)
  ) AS `__ranked`
  WHERE `__n` = 1
),
`__o7_max` AS (
  SELECT `late_events_copy`.`account_id` AS `__k0`, MAX(`late_events_copy`.`ts`) AS `__er`
  FROM `late_events_copy`
  WHERE (`late_events_copy`.`account_id` IS NOT NULL) AND (`late_events_copy`.`ts` <= (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '21600' SECOND))
  GROUP BY `late_events_copy`.`account_id`
),
`__o7` AS (
  SELECT `__k0`, `__e`, `__v_f8`
  FROM (
    SELECT 
      `__o7_m`.`__k0` AS `__k0`,
      `late_events_copy`.`ts` AS `__e`,
      `late_events_copy`.`d` AS `__v_f8`,
      CAST(ROW_NUMBER() OVER (PARTITION BY `__o7_m`.`__k0` ORDER BY `late_events_copy`.`d` DESC NULLS LAST) AS BIGINT) AS `__n`
    FROM `__o7_max` AS `__o7_m`
    JOIN `late_events_copy` ON (`late_events_copy`.`account_id` = `__o7_m`.`__k0`) AND (`late_events_copy`.`ts` = `__o7_m`.`__er`)
  ) AS `__ranked`
  WHERE `__n` = 1
),
`__stage1` AS (
  SELECT 
    `__s`.*,
    `__o1_j`.`__a1` AS `f1`,
    CASE WHEN `__o1_j`.`__a2` > (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '108000' SECOND) THEN `__o1_j`.`__a2` END AS `f1__time`,
    `__o1_j`.`__a3` AS `f2`,
    `__o1_j`.`__a2` AS `f2__time`,
    `__o2_j`.`__a1` AS `f4`,
    `__o2_j`.`__a2` AS `f4__time`,
    COALESCE(`__o3_j`.`__a1`, 0) AS `f6`,
    `__o3_j`.`__a2` AS `f6__time`,
    `__o4_j`.`__e` AS `__o4__time`,
    `__o4_j`.`__v_f3` AS `f3`,
    `__o5_j`.`__e` AS `__o5__time`,
    `__o5_j`.`__v_f5` AS `f5`,
    `__o6_j`.`__e` AS `__o6__time`,
    `__o6_j`.`__v_f7` AS `f7`,
    `__o7_j`.`__e` AS `__o7__time`,
    `__o7_j`.`__v_f8` AS `f8`
  FROM `__spine` AS `__s`
  LEFT JOIN `__o1` AS `__o1_j` ON `__s`.`__k0` = `__o1_j`.`__k0`
  LEFT JOIN `__o2` AS `__o2_j` ON `__s`.`__k0` = `__o2_j`.`__k0`
  LEFT JOIN `__o3` AS `__o3_j` ON `__s`.`__k0` = `__o3_j`.`__k0`
  LEFT JOIN `__o4` AS `__o4_j` ON `__s`.`__k0` = `__o4_j`.`__k0`
  LEFT JOIN `__o5` AS `__o5_j` ON `__s`.`__k0` = `__o5_j`.`__k0`
  LEFT JOIN `__o6` AS `__o6_j` ON `__s`.`__k0` = `__o6_j`.`__k0`
  LEFT JOIN `__o7` AS `__o7_j` ON `__s`.`__k0` = `__o7_j`.`__k0`
)
SELECT 
  `__r`.`__k0` AS `account_id`,
  `__r`.`f1` AS `late_sum_1d`,
  `__r`.`f1__time` AS `f1__time`,
  `__r`.`f2` AS `late_sum_7d`,
  `__r`.`f2__time` AS `f2__time`,
  CASE WHEN `__r`.`__o4__time` >= (`__r`.`__t` - INTERVAL '28800' SECOND) THEN `__r`.`f3` ELSE CAST(NULL AS STRING) END AS `late_last_s`,
  `__r`.`__o4__time` AS `f3__time`,
  `__r`.`f4` AS `closed_visits_7d`,
  `__r`.`f4__time` AS `f4__time`,
  CASE WHEN `__r`.`__o5__time` >= (`__r`.`__t` - INTERVAL '259200' SECOND) THEN `__r`.`f5` ELSE CAST(NULL AS STRING) END AS `closed_note`,
  `__r`.`__o5__time` AS `f5__time`,
  `__r`.`f6` AS `strict_n`,
  `__r`.`f6__time` AS `f6__time`,
  `__r`.`f7` AS `strict_last`,
  `__r`.`__o6__time` AS `f7__time`,
  COALESCE(`__r`.`f8`, 5.791666666666667E0) AS `copy_last`,
  `__r`.`__o7__time` AS `f8__time`
FROM `__stage1` AS `__r`
ORDER BY `__r`.`__rid` NULLS FIRST;
