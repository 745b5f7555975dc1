-- view enriched_transactions (mysql)
CREATE VIEW `enriched_transactions` AS
SELECT 
  `t`.`txn_id` AS `txn_id`,
  `t`.`user_id` AS `user_id`,
  `t`.`card_id` AS `card_id`,
  `t`.`merchant_id` AS `merchant_id`,
  `t`.`amount` AS `amount`,
  `t`.`channel` AS `channel`,
  `t`.`status` AS `status`,
  `t`.`created_at` AS `created_at`,
  COALESCE(`u`.`country`, 'unknown') AS `user_country`,
  `m`.`category` AS `merchant_category`,
  CASE WHEN (`u`.`country` IS NULL) OR (`m`.`country` IS NULL) THEN FALSE WHEN `u`.`country` <> `m`.`country` THEN TRUE ELSE FALSE END AS `is_cross_border`,
  CASE WHEN `t`.`amount` >= 500 THEN 'high' WHEN `t`.`amount` >= 50 THEN 'medium' ELSE 'low' END AS `amount_band`,
  HOUR(`t`.`created_at`) AS `txn_hour`
FROM `transactions` AS `t`
LEFT JOIN `users` AS `u` ON `t`.`user_id` = `u`.`user_id`
LEFT JOIN `merchants` AS `m` ON `t`.`merchant_id` = `m`.`id`;

-- view user_daily_spend (mysql)
CREATE VIEW `user_daily_spend` AS
SELECT 
  `transactions`.`user_id` AS `user_id`,
  CAST(`transactions`.`created_at` AS DATE) AS `txn_day`,
  COUNT(*) AS `n_txns`,
  SUM(COALESCE(`transactions`.`amount`, 0.0E0)) AS `total_amount`,
  MAX(`transactions`.`created_at`) AS `last_txn_at`
FROM `transactions`
WHERE `transactions`.`status` = 'approved'
GROUP BY `transactions`.`user_id`, CAST(`transactions`.`created_at` AS DATE);

-- view labeled_transactions (mysql)
CREATE VIEW `labeled_transactions` AS
SELECT 
  `t`.`txn_id` AS `txn_id`,
  `t`.`user_id` AS `user_id`,
  `t`.`merchant_id` AS `merchant_id`,
  `t`.`card_id` AS `card_id`,
  `t`.`created_at` AS `created_at`,
  COALESCE(`f`.`confirmed`, FALSE) AS `is_fraud`
FROM `transactions` AS `t`
LEFT JOIN `fraud_reports` AS `f` ON `f`.`txn_id` = `t`.`txn_id`
WHERE `t`.`status` = 'approved';

