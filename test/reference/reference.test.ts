// Pins the reference evaluator itself. Every expected value below was worked
// out BY HAND (the working is in the comments), never by running the code.
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/check/catalog.js';
import { checkText } from '../../src/check/project.js';
import { availabilityDelay, compareTieOrder, findFeature, fit, frequencies, percentileCont, rawValue, transform } from './features.js';
import { fitAll, materialize, sampleKeeps, trainingSet } from './training.js';
import { findRelation, relationRows, type Data } from './views.js';
import { compareText, day, extractPart, isoWeek, roundHalfAway, ts, type Value } from './values.js';

function compile(text: string): Catalog {
  const { catalog, diagnostics } = checkText(text, 'reference.fsql');
  // Errors only: the hand-worked projects may carry warnings (a view joining a dimension to events is W0702).
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return catalog;
}

const DAY_US = 86_400_000_000;

// ---------------------------------------------------------------------------

describe('values', () => {
  it('pins the calendar against known epoch numbers', () => {
    // 1970 → 2021: 51 years, 13 leap years (1972 … 2020): 51·365 + 13 = 18628 days; 2021-01-01 is epoch second 1609459200.
    expect(day('2021-01-01')).toBe(18628);
    expect(ts('2021-01-01 00:00:00')).toBe(1_609_459_200_000_000);
    // 2024-01-01: 54·365 + 13 = 19723; + 31 (Jan) + 29 (Feb, leap) + 1 → 2024-03-02 = 19784.
    expect(day('2024-03-02')).toBe(19784);
    expect(ts('1969-12-31 23:59:59.999999')).toBe(-1);
  });

  it('text compares by code point, not UTF-16 unit', () => {
    // U+FFFD < U+1F600 by code point, although the surrogate 0xD83D < 0xFFFD.
    expect(compareText('\uFFFD', '\u{1F600}')).toBeLessThan(0);
    expect(compareText('B', 'a')).toBeLessThan(0); // 0x42 < 0x61
    expect(compareText('ab', 'a')).toBeGreaterThan(0);
  });

  it('ISO weeks and days of week', () => {
    // 2021-01-01 is a Friday: ISO week 53 of 2020.
    expect(isoWeek(day('2021-01-01'))).toBe(53);
    expect(extractPart('DAYOFWEEK', day('2021-01-01'), 'DATE')).toBe(5);
    // 2024-12-30 is a Monday in ISO week 1 of 2025.
    expect(isoWeek(day('2024-12-30'))).toBe(1);
    // 1970-01-01, a Thursday, is in week 1.
    expect(extractPart('DAYOFWEEK', 0, 'DATE')).toBe(4);
    expect(isoWeek(0)).toBe(1);
    // 2020-12-31 (Thursday) is in week 53; 2023-01-01 (Sunday) in week 52 of 2022.
    expect(isoWeek(day('2020-12-31'))).toBe(53);
    expect(isoWeek(day('2023-01-01'))).toBe(52);
    expect(extractPart('DAYOFWEEK', day('2023-01-01'), 'DATE')).toBe(7);
  });

  it('ROUND halves away from zero', () => {
    expect(roundHalfAway(2.5, 0, false)).toBe(3);
    expect(roundHalfAway(-2.5, 0, false)).toBe(-3);
    expect(roundHalfAway(2.675, 2, false)).toBe(2.68); // rounds the decimal 2.675, not 2.67499999…
    expect(roundHalfAway(1234.5, -2, false)).toBe(1200);
    expect(roundHalfAway(0.04, 1, false)).toBe(0);
    expect(roundHalfAway(0.05, 1, false)).toBe(0.1);
    expect(roundHalfAway(15, -1, true)).toBe(20);
    expect(roundHalfAway(-15, -1, true)).toBe(-20);
    expect(roundHalfAway(14, -1, true)).toBe(10);
    expect(roundHalfAway(7, 2, true)).toBe(7);
  });

  it('PERCENTILE_CONT on odd and even counts', () => {
    // [1,2,2,3,7]: positions p·4 → q1 at 1 = 2, median at 2 = 2, q3 at 3 = 3.
    expect([0.25, 0.5, 0.75].map((p) => percentileCont([1, 2, 2, 3, 7], p))).toEqual([2, 2, 3]);
    // [1,2,2,3,7,10]: positions p·5 → 1.25: 2 + 0·.25 = 2; 2.5: 2 + 1·.5 = 2.5; 3.75: 3 + 4·.75 = 6.
    expect([0.25, 0.5, 0.75].map((p) => percentileCont([1, 2, 2, 3, 7, 10], p))).toEqual([2, 2.5, 6]);
    expect(percentileCont([4], 0.25)).toBe(4);
    expect(percentileCont([], 0.5)).toBeNull();
  });

  it('frequencies: by count, ties by value order', () => {
    expect(frequencies(['y', 'x', 'z', 'x', 'y', 'w']).map((f) => f.value)).toEqual(['x', 'y', 'w', 'z']);
    expect(frequencies([3, 1, 7]).map((f) => f.value)).toEqual([1, 3, 7]);
  });
});

// ---------------------------------------------------------------------------

