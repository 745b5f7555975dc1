// Robustness: no input, however malformed, makes the parser or the checker
// throw (spec §8). Each returns a result, and every diagnostic it carries is
// well-formed: a code like E0103 / W0301 matching its severity, and spans that
// lie inside the text of the file they name, with 1-based lines and columns
// that agree with the offsets.
//
// Three kinds of input:
//   (a) random strings: arbitrary UTF-16 (lone surrogates included) and a mix
//       biased toward SQL punctuation;
//   (b) random token sequences from the language's own vocabulary, mostly
//       shaped as `CREATE <kind> … ;` so the parser gets deep into statements;
//   (c) valid programs (test/support/arbitrary-program.ts, and the payments
//       example project) with random token- and character-level edits.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { describe, expect, it } from 'vitest';
import * as T from '../../src/syntax/tokens.js';
import { checkProject, checkText, type ProjectFile } from '../../src/check/project.js';
import type { Diagnostic, Span } from '../../src/diagnostics/diagnostic.js';
import { parseFile } from '../../src/syntax/parse.js';
import { arbProgram } from '../support/arbitrary-program.js';

const NUM_RUNS = Number(process.env.FSQL_FUZZ_RUNS ?? 400);
/** Generous: each test takes a second or two on a quiet machine, much more on a loaded one. */
const TIMEOUT = 120_000;

// ---------------------------------------------------------------------------
// The invariant

/** 1-based line and column of `offset`, counting `\r\n`, `\r` and `\n` as line breaks (as the lexer does). */
function lineColOf(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

function spanProblem(span: Span, texts: ReadonlyMap<string, string>): string | undefined {
  const text = texts.get(span.file);
  if (text === undefined) return `names unknown file ${JSON.stringify(span.file)}`;
  const ints = [span.start, span.end, span.line, span.col, span.endLine, span.endCol];
  if (!ints.every(Number.isSafeInteger)) return 'has a non-integer position';
  if (!(span.start >= 0 && span.start <= span.end && span.end <= text.length)) return `offsets ${span.start}..${span.end} are outside 0..${text.length}`;
  if (!(span.line >= 1 && span.col >= 1 && span.endLine >= 1 && span.endCol >= 1)) return 'has a line or column below 1';
  if (span.endLine < span.line) return 'ends on a line before it starts';
  const at = lineColOf(text, span.start);
  // An empty span just past the end of a line (a missing `;` at the end of the file) may sit one column further.
  if (at.line !== span.line || at.col !== span.col) {
    if (!(span.start === span.end && span.line === at.line && span.col === at.col)) {
      return `starts at offset ${span.start} (line ${at.line}, col ${at.col}) but says line ${span.line}, col ${span.col}`;
    }
  }
  return undefined;
}

function expectWellFormed(diagnostics: readonly Diagnostic[], files: readonly ProjectFile[]): void {
  const texts = new Map(files.map((f) => [f.path, f.text]));
  for (const d of diagnostics) {
    const where = `${d.code} ${JSON.stringify(d.message)}`;
    expect(d.code, where).toMatch(/^[EW]\d{4}$/);
    expect(d.severity, where).toBe(d.code.startsWith('E') ? 'error' : 'warning');
    expect(typeof d.message === 'string' && d.message.length > 0, where).toBe(true);
    for (const span of [d.span, ...(d.related ?? []).map((r) => r.span)]) {
      const problem = spanProblem(span, texts);
      expect(problem, `${where}: span ${JSON.stringify(span)}`).toBeUndefined();
    }
  }
}

/** Parses and checks `text` as one file; both must return, with well-formed diagnostics. */
function robust(text: string): void {
  const files = [{ path: 'fuzz.fsql', text }];
  const parsed = parseFile(text, 'fuzz.fsql');
  expect(Array.isArray(parsed.file.statements)).toBe(true);
  expectWellFormed(parsed.diagnostics, files);
  const checked = checkProject(files);
  expect(checked.catalog).toBeDefined();
  expectWellFormed(checked.diagnostics, files);
}

/** Checks a whole project; every file's diagnostics must be well-formed. */
function robustProject(files: readonly ProjectFile[]): void {
  for (const f of files) expectWellFormed(parseFile(f.text, f.path).diagnostics, [f]);
  const checked = checkProject(files);
  expect(checked.catalog).toBeDefined();
  expectWellFormed(checked.diagnostics, files);
}

// ---------------------------------------------------------------------------
// (a) Random strings

const PUNCTUATION = [...`'"();,.-/*`];

const sqlishUnit: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...PUNCTUATION), weight: 6 },
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 3 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 2 }), weight: 1 },
  { arbitrary: fc.constantFrom(' ', '\n', '\r\n', '\r', '\t'), weight: 2 },
  { arbitrary: fc.constantFrom('--', '/*', '*/', "''", '""', '||', '<>', '!=', '<=', '>='), weight: 2 },
  { arbitrary: fc.constantFrom('CREATE ', 'FEATURE ', 'SELECT ', 'x ', '1', '1.5e', 'AS ', 'FROM '), weight: 2 },
);