-- training set fraud_detection v1 (mysql)
WITH `__spine` AS (
  SELECT *
  FROM (
    SELECT 
      *,
      ROW_NUMBER() OVER (ORDER BY CASE WHEN `__t` IS NULL THEN 0 ELSE 1 END, `__t`, CASE WHEN `__k0` IS NULL THEN 0 ELSE 1 END, `__k0`, CASE WHEN `__k1` IS NULL THEN 0 ELSE 1 END, `__k1`, CASE WHEN `__k2` IS NULL THEN 0 ELSE 1 END, `__k2`, CASE WHEN `__label` IS NULL THEN 0 ELSE 1 END, `__label`) AS `__rid`
    FROM (
      SELECT 
        `labeled_transactions`.`user_id` AS `__k0`,
        `labeled_transactions`.`merchant_id` AS `__k1`,
        `labeled_transactions`.`card_id` AS `__k2`,
        `labeled_transactions`.`created_at` AS `__t`,
        `labeled_transactions`.`is_fraud` AS `__label`
      FROM `labeled_transactions`
      WHERE (`labeled_transactions`.`user_id` IS NOT NULL) AND (`labeled_transactions`.`created_at` IS NOT NULL)
    ) AS `__labels`
  ) AS `__numbered`
  WHERE MOD(MOD(MOD((`__rid` + 42) * 48271, 2147483647) * 48271, 2147483647), 1000000) < 500000
),
`__stage1` AS (
  SELECT 
    `__s`.*,
    (
    SELECT COUNT(*)
    FROM `transactions`
    WHERE (`transactions`.`user_id` = `__s`.`__k0`) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL 604800 SECOND)))
  ) AS `f1`,
    (
    SELECT MAX(`transactions`.`amount`)
    FROM `transactions`
    WHERE (`transactions`.`user_id` = `__s`.`__k0`) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL 86400 SECOND)))
  ) AS `f4`,
    (
    SELECT SUM(`transactions`.`amount`)
    FROM `transactions`
    WHERE ((`transactions`.`user_id` = `__s`.`__k0`) AND (`transactions`.`status` = 'approved')) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL 2592000 SECOND)))
  ) AS `f2`,
    (
    SELECT AVG(CAST(`transactions`.`amount` AS DOUBLE))
    FROM `transactions`
    WHERE ((`transactions`.`user_id` = `__s`.`__k0`) AND (`transactions`.`status` = 'approved')) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL 604800 SECOND)))
  ) AS `f3`,
    (
    SELECT MAX(`transactions`.`created_at`)
    FROM `transactions`
    WHERE (`transactions`.`user_id` = `__s`.`__k0`) AND (`transactions`.`created_at` <= `__s`.`__t`)
  ) AS `__g3__time`,
    (
    SELECT `users`.`country`
    FROM `users`
    WHERE `users`.`user_id` = `__s`.`__k0`
    ORDER BY CASE WHEN `users`.`country` IS NULL THEN 1 ELSE 0 END, `users`.`country` DESC, CASE WHEN `users`.`signup_date` IS NULL THEN 1 ELSE 0 END, `users`.`signup_date` DESC, CASE WHEN `users`.`age` IS NULL THEN 1 ELSE 0 END, `users`.`age` DESC, CASE WHEN `users`.`is_premium` IS NULL THEN 1 ELSE 0 END, `users`.`is_premium` DESC
    LIMIT 1
  ) AS `f6`,
    (
    SELECT `users`.`age`
    FROM `users`
    WHERE `users`.`user_id` = `__s`.`__k0`
    ORDER BY CASE WHEN `users`.`country` IS NULL THEN 1 ELSE 0 END, `users`.`country` DESC, CASE WHEN `users`.`signup_date` IS NULL THEN 1 ELSE 0 END, `users`.`signup_date` DESC, CASE WHEN `users`.`age` IS NULL THEN 1 ELSE 0 END, `users`.`age` DESC, CASE WHEN `users`.`is_premium` IS NULL THEN 1 ELSE 0 END, `users`.`is_premium` DESC
    LIMIT 1
  ) AS `f7`,
    (
    SELECT SUM(`enriched_transactions`.`amount`)
    FROM `enriched_transactions`
    WHERE ((`enriched_transactions`.`user_id` = `__s`.`__k0`) AND (`enriched_transactions`.`is_cross_border` AND (`enriched_transactions`.`status` = 'approved'))) AND ((`enriched_transactions`.`created_at` <= `__s`.`__t`) AND (`enriched_transactions`.`created_at` > (`__s`.`__t` - INTERVAL 2592000 SECOND)))
  ) AS `f8`,
    (
    SELECT COUNT(*)
    FROM `user_daily_spend`
    WHERE (`user_daily_spend`.`user_id` = `__s`.`__k0`) AND ((`user_daily_spend`.`last_txn_at` <= `__s`.`__t`) AND (`user_daily_spend`.`last_txn_at` > (`__s`.`__t` - INTERVAL 2592000 SECOND)))
  ) AS `f9`,
    (
    SELECT `merchants`.`category`
    FROM `merchants`
    WHERE `merchants`.`id` = `__s`.`__k1`
    ORDER BY CASE WHEN `merchants`.`name` IS NULL THEN 1 ELSE 0 END, `merchants`.`name` DESC, CASE WHEN `merchants`.`category` IS NULL THEN 1 ELSE 0 END, `merchants`.`category` DESC, CASE WHEN `merchants`.`country` IS NULL THEN 1 ELSE 0 END, `merchants`.`country` DESC, CASE WHEN `merchants`.`onboarded_on` IS NULL THEN 1 ELSE 0 END, `merchants`.`onboarded_on` DESC, CASE WHEN `merchants`.`risk_tier` IS NULL THEN 1 ELSE 0 END, `merchants`.`risk_tier` DESC, CASE WHEN `merchants`.`is_terminated` IS NULL THEN 1 ELSE 0 END, `merchants`.`is_terminated` DESC
    LIMIT 1
  ) AS `f10`,
    (
    SELECT `merchants`.`risk_tier`
    FROM `merchants`
    WHERE `merchants`.`id` = `__s`.`__k1`
    ORDER BY CASE WHEN `merchants`.`name` IS NULL THEN 1 ELSE 0 END, `merchants`.`name` DESC, CASE WHEN `merchants`.`category` IS NULL THEN 1 ELSE 0 END, `merchants`.`category` DESC, CASE WHEN `merchants`.`country` IS NULL THEN 1 ELSE 0 END, `merchants`.`country` DESC, CASE WHEN `merchants`.`onboarded_on` IS NULL THEN 1 ELSE 0 END, `merchants`.`onboarded_on` DESC, CASE WHEN `merchants`.`risk_tier` IS NULL THEN 1 ELSE 0 END, `merchants`.`risk_tier` DESC, CASE WHEN `merchants`.`is_terminated` IS NULL THEN 1 ELSE 0 END, `merchants`.`is_terminated` DESC
    LIMIT 1
  ) AS `f11`,
    (
    SELECT COUNT(*)
    FROM `fraud_reports`
    WHERE ((`fraud_reports`.`merchant_id` = `__s`.`__k1`) AND `fraud_reports`.`confirmed`) AND ((`fraud_reports`.`reported_at` <= `__s`.`__t`) AND (`fraud_reports`.`reported_at` > (`__s`.`__t` - INTERVAL 2592000 SECOND)))
  ) AS `f12`,
    (
    SELECT COUNT(DISTINCT `transactions`.`merchant_id`)
    FROM `transactions`
    WHERE (`transactions`.`card_id` = `__s`.`__k2`) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL 86400 SECOND)))
  ) AS `f13`,
    (
    SELECT MIN(`transactions`.`amount`)
    FROM `transactions`
    WHERE (`transactions`.`card_id` = `__s`.`__k2`) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL 86400 SECOND)))
  ) AS `f14`
  FROM `__spine` AS `__s`
),
`__stage2` AS (
  SELECT 
    `__st`.*,
    (
    SELECT `transactions`.`channel`
    FROM `transactions`
    WHERE (`transactions`.`user_id` = `__st`.`__k0`) AND (`transactions`.`created_at` = `__st`.`__g3__time`)
    ORDER BY CASE WHEN `transactions`.`txn_id` IS NULL THEN 1 ELSE 0 END, `transactions`.`txn_id` DESC, CASE WHEN `transactions`.`card_id` IS NULL THEN 1 ELSE 0 END, `transactions`.`card_id` DESC, CASE WHEN `transactions`.`merchant_id` IS NULL THEN 1 ELSE 0 END, `transactions`.`merchant_id` DESC, CASE WHEN `transactions`.`amount` IS NULL THEN 1 ELSE 0 END, `transactions`.`amount` DESC, CASE WHEN `transactions`.`currency` IS NULL THEN 1 ELSE 0 END, `transactions`.`currency` DESC, CASE WHEN `transactions`.`channel` IS NULL THEN 1 ELSE 0 END, `transactions`.`channel` DESC, CASE WHEN `transactions`.`status` IS NULL THEN 1 ELSE 0 END, `transactions`.`status` DESC
    LIMIT 1
  ) AS `f5`
  FROM `__stage1` AS `__st`
)
SELECT 
  `__r`.`__k0` AS `user_id`,
  `__r`.`__k1` AS `merchant_id`,
  `__r`.`__k2` AS `card_id`,
  `__r`.`__t` AS `created_at`,
  SIGN(CAST(`__r`.`f1` AS DOUBLE)) * LN(1.0E0 + ABS(CAST(`__r`.`f1` AS DOUBLE))) AS `txn_count_7d`,
  SIGN(COALESCE(`__r`.`f2`, 0.0E0)) * LN(1.0E0 + ABS(COALESCE(`__r`.`f2`, 0.0E0))) AS `spend_30d`,
  (COALESCE(`__r`.`f3`, 6.375E0) - 6.375E0) / 11.75E0 AS `avg_amount_7d`,
  (COALESCE(`__r`.`f4`, 0.0E0) - -3.0E0) / 15.25E0 AS `max_amount_24h`,
  CASE WHEN CAST(COALESCE(CASE WHEN `__r`.`__g3__time` >= (`__r`.`__t` - INTERVAL 1209600 SECOND) THEN `__r`.`f5` ELSE CAST(NULL AS CHAR) END, 'US') AS BINARY) = 'online' THEN 1 ELSE 0 END AS `last_channel__online`,
  CASE WHEN CAST(COALESCE(CASE WHEN `__r`.`__g3__time` >= (`__r`.`__t` - INTERVAL 1209600 SECOND) THEN `__r`.`f5` ELSE CAST(NULL AS CHAR) END, 'US') AS BINARY) = 'pos' THEN 1 ELSE 0 END AS `last_channel__pos`,
  CASE WHEN CAST(COALESCE(CASE WHEN `__r`.`__g3__time` >= (`__r`.`__t` - INTERVAL 1209600 SECOND) THEN `__r`.`f5` ELSE CAST(NULL AS CHAR) END, 'US') AS BINARY) = 'atm' THEN 1 ELSE 0 END AS `last_channel__atm`,
  CASE WHEN CAST(COALESCE(`__r`.`f6`, 'unknown') AS BINARY) = 'US' THEN 1 ELSE 0 END AS `home_country__US`,
  CASE WHEN CAST(COALESCE(`__r`.`f6`, 'unknown') AS BINARY) = 'DE' THEN 1 ELSE 0 END AS `home_country__DE`,
  CASE WHEN CAST(COALESCE(`__r`.`f6`, 'unknown') AS BINARY) = 'FR' THEN 1 ELSE 0 END AS `home_country__FR`,
  CASE WHEN CAST(COALESCE(`__r`.`f6`, 'unknown') AS BINARY) = 'pos' THEN 1 ELSE 0 END AS `home_country__pos`,
  (COALESCE(CAST(`__r`.`f7` AS DOUBLE), 1.5E0) - 2.0E0) / 1.4142135623730951E0 AS `user_age`,
  SIGN(COALESCE(`__r`.`f8`, 0.0E0)) * LN(1.0E0 + ABS(COALESCE(`__r`.`f8`, 0.0E0))) AS `cross_border_spend_30d`,
  `__r`.`f9` AS `active_days_30d`,
  CASE WHEN `__r`.`f10` = 'US' THEN 1 ELSE 0 END AS `merchant_category__US`,
  CASE WHEN `__r`.`f10` = 'DE' THEN 1 ELSE 0 END AS `merchant_category__DE`,
  CASE WHEN `__r`.`f10` = 'FR' THEN 1 ELSE 0 END AS `merchant_category__FR`,
  CASE WHEN `__r`.`f10` = 'pos' THEN 1 ELSE 0 END AS `merchant_category__pos`,
  CASE WHEN `__r`.`f11` = 1 THEN 1 ELSE 0 END AS `merchant_risk_tier__1`,
  CASE WHEN `__r`.`f11` = 2 THEN 1 ELSE 0 END AS `merchant_risk_tier__2`,
  CASE WHEN `__r`.`f11` = 3 THEN 1 ELSE 0 END AS `merchant_risk_tier__3`,
  `__r`.`f12` AS `merchant_chargebacks_30d`,
  `__r`.`f13` AS `card_distinct_merchants_24h`,
  SIGN(COALESCE(`__r`.`f14`, 6.375E0)) * LN(1.0E0 + ABS(COALESCE(`__r`.`f14`, 6.375E0))) AS `card_min_amount_24h`,
  `__r`.`__label` AS `is_fraud`
