/**
 * Every target compiles the example project and the focused snippets, and
 * sqlglot parses every emitted statement in that target's dialect (one
 * Python run for the whole file: see support.ts).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/check/catalog.js';
import { readProjectFiles } from '../../src/project/files.js';
import type { ValueCount } from '../../src/plan/statistics.js';
import { targetNames, type Dialect, type TargetName } from '../../src/sql/dialect.js';
import { dialects } from '../../src/sql/dialects/index.js';
import { printExpr } from '../../src/sql/compile.js';
import { checked, emitAll, fixedFits, sqlglot, type SqlglotResult } from './support.js';
import { checkText } from '../../src/check/project.js';
import { planTraining } from '../../src/plan/build.js';
import { lowerTraining } from '../../src/sql/lower-plan.js';
import { SqlPrinter } from '../../src/sql/print.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

const snippet = (name: string) => ({ path: `test/sql/snippets/${name}.fsql`, text: readFileSync(join(here, 'snippets', `${name}.fsql`), 'utf8') });

/** Projects compiled for every target: the example, and the snippets (each with the shared base). */
const PROJECTS: { name: string; catalog: () => Catalog; populations?: Record<string, ValueCount[]> }[] = [
  { name: 'examples/payments', catalog: () => checked(readProjectFiles(join(root, 'examples', 'payments'), root)) },
  { name: 'expressions', catalog: () => checked(['base', 'expressions'].map(snippet)) },
  { name: 'casts', catalog: () => checked(['base', 'casts'].map(snippet)) },
  { name: 'extract', catalog: () => checked(['base', 'extract'].map(snippet)) },
  { name: 'views', catalog: () => checked(['base', 'views'].map(snippet)) },
  { name: 'availability', catalog: () => checked(['base', 'availability'].map(snippet)) },
  {
    name: 'features',
    catalog: () => checked(['base', 'features', 'transforms', 'training'].map(snippet)),
    // One value: stddev and range 0. None: every statistic NULL.
    populations: { f_const: [{ value: 4.5, count: 3 }], f_empty: [] },
  },
];

const targets = Object.keys(dialects) as TargetName[];

interface Compiled {
  readonly target: TargetName;
  readonly project: string;
  readonly what: string;
  readonly sql?: string;
  readonly error?: string;
}

function compileAll(): Compiled[] {
  const out: Compiled[] = [];
  for (const project of PROJECTS) {
    const catalog = project.catalog();
    const fitted = fixedFits(catalog, project.populations);
    for (const target of targets) {
      try {
        for (const s of emitAll(catalog, dialects[target]!, fitted)) out.push({ target, project: project.name, what: s.what, sql: s.sql });
      } catch (e) {
        out.push({ target, project: project.name, what: 'compile', error: e instanceof Error ? e.stack ?? e.message : String(e) });
      }
    }
  }
  return out;
}

let compiled: Compiled[] = [];
let parsed: SqlglotResult[] = [];
const parsedFor = new Map<Compiled, SqlglotResult>();

/** Set when compiling or running sqlglot failed: every test then fails with it (a missing Python or sqlglot must fail, not skip). */
let setupError: unknown;

beforeAll(() => {
  try {
    compiled = compileAll();
    const withSql = compiled.filter((c) => c.sql !== undefined);
    parsed = sqlglot(withSql.map((c) => ({ dialect: c.target, sql: c.sql! })));
    withSql.forEach((c, i) => parsedFor.set(c, parsed[i]!));
  } catch (e) {
    setupError = e;
  }
});

const of = (target: TargetName, project?: string) => {
  if (setupError) throw setupError;
  return compiled.filter((c) => c.target === target && (project === undefined || c.project === project));
};

