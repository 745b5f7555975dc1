/** Prints a plan as a readable tree (`fsql compile --explain`). */
import type { TExpr, TSelect } from '../check/catalog.js';
import type { EntitySpine, LabelSpine, Lookup, Plan, RelationAccess, RowsSpine, TimeValue, TransformStep } from './ir.js';
import { isoTimestamp } from '../values/time.js';

export function explainExpr(e: TExpr): string {
  switch (e.kind) {
    case 'literal':
      return e.value === null ? 'NULL' : typeof e.value === 'string' ? `'${e.value.replace(/'/g, "''")}'` : String(e.value).toUpperCase() === 'TRUE' || String(e.value).toUpperCase() === 'FALSE' ? String(e.value).toUpperCase() : String(e.value);
    case 'column':
      return e.relation ? `${e.relation}.${e.column}` : e.column;
    case 'unary':
      return e.op === 'NOT' ? `NOT ${explainExpr(e.operand)}` : `${e.op}${explainExpr(e.operand)}`;
    case 'binary':
      return `(${explainExpr(e.left)} ${e.op} ${explainExpr(e.right)})`;
    case 'is_null':
      return `${explainExpr(e.operand)} IS ${e.negated ? 'NOT ' : ''}NULL`;
    case 'in':
      return `${explainExpr(e.operand)} ${e.negated ? 'NOT ' : ''}IN (${e.list.map(explainExpr).join(', ')})`;
    case 'between':
      return `${explainExpr(e.operand)} ${e.negated ? 'NOT ' : ''}BETWEEN ${explainExpr(e.low)} AND ${explainExpr(e.high)}`;
    case 'like':
      return `${explainExpr(e.operand)} ${e.negated ? 'NOT ' : ''}LIKE ${explainExpr(e.pattern)}`;
    case 'case':
      return `CASE${e.operand ? ` ${explainExpr(e.operand)}` : ''} ${e.whens.map((w) => `WHEN ${explainExpr(w.when)} THEN ${explainExpr(w.then)}`).join(' ')}${e.else ? ` ELSE ${explainExpr(e.else)}` : ''} END`;
    case 'cast':
      return `CAST(${explainExpr(e.operand)} AS ${e.to})`;
    case 'extract':
      return `EXTRACT(${e.part} FROM ${explainExpr(e.operand)})`;
    case 'call':
      return `${e.fn}(${e.args.map(explainExpr).join(', ')})`;
    case 'aggregate':
      return `${e.fn}(${e.distinct ? 'DISTINCT ' : ''}${e.arg ? explainExpr(e.arg) : '*'})`;
  }
}

function time(t: TimeValue): string {
  return t.kind === 'time_param' ? `:${t.name}` : isoTimestamp(t.micros);
}

function duration(seconds: number): string {
  for (const [unit, s] of [['WEEK', 604800], ['DAY', 86400], ['HOUR', 3600], ['MINUTE', 60]] as const) {
    if (seconds % s === 0) return `${seconds / s} ${unit}${seconds / s === 1 ? '' : 'S'}`;
  }
  return `${seconds} SECONDS`;
}

function spineLines(s: LabelSpine | EntitySpine | RowsSpine): string[] {
  if (s.kind === 'rows_spine') {
    return [`RowsSpine from ${s.table} in order of ${s.rowColumn}`, `  keys: ${s.keys.map((k) => k.name).join(', ')}`, `  time: ${s.time.column}`];
  }
  if (s.kind === 'label_spine') {
    return [
      `LabelSpine ${s.label.name} v${s.label.version} from ${s.relation}`,
      `  keys: ${s.keys.map((k) => (k.name === k.column ? k.name : `${k.name} ← ${k.column}`)).join(', ')}`,
      `  time: ${s.time.kind === 'column' ? s.time.column : time(s.time.value)}`,
      `  label: ${explainExpr(s.value)}${s.where ? `  where ${explainExpr(s.where)}` : ''}`,
      ...(s.sample ? [`  sample: ${s.sample.percent}% seed ${s.sample.seed}`] : []),
    ];
  }
  return [
    `EntitySpine ${s.entity} as of ${time(s.time)}`,
    `  keys: ${s.keys.map((k) => k.name).join(', ')}`,
    ...s.from.map((a) => `  keys found in ${a.relation}(${a.keyColumns.join(', ')})${a.eventTime ? ` where ${availableAt(a)} <= t` : ''}`),
  ];
}

/** When a relation's row becomes available: its event time, plus the AVAILABLE delay. */
function availableAt(a: RelationAccess): string {
  return `${a.eventTime!.column}${a.availableAfterSeconds ? ` + ${duration(a.availableAfterSeconds)}` : ''}`;
}