FROM `__stage2` AS `__r`
ORDER BY CASE WHEN `__r`.`__rid` IS NULL THEN 0 ELSE 1 END, `__r`.`__rid`;

-- training set merchant_abuse v1 (mysql)
WITH `__spine` AS (
  SELECT 
    *,
    ROW_NUMBER() OVER (ORDER BY CASE WHEN `__t` IS NULL THEN 0 ELSE 1 END, `__t`, CASE WHEN `__k0` IS NULL THEN 0 ELSE 1 END, `__k0`, CASE WHEN `__label` IS NULL THEN 0 ELSE 1 END, `__label`) AS `__rid`
  FROM (
    SELECT 
      `merchants`.`id` AS `__k0`,
      TIMESTAMP '2024-03-01 00:00:00' AS `__t`,
      COALESCE(`merchants`.`is_terminated`, FALSE) AS `__label`
    FROM `merchants`
    WHERE `merchants`.`id` IS NOT NULL
  ) AS `__labels`
),
`__stage1` AS (
  SELECT 
    `__s`.*,
    (
    SELECT `merchants`.`category`
    FROM `merchants`
    WHERE `merchants`.`id` = `__s`.`__k0`
    ORDER BY CASE WHEN `merchants`.`name` IS NULL THEN 1 ELSE 0 END, `merchants`.`name` DESC, CASE WHEN `merchants`.`category` IS NULL THEN 1 ELSE 0 END, `merchants`.`category` DESC, CASE WHEN `merchants`.`country` IS NULL THEN 1 ELSE 0 END, `merchants`.`country` DESC, CASE WHEN `merchants`.`onboarded_on` IS NULL THEN 1 ELSE 0 END, `merchants`.`onboarded_on` DESC, CASE WHEN `merchants`.`risk_tier` IS NULL THEN 1 ELSE 0 END, `merchants`.`risk_tier` DESC, CASE WHEN `merchants`.`is_terminated` IS NULL THEN 1 ELSE 0 END, `merchants`.`is_terminated` DESC
    LIMIT 1
  ) AS `f1`,
    (
    SELECT COUNT(*)
    FROM `fraud_reports`
    WHERE ((`fraud_reports`.`merchant_id` = `__s`.`__k0`) AND `fraud_reports`.`confirmed`) AND ((`fraud_reports`.`reported_at` <= `__s`.`__t`) AND (`fraud_reports`.`reported_at` > (`__s`.`__t` - INTERVAL 2592000 SECOND)))
  ) AS `f2`
  FROM `__spine` AS `__s`
)
SELECT 
  `__r`.`__k0` AS `merchant_id`,
  CASE WHEN `__r`.`f1` = 'US' THEN 1 ELSE 0 END AS `merchant_category__US`,
  CASE WHEN `__r`.`f1` = 'DE' THEN 1 ELSE 0 END AS `merchant_category__DE`,
  CASE WHEN `__r`.`f1` = 'FR' THEN 1 ELSE 0 END AS `merchant_category__FR`,
  CASE WHEN `__r`.`f1` = 'pos' THEN 1 ELSE 0 END AS `merchant_category__pos`,
  `__r`.`f2` AS `merchant_chargebacks_30d`,
  `__r`.`__label` AS `merchant_terminated`
