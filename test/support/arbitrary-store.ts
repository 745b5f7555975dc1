/**
 * Random feature-store cases for differential tests: a project (entities,
 * event and dimension sources, a view, features over every aggregate and
 * transform, labels, training sets) and data with ties (rows of one key at
 * one time, on purpose), NULLs, empty windows, exact window/TTL boundaries
 * and several entities.
 */
import fc from 'fast-check';
import './fast-check-seed.js';
import type { Row, Value } from '../../src/engine/engine.js';

export const BASE = Date.UTC(2024, 0, 1) * 1000; // 2024-01-01 00:00:00 in µs
export const HALF_HOUR = 1_800_000_000;

export interface StoreCase {
  readonly text: string;
  readonly data: Record<string, Row[]>;
  /** For the time-independent training set and for materialization. */
  readonly asOf: number;
  readonly featureNames: string[];
}

const users: Value[] = ['u1', 'u2', 'u3', 'U1', null];
const merchants: Value[] = [1, 2, 3, null];
const amounts: Value[] = [null, -5.5, 0, 1.25, 10, 100.5, 3, 1e-3];
const qtys: Value[] = [null, -1, 0, 1, 2, 5, 7];
const cats: Value[] = [null, 'a', 'b', 'B', 'c', 'ä', 'a b'];
const flags: Value[] = [null, true, false];

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
/** Event times on a half-hour grid over two days: windows and TTLs of whole half-hours hit rows exactly. */
const time = fc.integer({ min: 0, max: 96 }).map((h) => BASE + h * HALF_HOUR);

const eventRow = fc.record({
  user_id: fc.oneof({ arbitrary: pick(users.slice(0, 4)), weight: 9 }, { arbitrary: fc.constant(null), weight: 1 }),
  merchant_id: pick(merchants),
  amount: pick(amounts),
  qty: pick(qtys),
  cat: pick(cats),
  flag: pick(flags),
  ts: time,
});

/**
 * An event row and 0–2 rows tied with it on purpose: the same user and time
 * (mostly the same merchant too) and other columns drawn afresh, NULLs
 * included — so that the tie order of latest values (docs/semantics.md §3)
 * decides often, for both entities' features.
 */
const eventRowsTied = eventRow.chain((first) =>
  fc
    .array(
      fc.record({
        merchant_id: fc.oneof({ arbitrary: fc.constant(first.merchant_id), weight: 3 }, { arbitrary: pick(merchants), weight: 1 }),
        amount: pick(amounts),
        qty: pick(qtys),
        cat: pick(cats),
        flag: pick(flags),
      }),
      { maxLength: 2 },
    )
    .map((tied) => [first, ...tied.map((t) => ({ ...first, ...t }))]),
);

const profileRow = fc.record({
  user_id: pick(users),
  country: pick([null, 'US', 'DE', 'FR', 'de']),
  age: pick([null, 18, 30, 45, 45, 60]),
  score: pick([null, 0.5, -2, 3.75]),
});

const labelRow = fc.record({
  user_id: fc.oneof({ arbitrary: pick(users.slice(0, 4)), weight: 9 }, { arbitrary: fc.constant(null), weight: 1 }),
  merchant_id: pick(merchants),
  ts: time,
  y: pick([null, true, false, true]),
});

const outcomeRow = fc.record({ user_id: pick(users), churned: pick([null, true, false]) });

const dailyRow = fc.record({
  user_id: pick(users.slice(0, 3)),
  day: fc.integer({ min: 0, max: 2 }).map((d) => Math.floor(BASE / 86_400_000_000) + d),
  visits: pick([null, 0, 1, 3]),
});

type Kind = 'num' | 'int' | 'text' | 'bool' | 'time';

interface FeatureTemplate {
  readonly entity: 'user' | 'merchant';
  readonly from: 'events' | 'profile' | 'v_events' | 'daily';
  readonly as: string;
  readonly kind: Kind;
  readonly aggregate: boolean;
}