describe('expressions (through a view over one row)', () => {
  const catalog = compile(`
    CREATE SOURCE one (id INTEGER NOT NULL, x DOUBLE, i INTEGER, s TEXT, d DATE, t TIMESTAMP, b BOOLEAN) FROM TABLE one;
    CREATE VIEW e AS SELECT
      CAST(x AS INTEGER) AS c1,
      i % 3 AS m1,
      i / 2 AS div,
      i / 0 AS div0,
      i % 0 AS mod0,
      ROUND(2.5) AS r1,
      ROUND(-2.5) AS r2,
      ROUND(2.675, 2) AS r3,
      ROUND(i, -1) AS r4,
      ROUND(15, -1) AS r5,
      EXTRACT(WEEK FROM d) AS wk_d,
      EXTRACT(DAYOFWEEK FROM d) AS dow_d,
      EXTRACT(DAYOFYEAR FROM d) AS doy_d,
      EXTRACT(WEEK FROM t) AS wk_t,
      EXTRACT(DAYOFWEEK FROM t) AS dow_t,
      EXTRACT(DAYOFYEAR FROM t) AS doy_t,
      EXTRACT(QUARTER FROM t) AS q_t,
      EXTRACT(HOUR FROM t) AS h_t,
      EXTRACT(MINUTE FROM t) AS mi_t,
      EXTRACT(SECOND FROM t) AS s_t,
      CAST(t AS TEXT) AS t_text,
      CAST(d AS TEXT) AS d_text,
      CAST(t AS DATE) AS t_date,
      CAST(b AS TEXT) AS b_text,
      CAST(TRUE AS TEXT) AS true_text,
      CAST(TRUE AS INTEGER) AS true_int,
      CAST('abc' AS INTEGER) AS bad_int,
      CAST('42' AS INTEGER) AS good_int,
      CAST(' 42' AS INTEGER) AS spaced_int,
      CAST('1e3' AS DOUBLE) AS good_double,
      CAST('TRUE' AS BOOLEAN) AS upper_bool,
      CAST('false' AS BOOLEAN) AS false_bool,
      CAST('2024-02-30' AS DATE) AS bad_date,
      b AND FALSE AS and_f,
      b OR TRUE AS or_t,
      b AND TRUE AS and_t,
      NOT b AS not_b,
      2 IN (1, NULL) AS in_null,
      1 IN (1, NULL) AS in_true,
      2 NOT IN (1, NULL) AS notin_null,
      2 NOT IN (1, 3) AS notin_true,
      s LIKE 'H_l%' AS like1,
      s LIKE 'h%' AS like2,
      LENGTH('h\u00e9llo') AS len_accent,
      SUBSTR(s, 2, 3) AS sub,
      SUBSTR(s, 0, 2) AS sub0,
      UPPER(s) AS up,
      'B' < 'a' AS text_lt,
      d < t AS date_lt_ts,
      CAST(d AS TIMESTAMP) = TIMESTAMP '2021-01-01 00:00:00' AS midnight,
      CASE WHEN b THEN 'y' ELSE 'n' END AS case_null,
      CASE WHEN i < 0 THEN d ELSE t END AS widened,
      COALESCE(b, FALSE) AS coalesced,
      NULLIF(i, -7) AS nulled,
      x BETWEEN -3 AND -2 AS betw,
      s || '!' AS concat,
      s || CAST(b AS TEXT) AS concat_null
    FROM one;
  `);
  const data: Data = { one: [{ id: 1, x: -2.7, i: -7, s: 'Hello', d: day('2021-01-01'), t: ts('2024-12-30 13:45:30.5'), b: null }] };

  it('evaluates every kind as semantics.md §1–§2 says', () => {
    const [row] = relationRows(catalog, data, 'e');
    expect(row).toEqual({
      c1: -2, // truncation toward zero
      m1: -1, // -7 % 3: sign follows the left operand
      div: -3.5, // INTEGER / INTEGER is DOUBLE
      div0: null,
      mod0: null,
      r1: 3,
      r2: -3,
      r3: 2.68,
      r4: -10, // |-7| → 10 (7 ≥ 5), sign kept
      r5: 20,
      wk_d: 53, // 2021-01-01 is Friday of ISO week 53 (of 2020)
      dow_d: 5,
      doy_d: 1,
      wk_t: 1, // 2024-12-30 is Monday of ISO week 1 (of 2025)
      dow_t: 1,
      doy_t: 365, // 2024 is a leap year: Dec 31 is 366, Dec 30 is 365
      q_t: 4,
      h_t: 13,
      mi_t: 45,
      s_t: 30, // the .5 is dropped
      t_text: '2024-12-30 13:45:30.500000',
      d_text: '2021-01-01',
      t_date: day('2024-12-30'),
      b_text: null,
      true_text: 'true',
      true_int: 1,
      bad_int: null,
      good_int: 42,
      spaced_int: null,
      good_double: 1000,
      upper_bool: null,
      false_bool: false,
      bad_date: null,
      and_f: false, // NULL AND FALSE
      or_t: true, // NULL OR TRUE
      and_t: null,
      not_b: null,
      in_null: null, // no listed value equals 2, and NULL is listed
      in_true: true,
      notin_null: null,
      notin_true: true,
      like1: true,
      like2: false, // case-sensitive
      len_accent: 5, // the template literal turns \u00e9 into é: h é l l o
      sub: 'ell',
      sub0: 'H', // positions [0, 2) ∩ [1, 5] = {1}
      up: 'HELLO',
      text_lt: true,
      date_lt_ts: true,
      midnight: true,
      case_null: 'n', // a NULL condition is not TRUE
      widened: 1_609_459_200_000_000, // the DATE branch widened to TIMESTAMP: 2021-01-01 midnight in µs
      coalesced: false,
      nulled: null,
      betw: true,
      concat: 'Hello!',
      concat_null: null,
    });
  });

  it('LENGTH counts code points', () => {
    const c = compile(`CREATE SOURCE w (s TEXT) FROM TABLE w; CREATE VIEW l AS SELECT LENGTH(s) AS n FROM w;`);
    // 'h', 'é', 'l', 'l', 'o', '😀' → 6 code points (7 UTF-16 units).
    expect(relationRows(c, { w: [{ s: 'h\u00e9llo\u{1F600}' }] }, 'l')).toEqual([{ n: 6 }]);
  });
});

// ---------------------------------------------------------------------------