FROM `__stage1` AS `__r`
ORDER BY CASE WHEN `__r`.`__rid` IS NULL THEN 0 ELSE 1 END, `__r`.`__rid`;

-- online vectors of entity user (mysql)
WITH `__spine` AS (
  SELECT 
    `__k0`,
    TIMESTAMP '2024-03-01 00:00:00' AS `__t`,
    ROW_NUMBER() OVER (ORDER BY CASE WHEN `__k0` IS NULL THEN 0 ELSE 1 END, `__k0`) AS `__rid`
  FROM (
    SELECT `users`.`user_id` AS `__k0`
    FROM `users`
    WHERE `users`.`user_id` IS NOT NULL
    UNION
    SELECT `enriched_transactions`.`user_id` AS `__k0`
    FROM `enriched_transactions`
    WHERE (`enriched_transactions`.`user_id` IS NOT NULL) AND (`enriched_transactions`.`created_at` <= TIMESTAMP '2024-03-01 00:00:00')
    UNION
    SELECT `user_daily_spend`.`user_id` AS `__k0`
    FROM `user_daily_spend`
    WHERE (`user_daily_spend`.`user_id` IS NOT NULL) AND (`user_daily_spend`.`last_txn_at` <= TIMESTAMP '2024-03-01 00:00:00')
    UNION
    SELECT `app_events`.`account_id` AS `__k0`
    FROM `app_events`
    WHERE (`app_events`.`account_id` IS NOT NULL) AND (`app_events`.`ts` <= TIMESTAMP '2024-03-01 00:00:00')
    UNION
    SELECT `transactions`.`user_id` AS `__k0`
    FROM `transactions`
    WHERE (`transactions`.`user_id` IS NOT NULL) AND (`transactions`.`created_at` <= TIMESTAMP '2024-03-01 00:00:00')
  ) AS `__keys`
),
`__stage1` AS (
  SELECT 
    `__s`.*,
    (
    SELECT `users`.`country`
    FROM `users`
    WHERE `users`.`user_id` = `__s`.`__k0`
    ORDER BY CASE WHEN `users`.`country` IS NULL THEN 1 ELSE 0 END, `users`.`country` DESC, CASE WHEN `users`.`signup_date` IS NULL THEN 1 ELSE 0 END, `users`.`signup_date` DESC, CASE WHEN `users`.`age` IS NULL THEN 1 ELSE 0 END, `users`.`age` DESC, CASE WHEN `users`.`is_premium` IS NULL THEN 1 ELSE 0 END, `users`.`is_premium` DESC
    LIMIT 1
  ) AS `f1`,
    (
    SELECT `users`.`age`
    FROM `users`
    WHERE `users`.`user_id` = `__s`.`__k0`
    ORDER BY CASE WHEN `users`.`country` IS NULL THEN 1 ELSE 0 END, `users`.`country` DESC, CASE WHEN `users`.`signup_date` IS NULL THEN 1 ELSE 0 END, `users`.`signup_date` DESC, CASE WHEN `users`.`age` IS NULL THEN 1 ELSE 0 END, `users`.`age` DESC, CASE WHEN `users`.`is_premium` IS NULL THEN 1 ELSE 0 END, `users`.`is_premium` DESC
    LIMIT 1
  ) AS `f2`,
    (
    SELECT SUM(`enriched_transactions`.`amount`)
    FROM `enriched_transactions`
    WHERE ((`enriched_transactions`.`user_id` = `__s`.`__k0`) AND (`enriched_transactions`.`is_cross_border` AND (`enriched_transactions`.`status` = 'approved'))) AND ((`enriched_transactions`.`created_at` <= `__s`.`__t`) AND (`enriched_transactions`.`created_at` > (`__s`.`__t` - INTERVAL 2592000 SECOND)))
  ) AS `f3`,
    (
    SELECT MAX(`enriched_transactions`.`created_at`)
    FROM `enriched_transactions`
    WHERE ((`enriched_transactions`.`user_id` = `__s`.`__k0`) AND (`enriched_transactions`.`is_cross_border` AND (`enriched_transactions`.`status` = 'approved'))) AND ((`enriched_transactions`.`created_at` <= `__s`.`__t`) AND (`enriched_transactions`.`created_at` > (`__s`.`__t` - INTERVAL 2592000 SECOND)))
  ) AS `f3__time`,
    (
    SELECT COUNT(*)
    FROM `user_daily_spend`
    WHERE (`user_daily_spend`.`user_id` = `__s`.`__k0`) AND ((`user_daily_spend`.`last_txn_at` <= `__s`.`__t`) AND (`user_daily_spend`.`last_txn_at` > (`__s`.`__t` - INTERVAL 2592000 SECOND)))
  ) AS `f4`,
    (
    SELECT MAX(`user_daily_spend`.`last_txn_at`)
    FROM `user_daily_spend`
    WHERE (`user_daily_spend`.`user_id` = `__s`.`__k0`) AND ((`user_daily_spend`.`last_txn_at` <= `__s`.`__t`) AND (`user_daily_spend`.`last_txn_at` > (`__s`.`__t` - INTERVAL 2592000 SECOND)))
  ) AS `f4__time`,
    (
    SELECT COUNT(*)
    FROM `app_events`
    WHERE ((`app_events`.`account_id` = `__s`.`__k0`) AND (`app_events`.`event_type` = 'login_failed')) AND ((`app_events`.`ts` <= `__s`.`__t`) AND (`app_events`.`ts` > (`__s`.`__t` - INTERVAL 86400 SECOND)))
  ) AS `f5`,
    (
    SELECT MAX(`app_events`.`ts`)
    FROM `app_events`
    WHERE ((`app_events`.`account_id` = `__s`.`__k0`) AND (`app_events`.`event_type` = 'login_failed')) AND ((`app_events`.`ts` <= `__s`.`__t`) AND (`app_events`.`ts` > (`__s`.`__t` - INTERVAL 86400 SECOND)))
  ) AS `f5__time`,
    (
    SELECT COUNT(*)
    FROM `transactions`
    WHERE (`transactions`.`user_id` = `__s`.`__k0`) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL 604800 SECOND)))
  ) AS `f6`,
    (
    SELECT MAX(`transactions`.`created_at`)
    FROM `transactions`
    WHERE (`transactions`.`user_id` = `__s`.`__k0`) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL 604800 SECOND)))
  ) AS `f6__time`,
    (
    SELECT MAX(`transactions`.`amount`)
    FROM `transactions`
    WHERE (`transactions`.`user_id` = `__s`.`__k0`) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL 86400 SECOND)))
  ) AS `f9`,
    (
    SELECT MAX(`transactions`.`created_at`)
    FROM `transactions`
    WHERE (`transactions`.`user_id` = `__s`.`__k0`) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL 86400 SECOND)))
  ) AS `f9__time`,
    (
    SELECT SUM(`transactions`.`amount`)
    FROM `transactions`
    WHERE ((`transactions`.`user_id` = `__s`.`__k0`) AND (`transactions`.`status` = 'approved')) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL 2592000 SECOND)))
  ) AS `f7`,
    (
    SELECT MAX(`transactions`.`created_at`)
    FROM `transactions`
    WHERE ((`transactions`.`user_id` = `__s`.`__k0`) AND (`transactions`.`status` = 'approved')) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL 2592000 SECOND)))
  ) AS `f7__time`,
    (
    SELECT AVG(CAST(`transactions`.`amount` AS DOUBLE))
    FROM `transactions`
    WHERE ((`transactions`.`user_id` = `__s`.`__k0`) AND (`transactions`.`status` = 'approved')) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL 604800 SECOND)))
  ) AS `f8`,
    (
    SELECT MAX(`transactions`.`created_at`)
    FROM `transactions`
    WHERE ((`transactions`.`user_id` = `__s`.`__k0`) AND (`transactions`.`status` = 'approved')) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL 604800 SECOND)))
  ) AS `f8__time`,
    (
    SELECT MAX(`transactions`.`created_at`)
    FROM `transactions`
    WHERE (`transactions`.`user_id` = `__s`.`__k0`) AND (`transactions`.`created_at` <= `__s`.`__t`)
  ) AS `__g7__time`
  FROM `__spine` AS `__s`
),
`__stage2` AS (
  SELECT 
    `__st`.*,
    (
    SELECT `transactions`.`channel`
    FROM `transactions`
    WHERE (`transactions`.`user_id` = `__st`.`__k0`) AND (`transactions`.`created_at` = `__st`.`__g7__time`)
    ORDER BY CASE WHEN `transactions`.`txn_id` IS NULL THEN 1 ELSE 0 END, `transactions`.`txn_id` DESC, CASE WHEN `transactions`.`card_id` IS NULL THEN 1 ELSE 0 END, `transactions`.`card_id` DESC, CASE WHEN `transactions`.`merchant_id` IS NULL THEN 1 ELSE 0 END, `transactions`.`merchant_id` DESC, CASE WHEN `transactions`.`amount` IS NULL THEN 1 ELSE 0 END, `transactions`.`amount` DESC, CASE WHEN `transactions`.`currency` IS NULL THEN 1 ELSE 0 END, `transactions`.`currency` DESC, CASE WHEN `transactions`.`channel` IS NULL THEN 1 ELSE 0 END, `transactions`.`channel` DESC, CASE WHEN `transactions`.`status` IS NULL THEN 1 ELSE 0 END, `transactions`.`status` DESC
    LIMIT 1
  ) AS `f10`
  FROM `__stage1` AS `__st`
)
SELECT 
  `__r`.`__k0` AS `user_id`,
  CASE WHEN CAST(COALESCE(`__r`.`f1`, 'unknown') AS BINARY) = 'US' THEN 1 ELSE 0 END AS `home_country__US`,
  CASE WHEN CAST(COALESCE(`__r`.`f1`, 'unknown') AS BINARY) = 'DE' THEN 1 ELSE 0 END AS `home_country__DE`,
  CASE WHEN CAST(COALESCE(`__r`.`f1`, 'unknown') AS BINARY) = 'FR' THEN 1 ELSE 0 END AS `home_country__FR`,
  CASE WHEN CAST(COALESCE(`__r`.`f1`, 'unknown') AS BINARY) = 'pos' THEN 1 ELSE 0 END AS `home_country__pos`,
  CAST(NULL AS DATETIME(6)) AS `f1__time`,
  (COALESCE(CAST(`__r`.`f2` AS DOUBLE), 1.5E0) - 2.0E0) / 1.4142135623730951E0 AS `user_age`,
  SIGN(COALESCE(`__r`.`f3`, 0.0E0)) * LN(1.0E0 + ABS(COALESCE(`__r`.`f3`, 0.0E0))) AS `cross_border_spend_30d`,
  `__r`.`f3__time` AS `f3__time`,
  `__r`.`f4` AS `active_days_30d`,
  `__r`.`f4__time` AS `f4__time`,
  `__r`.`f5` AS `failed_logins_24h`,
  `__r`.`f5__time` AS `f5__time`,
  SIGN(CAST(`__r`.`f6` AS DOUBLE)) * LN(1.0E0 + ABS(CAST(`__r`.`f6` AS DOUBLE))) AS `txn_count_7d`,
  `__r`.`f6__time` AS `f6__time`,
  SIGN(COALESCE(`__r`.`f7`, 0.0E0)) * LN(1.0E0 + ABS(COALESCE(`__r`.`f7`, 0.0E0))) AS `spend_30d`,
  `__r`.`f7__time` AS `f7__time`,
  (COALESCE(`__r`.`f8`, 6.375E0) - 6.375E0) / 11.75E0 AS `avg_amount_7d`,
  `__r`.`f8__time` AS `f8__time`,
  (COALESCE(`__r`.`f9`, 0.0E0) - -3.0E0) / 15.25E0 AS `max_amount_24h`,
  `__r`.`f9__time` AS `f9__time`,
  CASE WHEN CAST(COALESCE(CASE WHEN `__r`.`__g7__time` >= (`__r`.`__t` - INTERVAL 1209600 SECOND) THEN `__r`.`f10` ELSE CAST(NULL AS CHAR) END, 'US') AS BINARY) = 'online' THEN 1 ELSE 0 END AS `last_channel__online`,
  CASE WHEN CAST(COALESCE(CASE WHEN `__r`.`__g7__time` >= (`__r`.`__t` - INTERVAL 1209600 SECOND) THEN `__r`.`f10` ELSE CAST(NULL AS CHAR) END, 'US') AS BINARY) = 'pos' THEN 1 ELSE 0 END AS `last_channel__pos`,
  CASE WHEN CAST(COALESCE(CASE WHEN `__r`.`__g7__time` >= (`__r`.`__t` - INTERVAL 1209600 SECOND) THEN `__r`.`f10` ELSE CAST(NULL AS CHAR) END, 'US') AS BINARY) = 'atm' THEN 1 ELSE 0 END AS `last_channel__atm`,
  `__r`.`__g7__time` AS `f10__time`