const arbSqlish: fc.Arbitrary<string> = fc.string({ unit: sqlishUnit, maxLength: 60 });

// ---------------------------------------------------------------------------
// (b) Random token sequences from the language's vocabulary

/** Every keyword the lexer knows (reserved and contextual), read from src/syntax/tokens.ts. */
const LEXER_KEYWORDS: readonly string[] = T.allTokens
  .map((t) => t.PATTERN)
  .filter((p): p is RegExp => p instanceof RegExp && /^[A-Z_]+$/.test(p.source))
  .map((p) => p.source);

/** Words that are keywords only to the AST builder or the checker: types, units, methods, formats, functions, date parts. */
const SOFT_WORDS = [
  'BOOLEAN', 'BOOL', 'INTEGER', 'INT', 'BIGINT', 'DOUBLE', 'FLOAT', 'REAL', 'TEXT', 'VARCHAR', 'STRING',
  'SECOND', 'SECONDS', 'MINUTE', 'MINUTES', 'HOUR', 'HOURS', 'DAY', 'DAYS', 'WEEK', 'WEEKS',
  'MEAN', 'MEDIAN', 'MODE', 'ZERO', 'STANDARD', 'MINMAX', 'ROBUST', 'LOG', 'CSV', 'PARQUET', 'JSONL', 'NDJSON',
  'COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'COALESCE', 'NULLIF', 'ABS', 'ROUND', 'LOWER', 'UPPER', 'LENGTH', 'SUBSTR',
  'YEAR', 'MONTH', 'DOW',
];

/** Punctuation and operators, read from src/syntax/tokens.ts (plus the alternative spellings of their regexps). */
const OPERATORS: readonly string[] = [
  ...T.allTokens.map((t) => t.PATTERN).filter((p): p is string => typeof p === 'string'),
  '<>',
  '!=',
];

const arbIdentifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/);

const arbWord: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...LEXER_KEYWORDS), weight: 6 },
  { arbitrary: fc.constantFrom(...SOFT_WORDS), weight: 2 },
  { arbitrary: fc.constantFrom(...LEXER_KEYWORDS.map((k) => k.toLowerCase())), weight: 1 },
);

const arbLiteralToken: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('0', '1', '7', '42', '007', '1.5', '.5', '5.', '1e3', '2.5E-2', '99999999999999999999', '1e999', '-0'),
  fc.nat().map(String),
  fc.constantFrom("'x'", "''", "'it''s'", "'2024-03-01'", "'2024-13-45'", "'2024-03-01 14:05:00'", "'data/x.csv'", "'abc"),
  fc.constantFrom('"x"', '""', '"a""b"', '"select"', '"unterminated'),
  fc.string({ maxLength: 5 }).map((s) => `'${s.replace(/'/g, "''")}'`),
);

