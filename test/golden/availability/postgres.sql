-- training set availability v1 (postgres)
WITH "__spine" AS (
  SELECT 
    *,
    ROW_NUMBER() OVER (ORDER BY "__t" NULLS FIRST, ("__k0" COLLATE "C") NULLS FIRST, "__k1" NULLS FIRST, "__label" NULLS FIRST) AS "__rid"
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
"__stage1" AS (
  SELECT 
    "__s".*,
    "__g1_j"."__v_f1" AS "f1",
    "__g1_j"."__v_f2" AS "f2",
    (
    SELECT MAX("late_events"."ts")
    FROM "late_events"
    WHERE ("late_events"."account_id" = "__s"."__k0") AND ("late_events"."ts" <= ("__s"."__t" - INTERVAL '21600 seconds'))
  ) AS "__g2__time",
    COALESCE("__g3_j"."__v_f4", 0) AS "f4",
    "__g4_j"."__v_f5" AS "f5",
    (
    SELECT MAX(CAST("daily_closed"."day" AS TIMESTAMP))
    FROM "daily_closed"
    WHERE ("daily_closed"."account_id" = "__s"."__k0") AND (CAST("daily_closed"."day" AS TIMESTAMP) < ("__s"."__t" - INTERVAL '86400 seconds'))
  ) AS "__g5__time",
    COALESCE("__g6_j"."__v_f7", 0) AS "f7",
    (
    SELECT MAX("events"."ts")
    FROM "events"
    WHERE ("events"."account_id" = "__s"."__k0") AND ("events"."ts" < "__s"."__t")
  ) AS "__g7__time",
    (
    SELECT MAX("late_events_copy"."ts")
    FROM "late_events_copy"
    WHERE ("late_events_copy"."account_id" = "__s"."__k0") AND ("late_events_copy"."ts" <= ("__s"."__t" - INTERVAL '21600 seconds'))
  ) AS "__g8__time"
  FROM "__spine" AS "__s"
  LEFT JOIN LATERAL (
    SELECT 
      SUM(CASE WHEN "late_events"."ts" > ("__s"."__t" - INTERVAL '108000 seconds') THEN "late_events"."d" END) AS "__v_f1",
      SUM("late_events"."d") AS "__v_f2"
    FROM "late_events"
    WHERE ("late_events"."account_id" = "__s"."__k0") AND (("late_events"."ts" <= ("__s"."__t" - INTERVAL '21600 seconds')) AND ("late_events"."ts" > ("__s"."__t" - INTERVAL '626400 seconds')))
  ) AS "__g1_j" ON TRUE
  LEFT JOIN LATERAL (
    SELECT COUNT(*) AS "__v_f4"
    FROM "late_events"
    WHERE ("late_events"."shop_id" = "__s"."__k1") AND (("late_events"."ts" < ("__s"."__t" - INTERVAL '21600 seconds')) AND ("late_events"."ts" > ("__s"."__t" - INTERVAL '626400 seconds')))
  ) AS "__g3_j" ON TRUE
  LEFT JOIN LATERAL (
    SELECT CAST(SUM("daily_closed"."visits") AS BIGINT) AS "__v_f5"
    FROM "daily_closed"
    WHERE ("daily_closed"."account_id" = "__s"."__k0") AND ((CAST("daily_closed"."day" AS TIMESTAMP) <= ("__s"."__t" - INTERVAL '86400 seconds')) AND (CAST("daily_closed"."day" AS TIMESTAMP) > ("__s"."__t" - INTERVAL '691200 seconds')))
  ) AS "__g4_j" ON TRUE
  LEFT JOIN LATERAL (
    SELECT COUNT(*) AS "__v_f7"
    FROM "events"
    WHERE ("events"."account_id" = "__s"."__k0") AND (("events"."ts" < "__s"."__t") AND ("events"."ts" > ("__s"."__t" - INTERVAL '3600 seconds')))
  ) AS "__g6_j" ON TRUE
),
"__stage2" AS (
  SELECT 
    "__st".*,
    (
    SELECT "late_events"."s"
    FROM "late_events"
    WHERE ("late_events"."account_id" = "__st"."__k0") AND ("late_events"."ts" = "__st"."__g2__time")
    ORDER BY "late_events"."shop_id" DESC NULLS LAST, "late_events"."d" DESC NULLS LAST, ("late_events"."s" COLLATE "C") DESC NULLS LAST
    LIMIT 1
  ) AS "f3",
    (
    SELECT "daily_closed"."note"
    FROM "daily_closed"
    WHERE ("daily_closed"."account_id" = "__st"."__k0") AND (CAST("daily_closed"."day" AS TIMESTAMP) = "__st"."__g5__time")
    ORDER BY "daily_closed"."visits" DESC NULLS LAST, ("daily_closed"."note" COLLATE "C") DESC NULLS LAST
    LIMIT 1
  ) AS "f6",
    (
    SELECT "events"."d"
    FROM "events"
    WHERE ("events"."account_id" = "__st"."__k0") AND ("events"."ts" = "__st"."__g7__time")
    ORDER BY ("events"."event_id" COLLATE "C") DESC NULLS LAST, "events"."shop_id" DESC NULLS LAST, "events"."i" DESC NULLS LAST, "events"."j" DESC NULLS LAST, "events"."d" DESC NULLS LAST, ("events"."s" COLLATE "C") DESC NULLS LAST, ("events"."p" COLLATE "C") DESC NULLS LAST, "events"."b" DESC NULLS LAST, "events"."dt" DESC NULLS LAST
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
  CASE WHEN "__r"."__g2__time" >= ("__r"."__t" - INTERVAL '28800 seconds') THEN "__r"."f3" ELSE CAST(NULL AS TEXT) END AS "late_last_s",
  "__r"."f4" AS "late_shop_n",
  "__r"."f5" AS "closed_visits_7d",
  CASE WHEN "__r"."__g5__time" >= ("__r"."__t" - INTERVAL '259200 seconds') THEN "__r"."f6" ELSE CAST(NULL AS TEXT) END AS "closed_note",
  "__r"."f7" AS "strict_n",
  "__r"."f8" AS "strict_last",
  COALESCE("__r"."f9", CAST(5.791666666666667 AS DOUBLE PRECISION)) AS "copy_last",
  "__r"."__label" AS "churned_av"
FROM "__stage2" AS "__r"
ORDER BY "__r"."__rid" NULLS FIRST;
-- online vectors of entity account (postgres)
WITH "__spine" AS (
  SELECT 
    "__k0",
    TIMESTAMP '2024-03-01 00:00:00' AS "__t",
    ROW_NUMBER() OVER (ORDER BY ("__k0" COLLATE "C") NULLS FIRST) AS "__rid"
  FROM (
    SELECT "late_events"."account_id" AS "__k0"
    FROM "late_events"
    WHERE ("late_events"."account_id" IS NOT NULL) AND ("late_events"."ts" <= (TIMESTAMP '2024-03-01 00:00:00' - INTERVAL '21600 seconds'))
    UNION
    SELECT "daily_closed"."account_id" AS "__k0"
    FROM "daily_closed"
    WHERE ("daily_closed"."account_id" IS NOT NULL) AND (CAST("daily_closed"."day" AS TIMESTAMP) <= (TIMESTAMP '2024-03-01 00:00:00' - INTERVAL '86400 seconds'))
    UNION
    SELECT "events"."account_id" AS "__k0"
    FROM "events"
    WHERE ("events"."account_id" IS NOT NULL) AND ("events"."ts" <= TIMESTAMP '2024-03-01 00:00:00')
    UNION
    SELECT "late_events_copy"."account_id" AS "__k0"
    FROM "late_events_copy"
    WHERE ("late_events_copy"."account_id" IS NOT NULL) AND ("late_events_copy"."ts" <= (TIMESTAMP '2024-03-01 00:00:00' - INTERVAL '21600 seconds'))
  ) AS "__keys"
),
"__o1" AS (
  SELECT 
    "late_events"."account_id" AS "__k0",
    SUM(CASE WHEN "late_events"."ts" > (TIMESTAMP '2024-03-01 00:00:00' - INTERVAL '108000 seconds') THEN "late_events"."d" END) AS "__a1",
    MAX("late_events"."ts") AS "__a2",
    SUM("late_events"."d") AS "__a3"
  FROM "late_events"
  WHERE (("late_events"."account_id" IS NOT NULL) AND ("late_events"."ts" <= (TIMESTAMP '2024-03-01 00:00:00' - INTERVAL '21600 seconds'))) AND ("late_events"."ts" > (TIMESTAMP '2024-03-01 00:00:00' - INTERVAL '626400 seconds'))
  GROUP BY "late_events"."account_id"
),
"__o2" AS (
  SELECT 
    "daily_closed"."account_id" AS "__k0",
    CAST(SUM("daily_closed"."visits") AS BIGINT) AS "__a1",
    MAX(CAST("daily_closed"."day" AS TIMESTAMP)) AS "__a2"
  FROM "daily_closed"
  WHERE (("daily_closed"."account_id" IS NOT NULL) AND (CAST("daily_closed"."day" AS TIMESTAMP) <= (TIMESTAMP '2024-03-01 00:00:00' - INTERVAL '86400 seconds'))) AND (CAST("daily_closed"."day" AS TIMESTAMP) > (TIMESTAMP '2024-03-01 00:00:00' - INTERVAL '691200 seconds'))
  GROUP BY "daily_closed"."account_id"
),
"__o3" AS (
  SELECT "events"."account_id" AS "__k0", COUNT(*) AS "__a1", MAX("events"."ts") AS "__a2"
  FROM "events"
  WHERE (("events"."account_id" IS NOT NULL) AND ("events"."ts" < TIMESTAMP '2024-03-01 00:00:00')) AND ("events"."ts" > (TIMESTAMP '2024-03-01 00:00:00' - INTERVAL '3600 seconds'))
  GROUP BY "events"."account_id"
),
"__o4_max" AS (
  SELECT "late_events"."account_id" AS "__k0", MAX("late_events"."ts") AS "__er"
  FROM "late_events"
  WHERE ("late_events"."account_id" IS NOT NULL) AND ("late_events"."ts" <= (TIMESTAMP '2024-03-01 00:00:00' - INTERVAL '21600 seconds'))
  GROUP BY "late_events"."account_id"
),
"__o4" AS (
  SELECT "__k0", "__e", "__v_f3"
  FROM (
    SELECT 
      "__o4_m"."__k0" AS "__k0",
      "late_events"."ts" AS "__e",
      "late_events"."s" AS "__v_f3",
      ROW_NUMBER() OVER (PARTITION BY "__o4_m"."__k0" ORDER BY "late_events"."shop_id" DESC NULLS LAST, "late_events"."d" DESC NULLS LAST, ("late_events"."s" COLLATE "C") DESC NULLS LAST) AS "__n"
    FROM "__o4_max" AS "__o4_m"
    JOIN "late_events" ON ("late_events"."account_id" = "__o4_m"."__k0") AND ("late_events"."ts" = "__o4_m"."__er")
  ) AS "__ranked"
  WHERE "__n" = 1
),
"__o5_max" AS (
  SELECT "daily_closed"."account_id" AS "__k0", MAX("daily_closed"."day") AS "__er"
  FROM "daily_closed"
  WHERE ("daily_closed"."account_id" IS NOT NULL) AND (CAST("daily_closed"."day" AS TIMESTAMP) < (TIMESTAMP '2024-03-01 00:00:00' - INTERVAL '86400 seconds'))
  GROUP BY "daily_closed"."account_id"
),
"__o5" AS (
  SELECT "__k0", "__e", "__v_f5"
  FROM (
    SELECT 
      "__o5_m"."__k0" AS "__k0",
      CAST("daily_closed"."day" AS TIMESTAMP) AS "__e",
      "daily_closed"."note" AS "__v_f5",
      ROW_NUMBER() OVER (PARTITION BY "__o5_m"."__k0" ORDER BY "daily_closed"."visits" DESC NULLS LAST, ("daily_closed"."note" COLLATE "C") DESC NULLS LAST) AS "__n"
    FROM "__o5_max" AS "__o5_m"
    JOIN "daily_closed" ON ("daily_closed"."account_id" = "__o5_m"."__k0") AND ("daily_closed"."day" = "__o5_m"."__er")
  ) AS "__ranked"
  WHERE "__n" = 1
),
"__o6_max" AS (
  SELECT "events"."account_id" AS "__k0", MAX("events"."ts") AS "__er"
  FROM "events"
  WHERE ("events"."account_id" IS NOT NULL) AND ("events"."ts" < TIMESTAMP '2024-03-01 00:00:00')
  GROUP BY "events"."account_id"
),
"__o6" AS (
  SELECT "__k0", "__e", "__v_f7"
  FROM (
    SELECT 
      "__o6_m"."__k0" AS "__k0",
      "events"."ts" AS "__e",
      "events"."d" AS "__v_f7",
      ROW_NUMBER() OVER (PARTITION BY "__o6_m"."__k0" ORDER BY ("events"."event_id" COLLATE "C") DESC NULLS LAST, "events"."shop_id" DESC NULLS LAST, "events"."i" DESC NULLS LAST, "events"."j" DESC NULLS LAST, "events"."d" DESC NULLS LAST, ("events"."s" COLLATE "C") DESC NULLS LAST, ("events"."p" COLLATE "C") DESC NULLS LAST, "events"."b" DESC NULLS LAST, "events"."dt" DESC NULLS LAST) AS "__n"
    FROM "__o6_max" AS "__o6_m"
    JOIN "events" ON ("events"."account_id" = "__o6_m"."__k0") AND ("events"."ts" = "__o6_m"."__er")
  ) AS "__ranked"
  WHERE "__n" = 1
),
"__o7_max" AS (
  SELECT "late_events_copy"."account_id" AS "__k0", MAX("late_events_copy"."ts") AS "__er"
  FROM "late_events_copy"
  WHERE ("late_events_copy"."account_id" IS NOT NULL) AND ("late_events_copy"."ts" <= (TIMESTAMP '2024-03-01 00:00:00' - INTERVAL '21600 seconds'))
  GROUP BY "late_events_copy"."account_id"
),
"__o7" AS (
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
"__stage1" AS (
  SELECT 
    "__s".*,
    "__o1_j"."__a1" AS "f1",
    CASE WHEN "__o1_j"."__a2" > (TIMESTAMP '2024-03-01 00:00:00' - INTERVAL '108000 seconds') THEN "__o1_j"."__a2" END AS "f1__time",
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
  CASE WHEN "__r"."__o4__time" >= ("__r"."__t" - INTERVAL '28800 seconds') THEN "__r"."f3" ELSE CAST(NULL AS TEXT) END AS "late_last_s",
  "__r"."__o4__time" AS "f3__time",
  "__r"."f4" AS "closed_visits_7d",
  "__r"."f4__time" AS "f4__time",
  CASE WHEN "__r"."__o5__time" >= ("__r"."__t" - INTERVAL '259200 seconds') THEN "__r"."f5" ELSE CAST(NULL AS TEXT) END AS "closed_note",
  "__r"."__o5__time" AS "f5__time",
  "__r"."f6" AS "strict_n",
  "__r"."f6__time" AS "f6__time",
  "__r"."f7" AS "strict_last",
  "__r"."__o6__time" AS "f7__time",
  COALESCE("__r"."f8", CAST(5.791666666666667 AS DOUBLE PRECISION)) AS "copy_last",
  "__r"."__o7__time" AS "f8__time"
FROM "__stage1" AS "__r"
ORDER BY "__r"."__rid" NULLS FIRST;
