-- view enriched_transactions (sqlite)
CREATE VIEW "enriched_transactions" AS
SELECT 
  "t"."txn_id" AS "txn_id",
  "t"."user_id" AS "user_id",
  "t"."card_id" AS "card_id",
  "t"."merchant_id" AS "merchant_id",
  "t"."amount" AS "amount",
  "t"."channel" AS "channel",
  "t"."status" AS "status",
  "t"."created_at" AS "created_at",
  COALESCE("u"."country", 'unknown') AS "user_country",
  "m"."category" AS "merchant_category",
  CASE WHEN ("u"."country" IS NULL) OR ("m"."country" IS NULL) THEN 0 WHEN "u"."country" <> "m"."country" THEN 1 ELSE 0 END AS "is_cross_border",
  CASE WHEN "t"."amount" >= 500 THEN 'high' WHEN "t"."amount" >= 50 THEN 'medium' ELSE 'low' END AS "amount_band",
  CAST(strftime('%H', ("t"."created_at" / 1000000), 'unixepoch') AS INTEGER) AS "txn_hour"
FROM "transactions" AS "t"
LEFT JOIN "users" AS "u" ON "t"."user_id" = "u"."user_id"
LEFT JOIN "merchants" AS "m" ON "t"."merchant_id" = "m"."id";

-- view user_daily_spend (sqlite)
CREATE VIEW "user_daily_spend" AS
SELECT 
  "transactions"."user_id" AS "user_id",
  (("transactions"."created_at" - ((("transactions"."created_at" % 86400000000) + 86400000000) % 86400000000)) / 86400000000) AS "txn_day",
  COUNT(*) AS "n_txns",
  SUM(COALESCE("transactions"."amount", 0.0)) AS "total_amount",
  MAX("transactions"."created_at") AS "last_txn_at"
FROM "transactions"
WHERE "transactions"."status" = 'approved'
GROUP BY "transactions"."user_id", (("transactions"."created_at" - ((("transactions"."created_at" % 86400000000) + 86400000000) % 86400000000)) / 86400000000);

-- view labeled_transactions (sqlite)
CREATE VIEW "labeled_transactions" AS
SELECT 
  "t"."txn_id" AS "txn_id",
  "t"."user_id" AS "user_id",
  "t"."merchant_id" AS "merchant_id",
  "t"."card_id" AS "card_id",
  "t"."created_at" AS "created_at",
  COALESCE("f"."confirmed", 0) AS "is_fraud"
FROM "transactions" AS "t"
LEFT JOIN "fraud_reports" AS "f" ON "f"."txn_id" = "t"."txn_id"
WHERE "t"."status" = 'approved';

