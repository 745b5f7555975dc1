/**
 * A deterministic synthetic fsql project of N features, for the benchmarks.
 *
 * The mix is meant to look like a real feature repository:
 * - 6 entities (one with a two-column key);
 * - ~N/20 sources with 6–10 typed columns, most with an EVENT TIME, from
 *   files, warehouse tables and streams;
 * - ~N/100 views: joins with CASE / COALESCE, and per-day GROUP BY rollups;
 * - N feature statements over sources and views, ~1000 per file: windowed
 *   aggregates (COUNT, COUNT DISTINCT, SUM, AVG, MIN, MAX, with WHERE),
 *   latest values with TTL, scalar expressions, FILL, SCALE, ONE_HOT TOP n and
 *   ONE_HOT (values), metadata, and some second VERSIONs;
 * - ~N/500 labels and ~N/200 training sets of 10–40 features each.
 *
 * Same N and seed → byte-identical files. The project checks with no errors.
 */
import type { ProjectFile } from '../src/check/project.js';

export interface GeneratedProject {
  readonly files: ProjectFile[];
  readonly counts: {
    readonly entities: number;
    readonly sources: number;
    readonly views: number;
    readonly features: number;
    readonly labels: number;
    readonly trainingSets: number;
    readonly statements: number;
  };
  /** UTF-8 bytes of all files. */
  readonly bytes: number;
}

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type ColType = 'BOOLEAN' | 'INTEGER' | 'DOUBLE' | 'TEXT' | 'DATE' | 'TIMESTAMP';

interface Entity {
  readonly name: string;
  readonly keys: readonly { readonly name: string; readonly type: ColType }[];
}

interface Relation {
  readonly name: string;
  readonly columns: ReadonlyMap<string, ColType>;
  readonly eventTime: string | undefined;
  /** Entities whose key columns this relation carries (same names and types). */
  readonly entities: readonly Entity[];
}

interface FeatureDef {
  readonly name: string;
  readonly entity: Entity;
  readonly relation: Relation;
  readonly versions: number;
}

const ENTITIES: readonly Entity[] = [
  { name: 'customer', keys: [{ name: 'customer_id', type: 'TEXT' }] },
  { name: 'merchant', keys: [{ name: 'merchant_id', type: 'TEXT' }] },
  { name: 'card', keys: [{ name: 'card_id', type: 'TEXT' }] },
  { name: 'device', keys: [{ name: 'device_id', type: 'TEXT' }] },
  { name: 'store', keys: [{ name: 'store_id', type: 'INTEGER' }] },
  { name: 'customer_merchant', keys: [{ name: 'customer_id', type: 'TEXT' }, { name: 'merchant_id', type: 'TEXT' }] },
];

const TOPICS = ['payments', 'orders', 'sessions', 'refunds', 'logins', 'shipments', 'reviews', 'transfers', 'clicks', 'tickets'];
const CATEGORIES = ['grocery', 'travel', 'fuel', 'online', 'dining', 'pharmacy', 'electronics', 'apparel'];
const WINDOWS = ['1 HOUR', '6 HOURS', '24 HOURS', '7 DAYS', '14 DAYS', '30 DAYS', '90 DAYS'];
const TTLS = ['1 DAY', '7 DAYS', '30 DAYS', '90 DAYS'];
const SCALES = ['STANDARD', 'MINMAX', 'ROBUST', 'LOG'];
const NUMERIC_FILLS = ['MEAN', 'MEDIAN', 'ZERO', 'MODE'];
const OWNERS = ['risk', 'growth', 'identity-team', 'payments-platform', 'ml-infra'];

const FILLER_COLUMNS: readonly [string, ColType][] = [
  ['score', 'DOUBLE'],
  ['quantity', 'INTEGER'],
  ['channel', 'TEXT'],
  ['is_mobile', 'BOOLEAN'],
  ['fee', 'DOUBLE'],
  ['region', 'TEXT'],
  ['opened_on', 'DATE'],
  ['attempts', 'INTEGER'],
  ['discount', 'DOUBLE'],
];

const PER_FILE = 1000;