describe('features at a point in time', () => {
  const catalog = compile(`
    CREATE ENTITY user KEY (user_id TEXT);
    CREATE SOURCE tx (user_id TEXT NOT NULL, amount DOUBLE, name TEXT, flag BOOLEAN, ts TIMESTAMP NOT NULL)
      FROM TABLE tx EVENT TIME ts;
    CREATE SOURCE dim (user_id TEXT NOT NULL, tier INTEGER) FROM TABLE dim;
    CREATE FEATURE cnt_1d ENTITY user FROM tx AS COUNT(*) WINDOW 1 DAY;
    CREATE FEATURE sum_1d ENTITY user FROM tx AS SUM(amount) WINDOW 1 DAY;
    CREATE FEATURE avg_7d ENTITY user FROM tx AS AVG(amount) WINDOW 7 DAYS FILL ZERO;
    CREATE FEATURE cnt_7d ENTITY user FROM tx AS COUNT(amount) WINDOW 7 DAYS;
    CREATE FEATURE last_amount ENTITY user FROM tx AS amount TTL 1 DAY;
    CREATE FEATURE last_name ENTITY user FROM tx AS name;
    CREATE FEATURE last_flag ENTITY user FROM tx AS flag;
    CREATE FEATURE last_big ENTITY user FROM tx AS amount WHERE amount > 50;
    CREATE FEATURE lifetime ENTITY user FROM tx AS SUM(amount);
    CREATE FEATURE tier ENTITY user FROM dim AS tier;
    CREATE FEATURE tier_count ENTITY user FROM dim AS COUNT(*);
  `);
  const T = ts('2024-03-02 12:00:00');
  const data: Data = {
    tx: [
      // window: 1 DAY before T is 2024-03-01 12:00:00
      { user_id: 'w', amount: 1, name: null, flag: null, ts: ts('2024-03-01 12:00:00') }, // exactly 1 day old: out
      { user_id: 'w', amount: 2, name: null, flag: null, ts: ts('2024-03-01 12:00:00.000001') }, // 1 µs younger: in
      { user_id: 'w', amount: 4, name: null, flag: null, ts: ts('2024-03-02 12:00:00') }, // exactly at T: in
      { user_id: 'w', amount: 8, name: null, flag: null, ts: ts('2024-03-02 12:00:00.000001') }, // after T: out
      // ties at one time
      { user_id: 'tie', amount: 100, name: 'zzz', flag: true, ts: ts('2024-03-02 11:00:00') }, // older: never the latest
      { user_id: 'tie', amount: null, name: 'b', flag: false, ts: ts('2024-03-02 11:30:00') },
      { user_id: 'tie', amount: 3, name: 'B', flag: true, ts: ts('2024-03-02 11:30:00') },
      { user_id: 'tie', amount: null, name: 'a', flag: null, ts: ts('2024-03-02 11:30:00') },
      // amount NULL in both: name decides, 'b' (0x62) > 'a' (0x61); the flag comes from the same row
      { user_id: 'tie2', amount: null, name: 'a', flag: true, ts: ts('2024-03-02 11:30:00') },
      { user_id: 'tie2', amount: null, name: 'b', flag: false, ts: ts('2024-03-02 11:30:00') },
      { user_id: 'nul', amount: 100, name: 'old', flag: true, ts: ts('2024-03-01 00:00:00') },
      { user_id: 'nul', amount: null, name: null, flag: null, ts: ts('2024-03-02 00:00:00') },
      { user_id: 'nul', amount: null, name: null, flag: null, ts: ts('2024-03-02 00:00:00') },
    ],
    dim: [
      { user_id: 'w', tier: 1 },
      { user_id: 'w', tier: 2 },
      { user_id: 'w', tier: null },
      { user_id: 'x', tier: null },
    ],
  };
  const raw = (name: string, key: string, t: number | null = T) => rawValue(catalog, data, findFeature(catalog, name), [key], t);

  it('window (t − w, t]: a row exactly w old is out, a row at t is in', () => {
    expect(raw('cnt_1d', 'w')).toMatchObject({ value: 2, status: 'present' }); // rows 2 and 4 µs-rows: amounts 2 and 4
    expect(raw('sum_1d', 'w').value).toBe(6); // 2 + 4
    expect(raw('lifetime', 'w').value).toBe(7); // no window: 1 + 2 + 4 (8 is after T)
  });

  it('TTL: a row exactly d old still counts, 1 µs more is outside', () => {
    // The latest row of w at or before T is amount 4 at T.
    expect(raw('last_amount', 'w')).toEqual({ value: 4, status: 'present', eventTime: T });
    const t1 = ts('2024-03-03 12:00:00'); // latest row (8 at T + 1µs) is 1 day − 1 µs old
    expect(raw('last_amount', 'w', t1)).toEqual({ value: 8, status: 'present', eventTime: T + 1 });
    const t2 = ts('2024-03-03 12:00:00.000001'); // exactly 1 day old: still counts
    expect(raw('last_amount', 'w', t2)).toEqual({ value: 8, status: 'present', eventTime: T + 1 });
    const t3 = ts('2024-03-03 12:00:00.000002'); // 1 day + 1 µs old: outside TTL
    expect(raw('last_amount', 'w', t3)).toEqual({ value: null, status: 'outside_ttl', eventTime: T + 1 });
  });

  it('ties: one row wins, the greatest in the tie order (columns in declared order, NULL below every value), for every feature', () => {
    // tie's rows at 11:30, in the order (user_id, amount, name, flag): amount 3 beats the NULLs, so (3, 'B', TRUE) wins.
    expect(raw('last_amount', 'tie').value).toBe(3); // (100 is older)
    expect(raw('last_name', 'tie').value).toBe('B'); // from the winning row, though 'b' and 'a' are greater names
    expect(raw('last_flag', 'tie').value).toBe(true);
    // tie2: amount NULL in both, name decides ('b' > 'a' by code points): (NULL, 'b', FALSE).
    expect(raw('last_amount', 'tie2').value).toBeNull();
    expect(raw('last_name', 'tie2').value).toBe('b');
    expect(raw('last_flag', 'tie2').value).toBe(false); // FALSE though TRUE is greater: the flag of the 'b' row
    expect(compareTieOrder(findRelation(catalog, 'tx'), data['tx']![5]!, data['tx']![6]!)).toBeLessThan(0); // (NULL, 'b', …) < (3, 'B', …)
    // All tied rows NULL: NULL, not the older non-NULL value.
    expect(raw('last_amount', 'nul')).toEqual({ value: null, status: 'missing', eventTime: ts('2024-03-02 00:00:00') });
    expect(raw('last_name', 'nul').value).toBeNull();
    // WHERE restricts which rows can be the latest: tie's only row with amount > 50 is the older 100.
    expect(raw('last_big', 'tie').value).toBe(100);
  });

  it('empty: COUNT 0, other aggregates and latest values NULL (missing), then FILL', () => {
    const nobody = raw('cnt_7d', 'nobody');
    expect(nobody).toEqual({ value: 0, status: 'present', eventTime: null });
    const avg = findFeature(catalog, 'avg_7d');
    const r = rawValue(catalog, data, avg, ['nobody'], T);
    expect(r).toEqual({ value: null, status: 'missing', eventTime: null });
    const params = fit(catalog, data, avg);
    expect(transform(avg, params, r.value)).toEqual([0]); // FILL ZERO
    // Before any row of w: the window is empty.
    expect(raw('cnt_1d', 'w', ts('2024-01-01 00:00:00')).value).toBe(0);
    expect(raw('last_name', 'w', ts('2024-01-01 00:00:00'))).toEqual({ value: null, status: 'missing', eventTime: null });
    // COUNT(amount) counts non-NULL values: tie has 100, 3 → 2 in the last 7 days.
    expect(raw('cnt_7d', 'tie').value).toBe(2);
  });

  it('dimension relations are time-independent: the latest value is read from the greatest of the key rows', () => {
    expect(raw('tier', 'w', null).value).toBe(2); // 1, 2, NULL
    expect(raw('tier', 'w', ts('1990-01-01 00:00:00')).value).toBe(2);
    expect(raw('tier', 'x').value).toBeNull();
    expect(raw('tier_count', 'w').value).toBe(3);
    expect(raw('tier_count', 'nobody').value).toBe(0);
  });

  it('a NULL key matches nothing', () => {
    expect(rawValue(catalog, data, findFeature(catalog, 'cnt_7d'), [null], T).value).toBe(0);
  });
});

// ---------------------------------------------------------------------------

