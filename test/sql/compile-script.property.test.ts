/**
 * `fsql compile --all` output as a whole script (issue 10, finding 3: a quoted
 * name holding a line break ended the `-- view <name> (<target>)` title
 * comment, so `DROP TABLE …` in the name became a statement of its own, in
 * every target — pg_dump's CVE-2012-0868).
 *
 * For generated projects whose names and literals hold quotes, backslashes,
 * comment markers, semicolons and non-ASCII text, sqlglot parses the whole
 * output of every target into exactly the statements fsql meant: one
 * `CREATE VIEW` per view, then one `SELECT` per training set and per entity.
 * On SQLite the script also runs, and afterwards the database holds exactly
 * the tables and views it held plus the project's views.
 *
 * Names with a line break or another control character are refused by the
 * parser (E0101, caret on the character); compiled anyway, the title
 * comments still cannot end early.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProject } from '../../src/check/project.js';
import type { Catalog } from '../../src/check/catalog.js';
import { compile, commentName } from '../../src/cli/compile.js';
import { UnsupportedError, type TargetName } from '../../src/sql/dialect.js';
import { dialects } from '../../src/sql/dialects/index.js';
import { fixedFits, sqlglot } from './support.js';

const targets = Object.keys(dialects) as TargetName[];
const AS_OF = '2024-03-01 00:00:00';

/** Pieces of names: everything that could close a quote or a comment, or start a statement. BMP only (MySQL names). */
const NAME_PIECES = ['"', "'", '`', '\\', '--', '/*', '*/', ';', ' ', 'é', '日本', 'a', 'Z', '$', '#', '?', ':1', 'DROP TABLE users; ', '-- x', '\u00a0', '\u200d'];
/** Literals may also hold line breaks, tabs and astral characters (NUL is refused by PostgreSQL: an UnsupportedError). */
const LITERAL_PIECES = [...NAME_PIECES, '\n', '\r\n', '\t', '😀', "'; DROP TABLE users; --", '\n-- x\nDROP TABLE users;'];
/** What a name may not hold: E0101. */
const UNPRINTABLE = ['\n', '\r', '\u0000', '\u001b[2J', '\u2028', '\u202e', '\u0085', '\t'];

const piecesOf = (pieces: readonly string[], max: number) => fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: max }).map((p) => p.join(''));

const quoteName = (s: string): string => `"${s.replace(/"/g, '""')}"`;
const quoteText = (s: string): string => `'${s.replace(/'/g, "''")}'`;

interface Shape {
  readonly names: string[];
  readonly literals: string[];
}

const ROLES = ['entity', 'key', 'source', 'time', 'val', 'cat', 'view', 'sum', 'latest', 'onehot', 'label', 'training'] as const;

/** A project over one entity: a source, a view, three features, a label and a training set, every name and literal hostile. */
function project(s: Shape): string {
  // A distinct suffix per role keeps names apart (case-insensitively) and never ends one with a space.
  const n = Object.fromEntries(ROLES.map((r, i) => [r, quoteName(`${s.names[i]}_${r[0]}${i}`)])) as Record<(typeof ROLES)[number], string>;
  const [l0, l1, l2] = s.literals.map(quoteText) as [string, string, string];
  return `
CREATE ENTITY ${n.entity} KEY (${n.key} TEXT);
CREATE SOURCE ${n.source} (${n.key} TEXT NOT NULL, ${n.time} TIMESTAMP NOT NULL, ${n.val} DOUBLE, ${n.cat} TEXT, flag BOOLEAN)
  FROM TABLE raw.events EVENT TIME ${n.time};
CREATE VIEW ${n.view} EVENT TIME ${n.time} AS
SELECT ${n.key}, ${n.time}, ${n.val}, ${n.cat} || ${l0} AS ${n.cat}, flag FROM ${n.source} WHERE ${n.cat} <> ${l1};
CREATE FEATURE ${n.sum} ENTITY ${n.entity} FROM ${n.view} AS SUM(${n.val}) WHERE ${n.cat} <> ${l2} WINDOW 2 DAYS FILL ZERO;
CREATE FEATURE ${n.latest} ENTITY ${n.entity} FROM ${n.view} AS ${n.cat} TTL 1 DAY FILL ${l0};
CREATE FEATURE ${n.onehot} ENTITY ${n.entity} FROM ${n.source} AS ${n.cat} ONE_HOT ('one', ${l1});
CREATE LABEL ${n.label} ENTITY ${n.entity} FROM ${n.source} AS flag;
CREATE TRAINING SET ${n.training} LABEL ${n.label} FEATURES (${n.sum}, ${n.latest}, ${n.onehot});
`;
}

/** What `compile --all` means to emit: views, then training sets, then one SELECT per entity with features. */
const EXPECTED = ['Create:VIEW', 'Select', 'Select'];

function compileAll(catalog: Catalog, target: TargetName): string {
  return compile(catalog, { target, all: true, asOf: AS_OF }, fixedFits(catalog));
}