const templates: readonly FeatureTemplate[] = [
  { entity: 'user', from: 'events', as: 'COUNT(*)', kind: 'int', aggregate: true },
  { entity: 'user', from: 'events', as: 'COUNT(amount)', kind: 'int', aggregate: true },
  { entity: 'user', from: 'events', as: 'COUNT(DISTINCT cat)', kind: 'int', aggregate: true },
  { entity: 'user', from: 'events', as: 'SUM(amount)', kind: 'num', aggregate: true },
  { entity: 'user', from: 'events', as: 'SUM(qty)', kind: 'int', aggregate: true },
  { entity: 'user', from: 'events', as: 'AVG(qty)', kind: 'num', aggregate: true },
  { entity: 'user', from: 'events', as: 'MIN(amount)', kind: 'num', aggregate: true },
  { entity: 'user', from: 'events', as: 'MAX(cat)', kind: 'text', aggregate: true },
  { entity: 'user', from: 'events', as: 'MAX(ts)', kind: 'time', aggregate: true },
  { entity: 'merchant', from: 'events', as: 'SUM(amount * qty)', kind: 'num', aggregate: true },
  { entity: 'merchant', from: 'events', as: 'COUNT(*)', kind: 'int', aggregate: true },
  { entity: 'user', from: 'events', as: 'amount', kind: 'num', aggregate: false },
  { entity: 'user', from: 'events', as: 'qty + 1', kind: 'int', aggregate: false },
  { entity: 'user', from: 'events', as: 'cat', kind: 'text', aggregate: false },
  { entity: 'user', from: 'events', as: 'flag', kind: 'bool', aggregate: false },
  { entity: 'user', from: 'events', as: "COALESCE(cat, 'none') || '!'", kind: 'text', aggregate: false },
  { entity: 'user', from: 'events', as: 'CASE WHEN amount > 2 THEN 1.5 ELSE amount / 2 END', kind: 'num', aggregate: false },
  { entity: 'merchant', from: 'events', as: 'qty', kind: 'int', aggregate: false },
  { entity: 'user', from: 'profile', as: 'country', kind: 'text', aggregate: false },
  { entity: 'user', from: 'profile', as: 'age', kind: 'int', aggregate: false },
  { entity: 'user', from: 'profile', as: 'AVG(score)', kind: 'num', aggregate: true },
  { entity: 'user', from: 'v_events', as: 'SUM(amt2)', kind: 'num', aggregate: true },
  { entity: 'user', from: 'v_events', as: 'country', kind: 'text', aggregate: false },
  { entity: 'user', from: 'daily', as: 'SUM(visits)', kind: 'int', aggregate: true },
  { entity: 'user', from: 'daily', as: 'visits', kind: 'int', aggregate: false },
];

const wheres: Record<FeatureTemplate['from'], readonly string[]> = {
  events: ['flag', 'qty > 1', "cat = 'a'", 'amount IS NOT NULL', 'NOT flag', "cat IN ('a', 'B')", 'qty BETWEEN 0 AND 2', "cat LIKE 'a%'"],
  profile: ['age >= 30', "country <> 'US'"],
  v_events: ["country = 'DE'", 'amt2 > 1'],
  daily: ['visits > 0'],
};

const timed = (from: FeatureTemplate['from']) => from !== 'profile';

const featureClauses = (t: FeatureTemplate) =>
  fc.record({
    where: fc.option(pick(wheres[t.from]), { freq: 3, nil: undefined }),
    window: t.aggregate && timed(t.from) ? fc.option(pick(['30 MINUTES', '1 HOUR', '3 HOURS', '1 DAY']), { freq: 2, nil: undefined }) : fc.constant(undefined),
    ttl: !t.aggregate && timed(t.from) ? fc.option(pick(['30 MINUTES', '2 HOURS', '1 DAY']), { freq: 2, nil: undefined }) : fc.constant(undefined),
    // AS OF < t: rows available exactly at the time asked are not seen (only relations with a time).
    strict: timed(t.from) ? fc.boolean() : fc.constant(false),
    fill: pick(
      t.kind === 'num' || t.kind === 'int'
        ? [undefined, 'MEAN', 'MEDIAN', 'MODE', 'ZERO', t.kind === 'int' ? '-7' : '-7.5']
        : t.kind === 'text'
          ? [undefined, 'MODE', "'zz'"]
          : t.kind === 'bool'
            ? [undefined, 'MODE', 'TRUE']
            : [undefined, 'MODE'],
    ),
    encode: pick(
      t.kind === 'num'
        ? [undefined, 'SCALE STANDARD', 'SCALE MINMAX', 'SCALE ROBUST', 'SCALE LOG']
        : t.kind === 'int'
          ? [undefined, 'SCALE STANDARD', 'SCALE LOG', 'ONE_HOT TOP 2', 'ONE_HOT (0, 1, 2)']
          : t.kind === 'text'
            ? [undefined, 'ONE_HOT TOP 2', "ONE_HOT ('a', 'B', 'zz')"]
            : t.kind === 'bool'
              ? [undefined, 'ONE_HOT (TRUE, FALSE)']
              : [undefined],
    ),
  });

const feature = fc.nat({ max: templates.length - 1 }).chain((i) => {
  const t = templates[i]!;
  return featureClauses(t).map((c) => ({ t, c }));
});