describe('availability: AVAILABLE and AS OF < t (semantics.md §3)', () => {
  const catalog = compile(`
    CREATE ENTITY user KEY (user_id TEXT);
    CREATE SOURCE late (user_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL)
      FROM TABLE late EVENT TIME ts AVAILABLE AFTER 6 HOURS;
    CREATE SOURCE daily (user_id TEXT NOT NULL, day DATE NOT NULL, visits INTEGER)
      FROM TABLE daily EVENT TIME day AVAILABLE AT END OF DAY;
    CREATE VIEW late_copy EVENT TIME ts AS SELECT user_id, amount, ts FROM late;
    CREATE VIEW late_own EVENT TIME ts AVAILABLE AFTER 1 HOUR AS SELECT user_id, amount, ts FROM late;
    CREATE FEATURE late_sum_1d ENTITY user FROM late AS SUM(amount) WINDOW 1 DAY;
    CREATE FEATURE late_last ENTITY user FROM late AS amount TTL 2 HOURS;
    CREATE FEATURE late_last_strict ENTITY user FROM late AS amount AS OF < t;
    CREATE FEATURE late_n_strict ENTITY user FROM late AS COUNT(*) WINDOW 1 DAY AS OF < t;
    CREATE FEATURE visits ENTITY user FROM daily AS SUM(visits);
    CREATE FEATURE copy_last ENTITY user FROM late_copy AS amount;
    CREATE FEATURE own_last ENTITY user FROM late_own AS amount;
  `);
  const data: Data = {
    late: [
      { user_id: 'u', amount: 1, ts: ts('2024-03-01 00:00:00') }, // available 06:00
      { user_id: 'u', amount: 2, ts: ts('2024-03-01 10:00:00') }, // available 16:00
    ],
    daily: [
      { user_id: 'u', day: day('2024-03-01'), visits: 3 }, // available 2024-03-02 00:00
      { user_id: 'u', day: day('2024-03-02'), visits: 4 }, // available 2024-03-03 00:00
    ],
  };
  const raw = (name: string, t: string) => rawValue(catalog, data, findFeature(catalog, name), ['u'], ts(t));

  it('a row counts from its event time plus the delay; the event time reported is its own', () => {
    expect(raw('late_last', '2024-03-01 05:59:59')).toEqual({ value: null, status: 'missing', eventTime: null });
    expect(raw('late_last', '2024-03-01 06:00:00')).toEqual({ value: 1, status: 'present', eventTime: ts('2024-03-01 00:00:00') });
    expect(raw('late_last', '2024-03-01 15:00:00').value).toBeNull(); // available 06:00, 9 hours ago: outside the 2-hour TTL
    expect(raw('late_last', '2024-03-01 15:00:00').status).toBe('outside_ttl');
    expect(raw('late_last', '2024-03-01 16:00:00').value).toBe(2);
    expect(raw('late_last', '2024-03-01 18:00:00').value).toBe(2); // available exactly 2 hours ago: still counts
    expect(raw('late_last', '2024-03-01 18:00:00.000001').status).toBe('outside_ttl');
  });

  it('windows are of availability times: (t − w, t]', () => {
    expect(raw('late_sum_1d', '2024-03-01 16:00:00').value).toBe(3);
    expect(raw('late_sum_1d', '2024-03-02 06:00:00').value).toBe(2); // the first became available exactly 1 day ago: out
    expect(raw('late_sum_1d', '2024-03-02 15:59:59').value).toBe(2);
    expect(raw('late_sum_1d', '2024-03-02 16:00:00').value).toBeNull();
  });

  it('AS OF < t: a row available exactly at t is not seen', () => {
    expect(raw('late_last_strict', '2024-03-01 16:00:00').value).toBe(1);
    expect(raw('late_last_strict', '2024-03-01 16:00:00.000001').value).toBe(2);
    expect(raw('late_n_strict', '2024-03-01 06:00:00').value).toBe(0);
    expect(raw('late_n_strict', '2024-03-02 06:00:00').value).toBe(1); // (t − 1 day, t): the second only
  });

  it('AT END OF DAY: a DATE row is available once its day is over', () => {
    expect(raw('visits', '2024-03-01 23:59:59').value).toBeNull();
    expect(raw('visits', '2024-03-02 00:00:00').value).toBe(3);
    expect(raw('visits', '2024-03-02 23:00:00').value).toBe(3);
    expect(raw('visits', '2024-03-03 00:00:00').value).toBe(7);
  });

  it('a view without AVAILABLE inherits its input\'s delay; its own replaces it', () => {
    expect(availabilityDelay(catalog, 'late_copy')).toBe(6 * 3_600_000_000);
    expect(availabilityDelay(catalog, 'late_own')).toBe(3_600_000_000);
    expect(raw('copy_last', '2024-03-01 05:00:00').value).toBeNull();
    expect(raw('own_last', '2024-03-01 05:00:00').value).toBe(1);
  });

  it('fits at the time the newest row becomes available', () => {
    expect(fit(catalog, data, findFeature(catalog, 'late_last')).fitTime).toBe(ts('2024-03-01 16:00:00'));
    expect(fit(catalog, data, findFeature(catalog, 'visits')).fitTime).toBe(ts('2024-03-03 00:00:00'));
  });
});