const arbToken: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: arbWord, weight: 8 },
  { arbitrary: arbIdentifier, weight: 4 },
  { arbitrary: fc.constantFrom(...OPERATORS), weight: 6 },
  { arbitrary: arbLiteralToken, weight: 3 },
  { arbitrary: fc.constantFrom('-- c\n', '/* c */', '/* open', '\u00e9', '@', '#', '$', '`'), weight: 1 },
);

const STATEMENT_HEADS = [
  'CREATE ENTITY', 'CREATE SOURCE', 'CREATE VIEW', 'CREATE FEATURE', 'CREATE LABEL', 'CREATE TRAINING SET', 'CREATE',
];

/** `CREATE <kind> <random tokens> ;` — or, sometimes, no head or no `;`. */
const arbTokenStatement: fc.Arbitrary<string[]> = fc
  .tuple(
    fc.option(fc.constantFrom(...STATEMENT_HEADS), { freq: 8, nil: undefined }),
    fc.array(arbToken, { maxLength: 25 }),
    fc.boolean(),
  )
  .map(([head, body, semicolon]) => [...(head ? [head] : []), ...body, ...(semicolon ? [';'] : [])]);

const SEPARATORS = [' ', ' ', ' ', ' ', '\n', '', '\t', '\r\n'];

const arbTokenProgram: fc.Arbitrary<string> = fc
  .tuple(fc.array(arbTokenStatement, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(SEPARATORS.length - 1), { minLength: 1, maxLength: 16 }))
  .map(([statements, seps]) =>
    statements
      .flat()
      .map((t, i) => (i === 0 ? t : SEPARATORS[seps[i % seps.length]!]! + t))
      .join(''),
  );

// ---------------------------------------------------------------------------
// (c) Valid programs with random edits

type Edit =
  | { readonly kind: 'delete-token' | 'duplicate-token' | 'swap-tokens'; readonly at: number }
  | { readonly kind: 'insert-token'; readonly at: number; readonly token: string }
  | { readonly kind: 'delete-range' | 'duplicate-range'; readonly at: number; readonly length: number }
  | { readonly kind: 'insert-text'; readonly at: number; readonly text: string }
  | { readonly kind: 'truncate'; readonly at: number };