-- training set fraud_detection v1 (sqlite)
WITH "__spine" AS (
  SELECT *
  FROM (
    SELECT 
      *,
      ROW_NUMBER() OVER (ORDER BY "__t" NULLS FIRST, "__k0" NULLS FIRST, "__k1" NULLS FIRST, "__k2" NULLS FIRST, "__label" NULLS FIRST) AS "__rid"
    FROM (
      SELECT 
        "labeled_transactions"."user_id" AS "__k0",
        "labeled_transactions"."merchant_id" AS "__k1",
        "labeled_transactions"."card_id" AS "__k2",
        "labeled_transactions"."created_at" AS "__t",
        "labeled_transactions"."is_fraud" AS "__label"
      FROM "labeled_transactions"
      WHERE ("labeled_transactions"."user_id" IS NOT NULL) AND ("labeled_transactions"."created_at" IS NOT NULL)
    ) AS "__labels"
  ) AS "__numbered"
  WHERE ((((((("__rid" + 42) * 48271) % (2147483647)) * 48271) % (2147483647))) % (1000000)) < 500000
),
"__g1_run" AS MATERIALIZED (
  SELECT 
    "transactions"."user_id" AS "__k0",
    "transactions"."created_at" AS "__e",
    SUM(COUNT(*)) OVER (PARTITION BY "transactions"."user_id" ORDER BY "transactions"."created_at" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__m1",
    SUM(COUNT(CASE WHEN "transactions"."status" = 'approved' THEN "transactions"."amount" END)) OVER (PARTITION BY "transactions"."user_id" ORDER BY "transactions"."created_at" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__m2",
    SUM(COALESCE(SUM(CASE WHEN "transactions"."status" = 'approved' THEN "transactions"."amount" END), 0.0)) OVER (PARTITION BY "transactions"."user_id" ORDER BY "transactions"."created_at" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__m3",
    COALESCE(SUM(CASE WHEN "transactions"."status" = 'approved' THEN "transactions"."amount" END), 0.0) AS "__m3_x"
  FROM "transactions"
  WHERE "transactions"."user_id" IS NOT NULL
  GROUP BY "transactions"."user_id", "transactions"."created_at"
),
"__g1_lag" AS (
  SELECT 
    "__k0",
    "__e",
    "__m1",
    "__m2",
    "__m3",
    "__m3_x",
    COALESCE(LAG("__m3") OVER (PARTITION BY "__k0" ORDER BY "__e" NULLS FIRST), 0.0) AS "__m3_p"
  FROM "__g1_run"
),
"__g1_cum" AS MATERIALIZED (
  SELECT 
    "__k0",
    "__e",
    "__m1",
    "__m2",
    "__m3",
    "__m3_x",
    SUM((("__m3_p" + "__m3_x") - "__m3") + (("__m3_p" - (("__m3_p" + "__m3_x") - (("__m3_p" + "__m3_x") - "__m3_p"))) + ("__m3_x" - (("__m3_p" + "__m3_x") - "__m3_p")))) OVER (PARTITION BY "__k0" ORDER BY "__e" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__m3_r"
  FROM "__g1_lag"
),
"__g1_last" AS MATERIALIZED (
  SELECT "__rid", "__p", "__last"
  FROM (
    SELECT 
      "__side",
      "__rid",
      "__p",
      MAX("__e") OVER (PARTITION BY "__k0" ORDER BY "__t" NULLS FIRST, "__side" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__last"
    FROM (
      SELECT "__k0" AS "__k0", "__e" AS "__t", 0 AS "__side", NULL AS "__rid", NULL AS "__p", "__e" AS "__e"
      FROM "__g1_cum"
      UNION ALL
      SELECT "__k0" AS "__k0", "__t" AS "__t", 1 AS "__side", "__rid" AS "__rid", 0 AS "__p", NULL AS "__e"
      FROM "__spine"
      UNION ALL
      SELECT 
        "__k0" AS "__k0",
        ("__t" - 604800000000) AS "__t",
        1 AS "__side",
        "__rid" AS "__rid",
        1 AS "__p",
        NULL AS "__e"
      FROM "__spine"
      UNION ALL
      SELECT 
        "__k0" AS "__k0",
        ("__t" - 2592000000000) AS "__t",
        1 AS "__side",
        "__rid" AS "__rid",
        2 AS "__p",
        NULL AS "__e"
      FROM "__spine"
    ) AS "__u"
  ) AS "__r"
  WHERE "__side" <> 0
),
"__g2_run" AS MATERIALIZED (
  SELECT 
    "enriched_transactions"."user_id" AS "__k0",
    "enriched_transactions"."created_at" AS "__e",
    SUM(COUNT(CASE WHEN "enriched_transactions"."is_cross_border" AND ("enriched_transactions"."status" = 'approved') THEN "enriched_transactions"."amount" END)) OVER (PARTITION BY "enriched_transactions"."user_id" ORDER BY "enriched_transactions"."created_at" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__m1",
    SUM(COALESCE(SUM(CASE WHEN "enriched_transactions"."is_cross_border" AND ("enriched_transactions"."status" = 'approved') THEN "enriched_transactions"."amount" END), 0.0)) OVER (PARTITION BY "enriched_transactions"."user_id" ORDER BY "enriched_transactions"."created_at" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__m2",
    COALESCE(SUM(CASE WHEN "enriched_transactions"."is_cross_border" AND ("enriched_transactions"."status" = 'approved') THEN "enriched_transactions"."amount" END), 0.0) AS "__m2_x"
  FROM "enriched_transactions"
  WHERE "enriched_transactions"."user_id" IS NOT NULL
  GROUP BY "enriched_transactions"."user_id", "enriched_transactions"."created_at"
),
"__g2_lag" AS (
  SELECT 
    "__k0",
    "__e",
    "__m1",
    "__m2",
    "__m2_x",
    COALESCE(LAG("__m2") OVER (PARTITION BY "__k0" ORDER BY "__e" NULLS FIRST), 0.0) AS "__m2_p"
  FROM "__g2_run"
),
"__g2_cum" AS MATERIALIZED (
  SELECT 
    "__k0",
    "__e",
    "__m1",
    "__m2",
    "__m2_x",
    SUM((("__m2_p" + "__m2_x") - "__m2") + (("__m2_p" - (("__m2_p" + "__m2_x") - (("__m2_p" + "__m2_x") - "__m2_p"))) + ("__m2_x" - (("__m2_p" + "__m2_x") - "__m2_p")))) OVER (PARTITION BY "__k0" ORDER BY "__e" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__m2_r"
  FROM "__g2_lag"
),
"__g2_last" AS MATERIALIZED (
  SELECT "__rid", "__p", "__last"
  FROM (
    SELECT 
      "__side",
      "__rid",
      "__p",
      MAX("__e") OVER (PARTITION BY "__k0" ORDER BY "__t" NULLS FIRST, "__side" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__last"
    FROM (
      SELECT "__k0" AS "__k0", "__e" AS "__t", 0 AS "__side", NULL AS "__rid", NULL AS "__p", "__e" AS "__e"
      FROM "__g2_cum"
      UNION ALL
      SELECT "__k0" AS "__k0", "__t" AS "__t", 1 AS "__side", "__rid" AS "__rid", 0 AS "__p", NULL AS "__e"
      FROM "__spine"
      UNION ALL
      SELECT 
        "__k0" AS "__k0",
        ("__t" - 2592000000000) AS "__t",
        1 AS "__side",
        "__rid" AS "__rid",
        1 AS "__p",
        NULL AS "__e"
      FROM "__spine"
    ) AS "__u"
  ) AS "__r"
  WHERE "__side" <> 0
),
"__g3_run" AS MATERIALIZED (
  SELECT 
    "user_daily_spend"."user_id" AS "__k0",
    "user_daily_spend"."last_txn_at" AS "__e",
    SUM(COUNT(*)) OVER (PARTITION BY "user_daily_spend"."user_id" ORDER BY "user_daily_spend"."last_txn_at" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__m1"
  FROM "user_daily_spend"
  WHERE "user_daily_spend"."user_id" IS NOT NULL
  GROUP BY "user_daily_spend"."user_id", "user_daily_spend"."last_txn_at"
),
"__g3_last" AS MATERIALIZED (
  SELECT "__rid", "__p", "__last"
  FROM (
    SELECT 
      "__side",
      "__rid",
      "__p",
      MAX("__e") OVER (PARTITION BY "__k0" ORDER BY "__t" NULLS FIRST, "__side" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__last"
    FROM (
      SELECT "__k0" AS "__k0", "__e" AS "__t", 0 AS "__side", NULL AS "__rid", NULL AS "__p", "__e" AS "__e"
      FROM "__g3_run"
      UNION ALL
      SELECT "__k0" AS "__k0", "__t" AS "__t", 1 AS "__side", "__rid" AS "__rid", 0 AS "__p", NULL AS "__e"
      FROM "__spine"
      UNION ALL
      SELECT 
        "__k0" AS "__k0",
        ("__t" - 2592000000000) AS "__t",
        1 AS "__side",
        "__rid" AS "__rid",
        1 AS "__p",
        NULL AS "__e"
      FROM "__spine"
    ) AS "__u"
  ) AS "__r"
  WHERE "__side" <> 0
),
"__g4_run" AS MATERIALIZED (
  SELECT 
    "fraud_reports"."merchant_id" AS "__k0",
    "fraud_reports"."reported_at" AS "__e",
    SUM(COUNT(CASE WHEN "fraud_reports"."confirmed" THEN 1 END)) OVER (PARTITION BY "fraud_reports"."merchant_id" ORDER BY "fraud_reports"."reported_at" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__m1"
  FROM "fraud_reports"
  WHERE "fraud_reports"."merchant_id" IS NOT NULL
  GROUP BY "fraud_reports"."merchant_id", "fraud_reports"."reported_at"
),
"__g4_last" AS MATERIALIZED (
  SELECT "__rid", "__p", "__last"
  FROM (
    SELECT 
      "__side",
      "__rid",
      "__p",
      MAX("__e") OVER (PARTITION BY "__k0" ORDER BY "__t" NULLS FIRST, "__side" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__last"
    FROM (
      SELECT "__k0" AS "__k0", "__e" AS "__t", 0 AS "__side", NULL AS "__rid", NULL AS "__p", "__e" AS "__e"
      FROM "__g4_run"
      UNION ALL
      SELECT "__k1" AS "__k0", "__t" AS "__t", 1 AS "__side", "__rid" AS "__rid", 0 AS "__p", NULL AS "__e"
      FROM "__spine"
      UNION ALL
      SELECT 
        "__k1" AS "__k0",
        ("__t" - 2592000000000) AS "__t",
        1 AS "__side",
        "__rid" AS "__rid",
        1 AS "__p",
        NULL AS "__e"
      FROM "__spine"
    ) AS "__u"
  ) AS "__r"
  WHERE "__side" <> 0
),
"__g5_frames" AS MATERIALIZED (
  SELECT "__rid", "__v1"
  FROM (
    SELECT 
      "__rid",
      MAX("__v1") OVER (PARTITION BY "__k0" ORDER BY "__t" NULLS FIRST RANGE BETWEEN 86399999999 PRECEDING AND CURRENT ROW) AS "__v1"
    FROM (
      SELECT 
        "transactions"."user_id" AS "__k0",
        "transactions"."created_at" AS "__t",
        NULL AS "__rid",
        "transactions"."amount" AS "__v1"
      FROM "transactions"
      WHERE ("transactions"."user_id" IS NOT NULL) AND ("transactions"."created_at" IS NOT NULL)
      UNION ALL
      SELECT "__k0" AS "__k0", "__t" AS "__t", "__rid" AS "__rid", NULL AS "__v1"
      FROM "__spine"
    ) AS "__u"
  ) AS "__f"
  WHERE "__rid" IS NOT NULL
),
"__g6_frames" AS MATERIALIZED (
  SELECT "__rid", "__v1"
  FROM (
    SELECT 
      "__rid",
      MIN("__v1") OVER (PARTITION BY "__k0" ORDER BY "__t" NULLS FIRST RANGE BETWEEN 86399999999 PRECEDING AND CURRENT ROW) AS "__v1"
    FROM (
      SELECT 
        "transactions"."card_id" AS "__k0",
        "transactions"."created_at" AS "__t",
        NULL AS "__rid",
        "transactions"."amount" AS "__v1"
      FROM "transactions"
      WHERE ("transactions"."card_id" IS NOT NULL) AND ("transactions"."created_at" IS NOT NULL)
      UNION ALL
      SELECT "__k2" AS "__k0", "__t" AS "__t", "__rid" AS "__rid", NULL AS "__v1"
      FROM "__spine"
    ) AS "__u"
  ) AS "__f"
  WHERE "__rid" IS NOT NULL
),
"__stage1" AS MATERIALIZED (
  SELECT 
    "__s".*,
    CAST(COALESCE("__g1_p0"."__m1", 0) - COALESCE("__g1_p1"."__m1", 0) AS INTEGER) AS "f1",
    CASE WHEN (COALESCE("__g1_p0"."__m2", 0) - COALESCE("__g1_p2"."__m2", 0)) > 0 THEN (COALESCE("__g1_p0"."__m3", 0.0) - COALESCE("__g1_p2"."__m3", 0.0)) + (COALESCE("__g1_p0"."__m3_r", 0.0) - COALESCE("__g1_p2"."__m3_r", 0.0)) END AS "f2",
    CASE WHEN (COALESCE("__g1_p0"."__m2", 0) - COALESCE("__g1_p1"."__m2", 0)) > 0 THEN ((COALESCE("__g1_p0"."__m3", 0.0) - COALESCE("__g1_p1"."__m3", 0.0)) + (COALESCE("__g1_p0"."__m3_r", 0.0) - COALESCE("__g1_p1"."__m3_r", 0.0))) / (COALESCE("__g1_p0"."__m2", 0) - COALESCE("__g1_p1"."__m2", 0)) END AS "f3",
    CASE WHEN (COALESCE("__g2_p0"."__m1", 0) - COALESCE("__g2_p1"."__m1", 0)) > 0 THEN (COALESCE("__g2_p0"."__m2", 0.0) - COALESCE("__g2_p1"."__m2", 0.0)) + (COALESCE("__g2_p0"."__m2_r", 0.0) - COALESCE("__g2_p1"."__m2_r", 0.0)) END AS "f8",
    CAST(COALESCE("__g3_p0"."__m1", 0) - COALESCE("__g3_p1"."__m1", 0) AS INTEGER) AS "f9",
    CAST(COALESCE("__g4_p0"."__m1", 0) - COALESCE("__g4_p1"."__m1", 0) AS INTEGER) AS "f12",
    "__g5_j"."__v1" AS "f4",
    "__g6_j"."__v1" AS "f14",
    (
    SELECT COUNT(DISTINCT "transactions"."merchant_id")
    FROM "transactions"
    WHERE ("transactions"."card_id" = "__s"."__k2") AND (("transactions"."created_at" <= "__s"."__t") AND ("transactions"."created_at" > ("__s"."__t" - 86400000000)))
  ) AS "f13",
    (
    SELECT MAX("transactions"."created_at")
    FROM "transactions"
    WHERE ("transactions"."user_id" = "__s"."__k0") AND ("transactions"."created_at" <= "__s"."__t")
  ) AS "__g8__time",
    (
    SELECT "users"."country"
    FROM "users"
    WHERE "users"."user_id" = "__s"."__k0"
    ORDER BY "users"."country" DESC NULLS LAST, "users"."signup_date" DESC NULLS LAST, "users"."age" DESC NULLS LAST, "users"."is_premium" DESC NULLS LAST
    LIMIT 1
  ) AS "f6",
    (
    SELECT "users"."age"
    FROM "users"
    WHERE "users"."user_id" = "__s"."__k0"
    ORDER BY "users"."country" DESC NULLS LAST, "users"."signup_date" DESC NULLS LAST, "users"."age" DESC NULLS LAST, "users"."is_premium" DESC NULLS LAST
    LIMIT 1
  ) AS "f7",
    (
    SELECT "merchants"."category"
    FROM "merchants"
    WHERE "merchants"."id" = "__s"."__k1"
    ORDER BY "merchants"."name" DESC NULLS LAST, "merchants"."category" DESC NULLS LAST, "merchants"."country" DESC NULLS LAST, "merchants"."onboarded_on" DESC NULLS LAST, "merchants"."risk_tier" DESC NULLS LAST, "merchants"."is_terminated" DESC NULLS LAST
    LIMIT 1
  ) AS "f10",
    (
    SELECT "merchants"."risk_tier"
    FROM "merchants"
    WHERE "merchants"."id" = "__s"."__k1"
    ORDER BY "merchants"."name" DESC NULLS LAST, "merchants"."category" DESC NULLS LAST, "merchants"."country" DESC NULLS LAST, "merchants"."onboarded_on" DESC NULLS LAST, "merchants"."risk_tier" DESC NULLS LAST, "merchants"."is_terminated" DESC NULLS LAST
    LIMIT 1
  ) AS "f11"
  FROM "__spine" AS "__s"
  LEFT JOIN "__g1_last" AS "__g1_l0" ON ("__g1_l0"."__rid" = "__s"."__rid") AND ("__g1_l0"."__p" = 0)
  LEFT JOIN "__g1_cum" AS "__g1_p0" ON ("__s"."__k0" = "__g1_p0"."__k0") AND ("__g1_p0"."__e" = "__g1_l0"."__last")
  LEFT JOIN "__g1_last" AS "__g1_l1" ON ("__g1_l1"."__rid" = "__s"."__rid") AND ("__g1_l1"."__p" = 1)
  LEFT JOIN "__g1_cum" AS "__g1_p1" ON ("__s"."__k0" = "__g1_p1"."__k0") AND ("__g1_p1"."__e" = "__g1_l1"."__last")
  LEFT JOIN "__g1_last" AS "__g1_l2" ON ("__g1_l2"."__rid" = "__s"."__rid") AND ("__g1_l2"."__p" = 2)
  LEFT JOIN "__g1_cum" AS "__g1_p2" ON ("__s"."__k0" = "__g1_p2"."__k0") AND ("__g1_p2"."__e" = "__g1_l2"."__last")
  LEFT JOIN "__g2_last" AS "__g2_l0" ON ("__g2_l0"."__rid" = "__s"."__rid") AND ("__g2_l0"."__p" = 0)
  LEFT JOIN "__g2_cum" AS "__g2_p0" ON ("__s"."__k0" = "__g2_p0"."__k0") AND ("__g2_p0"."__e" = "__g2_l0"."__last")
  LEFT JOIN "__g2_last" AS "__g2_l1" ON ("__g2_l1"."__rid" = "__s"."__rid") AND ("__g2_l1"."__p" = 1)
  LEFT JOIN "__g2_cum" AS "__g2_p1" ON ("__s"."__k0" = "__g2_p1"."__k0") AND ("__g2_p1"."__e" = "__g2_l1"."__last")
  LEFT JOIN "__g3_last" AS "__g3_l0" ON ("__g3_l0"."__rid" = "__s"."__rid") AND ("__g3_l0"."__p" = 0)
  LEFT JOIN "__g3_run" AS "__g3_p0" ON ("__s"."__k0" = "__g3_p0"."__k0") AND ("__g3_p0"."__e" = "__g3_l0"."__last")
  LEFT JOIN "__g3_last" AS "__g3_l1" ON ("__g3_l1"."__rid" = "__s"."__rid") AND ("__g3_l1"."__p" = 1)
  LEFT JOIN "__g3_run" AS "__g3_p1" ON ("__s"."__k0" = "__g3_p1"."__k0") AND ("__g3_p1"."__e" = "__g3_l1"."__last")
  LEFT JOIN "__g4_last" AS "__g4_l0" ON ("__g4_l0"."__rid" = "__s"."__rid") AND ("__g4_l0"."__p" = 0)
  LEFT JOIN "__g4_run" AS "__g4_p0" ON ("__s"."__k1" = "__g4_p0"."__k0") AND ("__g4_p0"."__e" = "__g4_l0"."__last")
  LEFT JOIN "__g4_last" AS "__g4_l1" ON ("__g4_l1"."__rid" = "__s"."__rid") AND ("__g4_l1"."__p" = 1)
  LEFT JOIN "__g4_run" AS "__g4_p1" ON ("__s"."__k1" = "__g4_p1"."__k0") AND ("__g4_p1"."__e" = "__g4_l1"."__last")
  LEFT JOIN "__g5_frames" AS "__g5_j" ON "__g5_j"."__rid" = "__s"."__rid"
  LEFT JOIN "__g6_frames" AS "__g6_j" ON "__g6_j"."__rid" = "__s"."__rid"
),
"__stage2" AS MATERIALIZED (
  SELECT 
    "__st".*,
    (
    SELECT "transactions"."channel"
    FROM "transactions"
    WHERE ("transactions"."user_id" = "__st"."__k0") AND ("transactions"."created_at" = "__st"."__g8__time")
    ORDER BY "transactions"."txn_id" DESC NULLS LAST, "transactions"."card_id" DESC NULLS LAST, "transactions"."merchant_id" DESC NULLS LAST, "transactions"."amount" DESC NULLS LAST, "transactions"."currency" DESC NULLS LAST, "transactions"."channel" DESC NULLS LAST, "transactions"."status" DESC NULLS LAST
    LIMIT 1
  ) AS "f5"
  FROM "__stage1" AS "__st"
)
SELECT 
  "__r"."__k0" AS "user_id",
  "__r"."__k1" AS "merchant_id",
  "__r"."__k2" AS "card_id",
  "__r"."__t" AS "created_at",
  SIGN(CAST("__r"."f1" AS REAL)) * LN(1.0 + ABS(CAST("__r"."f1" AS REAL))) AS "txn_count_7d",
  SIGN(COALESCE("__r"."f2", 0.0)) * LN(1.0 + ABS(COALESCE("__r"."f2", 0.0))) AS "spend_30d",
  (COALESCE("__r"."f3", 6.375) - 6.375) / 11.75 AS "avg_amount_7d",
  (COALESCE("__r"."f4", 0.0) - -3.0) / 15.25 AS "max_amount_24h",
  CASE WHEN COALESCE(CASE WHEN "__r"."__g8__time" >= ("__r"."__t" - 1209600000000) THEN "__r"."f5" ELSE NULL END, 'US') = 'online' THEN 1 ELSE 0 END AS "last_channel__online",
  CASE WHEN COALESCE(CASE WHEN "__r"."__g8__time" >= ("__r"."__t" - 1209600000000) THEN "__r"."f5" ELSE NULL END, 'US') = 'pos' THEN 1 ELSE 0 END AS "last_channel__pos",
  CASE WHEN COALESCE(CASE WHEN "__r"."__g8__time" >= ("__r"."__t" - 1209600000000) THEN "__r"."f5" ELSE NULL END, 'US') = 'atm' THEN 1 ELSE 0 END AS "last_channel__atm",
  CASE WHEN COALESCE("__r"."f6", 'unknown') = 'US' THEN 1 ELSE 0 END AS "home_country__US",
  CASE WHEN COALESCE("__r"."f6", 'unknown') = 'DE' THEN 1 ELSE 0 END AS "home_country__DE",
  CASE WHEN COALESCE("__r"."f6", 'unknown') = 'FR' THEN 1 ELSE 0 END AS "home_country__FR",
  CASE WHEN COALESCE("__r"."f6", 'unknown') = 'pos' THEN 1 ELSE 0 END AS "home_country__pos",
  (COALESCE(CAST("__r"."f7" AS REAL), 1.5) - 2.0) / 1.4142135623730951 AS "user_age",
  SIGN(COALESCE("__r"."f8", 0.0)) * LN(1.0 + ABS(COALESCE("__r"."f8", 0.0))) AS "cross_border_spend_30d",
  "__r"."f9" AS "active_days_30d",
  CASE WHEN "__r"."f10" = 'US' THEN 1 ELSE 0 END AS "merchant_category__US",
  CASE WHEN "__r"."f10" = 'DE' THEN 1 ELSE 0 END AS "merchant_category__DE",
  CASE WHEN "__r"."f10" = 'FR' THEN 1 ELSE 0 END AS "merchant_category__FR",
  CASE WHEN "__r"."f10" = 'pos' THEN 1 ELSE 0 END AS "merchant_category__pos",
  CASE WHEN "__r"."f11" = 1 THEN 1 ELSE 0 END AS "merchant_risk_tier__1",
  CASE WHEN "__r"."f11" = 2 THEN 1 ELSE 0 END AS "merchant_risk_tier__2",
  CASE WHEN "__r"."f11" = 3 THEN 1 ELSE 0 END AS "merchant_risk_tier__3",
  "__r"."f12" AS "merchant_chargebacks_30d",
  "__r"."f13" AS "card_distinct_merchants_24h",
  SIGN(COALESCE("__r"."f14", 6.375)) * LN(1.0 + ABS(COALESCE("__r"."f14", 6.375))) AS "card_min_amount_24h",
  "__r"."__label" AS "is_fraud"
FROM "__stage2" AS "__r"
ORDER BY "__r"."__rid" NULLS FIRST;

-- training set merchant_abuse v1 (sqlite)
WITH "__spine" AS (
  SELECT 
    *,
    ROW_NUMBER() OVER (ORDER BY "__t" NULLS FIRST, "__k0" NULLS FIRST, "__label" NULLS FIRST) AS "__rid"
  FROM (
    SELECT 
      "merchants"."id" AS "__k0",
      1709251200000000 AS "__t",
      COALESCE("merchants"."is_terminated", 0) AS "__label"
    FROM "merchants"
    WHERE "merchants"."id" IS NOT NULL
  ) AS "__labels"
),
"__g1_run" AS MATERIALIZED (
  SELECT 
    "fraud_reports"."merchant_id" AS "__k0",
    "fraud_reports"."reported_at" AS "__e",
    SUM(COUNT(CASE WHEN "fraud_reports"."confirmed" THEN 1 END)) OVER (PARTITION BY "fraud_reports"."merchant_id" ORDER BY "fraud_reports"."reported_at" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__m1"
  FROM "fraud_reports"
  WHERE "fraud_reports"."merchant_id" IS NOT NULL
  GROUP BY "fraud_reports"."merchant_id", "fraud_reports"."reported_at"
),
"__g1_last" AS MATERIALIZED (
  SELECT "__rid", "__p", "__last"
  FROM (
    SELECT 
      "__side",
      "__rid",
      "__p",
      MAX("__e") OVER (PARTITION BY "__k0" ORDER BY "__t" NULLS FIRST, "__side" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__last"
    FROM (
      SELECT "__k0" AS "__k0", "__e" AS "__t", 0 AS "__side", NULL AS "__rid", NULL AS "__p", "__e" AS "__e"
      FROM "__g1_run"
      UNION ALL
      SELECT "__k0" AS "__k0", "__t" AS "__t", 1 AS "__side", "__rid" AS "__rid", 0 AS "__p", NULL AS "__e"
      FROM "__spine"
      UNION ALL
      SELECT 
        "__k0" AS "__k0",
        ("__t" - 2592000000000) AS "__t",
        1 AS "__side",
        "__rid" AS "__rid",
        1 AS "__p",
        NULL AS "__e"
      FROM "__spine"
    ) AS "__u"
  ) AS "__r"
  WHERE "__side" <> 0
),
"__stage1" AS MATERIALIZED (
  SELECT 
    "__s".*,
    CAST(COALESCE("__g1_p0"."__m1", 0) - COALESCE("__g1_p1"."__m1", 0) AS INTEGER) AS "f2",
    (
    SELECT "merchants"."category"
    FROM "merchants"
    WHERE "merchants"."id" = "__s"."__k0"
    ORDER BY "merchants"."name" DESC NULLS LAST, "merchants"."category" DESC NULLS LAST, "merchants"."country" DESC NULLS LAST, "merchants"."onboarded_on" DESC NULLS LAST, "merchants"."risk_tier" DESC NULLS LAST, "merchants"."is_terminated" DESC NULLS LAST
    LIMIT 1
  ) AS "f1"
  FROM "__spine" AS "__s"
  LEFT JOIN "__g1_last" AS "__g1_l0" ON ("__g1_l0"."__rid" = "__s"."__rid") AND ("__g1_l0"."__p" = 0)
  LEFT JOIN "__g1_run" AS "__g1_p0" ON ("__s"."__k0" = "__g1_p0"."__k0") AND ("__g1_p0"."__e" = "__g1_l0"."__last")
  LEFT JOIN "__g1_last" AS "__g1_l1" ON ("__g1_l1"."__rid" = "__s"."__rid") AND ("__g1_l1"."__p" = 1)
  LEFT JOIN "__g1_run" AS "__g1_p1" ON ("__s"."__k0" = "__g1_p1"."__k0") AND ("__g1_p1"."__e" = "__g1_l1"."__last")
)
SELECT 
  "__r"."__k0" AS "merchant_id",
  CASE WHEN "__r"."f1" = 'US' THEN 1 ELSE 0 END AS "merchant_category__US",
  CASE WHEN "__r"."f1" = 'DE' THEN 1 ELSE 0 END AS "merchant_category__DE",
  CASE WHEN "__r"."f1" = 'FR' THEN 1 ELSE 0 END AS "merchant_category__FR",
  CASE WHEN "__r"."f1" = 'pos' THEN 1 ELSE 0 END AS "merchant_category__pos",
  "__r"."f2" AS "merchant_chargebacks_30d",
  "__r"."__label" AS "merchant_terminated"
FROM "__stage1" AS "__r"
ORDER BY "__r"."__rid" NULLS FIRST;

-- online vectors of entity user (sqlite)
WITH "__spine" AS (
  SELECT "__k0", 1709251200000000 AS "__t", ROW_NUMBER() OVER (ORDER BY "__k0" NULLS FIRST) AS "__rid"
  FROM (
    SELECT "users"."user_id" AS "__k0"
    FROM "users"
    WHERE "users"."user_id" IS NOT NULL
    UNION
    SELECT "enriched_transactions"."user_id" AS "__k0"
    FROM "enriched_transactions"
    WHERE ("enriched_transactions"."user_id" IS NOT NULL) AND ("enriched_transactions"."created_at" <= 1709251200000000)
    UNION
    SELECT "user_daily_spend"."user_id" AS "__k0"
    FROM "user_daily_spend"
    WHERE ("user_daily_spend"."user_id" IS NOT NULL) AND ("user_daily_spend"."last_txn_at" <= 1709251200000000)
    UNION
    SELECT "app_events"."account_id" AS "__k0"
    FROM "app_events"
    WHERE ("app_events"."account_id" IS NOT NULL) AND ("app_events"."ts" <= 1709251200000000)
    UNION
    SELECT "transactions"."user_id" AS "__k0"
    FROM "transactions"
    WHERE ("transactions"."user_id" IS NOT NULL) AND ("transactions"."created_at" <= 1709251200000000)
  ) AS "__keys"
),
"__o1" AS MATERIALIZED (
  SELECT 
    "enriched_transactions"."user_id" AS "__k0",
    SUM("enriched_transactions"."amount") AS "__a1",
    MAX("enriched_transactions"."created_at") AS "__a2"
  FROM "enriched_transactions"
  WHERE ((("enriched_transactions"."user_id" IS NOT NULL) AND ("enriched_transactions"."is_cross_border" AND ("enriched_transactions"."status" = 'approved'))) AND ("enriched_transactions"."created_at" <= 1709251200000000)) AND ("enriched_transactions"."created_at" > (1709251200000000 - 2592000000000))
  GROUP BY "enriched_transactions"."user_id"
),
"__o2" AS MATERIALIZED (
  SELECT 
    "user_daily_spend"."user_id" AS "__k0",
    COUNT(*) AS "__a1",
    MAX("user_daily_spend"."last_txn_at") AS "__a2"
  FROM "user_daily_spend"
  WHERE (("user_daily_spend"."user_id" IS NOT NULL) AND ("user_daily_spend"."last_txn_at" <= 1709251200000000)) AND ("user_daily_spend"."last_txn_at" > (1709251200000000 - 2592000000000))
  GROUP BY "user_daily_spend"."user_id"
),
"__o3" AS MATERIALIZED (
  SELECT "app_events"."account_id" AS "__k0", COUNT(*) AS "__a1", MAX("app_events"."ts") AS "__a2"
  FROM "app_events"
  WHERE ((("app_events"."account_id" IS NOT NULL) AND ("app_events"."event_type" = 'login_failed')) AND ("app_events"."ts" <= 1709251200000000)) AND ("app_events"."ts" > (1709251200000000 - 86400000000))
  GROUP BY "app_events"."account_id"
),
"__o4" AS MATERIALIZED (
  SELECT 
    "transactions"."user_id" AS "__k0",
    COUNT(CASE WHEN "transactions"."created_at" > (1709251200000000 - 604800000000) THEN 1 END) AS "__a1",
    MAX("transactions"."created_at") AS "__a2",
    SUM(CASE WHEN "transactions"."status" = 'approved' THEN "transactions"."amount" END) AS "__a3",
    MAX(CASE WHEN "transactions"."status" = 'approved' THEN "transactions"."created_at" END) AS "__a4",
    AVG(CASE WHEN ("transactions"."status" = 'approved') AND ("transactions"."created_at" > (1709251200000000 - 604800000000)) THEN "transactions"."amount" END) AS "__a5",
    MAX(CASE WHEN ("transactions"."status" = 'approved') AND ("transactions"."created_at" > (1709251200000000 - 604800000000)) THEN "transactions"."created_at" END) AS "__a6",
    MAX(CASE WHEN "transactions"."created_at" > (1709251200000000 - 86400000000) THEN "transactions"."amount" END) AS "__a7"
  FROM "transactions"
  WHERE (("transactions"."user_id" IS NOT NULL) AND ("transactions"."created_at" <= 1709251200000000)) AND ("transactions"."created_at" > (1709251200000000 - 2592000000000))
  GROUP BY "transactions"."user_id"
),
"__o5" AS MATERIALIZED (
  SELECT "__k0", "__v_f1", "__v_f2"
  FROM (
    SELECT 
      "users"."user_id" AS "__k0",
      "users"."country" AS "__v_f1",
      "users"."age" AS "__v_f2",
      ROW_NUMBER() OVER (PARTITION BY "users"."user_id" ORDER BY "users"."country" DESC NULLS LAST, "users"."signup_date" DESC NULLS LAST, "users"."age" DESC NULLS LAST, "users"."is_premium" DESC NULLS LAST) AS "__n"
    FROM "users"
    WHERE "users"."user_id" IS NOT NULL
  ) AS "__ranked"
  WHERE "__n" = 1
),
"__o6_max" AS MATERIALIZED (
  SELECT "transactions"."user_id" AS "__k0", MAX("transactions"."created_at") AS "__er"
  FROM "transactions"
  WHERE ("transactions"."user_id" IS NOT NULL) AND ("transactions"."created_at" <= 1709251200000000)
  GROUP BY "transactions"."user_id"
),
"__o6" AS MATERIALIZED (
  SELECT "__k0", "__e", "__v_f10"
  FROM (
    SELECT 
      "__o6_m"."__k0" AS "__k0",
      "transactions"."created_at" AS "__e",
      "transactions"."channel" AS "__v_f10",
      ROW_NUMBER() OVER (PARTITION BY "__o6_m"."__k0" ORDER BY "transactions"."txn_id" DESC NULLS LAST, "transactions"."card_id" DESC NULLS LAST, "transactions"."merchant_id" DESC NULLS LAST, "transactions"."amount" DESC NULLS LAST, "transactions"."currency" DESC NULLS LAST, "transactions"."channel" DESC NULLS LAST, "transactions"."status" DESC NULLS LAST) AS "__n"
    FROM "__o6_max" AS "__o6_m"
    JOIN "transactions" ON ("transactions"."user_id" = "__o6_m"."__k0") AND ("transactions"."created_at" = "__o6_m"."__er")
  ) AS "__ranked"
  WHERE "__n" = 1
),
"__stage1" AS MATERIALIZED (
  SELECT 
    "__s".*,
    "__o1_j"."__a1" AS "f3",
    "__o1_j"."__a2" AS "f3__time",
    COALESCE("__o2_j"."__a1", 0) AS "f4",
    "__o2_j"."__a2" AS "f4__time",
    COALESCE("__o3_j"."__a1", 0) AS "f5",
    "__o3_j"."__a2" AS "f5__time",
    COALESCE("__o4_j"."__a1", 0) AS "f6",
    CASE WHEN "__o4_j"."__a2" > (1709251200000000 - 604800000000) THEN "__o4_j"."__a2" END AS "f6__time",
    "__o4_j"."__a3" AS "f7",
    "__o4_j"."__a4" AS "f7__time",
    "__o4_j"."__a5" AS "f8",
    "__o4_j"."__a6" AS "f8__time",
    "__o4_j"."__a7" AS "f9",
    CASE WHEN "__o4_j"."__a2" > (1709251200000000 - 86400000000) THEN "__o4_j"."__a2" END AS "f9__time",
    "__o5_j"."__v_f1" AS "f1",
    "__o5_j"."__v_f2" AS "f2",
    "__o6_j"."__e" AS "__o6__time",
    "__o6_j"."__v_f10" AS "f10"
  FROM "__spine" AS "__s"
  LEFT JOIN "__o1" AS "__o1_j" ON "__s"."__k0" = "__o1_j"."__k0"
  LEFT JOIN "__o2" AS "__o2_j" ON "__s"."__k0" = "__o2_j"."__k0"
  LEFT JOIN "__o3" AS "__o3_j" ON "__s"."__k0" = "__o3_j"."__k0"
  LEFT JOIN "__o4" AS "__o4_j" ON "__s"."__k0" = "__o4_j"."__k0"
  LEFT JOIN "__o5" AS "__o5_j" ON "__s"."__k0" = "__o5_j"."__k0"
  LEFT JOIN "__o6" AS "__o6_j" ON "__s"."__k0" = "__o6_j"."__k0"
)
SELECT 
  "__r"."__k0" AS "user_id",
  CASE WHEN COALESCE("__r"."f1", 'unknown') = 'US' THEN 1 ELSE 0 END AS "home_country__US",
  CASE WHEN COALESCE("__r"."f1", 'unknown') = 'DE' THEN 1 ELSE 0 END AS "home_country__DE",
  CASE WHEN COALESCE("__r"."f1", 'unknown') = 'FR' THEN 1 ELSE 0 END AS "home_country__FR",
  CASE WHEN COALESCE("__r"."f1", 'unknown') = 'pos' THEN 1 ELSE 0 END AS "home_country__pos",
  NULL AS "f1__time",
  (COALESCE(CAST("__r"."f2" AS REAL), 1.5) - 2.0) / 1.4142135623730951 AS "user_age",
  SIGN(COALESCE("__r"."f3", 0.0)) * LN(1.0 + ABS(COALESCE("__r"."f3", 0.0))) AS "cross_border_spend_30d",
  "__r"."f3__time" AS "f3__time",
  "__r"."f4" AS "active_days_30d",
  "__r"."f4__time" AS "f4__time",
  "__r"."f5" AS "failed_logins_24h",
  "__r"."f5__time" AS "f5__time",
  SIGN(CAST("__r"."f6" AS REAL)) * LN(1.0 + ABS(CAST("__r"."f6" AS REAL))) AS "txn_count_7d",
  "__r"."f6__time" AS "f6__time",
  SIGN(COALESCE("__r"."f7", 0.0)) * LN(1.0 + ABS(COALESCE("__r"."f7", 0.0))) AS "spend_30d",
  "__r"."f7__time" AS "f7__time",
  (COALESCE("__r"."f8", 6.375) - 6.375) / 11.75 AS "avg_amount_7d",
  "__r"."f8__time" AS "f8__time",
  (COALESCE("__r"."f9", 0.0) - -3.0) / 15.25 AS "max_amount_24h",
  "__r"."f9__time" AS "f9__time",
  CASE WHEN COALESCE(CASE WHEN "__r"."__o6__time" >= ("__r"."__t" - 1209600000000) THEN "__r"."f10" ELSE NULL END, 'US') = 'online' THEN 1 ELSE 0 END AS "last_channel__online",
  CASE WHEN COALESCE(CASE WHEN "__r"."__o6__time" >= ("__r"."__t" - 1209600000000) THEN "__r"."f10" ELSE NULL END, 'US') = 'pos' THEN 1 ELSE 0 END AS "last_channel__pos",
  CASE WHEN COALESCE(CASE WHEN "__r"."__o6__time" >= ("__r"."__t" - 1209600000000) THEN "__r"."f10" ELSE NULL END, 'US') = 'atm' THEN 1 ELSE 0 END AS "last_channel__atm",
  "__r"."__o6__time" AS "f10__time"
FROM "__stage1" AS "__r"
ORDER BY "__r"."__rid" NULLS FIRST;

-- online vectors of entity merchant (sqlite)
WITH "__spine" AS (
  SELECT "__k0", 1709251200000000 AS "__t", ROW_NUMBER() OVER (ORDER BY "__k0" NULLS FIRST) AS "__rid"
  FROM (
    SELECT "merchants"."id" AS "__k0"
    FROM "merchants"
    WHERE "merchants"."id" IS NOT NULL
    UNION
    SELECT "fraud_reports"."merchant_id" AS "__k0"
    FROM "fraud_reports"
    WHERE ("fraud_reports"."merchant_id" IS NOT NULL) AND ("fraud_reports"."reported_at" <= 1709251200000000)
  ) AS "__keys"
),
"__o1" AS MATERIALIZED (
  SELECT 
    "fraud_reports"."merchant_id" AS "__k0",
    COUNT(*) AS "__a1",
    MAX("fraud_reports"."reported_at") AS "__a2"
  FROM "fraud_reports"
  WHERE ((("fraud_reports"."merchant_id" IS NOT NULL) AND "fraud_reports"."confirmed") AND ("fraud_reports"."reported_at" <= 1709251200000000)) AND ("fraud_reports"."reported_at" > (1709251200000000 - 2592000000000))
  GROUP BY "fraud_reports"."merchant_id"
),
"__o2" AS MATERIALIZED (
  SELECT "__k0", "__v_f1", "__v_f2"
  FROM (
    SELECT 
      "merchants"."id" AS "__k0",
      "merchants"."category" AS "__v_f1",
      "merchants"."risk_tier" AS "__v_f2",
      ROW_NUMBER() OVER (PARTITION BY "merchants"."id" ORDER BY "merchants"."name" DESC NULLS LAST, "merchants"."category" DESC NULLS LAST, "merchants"."country" DESC NULLS LAST, "merchants"."onboarded_on" DESC NULLS LAST, "merchants"."risk_tier" DESC NULLS LAST, "merchants"."is_terminated" DESC NULLS LAST) AS "__n"
    FROM "merchants"
    WHERE "merchants"."id" IS NOT NULL
  ) AS "__ranked"
  WHERE "__n" = 1
),
"__stage1" AS MATERIALIZED (
  SELECT 
    "__s".*,
    COALESCE("__o1_j"."__a1", 0) AS "f3",
    "__o1_j"."__a2" AS "f3__time",
    "__o2_j"."__v_f1" AS "f1",
    "__o2_j"."__v_f2" AS "f2"
  FROM "__spine" AS "__s"
  LEFT JOIN "__o1" AS "__o1_j" ON "__s"."__k0" = "__o1_j"."__k0"
  LEFT JOIN "__o2" AS "__o2_j" ON "__s"."__k0" = "__o2_j"."__k0"
)
SELECT 
  "__r"."__k0" AS "merchant_id",
  CASE WHEN "__r"."f1" = 'US' THEN 1 ELSE 0 END AS "merchant_category__US",
  CASE WHEN "__r"."f1" = 'DE' THEN 1 ELSE 0 END AS "merchant_category__DE",
  CASE WHEN "__r"."f1" = 'FR' THEN 1 ELSE 0 END AS "merchant_category__FR",
  CASE WHEN "__r"."f1" = 'pos' THEN 1 ELSE 0 END AS "merchant_category__pos",
  NULL AS "f1__time",
  CASE WHEN "__r"."f2" = 1 THEN 1 ELSE 0 END AS "merchant_risk_tier__1",
  CASE WHEN "__r"."f2" = 2 THEN 1 ELSE 0 END AS "merchant_risk_tier__2",
  CASE WHEN "__r"."f2" = 3 THEN 1 ELSE 0 END AS "merchant_risk_tier__3",
  "__r"."f3" AS "merchant_chargebacks_30d",
  "__r"."f3__time" AS "f3__time"
FROM "__stage1" AS "__r"
ORDER BY "__r"."__rid" NULLS FIRST;

-- online vectors of entity card (sqlite)
WITH "__spine" AS (
  SELECT "__k0", 1709251200000000 AS "__t", ROW_NUMBER() OVER (ORDER BY "__k0" NULLS FIRST) AS "__rid"
  FROM (
    SELECT DISTINCT "transactions"."card_id" AS "__k0"
    FROM "transactions"
    WHERE ("transactions"."card_id" IS NOT NULL) AND ("transactions"."created_at" <= 1709251200000000)
  ) AS "__keys"
),
"__o1" AS MATERIALIZED (
  SELECT 
    "transactions"."card_id" AS "__k0",
    COUNT(DISTINCT "transactions"."merchant_id") AS "__a1",
    MAX("transactions"."created_at") AS "__a2",
    MIN("transactions"."amount") AS "__a3"
  FROM "transactions"
  WHERE (("transactions"."card_id" IS NOT NULL) AND ("transactions"."created_at" <= 1709251200000000)) AND ("transactions"."created_at" > (1709251200000000 - 86400000000))
  GROUP BY "transactions"."card_id"
),
"__stage1" AS MATERIALIZED (
  SELECT 
    "__s".*,
    COALESCE("__o1_j"."__a1", 0) AS "f1",
    "__o1_j"."__a2" AS "f1__time",
    "__o1_j"."__a3" AS "f2"
  FROM "__spine" AS "__s"
  LEFT JOIN "__o1" AS "__o1_j" ON "__s"."__k0" = "__o1_j"."__k0"
)
SELECT 
  "__r"."__k0" AS "card_id",
  "__r"."f1" AS "card_distinct_merchants_24h",
  "__r"."f1__time" AS "f1__time",
  SIGN(COALESCE("__r"."f2", 6.375)) * LN(1.0 + ABS(COALESCE("__r"."f2", 6.375))) AS "card_min_amount_24h"
FROM "__stage1" AS "__r"
ORDER BY "__r"."__rid" NULLS FIRST;