FROM `__stage2` AS `__r`
ORDER BY CASE WHEN `__r`.`__rid` IS NULL THEN 0 ELSE 1 END, `__r`.`__rid`;

-- online vectors of entity merchant (mysql)
WITH `__spine` AS (
  SELECT 
    `__k0`,
    TIMESTAMP '2024-03-01 00:00:00' AS `__t`,
    ROW_NUMBER() OVER (ORDER BY CASE WHEN `__k0` IS NULL THEN 0 ELSE 1 END, `__k0`) AS `__rid`
  FROM (
    SELECT `merchants`.`id` AS `__k0`
    FROM `merchants`
    WHERE `merchants`.`id` IS NOT NULL
    UNION
    SELECT `fraud_reports`.`merchant_id` AS `__k0`
    FROM `fraud_reports`
    WHERE (`fraud_reports`.`merchant_id` IS NOT NULL) AND (`fraud_reports`.`reported_at` <= TIMESTAMP '2024-03-01 00:00:00')
  ) AS `__keys`
),
`__stage1` AS (
  SELECT 
    `__s`.*,
    (
    SELECT `merchants`.`category`
    FROM `merchants`
    WHERE `merchants`.`id` = `__s`.`__k0`
    ORDER BY CASE WHEN `merchants`.`name` IS NULL THEN 1 ELSE 0 END, `merchants`.`name` DESC, CASE WHEN `merchants`.`category` IS NULL THEN 1 ELSE 0 END, `merchants`.`category` DESC, CASE WHEN `merchants`.`country` IS NULL THEN 1 ELSE 0 END, `merchants`.`country` DESC, CASE WHEN `merchants`.`onboarded_on` IS NULL THEN 1 ELSE 0 END, `merchants`.`onboarded_on` DESC, CASE WHEN `merchants`.`risk_tier` IS NULL THEN 1 ELSE 0 END, `merchants`.`risk_tier` DESC, CASE WHEN `merchants`.`is_terminated` IS NULL THEN 1 ELSE 0 END, `merchants`.`is_terminated` DESC
    LIMIT 1
  ) AS `f1`,
    (
    SELECT `merchants`.`risk_tier`
    FROM `merchants`
    WHERE `merchants`.`id` = `__s`.`__k0`
    ORDER BY CASE WHEN `merchants`.`name` IS NULL THEN 1 ELSE 0 END, `merchants`.`name` DESC, CASE WHEN `merchants`.`category` IS NULL THEN 1 ELSE 0 END, `merchants`.`category` DESC, CASE WHEN `merchants`.`country` IS NULL THEN 1 ELSE 0 END, `merchants`.`country` DESC, CASE WHEN `merchants`.`onboarded_on` IS NULL THEN 1 ELSE 0 END, `merchants`.`onboarded_on` DESC, CASE WHEN `merchants`.`risk_tier` IS NULL THEN 1 ELSE 0 END, `merchants`.`risk_tier` DESC, CASE WHEN `merchants`.`is_terminated` IS NULL THEN 1 ELSE 0 END, `merchants`.`is_terminated` DESC
    LIMIT 1
  ) AS `f2`,
    (
    SELECT COUNT(*)
    FROM `fraud_reports`
    WHERE ((`fraud_reports`.`merchant_id` = `__s`.`__k0`) AND `fraud_reports`.`confirmed`) AND ((`fraud_reports`.`reported_at` <= `__s`.`__t`) AND (`fraud_reports`.`reported_at` > (`__s`.`__t` - INTERVAL 2592000 SECOND)))
  ) AS `f3`,
    (
    SELECT MAX(`fraud_reports`.`reported_at`)
    FROM `fraud_reports`
    WHERE ((`fraud_reports`.`merchant_id` = `__s`.`__k0`) AND `fraud_reports`.`confirmed`) AND ((`fraud_reports`.`reported_at` <= `__s`.`__t`) AND (`fraud_reports`.`reported_at` > (`__s`.`__t` - INTERVAL 2592000 SECOND)))
  ) AS `f3__time`
  FROM `__spine` AS `__s`
)
SELECT 
  `__r`.`__k0` AS `merchant_id`,
  CASE WHEN `__r`.`f1` = 'US' THEN 1 ELSE 0 END AS `merchant_category__US`,
  CASE WHEN `__r`.`f1` = 'DE' THEN 1 ELSE 0 END AS `merchant_category__DE`,
  CASE WHEN `__r`.`f1` = 'FR' THEN 1 ELSE 0 END AS `merchant_category__FR`,
  CASE WHEN `__r`.`f1` = 'pos' THEN 1 ELSE 0 END AS `merchant_category__pos`,
  CAST(NULL AS DATETIME(6)) AS `f1__time`,
  CASE WHEN `__r`.`f2` = 1 THEN 1 ELSE 0 END AS `merchant_risk_tier__1`,
  CASE WHEN `__r`.`f2` = 2 THEN 1 ELSE 0 END AS `merchant_risk_tier__2`,
  CASE WHEN `__r`.`f2` = 3 THEN 1 ELSE 0 END AS `merchant_risk_tier__3`,
  `__r`.`f3` AS `merchant_chargebacks_30d`,
  `__r`.`f3__time` AS `f3__time`