const arbEdit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete-token' as const, 'duplicate-token' as const, 'swap-tokens' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert-token' as const), at: fc.nat(), token: arbToken }),
  fc.record({ kind: fc.constantFrom('delete-range' as const, 'duplicate-range' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert-text' as const), at: fc.nat(), text: arbSqlish }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

/** Token boundaries of `text` (comments included), as [start, end) offsets. */
function tokenRanges(text: string): [number, number][] {
  const lexed = T.fsqlLexer.tokenize(text);
  return [...lexed.tokens, ...(lexed.groups['comments'] ?? [])]
    .map((t): [number, number] => [t.startOffset, (t.endOffset ?? t.startOffset) + 1])
    .sort((a, b) => a[0] - b[0]);
}

function applyEdit(text: string, edit: Edit): string {
  const pos = text.length === 0 ? 0 : edit.at % (text.length + 1);
  switch (edit.kind) {
    case 'delete-range':
      return text.slice(0, pos) + text.slice(pos + edit.length);
    case 'duplicate-range':
      return text.slice(0, pos + edit.length) + text.slice(pos, pos + edit.length) + text.slice(pos + edit.length);
    case 'insert-text':
      return text.slice(0, pos) + edit.text + text.slice(pos);
    case 'truncate':
      return text.slice(0, pos);
    default:
      break;
  }
  const ranges = tokenRanges(text);
  if (ranges.length === 0) return edit.kind === 'insert-token' ? `${edit.token} ${text}` : text;
  const i = edit.at % ranges.length;
  const [start, end] = ranges[i]!;
  switch (edit.kind) {
    case 'delete-token':
      return text.slice(0, start) + text.slice(end);
    case 'duplicate-token':
      return text.slice(0, end) + ' ' + text.slice(start, end) + text.slice(end);
    case 'insert-token':
      return `${text.slice(0, start)}${edit.token} ${text.slice(start)}`;
    case 'swap-tokens': {
      const next = ranges[i + 1];
      if (!next) return text;
      return text.slice(0, start) + text.slice(next[0], next[1]) + text.slice(end, next[0]) + text.slice(start, end) + text.slice(next[1]);
    }
  }
}

const arbEdits = fc.array(arbEdit, { minLength: 1, maxLength: 3 });

const arbEditedProgram: fc.Arbitrary<string> = fc.tuple(arbProgram, arbEdits).map(([text, edits]) => edits.reduce(applyEdit, text));

/** The payments example project: every .fsql file under examples/payments. */
function examplesProject(): ProjectFile[] {
  const root = fileURLToPath(new URL('../../examples/payments/', import.meta.url));
  const out: ProjectFile[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.fsql')) out.push({ path: path.slice(root.length), text: readFileSync(path, 'utf8') });
    }
  };
  walk(root);
  return out;
}

const EXAMPLES = examplesProject();

/** The example project with 1–3 edits to one of its files. */
const arbEditedExamples: fc.Arbitrary<ProjectFile[]> = fc
  .tuple(fc.nat(EXAMPLES.length - 1), arbEdits)
  .map(([which, edits]) => EXAMPLES.map((f, i) => (i === which ? { path: f.path, text: edits.reduce(applyEdit, f.text) } : f)));

// ---------------------------------------------------------------------------
// Properties

describe('no input makes parseFile or checkProject throw', { timeout: TIMEOUT }, () => {
  it('(a) random binary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), robust), { numRuns: NUM_RUNS });
  });

  it('(a) random strings biased toward SQL punctuation', () => {
    fc.assert(fc.property(arbSqlish, robust), { numRuns: NUM_RUNS });
  });

  it('(b) random token sequences from the language vocabulary', () => {
    fc.assert(fc.property(arbTokenProgram, robust), { numRuns: NUM_RUNS });
  });

  it('(c) random valid programs with random edits', () => {
    fc.assert(fc.property(arbEditedProgram, robust), { numRuns: NUM_RUNS });
  });

  it('(c) the payments example project with random edits to one file', () => {
    fc.assert(fc.property(arbEditedExamples, robustProject), { numRuns: 250 });
  });
});

describe('deeply nested and very long input', { timeout: TIMEOUT }, () => {
  // Regressions: each of these overflowed the call stack (RangeError) before the
  // nesting limits of src/syntax/limits.ts (E0120) — the parser at ~180 nested
  // parentheses or ~3000 NOTs, the checker at a chain of ~4000 `+`, and the view
  // ordering and cycle search (recursive) at a chain of ~10000 views.
  const shapes: [string, (n: number) => string][] = [
    ['parentheses', (n) => `${'('.repeat(n)}amount${')'.repeat(n)}`],
    ['unclosed parentheses', (n) => '('.repeat(n)],
    ['function calls', (n) => `${'ABS('.repeat(n)}amount${')'.repeat(n)}`],
    ['CASE', (n) => `${'CASE WHEN TRUE THEN '.repeat(n)}amount${' END'.repeat(n)}`],
    ['NOT', (n) => `${'NOT '.repeat(n)}TRUE`],
    ['signs', (n) => `${'- '.repeat(n)}amount`],
    ['a chain of +', (n) => Array.from({ length: n }, () => 'amount').join(' + ')],
    ['a chain of OR', (n) => Array.from({ length: n }, (_, i) => `amount = ${i}`).join(' OR ')],
  ];

  it.each(shapes)('%s, nested or chained up to 6000 deep, never throw', (_, shape) => {
    for (const n of [10, 99, 150, 1200, 6000]) {
      const text = `CREATE FEATURE f ENTITY user FROM transactions AS ${shape(n)};`;
      robust(text);
      robustProject([...EXAMPLES, { path: 'deep.fsql', text }]);
    }
  });

  it('reports E0120 past the limits, and accepts nesting within them', () => {
    const feature = (expr: string) => `CREATE FEATURE f ENTITY user FROM transactions AS ${expr};`;
    const codes = (text: string) => parseFile(text, 'x.fsql').diagnostics.map((d) => d.code);
    expect(codes(feature(`${'('.repeat(90)}amount${')'.repeat(90)}`))).toEqual([]);
    expect(codes(feature(`${'('.repeat(200)}amount${')'.repeat(200)}`))).toEqual(['E0120']);
    expect(codes(feature(Array.from({ length: 500 }, () => 'amount').join(' + ')))).toEqual([]);
    expect(codes(feature(Array.from({ length: 5000 }, () => 'amount').join(' + ')))).toEqual(['E0120']);
    // The statement is left out, and its name is not reported as unknown where used.
    const r = parseFile(`${feature(`${'NOT '.repeat(5000)}TRUE`)}\nCREATE ENTITY e KEY (k TEXT);`, 'x.fsql');
    expect(r.file.statements.map((s) => s.kind)).toEqual(['entity']);
  });

  it('random deep nesting never throws', () => {
    const opener = fc.constantFrom('(', 'NOT ', '- ', '+ ', 'ABS(', 'CASE WHEN ', 'CAST(', 'x IN (', 'COALESCE(x, ');
    fc.assert(
      fc.property(fc.array(opener, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 3000 }), fc.boolean(), (openers, n, close) => {
        let expr = '';
        for (let i = 0; i < n; i++) expr += openers[i % openers.length];
        expr += 'amount';
        if (close) expr += ')'.repeat(n);
        robust(`CREATE FEATURE f ENTITY user FROM transactions AS ${expr};`);
      }),
      { numRuns: 60 },
    );
  });

  it('long chains and cycles of views never throw', () => {
    for (const n of [500, 12000]) {
      let chain = 'CREATE SOURCE s (a INTEGER) FROM TABLE s;\n';
      for (let i = 0; i < n; i++) chain += `CREATE VIEW v${i} AS SELECT a FROM ${i < n - 1 ? `v${i + 1}` : 's'};\n`;
      const checked = checkText(chain, 'chain.fsql');
      expect(checked.diagnostics).toEqual([]);
      let cycle = '';
      for (let i = 0; i < n; i++) cycle += `CREATE VIEW v${i} AS SELECT a FROM v${(i + 1) % n};\n`;
      const cyclic = checkText(cycle, 'cycle.fsql');
      expect(cyclic.diagnostics.map((d) => d.code)).toEqual(Array.from({ length: n }, () => 'E0206'));
      expect(cyclic.diagnostics[0]!.message.length).toBeLessThan(200);
    }
  });
});

describe('valid programs', { timeout: TIMEOUT }, () => {
  it('check with no syntax errors (E01xx) and well-formed diagnostics', () => {
    fc.assert(
      fc.property(arbProgram, (text) => {
        // The generator promises programs that parse clean, and
        // test/syntax/format.property.test.ts holds it to that; a program it gets
        // wrong (say, a new syntax rule it does not know yet) is not valid input here.
        fc.pre(parseFile(text, 'valid.fsql').diagnostics.length === 0);
        const { diagnostics } = checkText(text, 'valid.fsql');
        expectWellFormed(diagnostics, [{ path: 'valid.fsql', text }]);
        // E0110 "cannot tell the format of 'x' from its name" is in the E01 range but
        // reported by the checker, and the generator writes FILE paths without FORMAT
        // whose extension may be anything: allowed here.
        const syntax = diagnostics.filter((d) => d.code.startsWith('E01') && !(d.code === 'E0110' && /cannot tell the format/.test(d.message)));
        expect(syntax.map((d) => `${d.code} ${d.message}`)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('the example project checks clean', () => {
    expect(checkProject(EXAMPLES).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});