describe('fitting and transforms', () => {
  const catalog = compile(`
    CREATE ENTITY item KEY (k TEXT);
    CREATE SOURCE m (k TEXT NOT NULL, v INTEGER, c TEXT, ts TIMESTAMP NOT NULL) FROM TABLE m EVENT TIME ts;
    CREATE SOURCE z (k TEXT NOT NULL, v DOUBLE, ts TIMESTAMP NOT NULL) FROM TABLE z EVENT TIME ts;
    CREATE FEATURE v_plain ENTITY item FROM m AS v;
    CREATE FEATURE v_mean ENTITY item FROM m AS v FILL MEAN;
    CREATE FEATURE v_median ENTITY item FROM m AS v FILL MEDIAN;
    CREATE FEATURE v_mode ENTITY item FROM m AS v FILL MODE;
    CREATE FEATURE v_zero ENTITY item FROM m AS v FILL ZERO;
    CREATE FEATURE v_lit ENTITY item FROM m AS v FILL -1;
    CREATE FEATURE std ENTITY item FROM m AS v SCALE STANDARD;
    CREATE FEATURE mm ENTITY item FROM m AS v SCALE MINMAX;
    CREATE FEATURE rob ENTITY item FROM m AS v SCALE ROBUST;
    CREATE FEATURE lg ENTITY item FROM m AS v FILL -3 SCALE LOG;
    CREATE FEATURE cat ENTITY item FROM m AS c ONE_HOT TOP 3;
    CREATE FEATURE cat_mode ENTITY item FROM m AS c FILL MODE;
    CREATE FEATURE chan ENTITY item FROM m AS c ONE_HOT ('x', 'q');
    CREATE FEATURE v_where ENTITY item FROM m AS v WHERE v <> 2 FILL MODE;
    CREATE FEATURE z_std ENTITY item FROM z AS v SCALE STANDARD;
    CREATE FEATURE z_mm ENTITY item FROM z AS v SCALE MINMAX;
    CREATE FEATURE z_rob ENTITY item FROM z AS v SCALE ROBUST;
    CREATE FEATURE z_mean ENTITY item FROM z AS v FILL MEAN;
    CREATE FEATURE z_top ENTITY item FROM z AS CAST(v AS INTEGER) ONE_HOT TOP 2;
  `);
  const T1 = ts('2024-01-01 00:00:00');
  const T2 = ts('2024-01-02 00:00:00');
  const data: Data = {
    m: [
      { k: 'a', v: 1, c: 'x', ts: T1 },
      { k: 'b', v: 2, c: 'y', ts: T1 },
      { k: 'c', v: 2, c: 'y', ts: T1 },
      { k: 'd', v: 7, c: 'x', ts: T1 },
      { k: 'e', v: null, c: 'z', ts: T1 },
      { k: 'f', v: 3, c: null, ts: T1 },
      { k: 'g', v: 10, c: 'w', ts: T2 },
    ],
    z: [
      { k: 'a', v: 5, ts: T1 },
      { k: 'b', v: 5, ts: T1 },
      { k: 'c', v: 9, ts: T2 },
    ],
  };
  const f = (name: string) => findFeature(catalog, name);
  const out = (name: string, key: string, fitTime?: number, t = T2) => {
    const feature = f(name);
    return transform(feature, fit(catalog, data, feature, fitTime), rawValue(catalog, data, feature, [key], t).value);
  };

  it('fits over every key as of the fit time (default: the newest event time)', () => {
    // Default T = T2 (g's row). Values: a 1, b 2, c 2, d 7, e NULL (dropped), f 3, g 10 → [1,2,2,3,7,10], n = 6.
    // mean = 25/6; Σx² = 1+4+4+9+49+100 = 167; var = 167/6 − (25/6)² = (1002 − 625)/36 = 377/36; stddev = √377 / 6.
    const p = fit(catalog, data, f('v_plain'));
    expect(p.fitTime).toBe(T2);
    expect(p.count).toBe(6);
    expect(p.mean).toBeCloseTo(25 / 6, 12);
    expect(p.stddev).toBeCloseTo(Math.sqrt(377) / 6, 12);
    expect([p.min, p.max, p.q1, p.median, p.q3, p.mode]).toEqual([1, 10, 2, 2.5, 6, 2]);
    expect(p.vocabulary).toEqual([]);
    expect(p.columns).toEqual([]);
    // At T1, g's row is not yet there: [1,2,2,3,7], n = 5, mean 3, var (4+1+1+0+16)/5 = 4.4.
    const q = fit(catalog, data, f('v_plain'), T1);
    expect(q.fitTime).toBe(T1);
    expect(q.count).toBe(5);
    expect(q.mean).toBe(3);
    expect(q.stddev).toBeCloseTo(Math.sqrt(4.4), 12);
    expect([q.min, q.max, q.q1, q.median, q.q3, q.mode]).toEqual([1, 7, 2, 2, 3, 2]);
  });

  it('population ignores WHERE; mode ties go to the smallest value', () => {
    // v_where at T1: a 1; b, c have no row with v <> 2 → NULL; d 7; e NULL (WHERE is NULL); f 3 → [1, 7, 3], all once → mode 1.
    const p = fit(catalog, data, f('v_where'), T1);
    expect(p.count).toBe(3);
    expect(p.mode).toBe(1);
    expect(out('v_where', 'b', T1)).toEqual([1]); // FILL MODE
    // Text: x 2 (a, d), y 2 (b, c), z 1 (e), w 1 (g) → tie x/y → 'x'.
    expect(fit(catalog, data, f('cat_mode')).mode).toBe('x');
    expect(out('cat_mode', 'f')).toEqual(['x']);
  });

  it('each FILL kind replaces only NULL', () => {
    // e's latest row has v NULL.
    expect(rawValue(catalog, data, f('v_plain'), ['e'], T2)).toEqual({ value: null, status: 'missing', eventTime: T1 });
    expect(out('v_plain', 'e')).toEqual([null]);
    expect(out('v_mean', 'e')[0]).toBeCloseTo(25 / 6, 12);
    expect(out('v_median', 'e')).toEqual([2.5]);
    expect(out('v_mode', 'e')).toEqual([2]);
    expect(out('v_zero', 'e')).toEqual([0]);
    expect(out('v_lit', 'e')).toEqual([-1]);
    expect(out('v_lit', 'unknown')).toEqual([-1]); // no row at all
    for (const name of ['v_mean', 'v_median', 'v_mode', 'v_zero', 'v_lit']) expect(out(name, 'd')).toEqual([7]);
  });

  it('each SCALE kind', () => {
    // STANDARD: (7 − 25/6) / (√377/6) = (17/6)·(6/√377) = 17/√377; (1 − 25/6)·6/√377 = −19/√377.
    expect(out('std', 'd')[0]).toBeCloseTo(17 / Math.sqrt(377), 12);
    expect(out('std', 'a')[0]).toBeCloseTo(-19 / Math.sqrt(377), 12);
    expect(out('std', 'e')).toEqual([null]); // NULL stays NULL
    // MINMAX: (7 − 1)/(10 − 1) = 2/3; a → 0; g → 1.
    expect(out('mm', 'd')[0]).toBeCloseTo(2 / 3, 12);
    expect(out('mm', 'a')).toEqual([0]);
    expect(out('mm', 'g')).toEqual([1]);
    // ROBUST: (7 − 2.5)/(6 − 2) = 1.125; a: (1 − 2.5)/4 = −0.375. Fitted at T1: (7 − 2)/(3 − 2) = 5.
    expect(out('rob', 'd')).toEqual([1.125]);
    expect(out('rob', 'a')).toEqual([-0.375]);
    expect(out('rob', 'd', T1)).toEqual([5]);
    // LOG: sign(7)·ln(8); e is filled with −3 first: −ln(4).
    expect(out('lg', 'd')[0]).toBeCloseTo(Math.log(8), 12);
    expect(out('lg', 'e')[0]).toBeCloseTo(-Math.log(4), 12);
    expect(out('lg', 'unknown')[0]).toBeCloseTo(-Math.log(4), 12);
  });

  it('zero spread gives 0; no fitted value at all gives NULL', () => {
    // Fitted at T1, z holds a 5 and b 5: stddev 0, max = min = 5, q3 = q1 = 5. c's 9 (at T2) scales to 0, not ±∞.
    for (const name of ['z_std', 'z_mm', 'z_rob']) expect(out(name, 'c', T1)).toEqual([0]);
    // Fitted before every row: nothing fitted. SCALE → NULL, FILL MEAN leaves NULL, TOP n vocabulary empty.
    const before = ts('2023-12-31 00:00:00');
    const p = fit(catalog, data, f('z_std'), before);
    expect(p).toEqual({
      fitTime: before,
      count: 0,
      mean: null,
      stddev: null,
      min: null,
      max: null,
      q1: null,
      median: null,
      q3: null,
      mode: null,
      vocabulary: [],
      columns: [],
    });
    expect(out('z_std', 'c', before)).toEqual([null]);
    expect(out('z_mean', 'nobody', before)).toEqual([null]);
    expect(fit(catalog, data, f('z_top'), before).vocabulary).toEqual([]);
    expect(out('z_top', 'c', before)).toEqual([]);
  });

  it('ONE_HOT TOP n: by frequency, ties by value; outside the vocabulary and NULL give zeros', () => {
    // At T2: x 2, y 2, then w 1 and z 1 tie → w (w < z). TOP 3 = [x, y, w].
    const p = fit(catalog, data, f('cat'));
    expect(p.vocabulary).toEqual(['x', 'y', 'w']);
    expect(p.columns).toEqual(['cat__x', 'cat__y', 'cat__w']);
    expect(out('cat', 'a')).toEqual([1, 0, 0]);
    expect(out('cat', 'b')).toEqual([0, 1, 0]);
    expect(out('cat', 'g')).toEqual([0, 0, 1]);
    expect(out('cat', 'e')).toEqual([0, 0, 0]); // 'z' is outside the vocabulary
    expect(out('cat', 'f')).toEqual([0, 0, 0]); // NULL
    // At T1 (no g): x 2, y 2, z 1 → [x, y, z].
    expect(fit(catalog, data, f('cat'), T1).vocabulary).toEqual(['x', 'y', 'z']);
    // z_top at the default T2: CAST(5.0) = 5 twice (a, b), 9 once (c) → [5, 9]; fewer than n when fewer values.
    expect(fit(catalog, data, f('z_top')).vocabulary).toEqual([5, 9]);
    expect(fit(catalog, data, f('z_top')).columns).toEqual(['z_top__5', 'z_top__9']);
  });

  it('ONE_HOT with listed values: the vocabulary is the list, in order', () => {
    const p = fit(catalog, data, f('chan'));
    expect(p.vocabulary).toEqual(['x', 'q']);
    expect(p.columns).toEqual(['chan__x', 'chan__q']);
    expect(out('chan', 'a')).toEqual([1, 0]);
    expect(out('chan', 'b')).toEqual([0, 0]); // 'y' is not listed
  });
});

// ---------------------------------------------------------------------------

