/**
 * The fuzz tier for the compiler (issue 10): the example projects' `.fsql`
 * files, mutated — tokens deleted, duplicated and swapped, hostile
 * characters inserted, very long names, deep nesting, cut short — through
 * parse, check, fmt and `compile --all` for all 8 targets. It asserts:
 *
 * - nothing throws: every problem is a diagnostic (parseFile, checkProject,
 *   formatSource), and compile fails only with its own errors (CompileError,
 *   PlanBuildError, UnsupportedError for a name a target cannot hold);
 * - fmt is a fixed point on what parses: formatting the formatted text gives
 *   it back, and it still parses without errors;
 * - the compile output of a project that checks parses with sqlglot, in every
 *   target's dialect, as exactly the statements fsql meant (one CREATE VIEW
 *   per view, one SELECT per training set and per entity, nothing else).
 *
 * Bounded and seeded: FSQL_FUZZ_SEED (default below) and FSQL_FUZZ_RUNS
 * (mutants per mutation kind and project, default 40: one to two minutes
 * on two cores). Run it with `npm run fuzz`; .ci/run adds its counts to
 * the totals. A failure prints the seed, the mutation and the mutated file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/check/catalog.js';
import { keyOf } from '../../src/check/catalog.js';
import { checkProject, type ProjectFile } from '../../src/check/project.js';
import { compile, CompileError } from '../../src/cli/compile.js';
import { PlanBuildError, viewsInOrder } from '../../src/plan/build.js';
import { targetNames, UnsupportedError } from '../../src/sql/dialect.js';
import { formatSource } from '../../src/syntax/format.js';
import { parseFile } from '../../src/syntax/parse.js';
import { fixedFits, sqlglot } from '../sql/support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SEED = Number(process.env['FSQL_FUZZ_SEED'] ?? 20261207);
const RUNS = Number(process.env['FSQL_FUZZ_RUNS'] ?? 40);
/** At most this many mutants per test go through sqlglot (8 scripts each; parsing is the slow part). */
const SQLGLOT_PER_TEST = Number(process.env['FSQL_FUZZ_SQLGLOT'] ?? 12);
const AS_OF = '2024-03-01 00:00:00';

