/**
 * Hovers, as Markdown: what a name is (an entity's keys, a relation's
 * columns, a column's type, a feature's definition, entity and output
 * columns), or the type of the expression under the cursor. When the project
 * has been applied (`.fsql/registry.db` exists), a feature version's fitted
 * parameters and statistics summary come from the registry, opened read-only.
 */
import { existsSync } from 'node:fs';
import type { Catalog, ColumnInfo, FeatureInfo, TExpr, TSelect } from '../check/catalog.js';
import { findVersion, keyOf } from '../check/catalog.js';
import { subExpressions } from '../check/expressions.js';
import type * as A from '../syntax/ast.js';
import { formatStatement } from '../syntax/format.js';
import { openRegistry, registryPath } from '../store/registry/registry.js';
import type { Span } from '../diagnostics/diagnostic.js';
import { occurrencesAt, type Occurrence, type SymbolIndex } from './symbols.js';

export interface Hover {
  readonly markdown: string;
  readonly span: Span;
}

export async function hover(index: SymbolIndex, catalog: Catalog, statements: readonly A.Statement[], root: string, file: string, offset: number): Promise<Hover | undefined> {
  const at = occurrencesAt(index, file, offset)[0];
  if (at) {
    const markdown = await describe(at, catalog, statements, root);
    if (markdown) return { markdown, span: at.span };
  }
  const e = expressionAt(catalog, file, offset);
  if (e) return { markdown: `expression: \`${e.type}\`${e.type === 'NULL' ? '' : e.nullable ? ' (may be NULL)' : ' NOT NULL'}`, span: e.span };
  return undefined;
}

function code(text: string): string {
  return `\`\`\`fsql\n${text}\n\`\`\``;
}

function columnLine(c: ColumnInfo): string {
  return `- \`${c.name}\` ${c.type}${c.nullable ? '' : ' NOT NULL'}`;
}

async function describe(o: Occurrence, catalog: Catalog, statements: readonly A.Statement[], root: string): Promise<string | undefined> {
  const [, rest] = [o.symbol.slice(0, o.symbol.indexOf(':')), o.symbol.slice(o.symbol.indexOf(':') + 1)];
  switch (o.kind) {
    case 'entity': {
      const e = catalog.entities[rest];
      if (!e) return `unknown entity \`${o.name}\``;
      return [`**entity** \`${e.name}\``, e.description ?? '', `key: ${e.keys.map((k) => `\`${k.name}\` ${k.type}`).join(', ')}`].filter(Boolean).join('\n\n');
    }
    case 'key': {
      const [entity, key] = rest.split('.') as [string, string];
      const k = catalog.entities[entity]?.keys.find((c) => keyOf(c.name) === key);
      return k ? `**key column** \`${k.name}\` ${k.type} of entity \`${catalog.entities[entity]!.name}\`` : undefined;
    }
    case 'relation': {
      const r = catalog.relations[rest];
      if (!r) return `unknown source or view \`${o.name}\``;
      const origin =
        r.kind === 'source' ? (r.origin.kind === 'file' ? `FILE '${r.origin.path}' (${r.origin.format})` : r.origin.kind === 'table' ? `TABLE ${r.origin.name.join('.')}` : r.origin.kafka ? `STREAM from KAFKA TOPIC '${r.origin.kafka.topic}'` : 'STREAM') : `view over ${r.dependsOn.map((d) => `\`${d}\``).join(', ')}`;
      return [
        `**${r.kind}** \`${r.name}\` — ${origin}${r.eventTime ? ` · EVENT TIME \`${r.eventTime}\`` : ' · no event time (a dimension)'}`,
        r.description ?? '',
        r.columns.map(columnLine).join('\n'),
      ]
        .filter(Boolean)
        .join('\n\n');
    }
    case 'column': {
      const [relation, column] = rest.split('.') as [string, string];
      const r = catalog.relations[relation];
      const c = r?.columns.find((x) => keyOf(x.name) === column);
      if (!r || !c) return undefined;
      return `**column** \`${c.name}\` \`${c.type}\`${c.nullable ? ' (may be NULL)' : ' NOT NULL'} — of ${r.kind} \`${r.name}\`${r.eventTime && keyOf(r.eventTime) === column ? ' (its event time)' : ''}`;
    }
    case 'feature':
      return describeFeature(o, catalog, statements, root);
    case 'label': {
      const l = findVersion(catalog.labels[rest], o.version);
      const s = statementOf(statements, o);
      if (!l) return s ? code(formatStatement(s)) : undefined;
      return [`**label** \`${l.name}\` VERSION ${l.version}: \`${l.type}\` — entity \`${l.key.entity}\` from \`${l.relation}\``, l.description ?? '', s ? code(formatStatement(s)) : ''].filter(Boolean).join('\n\n');
    }
    case 'training_set': {
      const t = findVersion(catalog.trainingSets[rest], o.version);
      if (!t) return undefined;
      return [
        `**training set** \`${t.name}\` VERSION ${t.version} — label \`${t.label.name}\` VERSION ${t.label.version}${t.sample ? ` · SAMPLE ${t.sample.percent} PERCENT SEED ${t.sample.seed}` : ''}`,
        t.description ?? '',
        t.features.map((f) => `- \`${f.name}\` VERSION ${f.version}`).join('\n'),
      ]
        .filter(Boolean)
        .join('\n\n');
    }
  }
}

function statementOf(statements: readonly A.Statement[], o: Occurrence): A.Statement | undefined {
  const kind = o.symbol.slice(0, o.symbol.indexOf(':'));
  const name = o.symbol.slice(o.symbol.indexOf(':') + 1);
  const all = statements.filter((s) => s.kind === kind && keyOf(s.name.text) === name);
  const version = o.version ?? Math.max(...all.map((s) => ('version' in s && s.version ? s.version.value : 1)));
  return all.find((s) => ('version' in s && s.version ? s.version.value : 1) === version);
}

