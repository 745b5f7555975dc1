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

/**
 * sqlglot starts once per batch (a Python process costs ~1 s): the projects
 * are drawn from the seeded arbitrary, compiled, then parsed together; a
 * failure names the project text and the target.
 */
function assertScripts(scripts: readonly { target: TargetName; sql: string; project: string }[]): void {
  const parsed = sqlglot(scripts.map((s) => ({ dialect: s.target, sql: s.sql, script: true })));
  scripts.forEach((s, i) => {
    const why = `${s.target}, project:\n${s.project}\ncompiled:\n${s.sql}`;
    expect(parsed[i]!.error, why).toBeUndefined();
    expect(parsed[i]!.kinds, why).toEqual(EXPECTED);
  });
}

describe('compile --all is exactly the statements fsql meant, for hostile names and literals', () => {
  const shapes = fc.sample(arbShape(piecesOf(NAME_PIECES, 5)), 20);

  it('sqlglot parses every target into one CREATE VIEW and two SELECTs', () => {
    const scripts = shapes.flatMap((shape) => {
      const text = project(shape);
      const r = checkProject([{ path: 'hostile.fsql', text }]);
      expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`), text).toEqual([]);
      return targets.map((target) => ({ target, sql: compileAll(r.catalog, target), project: text }));
    });
    assertScripts(scripts);
  });

  it('on SQLite the script runs and changes nothing but the views it creates', () => {
    const sqlite = dialects.sqlite!;
    for (const shape of shapes) {
      const text = project(shape);
      const r = checkProject([{ path: 'hostile.fsql', text }]);
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const db = new Database(':memory:');
      try {
        const relations = Object.values(r.catalog.relations);
        const source = relations.find((x) => x.kind === 'source')!;
        const columns = source.columns.map((c) => sqlite.quoteIdentifier(c.name)).join(', ');
        db.exec(`CREATE TABLE ${sqlite.quoteIdentifier(source.name)} (${columns}); CREATE TABLE users (id TEXT); INSERT INTO users VALUES ('still here');`);
        const before = objects(db);
        db.exec(compileAll(r.catalog, 'sqlite'));
        const views = relations.filter((x) => x.kind === 'view').map((v) => `view ${v.name}`);
        expect(objects(db), text).toEqual([...before, ...views].sort());
        expect(db.prepare('SELECT id FROM users').all()).toEqual([{ id: 'still here' }]);
      } finally {
        db.close();
      }
    }
  });
});

const objects = (db: Database.Database): string[] =>
  (db.prepare(`SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'`).all() as { type: string; name: string }[]).map((o) => `${o.type} ${o.name}`).sort();

describe('names with a line break or control character', () => {
  it('are refused with E0101 at the character, and the title comments hold even if compiled', () => {
    const nameWithBreak = fc.tuple(piecesOf(NAME_PIECES, 3), fc.constantFrom(...UNPRINTABLE), piecesOf(NAME_PIECES, 3)).map(([a, c, b]) => `${a}${c}${b}`);
    const broken = fc.sample(
      arbShape(fc.oneof(piecesOf(NAME_PIECES, 4), nameWithBreak)).filter((shape) => shape.names.some((n) => UNPRINTABLE.some((c) => n.includes(c)))),
      12,
    );
    const scripts = broken.flatMap((shape) => {
      const text = project(shape);
      const r = checkProject([{ path: 'hostile.fsql', text }]);
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      expect(errors.length, text).toBeGreaterThan(0);
      for (const d of errors) {
        expect(d.code, d.message).toBe('E0101');
        // The caret is on the refused character itself.
        expect(UNPRINTABLE.some((c) => text.startsWith(c[0]!, d.span.start)), JSON.stringify(text.slice(d.span.start, d.span.end))).toBe(true);
      }
      return targets.flatMap((target) => {
        try {
          return [{ target, sql: compileAll(r.catalog, target), project: text }];
        } catch (e) {
          if (e instanceof UnsupportedError) return []; // e.g. NUL in a PostgreSQL name: refused, not emitted
          throw e;
        }
      });
    });
    assertScripts(scripts);
  });

  it('a title comment writes names as fsql source does, with control characters escaped', () => {
    expect(commentName('enriched_transactions')).toBe('enriched_transactions');
    expect(commentName('select')).toBe('"select"');
    expect(commentName('say "hi"')).toBe('"say ""hi"""');
    expect(commentName('v\nDROP TABLE users; --')).toBe('"v\\u{a}DROP TABLE users; --"');
    expect(commentName('a\r\u2028\u001b[2J')).toBe('"a\\u{d}\\u{2028}\\u{1b}[2J"');
  });
});
