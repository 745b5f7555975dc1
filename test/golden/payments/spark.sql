-- view enriched_transactions (spark)
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

-- view user_daily_spend (spark)
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

-- view labeled_transactions (spark)
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

-- training set fraud_detection v1 (spark)
WITH `__spine` AS (
  SELECT *
  FROM (
    SELECT 
      *,
      CAST(ROW_NUMBER() OVER (ORDER BY `__t` NULLS FIRST, `__k0` NULLS FIRST, `__k1` NULLS FIRST, `__k2` NULLS FIRST, `__label` NULLS FIRST) AS BIGINT) AS `__rid`
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
  WHERE (((((((`__rid` + 42) * 48271) % (2147483647)) * 48271) % (2147483647))) % (1000000)) < 500000
),
`__g1_agg` AS (
  SELECT /*+ MERGE(`__s`) */ 
    `__s`.`__rid` AS `__rid`,
    COUNT(CASE WHEN `transactions`.`created_at` > (`__s`.`__t` - INTERVAL '604800' SECOND) THEN 1 END) AS `__v_f1`,
    SUM(CASE WHEN `transactions`.`status` = 'approved' THEN `transactions`.`amount` END) AS `__v_f2`,
    AVG(CASE WHEN (`transactions`.`status` = 'approved') AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL '604800' SECOND)) THEN `transactions`.`amount` END) AS `__v_f3`,
    MAX(CASE WHEN `transactions`.`created_at` > (`__s`.`__t` - INTERVAL '86400' SECOND) THEN `transactions`.`amount` END) AS `__v_f4`
  FROM `__spine` AS `__s`
  JOIN `transactions` ON (`transactions`.`user_id` = `__s`.`__k0`) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL '2592000' SECOND)))
  GROUP BY `__s`.`__k0`, `__s`.`__rid`
),
`__g2_rows` AS (
  SELECT `__k0`, `__e`, `__v_f5`
  FROM (
    SELECT 
      `transactions`.`user_id` AS `__k0`,
      `transactions`.`created_at` AS `__e`,
      `transactions`.`channel` AS `__v_f5`,
      CAST(ROW_NUMBER() OVER (PARTITION BY `transactions`.`user_id`, `transactions`.`created_at` ORDER BY `transactions`.`txn_id` DESC NULLS LAST, `transactions`.`card_id` DESC NULLS LAST, `transactions`.`merchant_id` DESC NULLS LAST, `transactions`.`amount` DESC NULLS LAST, `transactions`.`currency` DESC NULLS LAST, `transactions`.`channel` DESC NULLS LAST, `transactions`.`status` DESC NULLS LAST) AS BIGINT) AS `__n`
    FROM `transactions`
    WHERE `transactions`.`user_id` IS NOT NULL
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
        `__t` AS `__t`,
        1 AS `__side`,
        `__rid` AS `__rid`,
        CAST(NULL AS TIMESTAMP_NTZ) AS `__e`
      FROM `__spine`
    ) AS `__u`
  ) AS `__r`
  WHERE `__side` = 1
),
`__g3_dim` AS (
  SELECT `__k0`, `__v_f6`, `__v_f7`
  FROM (
    SELECT 
      `users`.`user_id` AS `__k0`,
      `users`.`country` AS `__v_f6`,
      `users`.`age` AS `__v_f7`,
      CAST(ROW_NUMBER() OVER (PARTITION BY `users`.`user_id` ORDER BY `users`.`country` DESC NULLS LAST, `users`.`signup_date` DESC NULLS LAST, `users`.`age` DESC NULLS LAST, `users`.`is_premium` DESC NULLS LAST) AS BIGINT) AS `__n`
    FROM `users`
    WHERE `users`.`user_id` IS NOT NULL
  ) AS `__ranked`
  WHERE `__n` = 1
),
`__g4_agg` AS (
  SELECT /*+ MERGE(`__s`) */ `__s`.`__rid` AS `__rid`, SUM(`enriched_transactions`.`amount`) AS `__v_f8`
  FROM `__spine` AS `__s`
  JOIN `enriched_transactions` ON ((`enriched_transactions`.`user_id` = `__s`.`__k0`) AND (`enriched_transactions`.`is_cross_border` AND (`enriched_transactions`.`status` = 'approved'))) AND ((`enriched_transactions`.`created_at` <= `__s`.`__t`) AND (`enriched_transactions`.`created_at` > (`__s`.`__t` - INTERVAL '2592000' SECOND)))
  GROUP BY `__s`.`__k0`, `__s`.`__rid`
),
`__g5_agg` AS (
  SELECT /*+ MERGE(`__s`) */ `__s`.`__rid` AS `__rid`, COUNT(*) AS `__v_f9`
  FROM `__spine` AS `__s`
  JOIN `user_daily_spend` ON (`user_daily_spend`.`user_id` = `__s`.`__k0`) AND ((`user_daily_spend`.`last_txn_at` <= `__s`.`__t`) AND (`user_daily_spend`.`last_txn_at` > (`__s`.`__t` - INTERVAL '2592000' SECOND)))
  GROUP BY `__s`.`__k0`, `__s`.`__rid`
),
`__g6_dim` AS (
  SELECT `__k0`, `__v_f10`, `__v_f11`
  FROM (
    SELECT 
      `merchants`.`id` AS `__k0`,
      `merchants`.`category` AS `__v_f10`,
      `merchants`.`risk_tier` AS `__v_f11`,
      CAST(ROW_NUMBER() OVER (PARTITION BY `merchants`.`id` ORDER BY `merchants`.`name` DESC NULLS LAST, `merchants`.`category` DESC NULLS LAST, `merchants`.`country` DESC NULLS LAST, `merchants`.`onboarded_on` DESC NULLS LAST, `merchants`.`risk_tier` DESC NULLS LAST, `merchants`.`is_terminated` DESC NULLS LAST) AS BIGINT) AS `__n`
    FROM `merchants`
    WHERE `merchants`.`id` IS NOT NULL
  ) AS `__ranked`
  WHERE `__n` = 1
),
`__g7_agg` AS (
  SELECT /*+ MERGE(`__s`) */ `__s`.`__rid` AS `__rid`, COUNT(*) AS `__v_f12`
  FROM `__spine` AS `__s`
  JOIN `fraud_reports` ON ((`fraud_reports`.`merchant_id` = `__s`.`__k1`) AND `fraud_reports`.`confirmed`) AND ((`fraud_reports`.`reported_at` <= `__s`.`__t`) AND (`fraud_reports`.`reported_at` > (`__s`.`__t` - INTERVAL '2592000' SECOND)))
  GROUP BY `__s`.`__k1`, `__s`.`__rid`
),
`__g8_agg` AS (
  SELECT /*+ MERGE(`__s`) */ 
    `__s`.`__rid` AS `__rid`,
    COUNT(DISTINCT `transactions`.`merchant_id`) AS `__v_f13`,
    MIN(`transactions`.`amount`) AS `__v_f14`
  FROM `__spine` AS `__s`
  JOIN `transactions` ON (`transactions`.`card_id` = `__s`.`__k2`) AND ((`transactions`.`created_at` <= `__s`.`__t`) AND (`transactions`.`created_at` > (`__s`.`__t` - INTERVAL '86400' SECOND)))
  GROUP BY `__s`.`__k2`, `__s`.`__rid`
),
`__stage1` AS (
  SELECT 
    `__s`.*,
    COALESCE(`__g1_j`.`__v_f1`, 0) AS `f1`,
    `__g1_j`.`__v_f2` AS `f2`,
    `__g1_j`.`__v_f3` AS `f3`,
    `__g1_j`.`__v_f4` AS `f4`,
    `__g2_j`.`__e` AS `__g2__time`,
    `__g2_j`.`__v_f5` AS `f5`,
    `__g3_j`.`__v_f6` AS `f6`,
    `__g3_j`.`__v_f7` AS `f7`,
    `__g4_j`.`__v_f8` AS `f8`,
    COALESCE(`__g5_j`.`__v_f9`, 0) AS `f9`,
    `__g6_j`.`__v_f10` AS `f10`,
    `__g6_j`.`__v_f11` AS `f11`,
    COALESCE(`__g7_j`.`__v_f12`, 0) AS `f12`,
    COALESCE(`__g8_j`.`__v_f13`, 0) AS `f13`,
    `__g8_j`.`__v_f14` AS `f14`
  FROM `__spine` AS `__s`
  LEFT JOIN `__g1_agg` AS `__g1_j` ON `__g1_j`.`__rid` = `__s`.`__rid`
  LEFT JOIN `__g2_last` AS `__g2_l` ON `__g2_l`.`__rid` = `__s`.`__rid`
  LEFT JOIN `__g2_rows` AS `__g2_j` ON (`__s`.`__k0` = `__g2_j`.`__k0`) AND (`__g2_j`.`__e` = `__g2_l`.`__last`)
  LEFT JOIN `__g3_dim` AS `__g3_j` ON `__s`.`__k0` = `__g3_j`.`__k0`
  LEFT JOIN `__g4_agg` AS `__g4_j` ON `__g4_j`.`__rid` = `__s`.`__rid`
  LEFT JOIN `__g5_agg` AS `__g5_j` ON `__g5_j`.`__rid` = `__s`.`__rid`
  LEFT JOIN `__g6_dim` AS `__g6_j` ON `__s`.`__k1` = `__g6_j`.`__k0`
  LEFT JOIN `__g7_agg` AS `__g7_j` ON `__g7_j`.`__rid` = `__s`.`__rid`
  LEFT JOIN `__g8_agg` AS `__g8_j` ON `__g8_j`.`__rid` = `__s`.`__rid`
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
  CASE WHEN COALESCE(CASE WHEN `__r`.`__g2__time` >= (`__r`.`__t` - INTERVAL '1209600' SECOND) THEN `__r`.`f5` ELSE CAST(NULL AS STRING) END, 'US') = 'online' THEN 1 ELSE 0 END AS `last_channel__online`,
  CASE WHEN COALESCE(CASE WHEN `__r`.`__g2__time` >= (`__r`.`__t` - INTERVAL '1209600' SECOND) THEN `__r`.`f5` ELSE CAST(NULL AS STRING) END, 'US') = 'pos' THEN 1 ELSE 0 END AS `last_channel__pos`,
  CASE WHEN COALESCE(CASE WHEN `__r`.`__g2__time` >= (`__r`.`__t` - INTERVAL '1209600' SECOND) THEN `__r`.`f5` ELSE CAST(NULL AS STRING) END, 'US') = 'atm' THEN 1 ELSE 0 END AS `last_channel__atm`,
  CASE WHEN COALESCE(`__r`.`f6`, 'unknown') = 'US' THEN 1 ELSE 0 END AS `home_country__US`,
  CASE WHEN COALESCE(`__r`.`f6`, 'unknown') = 'DE' THEN 1 ELSE 0 END AS `home_country__DE`,
  CASE WHEN COALESCE(`__r`.`f6`, 'unknown') = 'FR' THEN 1 ELSE 0 END AS `home_country__FR`,
  CASE WHEN COALESCE(`__r`.`f6`, 'unknown') = 'pos' THEN 1 ELSE 0 END AS `home_country__pos`,
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
FROM `__stage1` AS `__r`
ORDER BY `__r`.`__rid` NULLS FIRST;

-- training set merchant_abuse v1 (spark)
WITH `__spine` AS (
  SELECT 
    *,
    CAST(ROW_NUMBER() OVER (ORDER BY `__t` NULLS FIRST, `__k0` NULLS FIRST, `__label` NULLS FIRST) AS BIGINT) AS `__rid`
  FROM (
    SELECT 
      `merchants`.`id` AS `__k0`,
      TIMESTAMP_NTZ '2024-03-01 00:00:00' AS `__t`,
      COALESCE(`merchants`.`is_terminated`, FALSE) AS `__label`
    FROM `merchants`
    WHERE `merchants`.`id` IS NOT NULL
  ) AS `__labels`
),
`__g1_dim` AS (
  SELECT `__k0`, `__v_f1`
  FROM (
    SELECT 
      `merchants`.`id` AS `__k0`,
      `merchants`.`category` AS `__v_f1`,
      CAST(ROW_NUMBER() OVER (PARTITION BY `merchants`.`id` ORDER BY `merchants`.`name` DESC NULLS LAST, `merchants`.`category` DESC NULLS LAST, `merchants`.`country` DESC NULLS LAST, `merchants`.`onboarded_on` DESC NULLS LAST, `merchants`.`risk_tier` DESC NULLS LAST, `merchants`.`is_terminated` DESC NULLS LAST) AS BIGINT) AS `__n`
    FROM `merchants`
    WHERE `merchants`.`id` IS NOT NULL
  ) AS `__ranked`
  WHERE `__n` = 1
),
`__g2_agg` AS (
  SELECT /*+ MERGE(`__s`) */ `__s`.`__rid` AS `__rid`, COUNT(*) AS `__v_f2`
  FROM `__spine` AS `__s`
  JOIN `fraud_reports` ON ((`fraud_reports`.`merchant_id` = `__s`.`__k0`) AND `fraud_reports`.`confirmed`) AND ((`fraud_reports`.`reported_at` <= `__s`.`__t`) AND (`fraud_reports`.`reported_at` > (`__s`.`__t` - INTERVAL '2592000' SECOND)))
  GROUP BY `__s`.`__k0`, `__s`.`__rid`
),
`__stage1` AS (
  SELECT `__s`.*, `__g1_j`.`__v_f1` AS `f1`, COALESCE(`__g2_j`.`__v_f2`, 0) AS `f2`
  FROM `__spine` AS `__s`
  LEFT JOIN `__g1_dim` AS `__g1_j` ON `__s`.`__k0` = `__g1_j`.`__k0`
  LEFT JOIN `__g2_agg` AS `__g2_j` ON `__g2_j`.`__rid` = `__s`.`__rid`
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
ORDER BY `__r`.`__rid` NULLS FIRST;

-- online vectors of entity user (spark)
WITH `__spine` AS (
  SELECT 
    `__k0`,
    TIMESTAMP_NTZ '2024-03-01 00:00:00' AS `__t`,
    CAST(ROW_NUMBER() OVER (ORDER BY `__k0` NULLS FIRST) AS BIGINT) AS `__rid`
  FROM (
    SELECT `users`.`user_id` AS `__k0`
    FROM `users`
    WHERE `users`.`user_id` IS NOT NULL
    UNION
    SELECT `enriched_transactions`.`user_id` AS `__k0`
    FROM `enriched_transactions`
    WHERE (`enriched_transactions`.`user_id` IS NOT NULL) AND (`enriched_transactions`.`created_at` <= TIMESTAMP_NTZ '2024-03-01 00:00:00')
    UNION
    SELECT `user_daily_spend`.`user_id` AS `__k0`
    FROM `user_daily_spend`
    WHERE (`user_daily_spend`.`user_id` IS NOT NULL) AND (`user_daily_spend`.`last_txn_at` <= TIMESTAMP_NTZ '2024-03-01 00:00:00')
    UNION
    SELECT `app_events`.`account_id` AS `__k0`
    FROM `app_events`
    WHERE (`app_events`.`account_id` IS NOT NULL) AND (`app_events`.`ts` <= TIMESTAMP_NTZ '2024-03-01 00:00:00')
    UNION
    SELECT `transactions`.`user_id` AS `__k0`
    FROM `transactions`
    WHERE (`transactions`.`user_id` IS NOT NULL) AND (`transactions`.`created_at` <= TIMESTAMP_NTZ '2024-03-01 00:00:00')
  ) AS `__keys`
),
`__o1` AS (
  SELECT 
    `enriched_transactions`.`user_id` AS `__k0`,
    SUM(`enriched_transactions`.`amount`) AS `__a1`,
    MAX(`enriched_transactions`.`created_at`) AS `__a2`
  FROM `enriched_transactions`
  WHERE (((`enriched_transactions`.`user_id` IS NOT NULL) AND (`enriched_transactions`.`is_cross_border` AND (`enriched_transactions`.`status` = 'approved'))) AND (`enriched_transactions`.`created_at` <= TIMESTAMP_NTZ '2024-03-01 00:00:00')) AND (`enriched_transactions`.`created_at` > (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '2592000' SECOND))
  GROUP BY `enriched_transactions`.`user_id`
),
`__o2` AS (
  SELECT 
    `user_daily_spend`.`user_id` AS `__k0`,
    COUNT(*) AS `__a1`,
    MAX(`user_daily_spend`.`last_txn_at`) AS `__a2`
  FROM `user_daily_spend`
  WHERE ((`user_daily_spend`.`user_id` IS NOT NULL) AND (`user_daily_spend`.`last_txn_at` <= TIMESTAMP_NTZ '2024-03-01 00:00:00')) AND (`user_daily_spend`.`last_txn_at` > (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '2592000' SECOND))
  GROUP BY `user_daily_spend`.`user_id`
),
`__o3` AS (
  SELECT `app_events`.`account_id` AS `__k0`, COUNT(*) AS `__a1`, MAX(`app_events`.`ts`) AS `__a2`
  FROM `app_events`
  WHERE (((`app_events`.`account_id` IS NOT NULL) AND (`app_events`.`event_type` = 'login_failed')) AND (`app_events`.`ts` <= TIMESTAMP_NTZ '2024-03-01 00:00:00')) AND (`app_events`.`ts` > (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '86400' SECOND))
  GROUP BY `app_events`.`account_id`
),
`__o4` AS (
  SELECT 
    `transactions`.`user_id` AS `__k0`,
    COUNT(CASE WHEN `transactions`.`created_at` > (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '604800' SECOND) THEN 1 END) AS `__a1`,
    MAX(`transactions`.`created_at`) AS `__a2`,
    SUM(CASE WHEN `transactions`.`status` = 'approved' THEN `transactions`.`amount` END) AS `__a3`,
    MAX(CASE WHEN `transactions`.`status` = 'approved' THEN `transactions`.`created_at` END) AS `__a4`,
    AVG(CASE WHEN (`transactions`.`status` = 'approved') AND (`transactions`.`created_at` > (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '604800' SECOND)) THEN `transactions`.`amount` END) AS `__a5`,
    MAX(CASE WHEN (`transactions`.`status` = 'approved') AND (`transactions`.`created_at` > (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '604800' SECOND)) THEN `transactions`.`created_at` END) AS `__a6`,
    MAX(CASE WHEN `transactions`.`created_at` > (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '86400' SECOND) THEN `transactions`.`amount` END) AS `__a7`
  FROM `transactions`
  WHERE ((`transactions`.`user_id` IS NOT NULL) AND (`transactions`.`created_at` <= TIMESTAMP_NTZ '2024-03-01 00:00:00')) AND (`transactions`.`created_at` > (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '2592000' SECOND))
  GROUP BY `transactions`.`user_id`
),
`__o5` AS (
  SELECT `__k0`, `__v_f1`, `__v_f2`
  FROM (
    SELECT 
      `users`.`user_id` AS `__k0`,
      `users`.`country` AS `__v_f1`,
      `users`.`age` AS `__v_f2`,
      CAST(ROW_NUMBER() OVER (PARTITION BY `users`.`user_id` ORDER BY `users`.`country` DESC NULLS LAST, `users`.`signup_date` DESC NULLS LAST, `users`.`age` DESC NULLS LAST, `users`.`is_premium` DESC NULLS LAST) AS BIGINT) AS `__n`
    FROM `users`
    WHERE `users`.`user_id` IS NOT NULL
  ) AS `__ranked`
  WHERE `__n` = 1
),
`__o6_max` AS (
  SELECT `transactions`.`user_id` AS `__k0`, MAX(`transactions`.`created_at`) AS `__er`
  FROM `transactions`
  WHERE (`transactions`.`user_id` IS NOT NULL) AND (`transactions`.`created_at` <= TIMESTAMP_NTZ '2024-03-01 00:00:00')
  GROUP BY `transactions`.`user_id`
),
`__o6` AS (
  SELECT `__k0`, `__e`, `__v_f10`
  FROM (
    SELECT 
      `__o6_m`.`__k0` AS `__k0`,
      `transactions`.`created_at` AS `__e`,
      `transactions`.`channel` AS `__v_f10`,
      CAST(ROW_NUMBER() OVER (PARTITION BY `__o6_m`.`__k0` ORDER BY `transactions`.`txn_id` DESC NULLS LAST, `transactions`.`card_id` DESC NULLS LAST, `transactions`.`merchant_id` DESC NULLS LAST, `transactions`.`amount` DESC NULLS LAST, `transactions`.`currency` DESC NULLS LAST, `transactions`.`channel` DESC NULLS LAST, `transactions`.`status` DESC NULLS LAST) AS BIGINT) AS `__n`
    FROM `__o6_max` AS `__o6_m`
    JOIN `transactions` ON (`transactions`.`user_id` = `__o6_m`.`__k0`) AND (`transactions`.`created_at` = `__o6_m`.`__er`)
  ) AS `__ranked`
  WHERE `__n` = 1
),
`__stage1` AS (
  SELECT 
    `__s`.*,
    `__o1_j`.`__a1` AS `f3`,
    `__o1_j`.`__a2` AS `f3__time`,
    COALESCE(`__o2_j`.`__a1`, 0) AS `f4`,
    `__o2_j`.`__a2` AS `f4__time`,
    COALESCE(`__o3_j`.`__a1`, 0) AS `f5`,
    `__o3_j`.`__a2` AS `f5__time`,
    COALESCE(`__o4_j`.`__a1`, 0) AS `f6`,
    CASE WHEN `__o4_j`.`__a2` > (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '604800' SECOND) THEN `__o4_j`.`__a2` END AS `f6__time`,
    `__o4_j`.`__a3` AS `f7`,
    `__o4_j`.`__a4` AS `f7__time`,
    `__o4_j`.`__a5` AS `f8`,
    `__o4_j`.`__a6` AS `f8__time`,
    `__o4_j`.`__a7` AS `f9`,
    CASE WHEN `__o4_j`.`__a2` > (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '86400' SECOND) THEN `__o4_j`.`__a2` END AS `f9__time`,
    `__o5_j`.`__v_f1` AS `f1`,
    `__o5_j`.`__v_f2` AS `f2`,
    `__o6_j`.`__e` AS `__o6__time`,
    `__o6_j`.`__v_f10` AS `f10`
  FROM `__spine` AS `__s`
  LEFT JOIN `__o1` AS `__o1_j` ON `__s`.`__k0` = `__o1_j`.`__k0`
  LEFT JOIN `__o2` AS `__o2_j` ON `__s`.`__k0` = `__o2_j`.`__k0`
  LEFT JOIN `__o3` AS `__o3_j` ON `__s`.`__k0` = `__o3_j`.`__k0`
  LEFT JOIN `__o4` AS `__o4_j` ON `__s`.`__k0` = `__o4_j`.`__k0`
  LEFT JOIN `__o5` AS `__o5_j` ON `__s`.`__k0` = `__o5_j`.`__k0`
  LEFT JOIN `__o6` AS `__o6_j` ON `__s`.`__k0` = `__o6_j`.`__k0`
)
SELECT 
  `__r`.`__k0` AS `user_id`,
  CASE WHEN COALESCE(`__r`.`f1`, 'unknown') = 'US' THEN 1 ELSE 0 END AS `home_country__US`,
  CASE WHEN COALESCE(`__r`.`f1`, 'unknown') = 'DE' THEN 1 ELSE 0 END AS `home_country__DE`,
  CASE WHEN COALESCE(`__r`.`f1`, 'unknown') = 'FR' THEN 1 ELSE 0 END AS `home_country__FR`,
  CASE WHEN COALESCE(`__r`.`f1`, 'unknown') = 'pos' THEN 1 ELSE 0 END AS `home_country__pos`,
  CAST(NULL AS TIMESTAMP_NTZ) AS `f1__time`,
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
  CASE WHEN COALESCE(CASE WHEN `__r`.`__o6__time` >= (`__r`.`__t` - INTERVAL '1209600' SECOND) THEN `__r`.`f10` ELSE CAST(NULL AS STRING) END, 'US') = 'online' THEN 1 ELSE 0 END AS `last_channel__online`,
  CASE WHEN COALESCE(CASE WHEN `__r`.`__o6__time` >= (`__r`.`__t` - INTERVAL '1209600' SECOND) THEN `__r`.`f10` ELSE CAST(NULL AS STRING) END, 'US') = 'pos' THEN 1 ELSE 0 END AS `last_channel__pos`,
  CASE WHEN COALESCE(CASE WHEN `__r`.`__o6__time` >= (`__r`.`__t` - INTERVAL '1209600' SECOND) THEN `__r`.`f10` ELSE CAST(NULL AS STRING) END, 'US') = 'atm' THEN 1 ELSE 0 END AS `last_channel__atm`,
  `__r`.`__o6__time` AS `f10__time`
FROM `__stage1` AS `__r`
ORDER BY `__r`.`__rid` NULLS FIRST;

-- online vectors of entity merchant (spark)
WITH `__spine` AS (
  SELECT 
    `__k0`,
    TIMESTAMP_NTZ '2024-03-01 00:00:00' AS `__t`,
    CAST(ROW_NUMBER() OVER (ORDER BY `__k0` NULLS FIRST) AS BIGINT) AS `__rid`
  FROM (
    SELECT `merchants`.`id` AS `__k0`
    FROM `merchants`
    WHERE `merchants`.`id` IS NOT NULL
    UNION
    SELECT `fraud_reports`.`merchant_id` AS `__k0`
    FROM `fraud_reports`
    WHERE (`fraud_reports`.`merchant_id` IS NOT NULL) AND (`fraud_reports`.`reported_at` <= TIMESTAMP_NTZ '2024-03-01 00:00:00')
  ) AS `__keys`
),
`__o1` AS (
  SELECT 
    `fraud_reports`.`merchant_id` AS `__k0`,
    COUNT(*) AS `__a1`,
    MAX(`fraud_reports`.`reported_at`) AS `__a2`
  FROM `fraud_reports`
  WHERE (((`fraud_reports`.`merchant_id` IS NOT NULL) AND `fraud_reports`.`confirmed`) AND (`fraud_reports`.`reported_at` <= TIMESTAMP_NTZ '2024-03-01 00:00:00')) AND (`fraud_reports`.`reported_at` > (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '2592000' SECOND))
  GROUP BY `fraud_reports`.`merchant_id`
),
`__o2` AS (
  SELECT `__k0`, `__v_f1`, `__v_f2`
  FROM (
    SELECT 
      `merchants`.`id` AS `__k0`,
      `merchants`.`category` AS `__v_f1`,
      `merchants`.`risk_tier` AS `__v_f2`,
      CAST(ROW_NUMBER() OVER (PARTITION BY `merchants`.`id` ORDER BY `merchants`.`name` DESC NULLS LAST, `merchants`.`category` DESC NULLS LAST, `merchants`.`country` DESC NULLS LAST, `merchants`.`onboarded_on` DESC NULLS LAST, `merchants`.`risk_tier` DESC NULLS LAST, `merchants`.`is_terminated` DESC NULLS LAST) AS BIGINT) AS `__n`
    FROM `merchants`
    WHERE `merchants`.`id` IS NOT NULL
  ) AS `__ranked`
  WHERE `__n` = 1
),
`__stage1` AS (
  SELECT 
    `__s`.*,
    COALESCE(`__o1_j`.`__a1`, 0) AS `f3`,
    `__o1_j`.`__a2` AS `f3__time`,
    `__o2_j`.`__v_f1` AS `f1`,
    `__o2_j`.`__v_f2` AS `f2`
  FROM `__spine` AS `__s`
  LEFT JOIN `__o1` AS `__o1_j` ON `__s`.`__k0` = `__o1_j`.`__k0`
  LEFT JOIN `__o2` AS `__o2_j` ON `__s`.`__k0` = `__o2_j`.`__k0`
)
SELECT 
  `__r`.`__k0` AS `merchant_id`,
  CASE WHEN `__r`.`f1` = 'US' THEN 1 ELSE 0 END AS `merchant_category__US`,
  CASE WHEN `__r`.`f1` = 'DE' THEN 1 ELSE 0 END AS `merchant_category__DE`,
  CASE WHEN `__r`.`f1` = 'FR' THEN 1 ELSE 0 END AS `merchant_category__FR`,
  CASE WHEN `__r`.`f1` = 'pos' THEN 1 ELSE 0 END AS `merchant_category__pos`,
  CAST(NULL AS TIMESTAMP_NTZ) AS `f1__time`,
  CASE WHEN `__r`.`f2` = 1 THEN 1 ELSE 0 END AS `merchant_risk_tier__1`,
  CASE WHEN `__r`.`f2` = 2 THEN 1 ELSE 0 END AS `merchant_risk_tier__2`,
  CASE WHEN `__r`.`f2` = 3 THEN 1 ELSE 0 END AS `merchant_risk_tier__3`,
  `__r`.`f3` AS `merchant_chargebacks_30d`,
  `__r`.`f3__time` AS `f3__time`
FROM `__stage1` AS `__r`
ORDER BY `__r`.`__rid` NULLS FIRST;

-- online vectors of entity card (spark)
WITH `__spine` AS (
  SELECT 
    `__k0`,
    TIMESTAMP_NTZ '2024-03-01 00:00:00' AS `__t`,
    CAST(ROW_NUMBER() OVER (ORDER BY `__k0` NULLS FIRST) AS BIGINT) AS `__rid`
  FROM (
    SELECT DISTINCT `transactions`.`card_id` AS `__k0`
    FROM `transactions`
    WHERE (`transactions`.`card_id` IS NOT NULL) AND (`transactions`.`created_at` <= TIMESTAMP_NTZ '2024-03-01 00:00:00')
  ) AS `__keys`
),
`__o1` AS (
  SELECT 
    `transactions`.`card_id` AS `__k0`,
    COUNT(DISTINCT `transactions`.`merchant_id`) AS `__a1`,
    MAX(`transactions`.`created_at`) AS `__a2`,
    MIN(`transactions`.`amount`) AS `__a3`
  FROM `transactions`
  WHERE ((`transactions`.`card_id` IS NOT NULL) AND (`transactions`.`created_at` <= TIMESTAMP_NTZ '2024-03-01 00:00:00')) AND (`transactions`.`created_at` > (TIMESTAMP_NTZ '2024-03-01 00:00:00' - INTERVAL '86400' SECOND))
  GROUP BY `transactions`.`card_id`
),
`__stage1` AS (
  SELECT 
    `__s`.*,
    COALESCE(`__o1_j`.`__a1`, 0) AS `f1`,
    `__o1_j`.`__a2` AS `f1__time`,
    `__o1_j`.`__a3` AS `f2`
  FROM `__spine` AS `__s`
  LEFT JOIN `__o1` AS `__o1_j` ON `__s`.`__k0` = `__o1_j`.`__k0`
)
SELECT 
  `__r`.`__k0` AS `card_id`,
  `__r`.`f1` AS `card_distinct_merchants_24h`,
  `__r`.`f1__time` AS `f1__time`,
  SIGN(COALESCE(`__r`.`f2`, 6.375E0)) * LN(1.0E0 + ABS(COALESCE(`__r`.`f2`, 6.375E0))) AS `card_min_amount_24h`
FROM `__stage1` AS `__r`
ORDER BY `__r`.`__rid` NULLS FIRST;
