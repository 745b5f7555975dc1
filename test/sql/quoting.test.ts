/**
 * Quoting safety (spec §6: no input text is ever pasted into SQL unescaped).
 * A project whose names and literals hold quotes, backticks, backslashes,
 * `--`, `;`, newlines and non-ASCII text compiles, for every target, to
 * statements that sqlglot parses as ONE statement whose tree holds exactly
 * those names and literal values.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { UnsupportedError, type TargetName } from '../../src/sql/dialect.js';
import { dialects } from '../../src/sql/dialects/index.js';
import { checked, emitAll, fixedFits, sqlglot, type SqlglotResult } from './support.js';

const here = dirname(fileURLToPath(import.meta.url));
const catalog = checked([{ path: 'test/sql/snippets/quoting.fsql', text: readFileSync(join(here, 'snippets', 'quoting.fsql'), 'utf8') }]);
const fitted = fixedFits(catalog);

/** Names that must come out of sqlglot's tree exactly as declared. */
const NAMES = ['k"e`y\\;--é', `val'ue`, 'ca\\t`', '日本', 't;--', 'lab`el', 'src "x" `b` \\ ; -- é', 'v`iew\\', 'out"put', '多行', 'feat"ure`;--__a_b', 'feat"ure`;--___emoji', `sum "val'ue"`];
/** String literals of the project, read back as values. */
const VIEW_LITERALS = [`it's \\ -- ; \`x\` "q" 😀 é`, '\nnew line\ttab', `'; DROP TABLE x; --`, '%\\_%'];
const FEATURE_LITERALS = ['--\\', `ü\\'`];
const ONE_HOT = [`a'b`, 'back\\slash', 'semi;colon --', '😀 emoji', '"dq"', '`bt`'];

const targets = Object.keys(dialects) as TargetName[];

interface Item {
  readonly target: TargetName;
  readonly what: string;
  readonly sql: string;
}

let items: Item[] = [];
let results: SqlglotResult[] = [];

/** Set when compiling or running sqlglot failed: every test then fails with it (a missing Python or sqlglot must fail, not skip). */
let setupError: unknown;

beforeAll(() => {
  try {
    items = targets.flatMap((target) => emitAll(catalog, dialects[target]!, fitted).map((s) => ({ target, ...s })));
    results = sqlglot(items.map((i) => ({ dialect: i.target, sql: i.sql, collect: true })));
  } catch (e) {
    setupError = e;
  }
});

const mine = (target: TargetName) => {
  if (setupError) throw setupError;
  return items.flatMap((it, i) => (it.target === target ? [{ ...it, r: results[i]! }] : []));
};

describe.each(targets)('%s', (target) => {
  it('parses every statement as exactly one statement', () => {
    const bad = mine(target).filter((x) => !x.r.ok).map((x) => `${x.what}: ${x.r.error}\n${x.sql}`);
    expect(bad).toEqual([]);
  });

  it('keeps every name intact', () => {
    const all = new Set(mine(target).flatMap((x) => x.r.identifiers ?? []));
    for (const name of NAMES) expect(all, `name ${JSON.stringify(name)}`).toContain(name);
  });

  it('keeps every string literal intact', () => {
    const view = mine(target).find((x) => x.what.startsWith('view'))!;
    for (const v of VIEW_LITERALS) expect(view.r.literals, `literal ${JSON.stringify(v)}`).toContain(v);
    const training = mine(target).find((x) => x.what.startsWith('training'))!;
    for (const v of [...FEATURE_LITERALS, ...ONE_HOT]) expect(training.r.literals, `literal ${JSON.stringify(v)}`).toContain(v);
  });
});

describe('names and text a target cannot hold', () => {
  it('PostgreSQL: no NUL, no name over 63 bytes', () => {
    const pg = dialects.postgres!;
    expect(() => pg.quoteString('a\u0000b')).toThrow(UnsupportedError);
    expect(() => pg.quoteIdentifier('a\u0000b')).toThrow(UnsupportedError);
    expect(() => pg.quoteIdentifier('é'.repeat(32))).toThrow(/63 bytes/);
    expect(pg.quoteIdentifier('x'.repeat(63))).toBe(`"${'x'.repeat(63)}"`);
  });

  it('MySQL: names are BMP characters, at most 64, not ending in a space', () => {
    const my = dialects.mysql!;
    expect(() => my.quoteIdentifier('emoji 😀')).toThrow(UnsupportedError);
    expect(() => my.quoteIdentifier('trailing ')).toThrow(UnsupportedError);
    expect(() => my.quoteIdentifier('x'.repeat(65))).toThrow(UnsupportedError);
    expect(my.quoteIdentifier('日本`')).toBe('`日本```');
    expect(my.quoteString('a\u0000b')).toBe(`'a\\0b'`);
  });

  it('BigQuery writes control characters as escapes', () => {
    expect(dialects.bigquery!.quoteString('a\u0001\r\n\tb')).toBe(`'a\\x01\\r\\n\\tb'`);
    expect(dialects.bigquery!.quoteIdentifier('a`b\\c')).toBe('`a\\`b\\\\c`');
  });
});