const arbShape = (names: fc.Arbitrary<string>) =>
  fc.record({
    names: fc.array(names, { minLength: ROLES.length, maxLength: ROLES.length }),
    literals: fc.array(piecesOf(LITERAL_PIECES, 6), { minLength: 3, maxLength: 3 }),
  });

describe('compile --all is exactly the statements fsql meant, for hostile names and literals', () => {
  it('sqlglot parses every target into one CREATE VIEW and two SELECTs', () => {
    fc.assert(
      fc.property(arbShape(piecesOf(NAME_PIECES, 5)), (shape) => {
        const text = project(shape);
        const r = checkProject([{ path: 'hostile.fsql', text }]);
        const errors = r.diagnostics.filter((d) => d.severity === 'error');
        expect(errors.map((d) => `${d.code} ${d.message}`), text).toEqual([]);
        const scripts = targets.map((target) => ({ target, sql: compileAll(r.catalog, target) }));
        const parsed = sqlglot(scripts.map((s) => ({ dialect: s.target, sql: s.sql, script: true })));
        scripts.forEach((s, i) => {
          expect(parsed[i]!.error, `${s.target}:\n${s.sql}`).toBeUndefined();
          expect(parsed[i]!.kinds, `${s.target}:\n${s.sql}`).toEqual(EXPECTED);
        });
      }),
      { numRuns: 25 },
    );
  });

  it('on SQLite the script runs and changes nothing but the views it creates', () => {
    fc.assert(
      fc.property(arbShape(piecesOf(NAME_PIECES, 5)), (shape) => {
        const text = project(shape);
        const r = checkProject([{ path: 'hostile.fsql', text }]);
        expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        const sqlite = dialects.sqlite!;
        const db = new Database(':memory:');
        try {
          const source = Object.values(r.catalog.sources)[0]!;
          const columns = source.columns.map((c) => sqlite.quoteIdentifier(c.name)).join(', ');
          db.exec(`CREATE TABLE ${sqlite.quoteIdentifier(source.name)} (${columns}); CREATE TABLE users (id TEXT); INSERT INTO users VALUES ('still here');`);
          const before = objects(db);
          db.exec(compileAll(r.catalog, 'sqlite'));
          const views = Object.values(r.catalog.views).map((v) => `view ${v.name}`);
          expect(objects(db)).toEqual([...before, ...views].sort());
          expect(db.prepare('SELECT id FROM users').all()).toEqual([{ id: 'still here' }]);
        } finally {
          db.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});

const objects = (db: Database.Database): string[] =>
  (db.prepare(`SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'`).all() as { type: string; name: string }[]).map((o) => `${o.type} ${o.name}`).sort();

describe('names with a line break or control character', () => {
  it('are refused with E0101 at the character, and the title comments hold even if compiled', () => {
    const nameWithBreak = fc.tuple(piecesOf(NAME_PIECES, 3), fc.constantFrom(...UNPRINTABLE), piecesOf(NAME_PIECES, 3)).map(([a, c, b]) => `${a}${c}${b}`);
    fc.assert(
      fc.property(arbShape(fc.oneof(piecesOf(NAME_PIECES, 4), nameWithBreak)), (shape) => {
        fc.pre(shape.names.some((n) => UNPRINTABLE.some((c) => n.includes(c))));
        const text = project(shape);
        const r = checkProject([{ path: 'hostile.fsql', text }]);
        const errors = r.diagnostics.filter((d) => d.severity === 'error');
        expect(errors.length).toBeGreaterThan(0);
        for (const d of errors) {
          expect(d.code).toBe('E0101');
          // The caret is on the refused character itself.
          expect(UNPRINTABLE.some((c) => text.startsWith(c[0]!, d.span.start))).toBe(true);
        }
        const scripts = targets.flatMap((target) => {
          try {
            return [{ target, sql: compileAll(r.catalog, target) }];
          } catch (e) {
            if (e instanceof UnsupportedError) return []; // e.g. NUL in a PostgreSQL name: refused, not emitted
            throw e;
          }
        });
        const parsed = sqlglot(scripts.map((s) => ({ dialect: s.target, sql: s.sql, script: true })));
        scripts.forEach((s, i) => expect(parsed[i]!.kinds, `${s.target}:\n${s.sql}`).toEqual(EXPECTED));
      }),
      { numRuns: 15 },
    );
  });

  it('a title comment writes names as fsql source does, with control characters escaped', () => {
    expect(commentName('enriched_transactions')).toBe('enriched_transactions');
    expect(commentName('select')).toBe('"select"');
    expect(commentName('say "hi"')).toBe('"say ""hi"""');
    expect(commentName('v\nDROP TABLE users; --')).toBe('"v\\u{a}DROP TABLE users; --"');
    expect(commentName('a\r\u2028\u001b[2J')).toBe('"a\\u{d}\\u{2028}\\u{1b}[2J"');
  });
});