describe('views', () => {
  const catalog = compile(`
    CREATE ENTITY user KEY (user_id TEXT);
    CREATE SOURCE tx (user_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL) FROM TABLE tx EVENT TIME ts;
    CREATE SOURCE users (user_id TEXT NOT NULL, country TEXT) FROM TABLE users;
    CREATE VIEW daily EVENT TIME last_ts AS
      SELECT t.user_id, COALESCE(u.country, 'unknown') AS country, CAST(t.ts AS DATE) AS txn_day,
             COUNT(*) AS n, SUM(t.amount) AS total, MAX(t.ts) AS last_ts
      FROM tx t LEFT JOIN users u ON t.user_id = u.user_id
      GROUP BY t.user_id, COALESCE(u.country, 'unknown'), CAST(t.ts AS DATE);
    CREATE VIEW busy AS SELECT user_id, COUNT(*) AS n FROM tx GROUP BY user_id HAVING COUNT(*) >= 2;
    CREATE VIEW who AS SELECT DISTINCT user_id FROM tx;
    CREATE VIEW big AS SELECT COUNT(*) AS n, SUM(amount) AS s FROM tx WHERE amount > 1000;
    CREATE VIEW pairs AS SELECT a.user_id AS ua, b.user_id AS ub FROM users a JOIN users b ON a.user_id < b.user_id;
    CREATE FEATURE spend_2d ENTITY user FROM daily AS SUM(total) WINDOW 2 DAYS;
    CREATE FEATURE country ENTITY user FROM daily AS country;
    CREATE FEATURE days_active ENTITY user FROM daily AS COUNT(DISTINCT txn_day);
  `);
  const data: Data = {
    tx: [
      { user_id: 'u1', amount: 10, ts: ts('2024-03-01 10:00:00') },
      { user_id: 'u1', amount: 20, ts: ts('2024-03-01 15:00:00') },
      { user_id: 'u1', amount: null, ts: ts('2024-03-02 09:00:00') },
      { user_id: 'u2', amount: 5, ts: ts('2024-03-02 11:00:00') },
    ],
    users: [
      { user_id: 'u1', country: 'DE' },
      { user_id: 'u3', country: 'FR' },
    ],
  };

  it('LEFT JOIN + GROUP BY', () => {
    // Groups in order of first appearance; u2 has no users row → 'unknown'; SUM of only NULL is NULL.
    expect(relationRows(catalog, data, 'daily')).toEqual([
      { user_id: 'u1', country: 'DE', txn_day: day('2024-03-01'), n: 2, total: 30, last_ts: ts('2024-03-01 15:00:00') },
      { user_id: 'u1', country: 'DE', txn_day: day('2024-03-02'), n: 1, total: null, last_ts: ts('2024-03-02 09:00:00') },
      { user_id: 'u2', country: 'unknown', txn_day: day('2024-03-02'), n: 1, total: 5, last_ts: ts('2024-03-02 11:00:00') },
    ]);
  });

  it('HAVING, DISTINCT, an ungrouped aggregate over no rows, an inner self-join', () => {
    expect(relationRows(catalog, data, 'busy')).toEqual([{ user_id: 'u1', n: 3 }]);
    expect(relationRows(catalog, data, 'who')).toEqual([{ user_id: 'u1' }, { user_id: 'u2' }]);
    expect(relationRows(catalog, data, 'big')).toEqual([{ n: 0, s: null }]);
    expect(relationRows(catalog, data, 'pairs')).toEqual([{ ua: 'u1', ub: 'u3' }]);
  });

  it('features over the view', () => {
    const raw = (name: string, key: string, t: number) => rawValue(catalog, data, findFeature(catalog, name), [key], t).value;
    // At 03-02 12:00 the window (02-29 12:00, 03-02 12:00] holds both u1 groups: 30 + NULL = 30.
    expect(raw('spend_2d', 'u1', ts('2024-03-02 12:00:00'))).toBe(30);
    // At 03-03 15:00 the window starts at 03-01 15:00 exactly: the first group (last_ts 03-01 15:00) is out; NULL remains.
    expect(raw('spend_2d', 'u1', ts('2024-03-03 15:00:00'))).toBeNull();
    expect(raw('country', 'u2', ts('2024-03-02 11:00:00'))).toBe('unknown');
    expect(raw('country', 'u2', ts('2024-03-02 10:59:59'))).toBeNull(); // the group's time is its MAX(ts)
    expect(raw('days_active', 'u1', ts('2024-03-02 12:00:00'))).toBe(2);
    expect(raw('days_active', 'u1', ts('2024-03-02 08:00:00'))).toBe(1);
  });
});

// ---------------------------------------------------------------------------

describe('training sets', () => {
  const catalog = compile(`
    CREATE ENTITY user KEY (user_id TEXT);
    CREATE ENTITY merchant KEY (merchant_id TEXT);
    CREATE SOURCE tx (user_id TEXT NOT NULL, merchant_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL)
      FROM TABLE tx EVENT TIME ts;
    CREATE SOURCE orders (order_id INTEGER NOT NULL, user_id TEXT, merchant_id TEXT, ordered_at TIMESTAMP NOT NULL, fraud BOOLEAN)
      FROM TABLE orders EVENT TIME ordered_at;
    CREATE SOURCE accounts (user_id TEXT NOT NULL, churned BOOLEAN) FROM TABLE accounts;
    CREATE FEATURE user_cnt ENTITY user FROM tx AS COUNT(*) WINDOW 7 DAYS;
    CREATE FEATURE merch_avg ENTITY merchant FROM tx AS AVG(amount) FILL ZERO;
    CREATE LABEL fraud ENTITY user FROM orders AS fraud WHERE order_id > 0;
    CREATE LABEL churn ENTITY user FROM accounts AS churned;
    CREATE TRAINING SET two LABEL fraud FEATURES (user_cnt, merch_avg);
    CREATE TRAINING SET timeless LABEL churn FEATURES (user_cnt);
  `);
  const data: Data = {
    tx: [
      { user_id: 'u1', merchant_id: 'm1', amount: 10, ts: ts('2024-03-01 10:00:00') },
      { user_id: 'u1', merchant_id: 'm2', amount: 20, ts: ts('2024-03-05 10:00:00') },
      { user_id: 'u2', merchant_id: 'm1', amount: 30, ts: ts('2024-03-05 12:00:00') },
      { user_id: 'u1', merchant_id: 'm1', amount: 50, ts: ts('2024-03-10 10:00:00') },
    ],
    orders: [
      { order_id: 3, user_id: 'u1', merchant_id: 'm2', ordered_at: ts('2024-03-10 10:00:00'), fraud: null },
      { order_id: 2, user_id: 'u2', merchant_id: 'm1', ordered_at: ts('2024-03-05 10:00:00'), fraud: true },
      { order_id: -1, user_id: 'u1', merchant_id: 'm1', ordered_at: ts('2024-03-06 00:00:00'), fraud: true }, // fails WHERE
      { order_id: 4, user_id: null, merchant_id: 'm1', ordered_at: ts('2024-03-06 00:00:00'), fraud: true }, // NULL key
      { order_id: 5, user_id: 'u2', merchant_id: null, ordered_at: ts('2024-03-11 00:00:00'), fraud: false },
      { order_id: 1, user_id: 'u1', merchant_id: 'm1', ordered_at: ts('2024-03-05 10:00:00'), fraud: false },
    ],
    accounts: [
      { user_id: 'u2', churned: true },
      { user_id: 'u1', churned: false },
      { user_id: 'u3', churned: null },
    ],
  };
  const fitted = fitAll(catalog, data, [findFeature(catalog, 'user_cnt'), findFeature(catalog, 'merch_avg')]);

  it('two entities: keys, other keys, label time, features, label; ordered by time, keys, label', () => {
    const out = trainingSet(catalog, data, 'two', undefined, { fitted });
    expect(out.columns).toEqual(['user_id', 'merchant_id', 'ordered_at', 'user_cnt', 'merch_avg', 'fraud']);
    expect(out.rows).toEqual([
      // 03-05 10:00, u1/m1: u1 rows in (02-27 10:00, 03-05 10:00] = 03-01, 03-05 (at t) → 2; m1 rows ≤ t: 10 (u2's 30 is at 12:00) → 10.
      ['u1', 'm1', ts('2024-03-05 10:00:00'), 2, 10, false],
      // same time, u2 sorts after u1: u2's only row is at 12:00 > t → 0; m1 → 10.
      ['u2', 'm1', ts('2024-03-05 10:00:00'), 0, 10, true],
      // 03-10 10:00, u1/m2: window (03-03 10:00, 03-10 10:00] → 03-05 and 03-10 → 2; m2: 20. Label NULL kept.
      ['u1', 'm2', ts('2024-03-10 10:00:00'), 2, 20, null],
      // 03-11 00:00, u2 with a NULL merchant: window (03-04, 03-11] → 03-05 12:00 → 1; merch_avg NULL → FILL ZERO.
      ['u2', null, ts('2024-03-11 00:00:00'), 1, 0, false],
    ]);
  });

  it('a time-independent label takes every feature at one time: default the newest event time', () => {
    const out = trainingSet(catalog, data, 'timeless', undefined, { fitted });
    expect(out.columns).toEqual(['user_id', 'user_cnt', 'churn']);
    // Newest tx time: 03-10 10:00. Window (03-03 10:00, 03-10 10:00]: u1 → 03-05, 03-10 → 2; u2 → 03-05 12:00 → 1; u3 → 0.
    expect(out.rows).toEqual([
      ['u1', 2, false],
      ['u2', 1, true],
      ['u3', 0, null],
    ]);
    // As of 03-05 11:00: u1 → 03-01 10:00, 03-05 10:00 → 2; u2's row at 12:00 is later → 0.
    expect(trainingSet(catalog, data, 'timeless', undefined, { fitted, asOf: ts('2024-03-05 11:00:00') }).rows).toEqual([
      ['u1', 2, false],
      ['u2', 0, true],
      ['u3', 0, null],
    ]);
  });

  it('an other entity whose key is named like a label key column shares that column (semantics §4)', () => {
    const c = compile(`
      CREATE ENTITY airport KEY (origin TEXT);
      CREATE ENTITY route KEY (origin TEXT, destination TEXT);
      CREATE SOURCE legs (origin TEXT NOT NULL, destination TEXT NOT NULL, delay INTEGER, at TIMESTAMP NOT NULL) FROM TABLE legs EVENT TIME at;
      CREATE FEATURE airport_legs ENTITY airport FROM legs AS COUNT(*);
      CREATE LABEL late ENTITY route FROM legs AS delay > 15;
      CREATE TRAINING SET s LABEL late FEATURES (airport_legs);
    `);
    const d: Data = {
      legs: [
        { origin: 'ORD', destination: 'LAX', delay: 20, at: ts('2024-03-01 10:00:00') },
        { origin: 'ORD', destination: 'SFO', delay: 0, at: ts('2024-03-01 11:00:00') },
      ],
    };
    const out = trainingSet(c, d, 's', undefined, { fitted: fitAll(c, d, [findFeature(c, 'airport_legs')]) });
    // origin once (the airport's key is the route's origin column), then destination, the time, the feature, the label.
    expect(out.columns).toEqual(['origin', 'destination', 'at', 'airport_legs', 'late']);
    // ORD's legs at or before 10:00 → 1; at or before 11:00 → 2.
    expect(out.rows).toEqual([
      ['ORD', 'LAX', ts('2024-03-01 10:00:00'), 1, true],
      ['ORD', 'SFO', ts('2024-03-01 11:00:00'), 2, false],
    ]);
  });
});