function failures(target: TargetName, project: string): string[] {
  return of(target, project).flatMap((c) => {
    if (c.error) return [`${c.what}: ${c.error}`];
    // A literal the lowering handed over in the wrong representation (e.g. text for epoch micros).
    if (/NaN|undefined|\[object /.test(c.sql!)) return [`${c.what}: a value printed as NaN/undefined\n${c.sql}`];
    const r = parsedFor.get(c)!;
    return r.ok ? [] : [`${c.what}: ${r.error}\n${c.sql}`];
  });
}

it('has a dialect for every target', () => {
  expect([...targets].sort()).toEqual([...targetNames].sort());
  for (const t of targetNames) expect(dialects[t]!.name).toBe(t);
});

describe.each(targets)('%s', (target) => {
  it.each(PROJECTS.map((p) => p.name))('compiles %s to SQL that sqlglot parses', (project) => {
    const mine = of(target, project);
    expect(mine.length).toBeGreaterThan(0);
    expect(failures(target, project)).toEqual([]);
  });

  it('emits a statement for every plan of the example project', () => {
    const whats = of(target, 'examples/payments').map((c) => c.what.split(' ')[0]);
    for (const kind of ['view', 'training', 'materialize', 'fit']) expect(whats).toContain(kind);
  });
});

// ---- what each target is meant to print --------------------------------------------

const sqlOf = (target: TargetName, project: string, what: string): string => {
  const c = of(target, project).find((x) => x.what === what);
  if (!c?.sql) throw new Error(`no SQL for ${target} ${project} ${what}`);
  return c.sql;
};
const d = (t: TargetName): Dialect => dialects[t]!;

describe('strategies', () => {
  it.each(['postgres', 'mysql'] as const)('%s looks values up with correlated subqueries (index probes)', (t) => {
    // PostgreSQL's windowed aggregates: one LATERAL subquery per spine row and lookup group, measured faster (bench/engines.ts, docs/targets.md).
    expect(d(t).strategies).toEqual({ latest: 'correlated', aggregate: t === 'postgres' ? 'lateral' : 'correlated' });
    const sql = sqlOf(t, 'examples/payments', 'training fraud_detection v1');
    expect(sql).toContain('__stage2');
    if (t === 'postgres') expect(sql).toContain('LEFT JOIN LATERAL (');
    expect(sql).not.toMatch(/ASOF|OVER \(PARTITION BY/);
  });

  it.each(['spark', 'bigquery', 'snowflake', 'trino'] as const)('%s uses window functions, running totals and range joins', (t) => {
    // Spark's windowed aggregates: range joins, measured faster than running totals there (docs/targets.md).
    expect(d(t).strategies).toEqual(t === 'spark' ? { latest: 'window', aggregate: 'join', foldWhere: true } : { latest: 'window', aggregate: 'prefix' });
    const sql = sqlOf(t, 'features', 'training sampled v1');
    expect(sql).toMatch(/MAX\(.*\) OVER \(PARTITION BY .* ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW\)/);
    expect(sql).toContain('UNION ALL');
    expect(sql).not.toContain('__stage2');
  });
});

describe('foldWhere', () => {
  // Spark: windowed aggregates of one relation that differ in their WHERE share one range join (bench/engines.ts,
  // docs/offline-engines.md): 37 s → 30 s at 1M events. Values: test/differential/training.property.test.ts.
  const text = `
CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE events (user_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE SOURCE labels (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL, y BOOLEAN) FROM STREAM EVENT TIME ts;
CREATE FEATURE n_1d ENTITY user FROM events AS COUNT(*) WINDOW 1 DAY;
CREATE FEATURE big_30d ENTITY user FROM events AS SUM(amount) WHERE amount > 100 WINDOW 30 DAYS;
CREATE LABEL y ENTITY user FROM labels AS y;
CREATE TRAINING SET t LABEL y FEATURES (n_1d, big_30d);
`;
  const sqlWith = (foldWhere: boolean) => {
    const r = checkText(text, 'fold.fsql');
    expect(r.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
    const dialect: Dialect = { ...d('spark'), strategies: { ...d('spark').strategies, foldWhere } };
    return new SqlPrinter(dialect).statement(lowerTraining(planTraining(r.catalog, 't', () => undefined), dialect));
  };
  it('reads a relation once for aggregates with different WHEREs, each WHERE inside its aggregate', () => {
    const folded = sqlWith(true);
    expect(folded.match(/JOIN `events`/g)).toHaveLength(1);
    expect(folded).toMatch(/SUM\(CASE WHEN `events`.`amount` > 100 THEN `events`.`amount` END\)/);
    expect(sqlWith(false).match(/JOIN `events`/g)).toHaveLength(2);
  });
  it('asks Spark for a sort-merge join on the key, grouped by key and spine row', () => {
    const sql = sqlWith(true);
    expect(sql).toContain('SELECT /*+ MERGE(`__s`) */');
    expect(sql).toContain('GROUP BY `__s`.`__k0`, `__s`.`__rid`');
  });
});

describe('spellings', () => {
  it('compares text by code points where the default collation is linguistic', () => {
    const pg = sqlOf('postgres', 'expressions', 'view expressions');
    expect(pg).toContain(`("events"."s" COLLATE "C") < ("events"."p" COLLATE "C")`);
    // MySQL: text columns have a binary no-pad collation (the mysql engine creates them so): compared bare, so that
    // their indexes serve joins (issue 12 item 4); other text expressions are compared as bytes.
    const my = sqlOf('mysql', 'expressions', 'view expressions');
    expect(my).toContain('`events`.`s` < `events`.`p`');
    expect(my).not.toContain('CAST(`events`.`s` AS BINARY)');
    expect(printExpr('mysql', { k: 'binary_text', e: { k: 'fn', name: 'LOWER', args: [{ k: 'col', table: 'events', name: 's' }] } })).toBe('CAST(LOWER(`events`.`s`) AS BINARY)');
    expect(printExpr('mysql', { k: 'binary_text', e: { k: 'lit', value: 'a', type: 'TEXT' } })).toBe("'a'");
    expect(sqlOf('mysql', 'views', 'view per_account')).toContain('CONVERT(MAX(`events`.`s`) USING utf8mb4)');
    for (const t of ['spark', 'bigquery', 'snowflake', 'trino'] as const) expect(d(t).binaryText('x')).toBe('x');
  });

  it('breaks ties of latest rows by the relation\'s columns, NULLs last and text by code points, spelled out on every target', () => {
    // events' columns in declared order without the key (account_id) and the event time (ts).
    const columns: [string, boolean][] = [['event_id', true], ['shop_id', false], ['i', false], ['j', false], ['d', false], ['s', true], ['p', true], ['b', false], ['dt', false]];
    for (const t of targets) {
      const q = d(t).quoteIdentifier;
      const order = columns
        .map(([c, text]) => {
          const e = text ? printExpr(t, { k: 'binary_text', e: { k: 'col', table: 'events', name: c } }) : `${q('events')}.${q(c)}`;
          return d(t).capabilities.nullsOrdering ? `${e} DESC NULLS LAST` : `CASE WHEN ${e} IS NULL THEN 1 ELSE 0 END, ${e} DESC`;
        })
        .join(', ');
      const sql = sqlOf(t, 'features', 'materialize account');
      // A whole materialize on an engine that joins reads each relation once, grouped by key: the rows of a key at its newest time, ranked.
      // Spark's ROW_NUMBER() is a 32-bit int: its dialect casts it to BIGINT (rowNumber).
      if (d(t).strategies.aggregate !== 'correlated') expect(sql, t).toContain(`.${q('__k0')} ORDER BY ${order})${d(t).rowNumber ? ' AS BIGINT)' : ''} AS ${q('__n')}`);
      else if (d(t).strategies.latest === 'correlated') expect(sql, t).toContain(`ORDER BY ${order}\n    LIMIT 1\n`);
      else expect(sql, t).toContain(`ROW_NUMBER() OVER (PARTITION BY ${q('events')}.${q('account_id')}, ${q('events')}.${q('ts')} ORDER BY ${order}) AS ${q('__n')}`);
      // No latest value is a MAX over tied rows any more.
      expect(sql, t).not.toMatch(/MAX\([^)]*"?`?events"?`?\.["`]?s["`]?/);
    }
  });

  it('emulates NULLS FIRST on MySQL only', () => {
    for (const t of targets) {
      const sql = sqlOf(t, 'features', 'training sampled v1');
      if (t === 'mysql') {
        expect(sql).not.toMatch(/NULLS (FIRST|LAST)/);
        expect(sql).toMatch(/CASE WHEN .* IS NULL THEN 0 ELSE 1 END/);
      } else expect(sql).toContain('NULLS FIRST');
    }
  });

  it('never lets `||` mean OR on MySQL', () => {
    const my = sqlOf('mysql', 'expressions', 'view expressions');
    expect(my).not.toContain('||');
    expect(my).toContain('CONCAT(`events`.`s`, `events`.`p`)');
  });

  it('quotes identifiers with the target quote character', () => {
    for (const t of ['mysql', 'spark', 'bigquery'] as const) expect(d(t).quoteIdentifier('a`b')).toMatch(/^`a(``|\\`)b`$/);
    for (const t of ['postgres', 'snowflake', 'trino'] as const) expect(d(t).quoteIdentifier('a"b')).toBe('"a""b"');
  });

  it('escapes backslashes where string literals read them', () => {
    expect(d('mysql').quoteString(`a\\b'c`)).toBe(`'a\\\\b''c'`);
    expect(d('spark').quoteString(`a\\b'c`)).toBe(`'a\\\\b\\'c'`);
    expect(d('bigquery').quoteString(`a\\b'c\nd`)).toBe(`'a\\\\b\\'c\\nd'`);
    expect(d('snowflake').quoteString(`a\\b'c`)).toBe(`'a\\\\b''c'`);
    expect(d('postgres').quoteString(`a\\b'c`)).toBe(`'a\\b''c'`);
    expect(d('trino').quoteString(`a\\b'c`)).toBe(`'a\\b''c'`);
  });

  it('keeps ISO weeks and ISO days of the week', () => {
    const expected: Record<string, RegExp> = {
      postgres: /EXTRACT\(ISODOW FROM/,
      mysql: /WEEKDAY\(.*\) \+ 1/,
      spark: /WEEKDAY\(.*\) \+ 1/,
      bigquery: /MOD\(EXTRACT\(DAYOFWEEK FROM .*\) \+ 5, 7\) \+ 1/,
      snowflake: /DAYOFWEEKISO\(/,
      trino: /EXTRACT\(DAY_OF_WEEK FROM/,
    };
    const week: Record<string, RegExp> = {
      postgres: /EXTRACT\(WEEK FROM/,
      mysql: /WEEK\(.*, 3\)/,
      spark: /WEEKOFYEAR\(/,
      bigquery: /EXTRACT\(ISOWEEK FROM/,
      snowflake: /WEEKISO\(/,
      trino: /EXTRACT\(WEEK FROM/,
    };
    for (const [t, re] of Object.entries(expected)) {
      const sql = sqlOf(t as TargetName, 'extract', 'view parts');
      expect(sql).toMatch(re);
      expect(sql).toMatch(week[t]!);
    }
  });

  it('gives invalid text NULL instead of an error', () => {
    expect(d('postgres').cast('x', 'TEXT', 'INTEGER')).toMatch(/^\(CASE WHEN x ~ '\^\[\+-\]\?\[0-9\]\+\$' THEN/);
    expect(d('mysql').cast('x', 'TEXT', 'DATE')).toContain('REGEXP');
    expect(d('spark').cast('x', 'TEXT', 'DOUBLE')).toContain('TRY_CAST(x AS DOUBLE)');
    expect(d('bigquery').cast('x', 'TEXT', 'INTEGER')).toContain('SAFE_CAST(x AS INT64)');
    expect(d('snowflake').cast('x', 'TEXT', 'DATE')).toContain(`TRY_TO_DATE(x, 'YYYY-MM-DD')`);
    expect(d('trino').cast('x', 'TEXT', 'TIMESTAMP')).toContain('TRY_CAST(REPLACE(x,');
    // PostgreSQL would type a bare literal at parse time and fail on it: it is read as TEXT first.
    expect(d('postgres').cast(`'12a'`, 'TEXT', 'INTEGER')).toContain(`CAST(CAST('12a' AS TEXT) AS BIGINT)`);
  });

  it('truncates doubles to integers instead of rounding', () => {
    for (const t of ['postgres', 'mysql', 'spark', 'bigquery', 'snowflake', 'trino'] as const) {
      expect(d(t).cast('x', 'DOUBLE', 'INTEGER')).toMatch(/TRUNC|^CAST\(x AS BIGINT\)$/);
    }
  });

  it('rounds halves away from zero and keeps integers integers', () => {
    expect(d('postgres').functions['ROUND']!(['x', '2'], ['DOUBLE', 'INTEGER'])).toBe('CAST(ROUND(CAST(x AS NUMERIC), 2) AS DOUBLE PRECISION)');
    expect(d('postgres').functions['ROUND']!(['x', '-1'], ['INTEGER', 'INTEGER'])).toBe('CAST(ROUND(CAST(x AS NUMERIC), -1) AS BIGINT)');
    expect(d('mysql').functions['ROUND']!(['x'], ['DOUBLE'])).toContain('DECIMAL(65, 30)');
    expect(d('bigquery').functions['ROUND']!(['x', '-1'], ['INTEGER', 'INTEGER'])).toBe('CAST(ROUND(CAST(x AS NUMERIC), -1) AS INT64)');
  });

  it('turns off LIKE escape characters', () => {
    const sql = (t: TargetName) => sqlOf(t, 'expressions', 'view expressions');
    expect(sql('postgres')).toContain(`LIKE 'x\\y%' ESCAPE ''`);
    expect(sql('mysql')).toContain(`LIKE REPLACE('x\\\\y%', '\\\\', '\\\\\\\\')`);
    expect(sql('spark')).toContain(`LIKE REPLACE('x\\\\y%', '\\\\', '\\\\\\\\')`);
    expect(sql('bigquery')).toContain(`LIKE REPLACE('x\\\\y%', '\\\\', '\\\\\\\\')`);
    expect(sql('snowflake')).toContain(`LIKE REPLACE('x\\\\y%', '^', '^^') ESCAPE '^'`);
    expect(sql('trino')).toContain(`LIKE 'x\\y%'`);
    // A plain pattern stays plain.
    expect(sql('spark')).toContain("LIKE 'a_%'");
  });

  it('writes DOUBLE literals as doubles, not decimals', () => {
    expect(d('postgres').doubleLiteral(1.5)).toBe('CAST(1.5 AS DOUBLE PRECISION)');
    expect(d('mysql').doubleLiteral(1.5)).toBe('1.5E0');
    expect(d('spark').doubleLiteral(2)).toBe('2.0E0');
    expect(d('trino').doubleLiteral(1e21)).toBe('1E21');
    expect(d('snowflake').doubleLiteral(-0.25)).toBe('CAST(-0.25 AS DOUBLE)');
    expect(d('bigquery').doubleLiteral(1.5)).toBe('1.5');
  });

  it('writes times as wall-clock literals with microseconds', () => {
    const micros = Date.UTC(2024, 2, 1, 14, 5, 0, 250) * 1000 + 7;
    expect(d('postgres').timestampLiteral(micros)).toBe(`TIMESTAMP '2024-03-01 14:05:00.250007'`);
    expect(d('spark').timestampLiteral(micros)).toBe(`TIMESTAMP_NTZ '2024-03-01 14:05:00.250007'`);
    expect(d('bigquery').timestampLiteral(micros)).toBe(`DATETIME '2024-03-01 14:05:00.250007'`);
    expect(d('snowflake').timestampLiteral(micros)).toBe(`TIMESTAMP_NTZ '2024-03-01 14:05:00.250007'`);
    expect(d('trino').types.TIMESTAMP).toBe('TIMESTAMP(6)');
    expect(d('mysql').types.TIMESTAMP).toBe('DATETIME(6)');
  });

  it('shifts times back by exact seconds', () => {
    expect(d('postgres').timeMinus('t', 86400)).toBe(`(t - INTERVAL '86400 seconds')`);
    expect(d('mysql').timeMinus('t', 60)).toBe('(t - INTERVAL 60 SECOND)');
    expect(d('spark').timeMinus('t', 60)).toBe(`(t - INTERVAL '60' SECOND)`);
    expect(d('bigquery').timeMinus('t', 60)).toBe('DATETIME_SUB(t, INTERVAL 60 SECOND)');
    expect(d('snowflake').timeMinus('t', 60)).toBe('DATEADD(SECOND, -60, t)');
    expect(d('trino').timeMinus('t', 60)).toBe(`(t - INTERVAL '60' SECOND)`);
  });

  it('makes SUBSTR count from 1 the SQL-standard way', () => {
    expect(d('trino').functions['SUBSTR']!(['s', '0', '2'])).toBe('SUBSTR(s, CASE WHEN 0 < 1 THEN 1 ELSE 0 END, CASE WHEN 2 < 0 OR 0 + 2 < 1 THEN 0 WHEN 0 < 1 THEN 0 + 2 - 1 ELSE 2 END)');
    expect(d('postgres').functions['SUBSTR']!(['s', '2'])).toBe('SUBSTR(s, 2)');
    // substr(text, bigint) does not exist: a BIGINT position is computed, then cast to INTEGER (issue 12).
    expect(d('postgres').functions['SUBSTR']!(['s', 'p'])).toBe('SUBSTR(s, CAST(CASE WHEN CASE WHEN p < 1 THEN 1 ELSE p END > 2147483647 THEN 2147483647 ELSE CASE WHEN p < 1 THEN 1 ELSE p END END AS INTEGER))');
  });
});
