/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4),
 * written from the format's description, for the tests of `GET /metrics`:
 * it refuses what a scraper would choke on (a sample before its TYPE, a bad
 * name, label or value, a series twice, a histogram whose buckets are not
 * cumulative or whose +Inf bucket is not its count, no final newline).
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, line: number): number {
  // As Prometheus reads them (Go's ParseFloat): NaN and Inf in any case (prom-client writes `Nan`).
  const lower = text.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (lower === 'nan') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: ${JSON.stringify(text)} is not a sample value`);
  return Number(text);
}

/** Label set `{a="x",b="y"}` starting at `i` (after the name); returns the labels and the index after `}`. */
function parseLabels(s: string, i: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  i++; // {
  for (;;) {
    if (s[i] === '}') return { labels, end: i + 1 };
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${line}: a label without =`);
    const name = s.slice(i, eq);
    if (!LABEL.test(name) || name.startsWith('__')) throw new Error(`line ${line}: ${JSON.stringify(name)} is not a label name`);
    if (Object.hasOwn(labels, name)) throw new Error(`line ${line}: label ${name} given twice`);
    if (s[eq + 1] !== '"') throw new Error(`line ${line}: the value of label ${name} is not quoted`);
    let j = eq + 2;
    let value = '';
    for (;;) {
      const c = s[j];
      if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const n = s[j + 1];
        if (n === '\\') value += '\\';
        else if (n === '"') value += '"';
        else if (n === 'n') value += '\n';
        else throw new Error(`line ${line}: bad escape \\${n}`);
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (s[i] === ',') i++;
    else if (s[i] !== '}') throw new Error(`line ${line}: expected , or } after label ${name}`);
  }
}

/** The families of a scrape, by name. */
export function parsePrometheus(text: string): Map<string, Family> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the text does not end with a newline');
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  const series = new Set<string>();
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!m) return; // a comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`line ${line}: ${JSON.stringify(name)} is not a metric name`);
      if (kind === 'HELP') {
        if (helps.has(name)) throw new Error(`line ${line}: HELP of ${name} twice`);
        helps.set(name, rest);
      } else {
        if (!TYPES.has(rest)) throw new Error(`line ${line}: ${JSON.stringify(rest)} is not a metric type`);
        if (families.has(name)) throw new Error(`line ${line}: TYPE of ${name} twice`);
        families.set(name, { name, type: rest as MetricType, help: helps.get(name) ?? '', samples: [] });
      }
      return;
    }
    const nameEnd = raw.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`line ${line}: not a sample: ${raw}`);
    const name = raw.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`line ${line}: ${JSON.stringify(name)} is not a metric name`);
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (raw[i] === '{') ({ labels, end: i } = parseLabels(raw, i, line));
    if (raw[i] !== ' ') throw new Error(`line ${line}: expected a space before the value`);
    const parts = raw.slice(i + 1).split(' ');
    if (parts.length > 2 || (parts.length === 2 && !/^-?\d+$/.test(parts[1]!))) throw new Error(`line ${line}: expected a value and an optional timestamp`);
    const value = parseValue(parts[0]!, line);
    const family =
      families.get(name) ??
      [...families.values()].find((f) => (f.type === 'histogram' && /_(bucket|sum|count)$/.test(name) && name.replace(/_(bucket|sum|count)$/, '') === f.name) || (f.type === 'summary' && /_(sum|count)$/.test(name) && name.replace(/_(sum|count)$/, '') === f.name));
    if (!family) throw new Error(`line ${line}: sample ${name} before (or without) its TYPE line`);
    if (family.type === 'histogram' && name === `${family.name}_bucket` && labels['le'] === undefined) throw new Error(`line ${line}: a bucket without le`);
    const id = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(id)) throw new Error(`line ${line}: series ${id} twice`);
    series.add(id);
    family.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, { le: number; value: number }[]>();
  const key = (labels: Readonly<Record<string, string>>) => JSON.stringify(Object.entries(labels).filter(([k]) => k !== 'le').sort());
  for (const s of f.samples) {
    if (s.name !== `${f.name}_bucket`) continue;
    const list = groups.get(key(s.labels)) ?? [];
    list.push({ le: parseValue(s.labels['le']!, 0), value: s.value });
    groups.set(key(s.labels), list);
  }
  for (const [k, buckets] of groups) {
    buckets.sort((a, b) => a.le - b.le);
    for (let i = 1; i < buckets.length; i++) if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${f.name}${k}: buckets are not cumulative`);
    const inf = buckets[buckets.length - 1]!;
    if (inf.le !== Number.POSITIVE_INFINITY) throw new Error(`${f.name}${k}: no +Inf bucket`);
    const count = f.samples.find((s) => s.name === `${f.name}_count` && key(s.labels) === k);
    if (!count || count.value !== inf.value) throw new Error(`${f.name}${k}: _count is not the +Inf bucket`);
  }
}

/** The value of one series (0 when absent: a counter not incremented yet). */
export function sampleValue(families: Map<string, Family>, name: string, labels: Readonly<Record<string, string>> = {}): number {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      const keys = Object.keys(labels);
      if (keys.length === Object.keys(s.labels).length && keys.every((k) => s.labels[k] === labels[k])) return s.value;
    }
  }
  return 0;
}
