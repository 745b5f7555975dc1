-- training set availability v1 (sqlite)
WITH "__spine" AS (
  SELECT 
    *,
    ROW_NUMBER() OVER (ORDER BY "__t" NULLS FIRST, "__k0" NULLS FIRST, "__k1" NULLS FIRST, "__label" NULLS FIRST) AS "__rid"
  FROM (
    SELECT 
      "outcomes"."account_id" AS "__k0",
      "outcomes"."shop_id" AS "__k1",
      "outcomes"."happened_at" AS "__t",
      "outcomes"."churned" AS "__label"
    FROM "outcomes"
    WHERE ("outcomes"."account_id" IS NOT NULL) AND ("outcomes"."happened_at" IS NOT NULL)
  ) AS "__labels"
),
"__g1_run" AS MATERIALIZED (
  SELECT 
    "late_events"."account_id" AS "__k0",
    "late_events"."ts" AS "__e",
    SUM(COUNT("late_events"."d")) OVER (PARTITION BY "late_events"."account_id" ORDER BY "late_events"."ts" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__m1",
    SUM(COALESCE(SUM("late_events"."d"), 0.0)) OVER (PARTITION BY "late_events"."account_id" ORDER BY "late_events"."ts" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__m2",
    COALESCE(SUM("late_events"."d"), 0.0) AS "__m2_x"
  FROM "late_events"
  WHERE "late_events"."account_id" IS NOT NULL
  GROUP BY "late_events"."account_id", "late_events"."ts"
),
"__g1_lag" AS (
  SELECT 
    "__k0",
    "__e",
    "__m1",
    "__m2",
    "__m2_x",
    COALESCE(LAG("__m2") OVER (PARTITION BY "__k0" ORDER BY "__e" NULLS FIRST), 0.0) AS "__m2_p"
  FROM "__g1_run"
),
"__g1_cum" AS MATERIALIZED (
  SELECT 
    "__k0",
    "__e",
    "__m1",
    "__m2",
    "__m2_x",
    SUM((("__m2_p" + "__m2_x") - "__m2") + (("__m2_p" - (("__m2_p" + "__m2_x") - (("__m2_p" + "__m2_x") - "__m2_p"))) + ("__m2_x" - (("__m2_p" + "__m2_x") - "__m2_p")))) OVER (PARTITION BY "__k0" ORDER BY "__e" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__m2_r"
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
      SELECT 
        "__k0" AS "__k0",
        ("__t" - 21600000000) AS "__t",
        1 AS "__side",
        "__rid" AS "__rid",
        0 AS "__p",
        NULL AS "__e"
      FROM "__spine"
      UNION ALL
      SELECT 
        "__k0" AS "__k0",
        ("__t" - 108000000000) AS "__t",
        1 AS "__side",
        "__rid" AS "__rid",
        1 AS "__p",
        NULL AS "__e"
      FROM "__spine"
      UNION ALL
      SELECT 
        "__k0" AS "__k0",
        ("__t" - 626400000000) AS "__t",
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
    "late_events"."shop_id" AS "__k0",
    "late_events"."ts" AS "__e",
    SUM(COUNT(*)) OVER (PARTITION BY "late_events"."shop_id" ORDER BY "late_events"."ts" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__m1"
  FROM "late_events"
  WHERE "late_events"."shop_id" IS NOT NULL
  GROUP BY "late_events"."shop_id", "late_events"."ts"
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
      FROM "__g2_run"
      UNION ALL
      SELECT 
        "__k1" AS "__k0",
        ("__t" - 21600000000) AS "__t",
        -1 AS "__side",
        "__rid" AS "__rid",
        0 AS "__p",
        NULL AS "__e"
      FROM "__spine"
      UNION ALL
      SELECT 
        "__k1" AS "__k0",
        ("__t" - 626400000000) AS "__t",
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
    "daily_closed"."account_id" AS "__k0",
    ("daily_closed"."day" * 86400000000) AS "__e",
    SUM(COUNT("daily_closed"."visits")) OVER (PARTITION BY "daily_closed"."account_id" ORDER BY ("daily_closed"."day" * 86400000000) NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__m1",
    SUM(COALESCE(SUM("daily_closed"."visits"), 0)) OVER (PARTITION BY "daily_closed"."account_id" ORDER BY ("daily_closed"."day" * 86400000000) NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__m2"
  FROM "daily_closed"
  WHERE "daily_closed"."account_id" IS NOT NULL
  GROUP BY "daily_closed"."account_id", ("daily_closed"."day" * 86400000000)
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
      SELECT 
        "__k0" AS "__k0",
        ("__t" - 86400000000) AS "__t",
        1 AS "__side",
        "__rid" AS "__rid",
        0 AS "__p",
        NULL AS "__e"
      FROM "__spine"
      UNION ALL
      SELECT 
        "__k0" AS "__k0",
        ("__t" - 691200000000) AS "__t",
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
    "events"."account_id" AS "__k0",
    "events"."ts" AS "__e",
    SUM(COUNT(*)) OVER (PARTITION BY "events"."account_id" ORDER BY "events"."ts" NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "__m1"
  FROM "events"
  WHERE "events"."account_id" IS NOT NULL
  GROUP BY "events"."account_id", "events"."ts"
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
      SELECT "__k0" AS "__k0", "__t" AS "__t", -1 AS "__side", "__rid" AS "__rid", 0 AS "__p", NULL AS "__e"
      FROM "__spine"
      UNION ALL
      SELECT 
        "__k0" AS "__k0",
        ("__t" - 3600000000) AS "__t",
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
    CASE WHEN (COALESCE("__g1_p0"."__m1", 0) - COALESCE("__g1_p1"."__m1", 0)) > 0 THEN (COALESCE("__g1_p0"."__m2", 0.0) - COALESCE("__g1_p1"."__m2", 0.0)) + (COALESCE("__g1_p0"."__m2_r", 0.0) - COALESCE("__g1_p1"."__m2_r", 0.0)) END AS "f1",
    CASE WHEN (COALESCE("__g1_p0"."__m1", 0) - COALESCE("__g1_p2"."__m1", 0)) > 0 THEN (COALESCE("__g1_p0"."__m2", 0.0) - COALESCE("__g1_p2"."__m2", 0.0)) + (COALESCE("__g1_p0"."__m2_r", 0.0) - COALESCE("__g1_p2"."__m2_r", 0.0)) END AS "f2",
    CAST(COALESCE("__g2_p0"."__m1", 0) - COALESCE("__g2_p1"."__m1", 0) AS INTEGER) AS "f4",
    CASE WHEN (COALESCE("__g3_p0"."__m1", 0) - COALESCE("__g3_p1"."__m1", 0)) > 0 THEN COALESCE("__g3_p0"."__m2", 0) - COALESCE("__g3_p1"."__m2", 0) END AS "f5",
    CAST(COALESCE("__g4_p0"."__m1", 0) - COALESCE("__g4_p1"."__m1", 0) AS INTEGER) AS "f7",
    (
    SELECT MAX("late_events"."ts")
    FROM "late_events"
    WHERE ("late_events"."account_id" = "__s"."__k0") AND ("late_events"."ts" <= ("__s"."__t" - 21600000000))
  ) AS "__g5__time",
    (
    SELECT MAX(("daily_closed"."day" * 86400000000))
    FROM "daily_closed"
    WHERE ("daily_closed"."account_id" = "__s"."__k0") AND (("daily_closed"."day" * 86400000000) < ("__s"."__t" - 86400000000))
  ) AS "__g6__time",
    (
    SELECT MAX("events"."ts")
    FROM "events"
    WHERE ("events"."account_id" = "__s"."__k0") AND ("events"."ts" < "__s"."__t")
  ) AS "__g7__time",
    (
    SELECT MAX("late_events_copy"."ts")
    FROM "late_events_copy"
    WHERE ("late_events_copy"."account_id" = "__s"."__k0") AND ("late_events_copy"."ts" <= ("__s"."__t" - 21600000000))
  ) AS "__g8__time"
  FROM "__spine" AS "__s"
  LEFT JOIN "__g1_last" AS "__g1_l0" ON ("__g1_l0"."__rid" = "__s"."__rid") AND ("__g1_l0"."__p" = 0)
  LEFT JOIN "__g1_cum" AS "__g1_p0" ON ("__s"."__k0" = "__g1_p0"."__k0") AND ("__g1_p0"."__e" = "__g1_l0"."__last")
  LEFT JOIN "__g1_last" AS "__g1_l1" ON ("__g1_l1"."__rid" = "__s"."__rid") AND ("__g1_l1"."__p" = 1)
  LEFT JOIN "__g1_cum" AS "__g1_p1" ON ("__s"."__k0" = "__g1_p1"."__k0") AND ("__g1_p1"."__e" = "__g1_l1"."__last")
  LEFT JOIN "__g1_last" AS "__g1_l2" ON ("__g1_l2"."__rid" = "__s"."__rid") AND ("__g1_l2"."__p" = 2)
  LEFT JOIN "__g1_cum" AS "__g1_p2" ON ("__s"."__k0" = "__g1_p2"."__k0") AND ("__g1_p2"."__e" = "__g1_l2"."__last")
  LEFT JOIN "__g2_last" AS "__g2_l0" ON ("__g2_l0"."__rid" = "__s"."__rid") AND ("__g2_l0"."__p" = 0)
  LEFT JOIN "__g2_run" AS "__g2_p0" ON ("__s"."__k1" = "__g2_p0"."__k0") AND ("__g2_p0"."__e" = "__g2_l0"."__last")
  LEFT JOIN "__g2_last" AS "__g2_l1" ON ("__g2_l1"."__rid" = "__s"."__rid") AND ("__g2_l1"."__p" = 1)
  LEFT JOIN "__g2_run" AS "__g2_p1" ON ("__s"."__k1" = "__g2_p1"."__k0") AND ("__g2_p1"."__e" = "__g2_l1"."__last")
  LEFT JOIN "__g3_last" AS "__g3_l0" ON ("__g3_l0"."__rid" = "__s"."__rid") AND ("__g3_l0"."__p" = 0)
  LEFT JOIN "__g3_run" AS "__g3_p0" ON ("__s"."__k0" = "__g3_p0"."__k0") AND ("__g3_p0"."__e" = "__g3_l0"."__last")
  LEFT JOIN "__g3_last" AS "__g3_l1" ON ("__g3_l1"."__rid" = "__s"."__rid") AND ("__g3_l1"."__p" = 1)
  LEFT JOIN "__g3_run" AS "__g3_p1" ON ("__s"."__k0" = "__g3_p1"."__k0") AND ("__g3_p1"."__e" = "__g3_l1"."__last")
  LEFT JOIN "__g4_last" AS "__g4_l0" ON ("__g4_l0"."__rid" = "__s"."__rid") AND ("__g4_l0"."__p" = 0)
  LEFT JOIN "__g4_run" AS "__g4_p0" ON ("__s"."__k0" = "__g4_p0"."__k0") AND ("__g4_p0"."__e" = "__g4_l0"."__last")
  LEFT JOIN "__g4_last" AS "__g4_l1" ON ("__g4_l1"."__rid" = "__s"."__rid") AND ("__g4_l1"."__p" = 1)
  LEFT JOIN "__g4_run" AS "__g4_p1" ON ("__s"."__k0" = "__g4_p1"."__k0") AND ("__g4_p1"."__e" = "__g4_l1"."__last")
),
"__stage2" AS MATERIALIZED (
  SELECT 
    "__st".*,
    (
    SELECT "late_events"."s"
    FROM "late_events"
    WHERE ("late_events"."account_id" = "__st"."__k0") AND ("late_events"."ts" = "__st"."__g5__time")
    ORDER BY "late_events"."shop_id" DESC NULLS LAST, "late_events"."d" DESC NULLS LAST, "late_events"."s" DESC NULLS LAST
    LIMIT 1
  ) AS "f3",
    (
    SELECT "daily_closed"."note"
    FROM "daily_closed"
    WHERE ("daily_closed"."account_id" = "__st"."__k0") AND (("daily_closed"."day" * 86400000000) = "__st"."__g6__time")
    ORDER BY "daily_closed"."visits" DESC NULLS LAST, "daily_closed"."note" DESC NULLS LAST
    LIMIT 1
  ) AS "f6",
    (
    SELECT "events"."d"
    FROM "events"
    WHERE ("events"."account_id" = "__st"."__k0") AND ("events"."ts" = "__st"."__g7__time")
    ORDER BY "events"."event_id" DESC NULLS LAST, "events"."shop_id" DESC NULLS LAST, "events"."i" DESC NULLS LAST, "events"."j" DESC NULLS LAST, "events"."d" DESC NULLS LAST, "events"."s" DESC NULLS LAST, "events"."p" DESC NULLS LAST, "events"."b" DESC NULLS LAST, "events"."dt" DESC NULLS LAST
    LIMIT 1
  ) AS "f8",
    (
    SELECT "late_events_copy"."d"
    FROM "late_events_copy"
    WHERE ("late_events_copy"."account_id" = "__st"."__k0") AND ("late_events_copy"."ts" = "__st"."__g8__time")
    ORDER BY "late_events_copy"."d" DESC NULLS LAST
    LIMIT 1
  ) AS "f9"
  FROM "__stage1" AS "__st"
)
SELECT 
  "__r"."__k0" AS "account_id",
  "__r"."__k1" AS "shop_id",
  "__r"."__t" AS "happened_at",
  "__r"."f1" AS "late_sum_1d",
  "__r"."f2" AS "late_sum_7d",
  CASE WHEN "__r"."__g5__time" >= ("__r"."__t" - 28800000000) THEN "__r"."f3" ELSE NULL END AS "late_last_s",
  "__r"."f4" AS "late_shop_n",
  "__r"."f5" AS "closed_visits_7d",
  CASE WHEN "__r"."__g6__time" >= ("__r"."__t" - 259200000000) THEN "__r"."f6" ELSE NULL END AS "closed_note",
  "__r"."f7" AS "strict_n",
  "__r"."f8" AS "strict_last",
  COALESCE("__r"."f9", 5.791666666666667) AS "copy_last",
  "__r"."__label" AS "churned_av"
FROM "__stage2" AS "__r"
ORDER BY "__r"."__rid" NULLS FIRST;
-- online vectors of entity account (sqlite)
WITH "__spine" AS (
  SELECT "__k0", 1709251200000000 AS "__t", ROW_NUMBER() OVER (ORDER BY "__k0" NULLS FIRST) AS "__rid"
  FROM (
    SELECT "late_events"."account_id" AS "__k0"
    FROM "late_events"
    WHERE ("late_events"."account_id" IS NOT NULL) AND ("late_events"."ts" <= (1709251200000000 - 21600000000))
    UNION
    SELECT "daily_closed"."account_id" AS "__k0"
    FROM "daily_closed"
    WHERE ("daily_closed"."account_id" IS NOT NULL) AND (("daily_closed"."day" * 86400000000) <= (1709251200000000 - 86400000000))
    UNION
    SELECT "events"."account_id" AS "__k0"
    FROM "events"
    WHERE ("events"."account_id" IS NOT NULL) AND ("events"."ts" <= 1709251200000000)
    UNION
    SELECT "late_events_copy"."account_id" AS "__k0"
    FROM "late_events_copy"
    WHERE ("late_events_copy"."account_id" IS NOT NULL) AND ("late_events_copy"."ts" <= (1709251200000000 - 21600000000))
  ) AS "__keys"
),
"__o1" AS MATERIALIZED (
  SELECT 
    "late_events"."account_id" AS "__k0",
    SUM(CASE WHEN "late_events"."ts" > (1709251200000000 - 108000000000) THEN "late_events"."d" END) AS "__a1",
    MAX("late_events"."ts") AS "__a2",
    SUM("late_events"."d") AS "__a3"
  FROM "late_events"
  WHERE (("late_events"."account_id" IS NOT NULL) AND ("late_events"."ts" <= (1709251200000000 - 21600000000))) AND ("late_events"."ts" > (1709251200000000 - 626400000000))
  GROUP BY "late_events"."account_id"
),
"__o2" AS MATERIALIZED (
  SELECT 
    "daily_closed"."account_id" AS "__k0",
    SUM("daily_closed"."visits") AS "__a1",
    MAX(("daily_closed"."day" * 86400000000)) AS "__a2"
  FROM "daily_closed"
  WHERE (("daily_closed"."account_id" IS NOT NULL) AND (("daily_closed"."day" * 86400000000) <= (1709251200000000 - 86400000000))) AND (("daily_closed"."day" * 86400000000) > (1709251200000000 - 691200000000))
  GROUP BY "daily_closed"."account_id"
),
"__o3" AS MATERIALIZED (
  SELECT "events"."account_id" AS "__k0", COUNT(*) AS "__a1", MAX("events"."ts") AS "__a2"
  FROM "events"
  WHERE (("events"."account_id" IS NOT NULL) AND ("events"."ts" < 1709251200000000)) AND ("events"."ts" > (1709251200000000 - 3600000000))
  GROUP BY "events"."account_id"
),
"__o4_max" AS MATERIALIZED (
  SELECT "late_events"."account_id" AS "__k0", MAX("late_events"."ts") AS "__er"
  FROM "late_events"
  WHERE ("late_events"."account_id" IS NOT NULL) AND ("late_events"."ts" <= (1709251200000000 - 21600000000))
  GROUP BY "late_events"."account_id"
),
"__o4" AS MATERIALIZED (
  SELECT "__k0", "__e", "__v_f3"
  FROM (
    SELECT 
      "__o4_m"."__k0" AS "__k0",
      "late_events"."ts" AS "__e",
      "late_events"."s" AS "__v_f3",
      ROW_NUMBER() OVER (PARTITION BY "__o4_m"."__k0" ORDER BY "late_events"."shop_id" DESC NULLS LAST, "late_events"."d" DESC NULLS LAST, "late_events"."s" DESC NULLS LAST) AS "__n"
    FROM "__o4_max" AS "__o4_m"
    JOIN "late_events" ON ("late_events"."account_id" = "__o4_m"."__k0") AND ("late_events"."ts" = "__o4_m"."__er")
  ) AS "__ranked"
  WHERE "__n" = 1
),
"__o5_max" AS MATERIALIZED (
  SELECT "daily_closed"."account_id" AS "__k0", MAX("daily_closed"."day") AS "__er"
  FROM "daily_closed"
  WHERE ("daily_closed"."account_id" IS NOT NULL) AND (("daily_closed"."day" * 86400000000) < (1709251200000000 - 86400000000))
  GROUP BY "daily_closed"."account_id"
),
"__o5" AS MATERIALIZED (
  SELECT "__k0", "__e", "__v_f5"
  FROM (
    SELECT 
      "__o5_m"."__k0" AS "__k0",
      ("daily_closed"."day" * 86400000000) AS "__e",
      "daily_closed"."note" AS "__v_f5",
      ROW_NUMBER() OVER (PARTITION BY "__o5_m"."__k0" ORDER BY "daily_closed"."visits" DESC NULLS LAST, "daily_closed"."note" DESC NULLS LAST) AS "__n"
    FROM "__o5_max" AS "__o5_m"
    JOIN "daily_closed" ON ("daily_closed"."account_id" = "__o5_m"."__k0") AND ("daily_closed"."day" = "__o5_m"."__er")
  ) AS "__ranked"
  WHERE "__n" = 1
),
"__o6_max" AS MATERIALIZED (
  SELECT "events"."account_id" AS "__k0", MAX("events"."ts") AS "__er"
  FROM "events"
  WHERE ("events"."account_id" IS NOT NULL) AND ("events"."ts" < 1709251200000000)
  GROUP BY "events"."account_id"
),
"__o6" AS MATERIALIZED (
  SELECT "__k0", "__e", "__v_f7"
  FROM (
    SELECT 
      "__o6_m"."__k0" AS "__k0",
      "events"."ts" AS "__e",
      "events"."d" AS "__v_f7",
      ROW_NUMBER() OVER (PARTITION BY "__o6_m"."__k0" ORDER BY "events"."event_id" DESC NULLS LAST, "events"."shop_id" DESC NULLS LAST, "events"."i" DESC NULLS LAST, "events"."j" DESC NULLS LAST, "events"."d" DESC NULLS LAST, "events"."s" DESC NULLS LAST, "events"."p" DESC NULLS LAST, "events"."b" DESC NULLS LAST, "events"."dt" DESC NULLS LAST) AS "__n"
    FROM "__o6_max" AS "__o6_m"
    JOIN "events" ON ("events"."account_id" = "__o6_m"."__k0") AND ("events"."ts" = "__o6_m"."__er")
  ) AS "__ranked"
  WHERE "__n" = 1
),
"__o7_max" AS MATERIALIZED (
  SELECT "late_events_copy"."account_id" AS "__k0", MAX("late_events_copy"."ts") AS "__er"
  FROM "late_events_copy"
  WHERE ("late_events_copy"."account_id" IS NOT NULL) AND ("late_events_copy"."ts" <= (1709251200000000 - 21600000000))
  GROUP BY "late_events_copy"."account_id"
),
"__o7" AS MATERIALIZED (
  SELECT "__k0", "__e", "__v_f8"
  FROM (
    SELECT 
      "__o7_m"."__k0" AS "__k0",
      "late_events_copy"."ts" AS "__e",
      "late_events_copy"."d" AS "__v_f8",
      ROW_NUMBER() OVER (PARTITION BY "__o7_m"."__k0" ORDER BY "late_events_copy"."d" DESC NULLS LAST) AS "__n"
    FROM "__o7_max" AS "__o7_m"
    JOIN "late_events_copy" ON ("late_events_copy"."account_id" = "__o7_m"."__k0") AND ("late_events_copy"."ts" = "__o7_m"."__er")
  ) AS "__ranked"
  WHERE "__n" = 1
),
"__stage1" AS MATERIALIZED (
  SELECT 
    "__s".*,
    "__o1_j"."__a1" AS "f1",
    CASE WHEN "__o1_j"."__a2" > (1709251200000000 - 108000000000) THEN "__o1_j"."__a2" END AS "f1__time",
    "__o1_j"."__a3" AS "f2",
    "__o1_j"."__a2" AS "f2__time",
    "__o2_j"."__a1" AS "f4",
    "__o2_j"."__a2" AS "f4__time",
    COALESCE("__o3_j"."__a1", 0) AS "f6",
    "__o3_j"."__a2" AS "f6__time",
    "__o4_j"."__e" AS "__o4__time",
    "__o4_j"."__v_f3" AS "f3",
    "__o5_j"."__e" AS "__o5__time",
    "__o5_j"."__v_f5" AS "f5",
    "__o6_j"."__e" AS "__o6__time",
    "__o6_j"."__v_f7" AS "f7",
    "__o7_j"."__e" AS "__o7__time",
    "__o7_j"."__v_f8" AS "f8"
  FROM "__spine" AS "__s"
  LEFT JOIN "__o1" AS "__o1_j" ON "__s"."__k0" = "__o1_j"."__k0"
  LEFT JOIN "__o2" AS "__o2_j" ON "__s"."__k0" = "__o2_j"."__k0"
  LEFT JOIN "__o3" AS "__o3_j" ON "__s"."__k0" = "__o3_j"."__k0"
  LEFT JOIN "__o4" AS "__o4_j" ON "__s"."__k0" = "__o4_j"."__k0"
  LEFT JOIN "__o5" AS "__o5_j" ON "__s"."__k0" = "__o5_j"."__k0"
  LEFT JOIN "__o6" AS "__o6_j" ON "__s"."__k0" = "__o6_j"."__k0"
  LEFT JOIN "__o7" AS "__o7_j" ON "__s"."__k0" = "__o7_j"."__k0"
)
SELECT 
  "__r"."__k0" AS "account_id",
  "__r"."f1" AS "late_sum_1d",
  "__r"."f1__time" AS "f1__time",
  "__r"."f2" AS "late_sum_7d",
  "__r"."f2__time" AS "f2__time",
  CASE WHEN "__r"."__o4__time" >= ("__r"."__t" - 28800000000) THEN "__r"."f3" ELSE NULL END AS "late_last_s",
  "__r"."__o4__time" AS "f3__time",
  "__r"."f4" AS "closed_visits_7d",
  "__r"."f4__time" AS "f4__time",
  CASE WHEN "__r"."__o5__time" >= ("__r"."__t" - 259200000000) THEN "__r"."f5" ELSE NULL END AS "closed_note",
  "__r"."__o5__time" AS "f5__time",
  "__r"."f6" AS "strict_n",
  "__r"."f6__time" AS "f6__time",
  "__r"."f7" AS "strict_last",
  "__r"."__o6__time" AS "f7__time",
  COALESCE("__r"."f8", 5.791666666666667) AS "copy_last",
  "__r"."__o7__time" AS "f8__time"
FROM "__stage1" AS "__r"
ORDER BY "__r"."__rid" NULLS FIRST;