function outputColumns(f: FeatureInfo, fitted: readonly string[] | undefined): string {
  if (f.encoding?.kind === 'one_hot_values') return f.encoding.columns.map((c) => `- \`${c}\` INTEGER (0 or 1)`).join('\n');
  if (f.encoding?.kind === 'one_hot_top') {
    return fitted && fitted.length > 0 ? fitted.map((c) => `- \`${c}\` INTEGER (0 or 1)`).join('\n') : `- ${f.encoding.top} columns \`${f.name}_<value>\` INTEGER (0 or 1), named after the values the fit finds`;
  }
  return `- \`${f.name}\` ${f.outputType}`;
}

async function describeFeature(o: Occurrence, catalog: Catalog, statements: readonly A.Statement[], root: string): Promise<string | undefined> {
  const name = o.symbol.slice('feature:'.length);
  const f = findVersion(catalog.features[name], o.version);
  const s = statementOf(statements, o);
  if (!f) return s ? `**feature** \`${o.name}\` (does not check)\n\n${code(formatStatement(s))}` : `unknown feature \`${o.name}\``;
  const registered = await fromRegistry(root, f);
  const out = [
    `**feature** \`${f.name}\` VERSION ${f.version} — entity \`${f.key.entity}\` from \`${f.relation}\` (${f.mode === 'aggregate' ? `an aggregate${f.window ? ` over ${f.window.amount} ${f.window.unit.toLowerCase()}${f.window.amount === 1 ? '' : 's'}` : ''}` : 'the latest value'})`,
    f.description ?? '',
    s ? code(formatStatement(s)) : '',
    `**output** (raw value ${f.rawType}):\n${outputColumns(f, registered?.columns)}`,
    registered?.markdown ?? '',
  ];
  return out.filter(Boolean).join('\n\n');
}

const number = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, ''));

/** What the registry holds for a feature version: its fit and statistics, as Markdown. */
async function fromRegistry(root: string, f: FeatureInfo): Promise<{ markdown: string; columns?: readonly string[] } | undefined> {
  const path = registryPath(root);
  if (!existsSync(path)) return undefined;
  let registry;
  try {
    registry = await openRegistry(path, { readonly: true });
  } catch (e) {
    return { markdown: `registry: cannot read \`.fsql/registry.db\` (${e instanceof Error ? e.message : String(e)})` };
  }
  try {
    const state = await registry.fitState(f.name, f.version);
    if (state === undefined) return { markdown: `**registry**: VERSION ${f.version} is not applied yet (\`fsql apply\`)` };
    const lines: string[] = [];
    let columns: readonly string[] | undefined;
    if (state === 'awaiting') lines.push('**fit**: awaiting its fit (its population was empty when applied; `fsql fit`)');
    if (state === 'not_needed') lines.push('**fit**: nothing to fit (no fitted FILL, SCALE or ONE_HOT TOP)');
    const p = state === 'fitted' ? await registry.fittedParameters(f.name, f.version) : undefined;
    if (p) {
      columns = p.columns;
      lines.push(
        `**fitted parameters** (over ${p.count} values): mean ${number(p.mean)}, stddev ${number(p.stddev)}, min ${number(p.min)}, q1 ${number(p.q1)}, median ${number(p.median)}, q3 ${number(p.q3)}, max ${number(p.max)}, mode ${p.mode === null ? '—' : JSON.stringify(p.mode)}${p.vocabulary.length > 0 ? `, vocabulary ${p.vocabulary.map((v) => JSON.stringify(v)).join(', ')}` : ''}`,
      );
    }
    const st = await registry.statistics(f.name, f.version);
    if (st) {
      lines.push(
        `**statistics**: ${st.count} values, ${st.nulls} NULL, ${st.distinct} distinct; mean ${number(st.mean)}, stddev ${number(st.stddev)}, min ${number(st.min)}, median ${number(st.median)}, max ${number(st.max)}${st.topValues.length > 0 ? `; top: ${st.topValues.slice(0, 5).map((t) => `${JSON.stringify(t.value)} (${t.count})`).join(', ')}` : ''}`,
      );
    }
    return { markdown: lines.join('\n\n'), ...(columns ? { columns } : {}) };
  } finally {
    await registry.close();
  }
}

// ---------------------------------------------------------------------------
// Types of expressions

/** The innermost typed expression of a file holding the offset. */
function expressionAt(catalog: Catalog, file: string, offset: number): TExpr | undefined {
  let best: TExpr | undefined;
  const visit = (e: TExpr | undefined): void => {
    if (!e || e.span.file !== file || offset < e.span.start || offset > e.span.end) return;
    if (!best || e.span.end - e.span.start <= best.span.end - best.span.start) best = e;
    for (const child of subExpressions(e)) visit(child);
  };
  for (const versions of Object.values(catalog.features)) for (const f of versions) if (f.file === file) (visit(f.value), visit(f.where));
  for (const versions of Object.values(catalog.labels)) for (const l of versions) if (l.file === file) (visit(l.value), visit(l.where));
  for (const r of Object.values(catalog.relations)) if (r.kind === 'view' && r.file === file) selectExprs(r.query).forEach(visit);
  return best;
}

function selectExprs(q: TSelect): TExpr[] {
  return [...q.items.map((i) => i.expr), ...q.joins.map((j) => j.on), ...(q.where ? [q.where] : []), ...q.groupBy, ...(q.having ? [q.having] : [])];
}