FROM `__stage1` AS `__r`
ORDER BY CASE WHEN `__r`.`__rid` IS NULL THEN 0 ELSE 1 END, `__r`.`__rid`;

-- online vectors of entity card (mysql)
WITH `__spine` AS (
  SELECT 
    `__k0`,
    TIMESTAMP '2024-03-01 00:00:00' AS `__t`,
    ROW_NUMBER() OVER (ORDER BY CASE WHEN `__k0` IS NULL THEN 0 ELSE 1 END, `__k0`) AS `__rid`
  FROM (
    SELECT DISTINCT `transactions`.`card_id` AS `__k0`
    FROM `transactions`
    WHERE (`transactions`.`card_id` IS NOT NULL) AND (`transactions`.`created_at` <= TIMESTAMP '2024-03-01 00:00:00')
  ) AS `__keys`
),
`__stage1` AS (
  SELECT 
    `__s`.*,
    (
    SELECT COUNT(DISTINCT `transactions`.`merchant_id`)
    FROM `transactions`
    WHERE (`transactions`.`card_id` = `__s`.`__k0`) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL 86400 SECOND)))
  ) AS `f1`,
    (
    SELECT MAX(`transactions`.`created_at`)
    FROM `transactions`
    WHERE (`transactions`.`card_id` = `__s`.`__k0`) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL 86400 SECOND)))
  ) AS `f1__time`,
    (
    SELECT MIN(`transactions`.`amount`)
    FROM `transactions`
    WHERE (`transactions`.`card_id` = `__s`.`__k0`) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL 86400 SECOND)))
  ) AS `f2`,
    (
    SELECT MAX(`transactions`.`created_at`)
    FROM `transactions`
    WHERE (`transactions`.`card_id` = `__s`.`__k0`) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL 86400 SECOND)))
  ) AS `f2__time`
  FROM `__spine` AS `__s`
)
SELECT 
  `__r`.`__k0` AS `card_id`,
  `__r`.`f1` AS `card_distinct_merchants_24h`,
  `__r`.`f1__time` AS `f1__time`,
  SIGN(COALESCE(`__r`.`f2`, 6.375E0)) * LN(1.0E0 + ABS(COALESCE(`__r`.`f2`, 6.375E0))) AS `card_min_amount_24h`,
  `__r`.`f2__time` AS `f2__time`
FROM `__stage1` AS `__r`
ORDER BY CASE WHEN `__r`.`__rid` IS NULL THEN 0 ELSE 1 END, `__r`.`__rid`;