function lookupLines(l: Lookup): string[] {
  const on = l.access.keyColumns.map((c, i) => `${c} = ${l.spineKeys[i]}`).join(' AND ');
  const head =
    l.kind === 'latest'
      ? `Latest ${l.id} = ${explainExpr(l.value)}`
      : `Aggregate ${l.id} = ${explainExpr(l.value)}`;
  // The tie order (docs/semantics.md §3) without the key columns, which the tied rows share.
  const ties = `ties to the greatest (${(l.tieOrder ?? []).filter((c) => !l.access.keyColumns.includes(c.column)).map((c) => c.column).join(', ')})`;
  const at = l.access.eventTime ? availableAt(l.access) : '';
  const upTo = l.strictlyBefore ? '<' : '<=';
  const timing = !l.access.eventTime
    ? `dimension (no time)${l.kind === 'latest' ? `, ${ties}` : ''}`
    : l.kind === 'latest'
      ? `latest ${at} ${upTo} t, ${ties}${l.ttlSeconds ? `, TTL ${duration(l.ttlSeconds)}` : ''}`
      : l.windowSeconds
        ? `${at} in (t - ${duration(l.windowSeconds)}, t${l.strictlyBefore ? ')' : ']'}`
        : `${at} ${upTo} t`;
  return [
    `${head}   -- ${l.feature.name} v${l.feature.version}: ${l.rawType}`,
    `  from ${l.access.relation} on ${on}`,
    `  ${timing}`,
    ...(l.where ? [`  where ${explainExpr(l.where)}`] : []),
  ];
}

function transformLines(t: TransformStep): string[] {
  const steps: string[] = [];
  if (t.fill) steps.push(`fill NULL with ${typeof t.fill.value === 'string' ? `'${t.fill.value}'` : String(t.fill.value)}`);
  if (t.scale?.kind === 'log') steps.push('scale: sign(x)·ln(1+|x|)');
  else if (t.scale) steps.push(`scale ${t.scale.method}: (x - ${t.scale.center}) / ${t.scale.divisor}`);
  if (t.oneHot) steps.push(`one-hot over ${t.oneHot.values.length} values`);
  if (t.unfitted) steps.push('parameters fitted by `fsql apply`');
  return [`Transform ${t.lookup} → ${t.outputs.map((o) => o.name).join(', ')}${steps.length ? `: ${steps.join('; ')}` : ''}`];
}

function selectLines(q: TSelect): string[] {
  return [
    `  select ${q.distinct ? 'DISTINCT ' : ''}${q.items.map((i) => `${explainExpr(i.expr)} AS ${i.name}`).join(', ')}`,
    `  from ${q.from.relation}${q.from.alias !== q.from.relation ? ` ${q.from.alias}` : ''}`,
    ...q.joins.map((j) => `  ${j.type} JOIN ${j.table.relation} ${j.table.alias} ON ${explainExpr(j.on)}`),
    ...(q.where ? [`  where ${explainExpr(q.where)}`] : []),
    ...(q.groupBy.length ? [`  group by ${q.groupBy.map(explainExpr).join(', ')}`] : []),
    ...(q.having ? [`  having ${explainExpr(q.having)}`] : []),
  ];
}

const indent = (lines: string[], by = '  '): string[] => lines.map((l) => by + l);

export function explainPlan(plan: Plan): string {
  switch (plan.kind) {
    case 'training':
      return [
        `Training ${plan.name} v${plan.version}`,
        ...indent(spineLines(plan.spine)),
        ...indent(plan.lookups.flatMap(lookupLines)),
        ...indent(plan.transforms.flatMap(transformLines)),
        `  Output ${plan.columns.map((c) => `${c.name} ${c.type}`).join(', ')}`,
      ].join('\n');
    case 'spine':
      return [
        'Spine',
        ...indent(spineLines(plan.spine)),
        ...indent(plan.lookups.flatMap(lookupLines)),
        ...indent(plan.transforms.flatMap(transformLines)),
        `  Output ${plan.columns.map((c) => `${c.name} ${c.type}`).join(', ')}`,
      ].join('\n');
    case 'materialize':
      return [
        `Materialize ${plan.entity}`,
        ...indent(spineLines(plan.spine)),
        ...indent(plan.lookups.flatMap(lookupLines)),
        ...indent(plan.transforms.flatMap(transformLines)),
        `  Output ${plan.columns.map((c) => `${c.name} ${c.type}`).join(', ')}`,
      ].join('\n');
    case 'fit':
      return [`Fit ${plan.feature.name} v${plan.feature.version}`, ...indent(spineLines(plan.spine)), ...indent(lookupLines(plan.lookup)), '  Output value, count(*) group by value'].join('\n');
    case 'view':
      return [`View ${plan.name}`, ...selectLines(plan.query)].join('\n');
  }
}