/**
 * AVAILABLE clauses (docs/semantics.md §3): delays on the half-hour grid, so
 * that rows become available exactly at label times and window and TTL ends;
 * the view inherits the events' delay unless it declares its own.
 */
export interface Availability {
  readonly events: string;
  readonly daily: string;
  readonly view: string;
}

const availability: fc.Arbitrary<Availability> = fc.record({
  events: pick(['', '', ' AVAILABLE AFTER 30 MINUTES', ' AVAILABLE AFTER 1 HOUR', ' AVAILABLE AFTER 90 MINUTES']),
  daily: pick(['', ' AVAILABLE AT END OF DAY', ' AVAILABLE AFTER 6 HOURS']),
  view: pick(['', '', ' AVAILABLE AFTER 2 HOURS']),
});

const schema = (a: Availability) => `
CREATE ENTITY user KEY (user_id TEXT);
CREATE ENTITY merchant KEY (merchant_id INTEGER);
CREATE SOURCE events (user_id TEXT, merchant_id INTEGER, amount DOUBLE, qty INTEGER, cat TEXT, flag BOOLEAN, ts TIMESTAMP NOT NULL)
  FROM STREAM EVENT TIME ts${a.events};
CREATE SOURCE profile (user_id TEXT, country TEXT, age INTEGER, score DOUBLE) FROM TABLE crm.profile;
CREATE SOURCE labels (user_id TEXT, merchant_id INTEGER, ts TIMESTAMP NOT NULL, y BOOLEAN) FROM STREAM EVENT TIME ts;
CREATE SOURCE outcomes (user_id TEXT, churned BOOLEAN) FROM TABLE crm.outcomes;
CREATE SOURCE daily (user_id TEXT NOT NULL, day DATE NOT NULL, visits INTEGER) FROM STREAM EVENT TIME day${a.daily};
CREATE VIEW v_events EVENT TIME ts${a.view} AS
  SELECT e.user_id, e.amount * 2 AS amt2, e.ts, p.country
  FROM events e LEFT JOIN profile p ON e.user_id = p.user_id
  WHERE e.qty IS NULL OR e.qty >= 0;
CREATE LABEL y ENTITY user FROM labels AS y;
CREATE LABEL churned ENTITY user FROM outcomes AS churned;
`;

export const storeCase: fc.Arbitrary<StoreCase> = fc
  .record({
    features: fc.array(feature, { minLength: 1, maxLength: 6 }),
    events: fc.array(eventRowsTied, { maxLength: 20 }).map((groups) => groups.flat()),
    profile: fc.array(profileRow, { maxLength: 6 }),
    labels: fc.array(labelRow, { minLength: 1, maxLength: 12 }),
    outcomes: fc.array(outcomeRow, { maxLength: 5 }),
    daily: fc.array(dailyRow, { maxLength: 8 }),
    sample: fc.option(fc.record({ percent: pick([10, 50, 62.5, 100]), seed: fc.nat({ max: 1000 }) }), { freq: 3, nil: undefined }),
    asOf: time,
    availability,
  })
  .map((r) => {
    const names: string[] = [];
    const stmts = r.features.map(({ t, c }, i) => {
      const name = `f${i + 1}`;
      names.push(name);
      const clauses = [
        c.where ? `WHERE ${c.where}` : '',
        c.window ? `WINDOW ${c.window}` : '',
        c.ttl ? `TTL ${c.ttl}` : '',
        c.strict ? 'AS OF < t' : '',
        c.fill ? `FILL ${c.fill}` : '',
        c.encode ?? '',
      ].filter(Boolean);
      return `CREATE FEATURE ${name} ENTITY ${t.entity} FROM ${t.from} AS ${t.as} ${clauses.join(' ')};`;
    });
    const list = names.join(', ');
    const userFeatures = r.features.map((f, i) => ({ f, name: names[i]! })).filter((x) => x.f.t.entity === 'user').map((x) => x.name);
    const sample = r.sample ? ` SAMPLE ${r.sample.percent} PERCENT SEED ${r.sample.seed}` : '';
    const text = [
      schema(r.availability),
      ...stmts,
      `CREATE TRAINING SET ts LABEL y FEATURES (${list})${sample};`,
      ...(userFeatures.length > 0
        ? [
            `CREATE TRAINING SET ts_static LABEL churned FEATURES (${userFeatures.join(', ')});`,
            `CREATE TRAINING SET ts_user LABEL y FEATURES (${userFeatures.join(', ')});`,
          ]
        : []),
    ].join('\n');
    return {
      text,
      data: { events: r.events, profile: r.profile, labels: r.labels, outcomes: r.outcomes, daily: r.daily },
      asOf: r.asOf,
      featureNames: names,
    };
  });