export function generateProject(featureCount: number, seed = 20240601): GeneratedProject {
  const rand = prng(seed ^ featureCount);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const chance = (p: number): boolean => rand() < p;
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

  const meta = (what: string): string => {
    let out = '';
    if (chance(0.6)) out += `\n  DESCRIPTION ${quote(what)}`;
    if (chance(0.3)) out += `\n  OWNER ${quote(pick(OWNERS))}`;
    if (chance(0.2)) out += `\n  TAGS (${quote(pick(['pii', 'spend', 'fraud', 'profile', 'realtime']))}, ${quote(pick(['v1', 'beta', 'core']))})`;
    return out;
  };

  // ---- entities ----------------------------------------------------------------
  const entityText = ENTITIES.map(
    (e) => `CREATE ENTITY ${e.name} KEY (${e.keys.map((k) => `${k.name} ${k.type}`).join(', ')})${meta(`The ${e.name.replace('_', ' and ')}`)};\n`,
  ).join('\n');

  // ---- sources -----------------------------------------------------------------
  const sourceCount = Math.max(4, Math.round(featureCount / 20));
  const sources: Relation[] = [];
  const sourceTexts: string[] = [];
  const single = ENTITIES.filter((e) => e.keys.length === 1);
  for (let i = 0; i < sourceCount; i++) {
    const primary = single[i % single.length]!;
    const second = chance(0.5) ? pick(single.filter((e) => e !== primary)) : undefined;
    const isEvent = i % 7 !== 3; // about one source in seven is a dimension table
    const columns = new Map<string, ColType>();
    const defs: string[] = [];
    const add = (name: string, type: ColType, notNull = false): void => {
      columns.set(name, type);
      defs.push(`  ${name.padEnd(14)} ${type}${notNull ? ' NOT NULL' : ''}`);
    };
    for (const k of primary.keys) add(k.name, k.type, true);
    if (second) for (const k of second.keys) add(k.name, k.type, true);
    if (isEvent) add('event_ts', 'TIMESTAMP', true);
    add('amount', 'DOUBLE');
    add('category', 'TEXT');
    add('is_flagged', 'BOOLEAN');
    const total = int(6, 10);
    const fillers = [...FILLER_COLUMNS];
    while (columns.size < total && fillers.length > 0) {
      const [name, type] = fillers.splice(Math.floor(rand() * fillers.length), 1)[0]!;
      add(name, type);
    }
    const name = `${pick(TOPICS)}_${i}`;
    const origin = !isEvent
      ? chance(0.5)
        ? `FILE 'data/${name}.csv'`
        : `TABLE warehouse.dim.${name}`
      : pick([`FILE 'data/${name}.csv' FORMAT CSV`, `FILE 'data/${name}.parquet'`, `TABLE lake.raw.${name}`, 'STREAM']);
    const carried = ENTITIES.filter((e) => e.keys.every((k) => columns.get(k.name) === k.type));
    sources.push({ name, columns, eventTime: isEvent ? 'event_ts' : undefined, entities: carried });
    sourceTexts.push(
      `CREATE SOURCE ${name} (\n${defs.join(',\n')}\n)\n  FROM ${origin}${isEvent ? '\n  EVENT TIME event_ts' : ''}${meta(`Raw ${name.replace(/_\d+$/, '')} records`)};\n`,
    );
  }

  // ---- views -------------------------------------------------------------------
  const viewCount = Math.max(2, Math.round(featureCount / 100));
  const views: Relation[] = [];
  const viewTexts: string[] = [];
  const eventSources = sources.filter((s) => s.eventTime);
  for (let i = 0; i < viewCount; i++) {
    const base = eventSources[(i * 7) % eventSources.length]!;
    const entity = base.entities[0]!;
    const key = entity.keys[0]!.name;
    if (i % 2 === 0) {
      // A join with CASE and COALESCE, keeping the event time.
      const others = sources.filter((s) => s !== base && s.columns.get(key) === base.columns.get(key));
      const dim = others.length > 0 ? others[(i * 13) % others.length]! : base;
      const alias = dim === base ? 'd2' : 'd';
      const name = `${base.name}_enriched_${i}`;
      const columns = new Map<string, ColType>();
      const items: string[] = [];
      for (const [col, type] of base.columns) {
        if (col === 'amount' || col === 'category' || col === 'is_flagged' || col === 'event_ts' || [...base.entities].some((e) => e.keys.some((k) => k.name === col))) {
          items.push(`t.${col}`);
          columns.set(col, type);
        }
      }
      items.push(`COALESCE(${alias}.category, 'unknown') AS dim_category`);
      columns.set('dim_category', 'TEXT');
      items.push(`CASE\n    WHEN t.amount >= 500 THEN 'high'\n    WHEN t.amount >= 50 THEN 'medium'\n    ELSE 'low'\n  END AS amount_band`);
      columns.set('amount_band', 'TEXT');
      items.push(`CASE WHEN ${alias}.is_flagged IS NULL THEN FALSE ELSE ${alias}.is_flagged END AS dim_flagged`);
      columns.set('dim_flagged', 'BOOLEAN');
      items.push(`t.amount - COALESCE(${alias}.amount, 0.0) AS amount_delta`);
      columns.set('amount_delta', 'DOUBLE');
      items.push('EXTRACT(HOUR FROM t.event_ts) AS event_hour');
      columns.set('event_hour', 'INTEGER');
      const carried = ENTITIES.filter((e) => e.keys.every((k) => columns.get(k.name) === k.type));
      views.push({ name, columns, eventTime: 'event_ts', entities: carried });
      viewTexts.push(
        `CREATE VIEW ${name} EVENT TIME event_ts${meta('Events with dimension attributes')}\nAS\nSELECT\n  ${items.join(',\n  ')}\nFROM ${base.name} t\nLEFT JOIN ${dim.name} ${alias} ON t.${key} = ${alias}.${key}\nWHERE t.amount IS NOT NULL AND NOT t.category IN ('test', 'internal');\n`,
      );
    } else {
      // A per-key, per-day rollup whose event time is the day's last event.
      const name = `${base.name}_daily_${i}`;
      const columns = new Map<string, ColType>([
        [key, entity.keys[0]!.type],
        ['event_day', 'DATE'],
        ['n_events', 'INTEGER'],
        ['total_amount', 'DOUBLE'],
        ['max_amount', 'DOUBLE'],
        ['n_categories', 'INTEGER'],
        ['last_ts', 'TIMESTAMP'],
      ]);
      views.push({ name, columns, eventTime: 'last_ts', entities: [entity] });
      viewTexts.push(
        `CREATE VIEW ${name} EVENT TIME last_ts AS\nSELECT\n  ${key},\n  CAST(event_ts AS DATE) AS event_day,\n  COUNT(*) AS n_events,\n  SUM(COALESCE(amount, 0.0)) AS total_amount,\n  MAX(amount) AS max_amount,\n  COUNT(DISTINCT category) AS n_categories,\n  MAX(event_ts) AS last_ts\nFROM ${base.name}\nWHERE is_flagged IS NULL OR NOT is_flagged\nGROUP BY ${key}, CAST(event_ts AS DATE)\nHAVING COUNT(*) > 0;\n`,
      );
    }
  }

  // ---- features ----------------------------------------------------------------
  const features: FeatureDef[] = [];
  const featureTexts: string[] = [];
  const columnsOf = (r: Relation, type: ColType | 'numeric'): string[] =>
    [...r.columns].filter(([c, t]) => (type === 'numeric' ? t === 'DOUBLE' || t === 'INTEGER' : t === type) && !r.entities.some((e) => e.keys.some((k) => k.name === c))).map(([c]) => c);

  for (let i = 0; i < featureCount; i++) {
    // Every 20th statement is VERSION 2 of the feature before it.
    const previous = features[features.length - 1];
    const bump = i % 20 === 19 && previous !== undefined && previous.versions === 1;
    const relation = bump ? previous.relation : chance(0.8) ? sources[int(0, sources.length - 1)]! : views[int(0, views.length - 1)]!;
    const entity = bump ? previous.entity : pick(relation.entities);
    const numeric = columnsOf(relation, 'numeric');
    const texts = columnsOf(relation, 'TEXT');
    const hasTime = relation.eventTime !== undefined;
    const clauses: string[] = [];
    let value: string;
    let label: string;
    let kind: 'agg' | 'latest';

    if (hasTime && chance(0.6)) {
      kind = 'agg';
      const fn = pick(['COUNT', 'COUNT_DISTINCT', 'SUM', 'AVG', 'MIN', 'MAX', 'SUM', 'AVG']);
      const col = pick(numeric);
      const window = pick(WINDOWS);
      if (fn === 'COUNT' || (fn === 'COUNT_DISTINCT' && texts.length === 0)) value = 'COUNT(*)';
      else if (fn === 'COUNT_DISTINCT' && texts.length > 0) value = `COUNT(DISTINCT ${pick(texts)})`;
      else value = chance(0.2) ? `${fn}(${col} * ${pick(['0.01', '100', '1.5'])})` : `${fn}(${col})`;
      label = `${fn.toLowerCase()}_${fn.startsWith('COUNT') ? 'events' : col}_${window.replace(/ (\w)\w*/, (_, u: string) => u.toLowerCase())}`;
      clauses.push(`WINDOW ${window}`);
      if (chance(0.3)) {
        clauses.push(
          `WHERE ${pick([
            `category = ${quote(pick(CATEGORIES))}`,
            'amount > 10',
            'is_flagged',
            `category IN (${quote(pick(CATEGORIES))}, ${quote(pick(CATEGORIES))})`,
            'amount BETWEEN 1 AND 1000',
            'NOT is_flagged AND amount IS NOT NULL',
          ].filter((w) => ['category', 'amount', 'is_flagged'].every((c) => !w.includes(c) || relation.columns.has(c))).concat(`${pick(numeric)} > 0`))}`,
        );
      }
      if (fn !== 'COUNT' && fn !== 'COUNT_DISTINCT' && chance(0.7)) clauses.push(`FILL ${pick(NUMERIC_FILLS)}`);
      if (chance(0.6)) clauses.push(`SCALE ${pick(SCALES)}`);
    } else {
      kind = 'latest';
      const shape = int(0, 5);
      if (shape <= 1 && numeric.length > 0) {
        const col = pick(numeric);
        value = col;
        label = `last_${col}`;
        if (chance(0.7)) clauses.push(`FILL ${pick(NUMERIC_FILLS)}`);
        if (chance(0.6)) clauses.push(`SCALE ${pick(SCALES)}`);
      } else if (shape === 2 && texts.length > 0) {
        const col = pick(texts);
        value = col;
        label = `last_${col}`;
        if (chance(0.5)) clauses.push(`FILL 'unknown'`);
        clauses.push(chance(0.5) ? `ONE_HOT TOP ${int(3, 20)}` : `ONE_HOT (${CATEGORIES.slice(0, int(2, 6)).map(quote).join(', ')})`);
      } else if (shape === 3 && relation.columns.get('amount') === 'DOUBLE') {
        value = `CASE WHEN amount >= 500 THEN 'high' WHEN amount >= 50 THEN 'medium' ELSE 'low' END`;
        label = 'amount_band';
        clauses.push(`ONE_HOT ('high', 'medium', 'low')`);
      } else if (shape === 4 && numeric.length >= 2) {
        const [a, b] = [pick(numeric), pick(numeric)];
        value = `COALESCE(${a}, 0) * 2 + ABS(COALESCE(${b}, 0)) / 10`;
        label = `mix_${a}_${b}`;
        if (chance(0.6)) clauses.push(`SCALE ${pick(SCALES)}`);
      } else {
        value = relation.columns.get('is_flagged') === 'BOOLEAN' ? 'COALESCE(is_flagged, FALSE)' : `${pick(numeric)} IS NULL`;
        label = 'flagged';
        if (chance(0.5)) clauses.push('ONE_HOT (TRUE, FALSE)');
      }
      if (hasTime && chance(0.7)) clauses.push(`TTL ${pick(TTLS)}`);
    }
    const metaText = meta(`${kind === 'agg' ? 'Aggregate' : 'Latest value'} of ${relation.name} per ${entity.name}`).trim();
    if (metaText) clauses.push(...metaText.split('\n  '));
    // Clauses after AS may come in any order.
    for (let j = clauses.length - 1; j > 0; j--) {
      const k = Math.floor(rand() * (j + 1));
      [clauses[j], clauses[k]] = [clauses[k]!, clauses[j]!];
    }
    const name = bump ? previous.name : `${entity.name}_${label}_${i}`;
    const version = bump ? ' VERSION 2' : chance(0.1) ? ' VERSION 1' : '';
    const needsOn = !entity.keys.every((k) => relation.columns.has(k.name));
    if (needsOn) throw new Error(`generator bug: ${relation.name} lacks the keys of ${entity.name}`);
    featureTexts.push(
      `CREATE FEATURE ${name}${version}\n  ENTITY ${entity.name} FROM ${relation.name}\n  AS ${value}${clauses.map((c) => `\n  ${c}`).join('')};\n`,
    );
    if (bump) features[features.length - 1] = { ...previous, versions: 2 };
    else features.push({ name, entity, relation, versions: 1 });
  }

  // ---- labels and training sets ----------------------------------------------------
  const labelCount = Math.max(1, Math.round(featureCount / 500));
  const labelTexts: string[] = [];
  const labels: { name: string; relation: Relation; entity: Entity }[] = [];
  for (let i = 0; i < labelCount; i++) {
    const relation = eventSources[(i * 11) % eventSources.length]!;
    const entity = relation.entities[0]!;
    const name = `is_${pick(['fraud', 'churn', 'chargeback', 'default', 'abuse'])}_${i}`;
    const where = chance(0.5) ? '\n  WHERE amount IS NOT NULL' : '';
    labelTexts.push(`CREATE LABEL ${name}\n  ENTITY ${entity.name} FROM ${relation.name}\n  AS COALESCE(is_flagged, FALSE)${where}${meta('Whether the event was confirmed bad')};\n`);
    labels.push({ name, relation, entity });
  }
  const trainingCount = Math.max(1, Math.round(featureCount / 200));
  const byEntity = new Map<string, FeatureDef[]>();
  for (const f of features) {
    const list = byEntity.get(f.entity.name);
    if (list) list.push(f);
    else byEntity.set(f.entity.name, [f]);
  }
  const eligibleCache = new Map<string, FeatureDef[]>();
  for (let i = 0; i < trainingCount; i++) {
    const label = labels[i % labels.length]!;
    // Features of the entities whose keys the label's relation carries; entities
    // that share a key column name (customer and customer_merchant) are not mixed:
    // the checker reports their keys as two output columns of one name (E0604).
    const entities: Entity[] = [];
    for (const e of label.relation.entities) {
      if (entities.every((x) => x.keys.every((k) => e.keys.every((l) => l.name !== k.name)))) entities.push(e);
    }
    const cacheKey = entities.map((e) => e.name).join(',');
    let eligible = eligibleCache.get(cacheKey);
    if (!eligible) eligibleCache.set(cacheKey, (eligible = entities.flatMap((e) => byEntity.get(e.name) ?? [])));
    const chosen = new Set<FeatureDef>();
    const want = Math.min(eligible.length, int(10, 40));
    while (chosen.size < want) chosen.add(eligible[int(0, eligible.length - 1)]!);
    const refs = [...chosen].map((f) => (f.versions === 2 && chance(0.5) ? `${f.name} VERSION ${pick([1, 2])}` : f.name));
    const sample = chance(0.5) ? `\n  SAMPLE ${pick([10, 25, 50, 100])} PERCENT SEED ${int(1, 999)}` : '';
    labelTexts.push(
      `CREATE TRAINING SET model_${i}${chance(0.3) ? ' VERSION 1' : ''}\n  LABEL ${label.name}\n  FEATURES (\n    ${refs.join(',\n    ')}\n  )${sample}${meta('Training data')};\n`,
    );
  }

  // ---- files ---------------------------------------------------------------------
  const files: ProjectFile[] = [];
  const chunked = (prefix: string, header: string, texts: string[]): void => {
    for (let i = 0; i < texts.length; i += PER_FILE) {
      const part = Math.floor(i / PER_FILE);
      files.push({ path: `${prefix}${texts.length > PER_FILE ? `_${String(part).padStart(3, '0')}` : ''}.fsql`, text: `-- ${header}\n\n${texts.slice(i, i + PER_FILE).join('\n')}` });
    }
  };
  files.push({ path: 'entities.fsql', text: `-- Entities.\n\n${entityText}` });
  chunked('sources', 'Sources (generated).', sourceTexts);
  chunked('views', 'Views (generated).', viewTexts);
  chunked('features/features', 'Features (generated).', featureTexts);
  chunked('training', 'Labels and training sets (generated).', labelTexts);

  return {
    files,
    counts: {
      entities: ENTITIES.length,
      sources: sourceCount,
      views: viewCount,
      features: featureCount,
      labels: labelCount,
      trainingSets: trainingCount,
      statements: ENTITIES.length + sourceCount + viewCount + featureCount + labelTexts.length,
    },
    bytes: files.reduce((n, f) => n + Buffer.byteLength(f.text, 'utf8'), 0),
  };
}
