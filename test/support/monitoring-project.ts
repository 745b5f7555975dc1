/** The stream project of the monitoring tests (test/runtime/monitoring.test.ts, test/server/monitoring.test.ts): its events before and after a shift. */
export const MONITORED_PROJECT = `CREATE ENTITY user KEY (user_id TEXT);

CREATE SOURCE events (event_id TEXT NOT NULL, user_id TEXT NOT NULL, kind TEXT, amount DOUBLE, score INTEGER, ts TIMESTAMP NOT NULL)
  FROM STREAM EVENT TIME ts;

CREATE FEATURE last_amount ENTITY user FROM events AS amount;
CREATE FEATURE amount_z ENTITY user FROM events AS amount SCALE STANDARD;
CREATE FEATURE last_kind ENTITY user FROM events AS kind;
CREATE FEATURE last_score ENTITY user FROM events AS score;
`;

/** 2024-03-01 00:00 UTC, µs. */
export const T0 = Date.UTC(2024, 2, 1) * 1000;
const HOUR = 3_600_000_000;
const iso = (t: number) => new Date(t / 1000).toISOString();

/** u1…u10: amount i, kind a / b, score 10·i; u11: amount NULL. One event each, an hour apart. */
export function firstEvents(): Record<string, unknown>[] {
  return Array.from({ length: 11 }, (_v, j) => {
    const i = j + 1;
    return { event_id: `e${i}`, user_id: `u${i}`, kind: i % 2 === 0 ? 'b' : 'a', amount: i === 11 ? null : i, score: 10 * i, ts: iso(T0 + i * HOUR) };
  });
}

/** u1's amount becomes 10 and u2's 9; kind and score as before. */
export function shiftedEvents(): Record<string, unknown>[] {
  return [
    { event_id: 's1', user_id: 'u1', kind: 'a', amount: 10, score: 10, ts: iso(T0 + 20 * HOUR) },
    { event_id: 's2', user_id: 'u2', kind: 'b', amount: 9, score: 20, ts: iso(T0 + 21 * HOUR) },
  ];
}