// ---------------------------------------------------------------------------

describe('sampling', () => {
  it('the MINSTD formula, by hand', () => {
    // 48271² = 2,330,089,441 ≡ 182,605,794 (mod 2,147,483,647), and (r+s)·48271 < M here,
    // so x2 = (r + s)·182,605,794 mod M. Threshold for 50 %: round(50 × 10000) = 500,000.
    // seed 0: r=1 → 182,605,794 → 605,794 no; r=2 → 365,211,588 → 211,588 yes; r=3 → 547,817,382 → 817,382 no;
    //         r=4 → 730,423,176 → 423,176 yes; r=5 → 913,028,970 → 28,970 yes.
    expect([1, 2, 3, 4, 5].map((r) => sampleKeeps(r, 50, 0))).toEqual([false, true, false, true, true]);
    // seed 7: k=8 → 1,460,846,352 → 846,352 no; k=9 → 1,643,452,146 → 452,146 yes; k=10 → 1,826,057,940 → 57,940 yes;
    //         k=11 → 2,008,663,734 → 663,734 no; k=12 → 2,191,269,528 − M = 43,785,881 → 785,881 no.
    expect([1, 2, 3, 4, 5].map((r) => sampleKeeps(r, 50, 7))).toEqual([false, true, true, false, false]);
    expect(sampleKeeps(1, 100, 0)).toBe(true);
  });

  const catalog = compile(`
    CREATE ENTITY user KEY (user_id TEXT);
    CREATE SOURCE ev (user_id TEXT NOT NULL, x INTEGER, ts TIMESTAMP NOT NULL) FROM TABLE ev EVENT TIME ts;
    CREATE FEATURE last_x ENTITY user FROM ev AS x;
    CREATE LABEL y ENTITY user FROM ev AS x;
    CREATE TRAINING SET half LABEL y FEATURES (last_x) SAMPLE 50 PERCENT;
    CREATE TRAINING SET half7 LABEL y FEATURES (last_x) SAMPLE 50 PERCENT SEED 7;
  `);
  // Given out of order; sorted by time, then user_id, then label: r = 1 … 5 as named.
  const data: Data = {
    ev: [
      { user_id: 'b', x: 4, ts: ts('2024-01-03 00:00:00') }, // r=4
      { user_id: 'a', x: 1, ts: ts('2024-01-01 00:00:00') }, // r=1
      { user_id: 'a', x: 5, ts: ts('2024-01-04 00:00:00') }, // r=5
      { user_id: 'b', x: 2, ts: ts('2024-01-02 00:00:00') }, // r=3 (same time as r=2, b after a)
      { user_id: 'a', x: 3, ts: ts('2024-01-02 00:00:00') }, // r=2
    ],
  };
  const fitted = fitAll(catalog, data, [findFeature(catalog, 'last_x')]);

  it('keeps exactly the rows the formula says', () => {
    // seed 0 keeps r = 2, 4, 5.
    expect(trainingSet(catalog, data, 'half', undefined, { fitted }).rows).toEqual([
      ['a', ts('2024-01-02 00:00:00'), 3, 3],
      ['b', ts('2024-01-03 00:00:00'), 4, 4],
      ['a', ts('2024-01-04 00:00:00'), 5, 5],
    ]);
    // seed 7 keeps r = 2, 3.
    expect(trainingSet(catalog, data, 'half7', undefined, { fitted }).rows).toEqual([
      ['a', ts('2024-01-02 00:00:00'), 3, 3],
      ['b', ts('2024-01-02 00:00:00'), 2, 2],
    ]);
  });
});

// ---------------------------------------------------------------------------