function projectFiles(dir: string): ProjectFile[] {
  const walk = (d: string): string[] =>
    readdirSync(d)
      .sort()
      .flatMap((name) => {
        const path = join(d, name);
        if (statSync(path).isDirectory()) return name === 'out' || name === 'data' || name.startsWith('.') ? [] : walk(path);
        return name.endsWith('.fsql') ? [path] : [];
      });
  return walk(dir).map((path) => ({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') }));
}

const PROJECTS: Record<string, ProjectFile[]> = {
  payments: projectFiles(join(ROOT, 'examples', 'payments')),
  starter: projectFiles(join(ROOT, 'examples', 'starter')),
};

// ---------------------------------------------------------------------------
// Mutations

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

type Random = () => number;
const int = (r: Random, n: number) => Math.floor(r() * n);
const pick = <T>(r: Random, xs: readonly T[]): T => xs[int(r, xs.length)]!;

const TOKEN = /'(?:[^']|'')*'?|"(?:[^"]|"")*"?|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\s+|[\s\S]/g;
const tokens = (text: string): string[] => text.match(TOKEN) ?? [];
/** Indexes of the tokens that are not blanks. */
const solid = (ts: readonly string[]) => ts.flatMap((t, i) => (/^\s+$/.test(t) ? [] : [i]));

const HOSTILE = ['"', "'", '\n', '\r', '\t', '\u0000', '\u001b', '/*', '*/', '--', ';', '(', ')', ',', '`', '\\', '😀', 'é', '\u202e', '\u2028', '\ud800', '\ufeff', 'CREATE', '""', "''", '.', '*'];

type Mutation = (text: string, r: Random) => string;

const MUTATIONS: Record<string, Mutation> = {
  'delete a token': (text, r) => {
    const ts = tokens(text);
    const at = solid(ts);
    if (at.length > 0) ts.splice(pick(r, at), 1);
    return ts.join('');
  },
  'duplicate a token': (text, r) => {
    const ts = tokens(text);
    const at = solid(ts);
    if (at.length > 0) {
      const i = pick(r, at);
      ts.splice(i, 0, ts[i]!, ' ');
    }
    return ts.join('');
  },
  'swap two tokens': (text, r) => {
    const ts = tokens(text);
    const at = solid(ts);
    if (at.length > 1) {
      const i = pick(r, at);
      const j = pick(r, at);
      [ts[i], ts[j]] = [ts[j]!, ts[i]!];
    }
    return ts.join('');
  },
  'insert hostile characters': (text, r) => {
    let out = text;
    for (let n = 1 + int(r, 3); n > 0; n--) {
      const at = int(r, out.length + 1);
      out = out.slice(0, at) + pick(r, HOSTILE) + out.slice(at);
    }
    return out;
  },
  'hostile characters inside a quoted name or string': (text, r) => {
    const ts = tokens(text);
    const quoted = ts.flatMap((t, i) => (/^["']/.test(t) && t.length >= 2 ? [i] : []));
    const words = ts.flatMap((t, i) => (/^[A-Za-z_]/.test(t) ? [i] : []));
    if (quoted.length > 0 && r() < 0.5) {
      const i = pick(r, quoted);
      const t = ts[i]!;
      ts[i] = t.slice(0, -1) + pick(r, HOSTILE.filter((h) => h !== t[0])) + t.slice(-1);
    } else if (words.length > 0) {
      const i = pick(r, words);
      ts[i] = `"${ts[i]}${pick(r, HOSTILE).replace(/"/g, '""')}"`;
    }
    return ts.join('');
  },
  'a very long name': (text, r) => {
    const ts = tokens(text);
    const words = ts.flatMap((t, i) => (/^[A-Za-z_]/.test(t) ? [i] : []));
    if (words.length > 0) {
      const i = pick(r, words);
      const length = pick(r, [64, 65, 300, 5000]);
      ts[i] = r() < 0.5 ? ts[i]! + 'x'.repeat(length) : `"${ts[i]}${'é '.repeat(length / 2)}"`;
    }
    return ts.join('');
  },
  'deep nesting': (text, r) => {
    const ts = tokens(text);
    const words = ts.flatMap((t, i) => (/^[A-Za-z_]/.test(t) ? [i] : []));
    if (words.length > 0) {
      const i = pick(r, words);
      const depth = pick(r, [20, 150, 400, 2000]);
      const open = pick(r, ['(', 'ABS(', 'NOT ', '- ', 'COALESCE(']);
      const balanced = r() < 0.8;
      const close = open.endsWith('(') ? ')' : '';
      ts[i] = open.repeat(depth) + ts[i]! + (balanced ? close.repeat(depth) : '');
    }
    return ts.join('');
  },
  'cut short': (text, r) => text.slice(0, int(r, text.length)),
  'several mutations': (text, r) => {
    const kinds = Object.entries(MUTATIONS).filter(([k]) => k !== 'several mutations');
    let out = text;
    for (let n = 2 + int(r, 4); n > 0; n--) out = pick(r, kinds)[1](out, r);
    return out;
  },
};

// ---------------------------------------------------------------------------
// What must hold for one mutated project

interface Script {
  readonly target: string;
  readonly sql: string;
  readonly expected: string[];
  readonly what: string;
}

/** The statements `compile --all` means to emit: a CREATE VIEW per view, a SELECT per training set version and per entity with features. */
function expectedKinds(catalog: Catalog): string[] {
  const views = viewsInOrder(catalog).length;
  const trainings = Object.values(catalog.trainingSets).reduce((n, vs) => n + vs.length, 0);
  const entities = Object.values(catalog.entities).filter((e) => Object.values(catalog.features).some((v) => keyOf(v[v.length - 1]!.key.entity) === keyOf(e.name))).length;
  return [...Array<string>(views).fill('Create:VIEW'), ...Array<string>(trainings + entities).fill('Select')];
}

const threw = (stage: string, e: unknown) => `${stage} threw ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 4).join('\n')}` : String(e)}`;

/** Problems of one mutated project (empty: all good); scripts for sqlglot go to `scripts`. */
function examine(files: readonly ProjectFile[], mutated: string, scripts: Script[] | undefined, what: string): string[] {
  const problems: string[] = [];
  for (const f of files) {
    try {
      parseFile(f.text, f.path);
    } catch (e) {
      problems.push(threw(`parseFile(${f.path})`, e));
    }
  }
  const file = files.find((f) => f.path === mutated)!;
  try {
    const once = formatSource(file.text, file.path);
    if (!once.diagnostics.some((d) => d.severity === 'error')) {
      const twice = formatSource(once.output, file.path);
      const errors = twice.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) problems.push(`fmt output does not parse: ${errors[0]!.code} ${errors[0]!.message}\n--- formatted:\n${once.output}`);
      else if (twice.output !== once.output) problems.push(`fmt is not a fixed point\n--- once:\n${once.output}\n--- twice:\n${twice.output}`);
    }
  } catch (e) {
    problems.push(threw('formatSource', e));
  }
  let catalog: Catalog;
  try {
    const r = checkProject(files);
    if (r.diagnostics.some((d) => d.severity === 'error')) return problems;
    catalog = r.catalog;
  } catch (e) {
    problems.push(threw('checkProject', e));
    return problems;
  }
  let fitted;
  try {
    fitted = fixedFits(catalog);
  } catch {
    return problems; // a fitted statistic the fixed populations cannot give: nothing to compile with
  }
  const expected = expectedKinds(catalog);
  for (const target of targetNames) {
    try {
      const sql = compile(catalog, { target, all: true, asOf: AS_OF }, fitted);
      scripts?.push({ target, sql, expected, what });
    } catch (e) {
      if (!(e instanceof CompileError || e instanceof PlanBuildError || e instanceof UnsupportedError)) problems.push(threw(`compile --all --target ${target}`, e));
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------

describe.each(Object.keys(PROJECTS))('mutated %s project', (name) => {
  const files = PROJECTS[name]!;

  it.each(Object.keys(MUTATIONS))('%s: no crash, fmt a fixed point, compile output exactly the statements meant', (kind) => {
    const seed = SEED + [...`${name}/${kind}`].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
    const r = prng(seed);
    const failures: string[] = [];
    const scripts: Script[] = [];
    let compiled = 0;
    for (let run = 0; run < RUNS; run++) {
      const which = int(r, files.length);
      const mutated = files.map((f, i) => (i === which ? { path: f.path, text: MUTATIONS[kind]!(f.text, r) } : f));
      const what = `seed ${seed}, run ${run}: ${kind} in ${files[which]!.path}`;
      const before = scripts.length;
      const problems = examine(mutated, files[which]!.path, compiled < SQLGLOT_PER_TEST ? scripts : undefined, what);
      if (scripts.length > before) compiled++;
      for (const p of problems) failures.push(`${what}\n${p}\n--- mutated file:\n${mutated[which]!.text.slice(0, 4000)}`);
    }
    const parsed = scripts.length > 0 ? sqlglot(scripts.map((s) => ({ dialect: s.target, sql: s.sql, script: true }))) : [];
    scripts.forEach((s, i) => {
      const p = parsed[i]!;
      if (!p.ok) failures.push(`${s.what}: ${s.target} output does not parse with sqlglot: ${p.error}`);
      else if (JSON.stringify(p.kinds) !== JSON.stringify(s.expected)) failures.push(`${s.what}: ${s.target} output holds ${JSON.stringify(p.kinds)}, meant ${JSON.stringify(s.expected)}`);
    });
    expect(failures.slice(0, 3), `${failures.length} failures of ${RUNS} mutants`).toEqual([]);
  });
});
