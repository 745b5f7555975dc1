/** CREATE SOURCE: columns, origin, EVENT TIME and AVAILABLE (the last two shared with views). */
import { warning } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type * as A from '../syntax/ast.js';
import type { AvailabilityInfo, ColumnInfo, SourceInfo } from './catalog.js';
import { keyOf } from './catalog.js';
import { metadata, type ProjectChecker } from './checker.js';
import { isFailedColumn } from './expressions.js';
import { isTemporal } from './types.js';

export function checkSource(cx: ProjectChecker, s: A.SourceStatement): void {
  const columns = cx.columns(s.columns, `source \`${s.name.text}\``);
  const eventTime = checkEventTime(cx, s.eventTime, columns, `source \`${s.name.text}\``, true);
  const available = checkAvailability(cx, s.available, eventTime, s.eventTime, columns, s.name.text);
  let origin: SourceInfo['origin'];
  switch (s.origin.kind) {
    case 'file': {
      const format = s.origin.format?.value ?? formatFromPath(s.origin.path.value);
      if (!format) {
        cx.report('E0110', s.origin.path.span, `cannot tell the format of '${s.origin.path.value}' from its name`, "add FORMAT CSV, FORMAT PARQUET or FORMAT JSONL");
      }
      origin = { kind: 'file', path: s.origin.path.value, format: format ?? 'CSV' };
      break;
    }
    case 'table':
      origin = { kind: 'table', name: s.origin.name.map((n) => n.text) };
      break;
    case 'stream':
    case 'kafka':
      origin = s.origin.kind === 'kafka' ? { kind: 'stream', kafka: { topic: s.origin.topic.value, format: 'JSON' } } : { kind: 'stream' };
      if (!s.eventTime) {
        cx.report('E0305', s.origin.span, `${s.origin.kind === 'kafka' ? 'Kafka' : 'stream'} source \`${s.name.text}\` needs an EVENT TIME`, 'events are ordered by time: add EVENT TIME <column>');
      }
      break;
  }
  cx.relations[keyOf(s.name.text)] = {
    kind: 'source',
    name: s.name.text,
    columns,
    ...(eventTime ? { eventTime } : {}),
    ...(available ? { available } : {}),
    origin,
    ...metadata(s),
    file: s.span.file,
    span: s.span,
  };
}

export function checkEventTime(cx: ProjectChecker, ident: A.Identifier | undefined, columns: readonly ColumnInfo[], owner: string, warnNullable = false): string | undefined {
  if (!ident) return undefined;
  const col = columns.find((c) => keyOf(c.name) === keyOf(ident.text));
  if (!col) {
    cx.report('E0203', ident.span, `EVENT TIME names unknown column \`${ident.text}\` of ${owner}`, didYouMean(ident.text, columns.map((c) => c.name)));
    return undefined;
  }
  if (isFailedColumn(col)) return col.name; // its type is a guess: the view's own error says why
  if (!isTemporal(col.type)) {
    cx.report('E0304', ident.span, `EVENT TIME column \`${col.name}\` is ${col.type}; it must be a TIMESTAMP or DATE`, 'declare the column as TIMESTAMP, or CAST it in a view');
    return undefined;
  }
  if (col.nullable && warnNullable) {
    cx.diagnostics.push(
      warning('W0301', ident.span, `EVENT TIME column \`${col.name}\` is nullable`, `declare it \`${col.name} ${col.type} NOT NULL\`: a row without a time is never visible to features and labels`),
    );
  }
  return col.name;
}

/** A relation's AVAILABLE clause: it needs an EVENT TIME, and AT END OF DAY a DATE one. */
export function checkAvailability(cx: ProjectChecker, a: A.Availability | undefined, eventTime: string | undefined, declared: A.Identifier | undefined, columns: readonly ColumnInfo[], name: string): AvailabilityInfo | undefined {
  if (!a) return undefined;
  if (!declared) {
    cx.report('E0305', a.span, `AVAILABLE needs an EVENT TIME, and \`${name}\` has none`, `declare one: EVENT TIME <column> on \`${name}\` (rows of a relation without one are always visible)`);
    return undefined;
  }
  if (!eventTime) return undefined; // the EVENT TIME's own error says why
  if (a.kind === 'available_after') return { kind: 'after', seconds: a.duration.seconds, amount: a.duration.amount, unit: a.duration.unit };
  const type = columns.find((c) => c.name === eventTime)?.type;
  if (type !== 'DATE') {
    cx.report('E0307', a.span, `AVAILABLE AT END OF DAY needs a DATE event time, and \`${eventTime}\` is ${type}`, 'say how long after its event time a row becomes available: AVAILABLE AFTER <duration>, e.g. AVAILABLE AFTER 6 HOURS');
    return undefined;
  }
  return { kind: 'end_of_day', seconds: 86400 };
}

export function formatFromPath(path: string): A.SourceFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv') || lower.endsWith('.csv.gz')) return 'CSV';
  if (lower.endsWith('.parquet')) return 'PARQUET';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.json')) return 'JSONL';
  return undefined;
}