describe('DATE event times are midnight', () => {
  const catalog = compile(`
    CREATE ENTITY user KEY (user_id TEXT);
    CREATE SOURCE daily (user_id TEXT NOT NULL, n INTEGER, d DATE NOT NULL) FROM TABLE daily EVENT TIME d;
    CREATE SOURCE asks (user_id TEXT NOT NULL, asked DATE NOT NULL, y BOOLEAN) FROM TABLE asks EVENT TIME asked;
    CREATE FEATURE n_1d ENTITY user FROM daily AS SUM(n) WINDOW 1 DAY;
    CREATE FEATURE last_n ENTITY user FROM daily AS n TTL 1 DAY;
    CREATE LABEL y ENTITY user FROM asks AS y;
    CREATE TRAINING SET s LABEL y FEATURES (n_1d, last_n);
  `);
  const data: Data = {
    daily: [
      { user_id: 'u', n: 1, d: day('2024-03-01') },
      { user_id: 'u', n: 10, d: day('2024-03-02') },
    ],
    asks: [{ user_id: 'u', asked: 19784 /* 2024-03-02 */, y: true }],
  };
  const n1d = findFeature(catalog, 'n_1d');

  it('in windows and TTLs', () => {
    // At 03-02 00:00: window (03-01 00:00, 03-02 00:00] → the 03-02 row (midnight = t) in, the 03-01 row (exactly 1 day) out.
    expect(rawValue(catalog, data, n1d, ['u'], ts('2024-03-02 00:00:00')).value).toBe(10);
    // At 03-01 23:59:59: (02-29 23:59:59, 03-01 23:59:59] → only 03-01.
    expect(rawValue(catalog, data, n1d, ['u'], ts('2024-03-01 23:59:59')).value).toBe(1);
    // TTL 1 DAY: the 03-02 row is exactly 1 day old at 03-03 00:00 (kept) and outside 1 µs later.
    const lastN = findFeature(catalog, 'last_n');
    expect(rawValue(catalog, data, lastN, ['u'], ts('2024-03-03 00:00:00'))).toEqual({ value: 10, status: 'present', eventTime: 19784 * DAY_US });
    expect(rawValue(catalog, data, lastN, ['u'], ts('2024-03-03 00:00:00.000001')).status).toBe('outside_ttl');
  });

  it('as a label time (output in days)', () => {
    const fitted = fitAll(catalog, data, [n1d, findFeature(catalog, 'last_n')]);
    expect(trainingSet(catalog, data, 's', undefined, { fitted })).toEqual({
      columns: ['user_id', 'asked', 'n_1d', 'last_n', 'y'],
      rows: [['u', 19784, 10, 10, true]],
    });
  });
});

// ---------------------------------------------------------------------------

describe('materialize', () => {
  const catalog = compile(`
    CREATE ENTITY user KEY (user_id TEXT);
    CREATE SOURCE ev (buyer TEXT NOT NULL, amount DOUBLE, channel TEXT, ts TIMESTAMP NOT NULL) FROM TABLE ev EVENT TIME ts;
    CREATE SOURCE profile (user_id TEXT NOT NULL, tier INTEGER) FROM TABLE profile;
    CREATE SOURCE probes (user_id TEXT NOT NULL, at TIMESTAMP NOT NULL, y INTEGER) FROM TABLE probes EVENT TIME at;
    CREATE FEATURE spend ENTITY user ON (buyer) FROM ev AS SUM(amount) WINDOW 3 DAYS FILL ZERO SCALE STANDARD;
    CREATE FEATURE last_channel ENTITY user ON (buyer) FROM ev AS channel TTL 2 DAYS ONE_HOT TOP 2;
    CREATE FEATURE tier ENTITY user FROM profile AS tier FILL MEDIAN;
    CREATE LABEL y ENTITY user FROM probes AS y;
    CREATE TRAINING SET probe LABEL y FEATURES (spend, last_channel, tier);
  `);
  const T = ts('2024-03-10 00:00:00');
  const data: Data = {
    ev: [
      { buyer: 'u1', amount: 10, channel: 'web', ts: ts('2024-03-01 00:00:00') },
      { buyer: 'u1', amount: 30, channel: 'pos', ts: ts('2024-03-08 00:00:00') },
      { buyer: 'u2', amount: 5, channel: 'web', ts: ts('2024-03-09 00:00:00') },
      { buyer: 'u2', amount: 7, channel: 'app', ts: ts('2024-03-09 12:00:00') },
      { buyer: 'u4', amount: 99, channel: 'web', ts: ts('2024-03-11 00:00:00') }, // after T: u4 not materialized
    ],
    profile: [
      { user_id: 'u1', tier: 1 },
      { user_id: 'u3', tier: 3 },
      { user_id: 'u5', tier: null },
    ],
  };
  const features = ['spend', 'last_channel', 'tier'].map((n) => findFeature(catalog, n));
  const fitted = fitAll(catalog, data, features);

  it('has every key found at or before T, and equals the training rows of labels (k, T)', () => {
    const vectors = materialize(catalog, data, 'user', T, fitted);
    // Keys: u1, u2 (ev ≤ T), u3, u5 (profile); u4's only row is after T.
    expect([...vectors.keys()].sort()).toEqual(['["u1"]', '["u2"]', '["u3"]', '["u5"]']);
    // last_channel is fitted at 03-11 00:00 (the newest ev row): u1's latest (pos, 03-08) is 3 days old there, outside
    // the 2-day TTL → NULL, dropped; u2 → app (03-09 12:00); u4 → web (03-11). Once each → TOP 2 by value: [app, web].
    expect(fitted.get('last_channel@1')!.vocabulary).toEqual(['app', 'web']);
    // At T, u1's latest row (pos, 03-08) is exactly 2 days old: kept by the TTL, but outside the vocabulary → zeros.
    expect(vectors.get('["u1"]')!.last_channel).toEqual([0, 0]);
    expect(vectors.get('["u2"]')!.last_channel).toEqual([1, 0]);
    expect(vectors.get('["u3"]')!.last_channel).toEqual([0, 0]);
    // tier (dimension): fitted over [1, 3] (u5's NULL dropped) → median 2; u5 is filled with it.
    expect(vectors.get('["u5"]')!.tier).toEqual([2]);

    const probes = { ...data, probes: ['u1', 'u2', 'u3', 'u5'].map((k) => ({ user_id: k, at: T, y: 0 })) };
    const table = trainingSet(catalog, probes, 'probe', undefined, { fitted });
    expect(table.columns).toEqual(['user_id', 'at', 'spend', 'last_channel__app', 'last_channel__web', 'tier', 'y']);
    for (const row of table.rows) {
      const v = vectors.get(JSON.stringify([row[0]]))!;
      const expected: Value[] = [row[0]!, T, ...v.spend!, ...v.last_channel!, ...v.tier!, 0];
      expect(row).toEqual(expected);
    }
    expect(table.rows.map((r) => r[0])).toEqual(['u1', 'u2', 'u3', 'u5']);
  });
});

// ---------------------------------------------------------------------------

describe('composite keys through ON', () => {
  const catalog = compile(`
    CREATE ENTITY pair KEY (a TEXT, b INTEGER);
    CREATE SOURCE p (x TEXT NOT NULL, b INTEGER, v INTEGER, ts TIMESTAMP NOT NULL) FROM TABLE p EVENT TIME ts;
    CREATE FEATURE total ENTITY pair ON (x, b) FROM p AS SUM(v);
  `);
  const t = ts('2024-01-01 00:00:00');
  const data: Data = {
    p: [
      { x: 'k1', b: 1, v: 10, ts: t },
      { x: 'k1', b: 2, v: 20, ts: t },
      { x: 'k1', b: null, v: 5, ts: t },
      { x: 'k2', b: 1, v: 7, ts: t },
      { x: 'k1', b: 1, v: 1, ts: t },
    ],
  };
  const total = findFeature(catalog, 'total');

  it('matches every key column; a NULL key part matches nothing', () => {
    expect(rawValue(catalog, data, total, ['k1', 1], t).value).toBe(11); // 10 + 1
    expect(rawValue(catalog, data, total, ['k1', null], t).value).toBeNull(); // the (k1, NULL) row is nobody's
    const vectors = materialize(catalog, data, 'pair', t, fitAll(catalog, data, [total]));
    expect([...vectors.entries()]).toEqual([
      ['["k1",1]', { total: [11] }],
      ['["k1",2]', { total: [20] }],
      ['["k2",1]', { total: [7] }],
    ]);
  });
});
