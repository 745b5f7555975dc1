/**
 * `fsql apply` prints its plan first, then per-step progress on stderr (a
 * live line on a terminal, plain lines at most once a second when piped),
 * and `--quiet` silences the progress. Row counts are checked against files
 * made here, with a known number of rows.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.js';
import { ProgressReporter } from '../../src/cli/progress.js';
import { readSourceFileBatches, type ReadProgress } from '../../src/store/files/read.js';
import type { ColumnInfo } from '../../src/check/catalog.js';
import { ROOT, tempDir, withoutLeakageWarnings, writeFiles } from '../runtime/support.js';

const SALES = 25_000;
const VISITS = 12_345;

/** `n` CSV rows of sales, one per minute from 2024-01-01. */
function salesCsv(n: number): string {
  const lines = ['shop_id,amount,sold_at'];
  for (let i = 0; i < n; i++) {
    const t = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString().slice(0, 19).replace('T', ' ');
    lines.push(`s${i % 50},${(i % 97) + 0.5},${t}`);
  }
  return `${lines.join('\n')}\n`;
}

function visitsJsonl(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = new Date(Date.UTC(2024, 0, 1) + i * 30_000).toISOString().slice(0, 19).replace('T', ' ');
    lines.push(JSON.stringify({ shop_id: `s${i % 50}`, visited_at: t }));
  }
  return `${lines.join('\n')}\n`;
}

const PROJECT = `
CREATE ENTITY shop KEY (shop_id TEXT);
CREATE SOURCE sales (shop_id TEXT NOT NULL, amount DOUBLE, sold_at TIMESTAMP NOT NULL)
  FROM FILE 'data/sales.csv' EVENT TIME sold_at;
CREATE SOURCE visits (shop_id TEXT NOT NULL, visited_at TIMESTAMP NOT NULL)
  FROM FILE 'data/visits.jsonl' FORMAT JSONL EVENT TIME visited_at;
CREATE FEATURE sales_7d ENTITY shop FROM sales AS SUM(amount) WINDOW 7 DAYS;
CREATE FEATURE avg_sale_7d ENTITY shop FROM sales AS AVG(amount) WINDOW 7 DAYS FILL MEAN SCALE STANDARD;
CREATE FEATURE visits_7d ENTITY shop FROM visits AS COUNT(*) WINDOW 7 DAYS;
`;

/** Runs `fsql argv…` in-process; `log` keeps stdout and stderr interleaved in the order written. */
async function run(io: Partial<Io>, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const log: { stream: 'out' | 'err'; text: string }[] = [];
  const code = await main(argv, {
    stdout: (t) => ((stdout += t), log.push({ stream: 'out', text: t })),
    stderr: (t) => ((stderr += t), log.push({ stream: 'err', text: t })),
    cwd: ROOT,
    color: false,
    ...io,
  });
  // The leakage warnings apply prints after its summary (W0711 here: a 7-day window over 4 days of data) are not progress.
  return { code, stdout, stderr: withoutLeakageWarnings(stderr), log: log.filter((l) => l.stream === 'out' || withoutLeakageWarnings(l.text) !== '') };
}

describe('fsql apply progress', () => {
  let base = '';
  let cleanup = () => undefined as void;
  const project = (name: string) => {
    const dir = join(base, name);
    writeFiles(dir, { 'model.fsql': PROJECT, 'data/sales.csv': salesCsv(SALES), 'data/visits.jsonl': visitsJsonl(VISITS) });
    return dir;
  };
  beforeAll(() => {
    ({ dir: base, cleanup } = tempDir('fsql-progress-'));
  });
  afterAll(() => cleanup());

  it('piped: the plan is printed before the first progress line; each step ends with a line of the right count', async () => {
    const dir = project('piped');
    const r = await run({ progress: true }, 'apply', dir);
    expect(r.code, r.stderr).toBe(0);
    const firstProgress = r.log.findIndex((l) => l.stream === 'err');
    const planAt = r.log.findIndex((l) => l.stream === 'out' && l.text.includes('Plan: 6 to add'));
    expect(planAt).toBeGreaterThanOrEqual(0);
    expect(firstProgress).toBeGreaterThan(planAt);
    // Plain lines, no terminal control characters.
    expect(r.stderr).not.toMatch(/\r|\x1b/);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.find((l) => l.startsWith('loading sales: ') && / in \d+\.\d\d s/.test(l))).toMatch(/^loading sales: 25,000 rows in \d+\.\d\d s \(\d+(\.\d)?k rows\/s\)$/);
    expect(lines.find((l) => l.startsWith('loading visits: ') && / in /.test(l))).toMatch(/^loading visits: 12,345 rows in \d+\.\d\d s/);
    expect(lines.find((l) => l.startsWith('fitting and profiling features: ') && / in /.test(l))).toMatch(/^fitting and profiling features: 3 feature versions in \d+\.\d\d s$/);
    // Every line is a step's line, in the order the steps run.
    const steps = [...new Set(lines.map((l) => l.split(':')[0]))];
    expect(steps).toEqual(['loading sales', 'loading visits', 'creating indexes', 'fitting and profiling features']);
    // The summary still follows, on stdout.
    expect(r.stdout).toContain('  source sales: loaded 25,000 rows\n');
    expect(r.stdout).toContain('  source visits: loaded 12,345 rows\n');
    expect(r.stdout.indexOf('Plan: 6 to add')).toBeLessThan(r.stdout.indexOf('source sales: loaded'));
  });

  it('--quiet prints no progress (the plan and the summary still)', async () => {
    const dir = project('quiet');
    const r = await run({ progress: true }, 'apply', dir, '--quiet');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Plan: 6 to add');
    expect(r.stdout).toContain('Applied (apply #1).');
    // An unchanged project: nothing loaded or fitted again (the indexes are checked).
    const again = await run({ progress: true }, 'apply', dir);
    expect(again.stderr).toMatch(/^creating indexes: 2 indexes in \d+\.\d\d s\n$/);
  });

  it('materialize reports keys per entity; -q silences it', async () => {
    const dir = project('materialize');
    expect((await run({ progress: true }, 'apply', dir, '-q')).stderr).toBe('');
    const r = await run({ progress: true }, 'materialize', dir, '--at', '2024-01-20');
    expect(r.code).toBe(0);
    // 50 shops (shop_id s0 … s49).
    expect(r.stderr).toMatch(/^materializing shop: 50 keys in \d+\.\d\d s\n$/);
    const quiet = await run({ progress: true }, 'materialize', dir, '--at', '2024-01-20', '-q');
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toContain('shop: 50 keys × 3 feature versions');
  });

  it('on a terminal: one line redrawn in place, each step left behind as its final line', async () => {
    const dir = project('tty');
    const r = await run({ progress: true, interactive: true }, 'apply', dir);
    expect(r.code).toBe(0);
    // Each write starts by clearing the line; final lines end with a newline, and nothing is left drawn.
    const writes = r.log.filter((l) => l.stream === 'err').map((l) => l.text);
    for (const w of writes) expect(w.startsWith('\r\x1b[K')).toBe(true);
    const finals = writes.filter((w) => w.endsWith('\n')).map((w) => w.slice(4, -1));
    expect(finals.map((f) => f.replace(/ in \d+\.\d\d s.*$/, ''))).toEqual(['loading sales: 25,000 rows', 'loading visits: 12,345 rows', 'creating indexes: 2 indexes', 'fitting and profiling features: 3 feature versions']);
    const last = writes[writes.length - 1]!;
    expect(last.endsWith('\n') || last === '\r\x1b[K').toBe(true);
  });

  it('as a process with stdout and stderr in one pipe (a CI log): the plan, then progress, then the summary', () => {
    const dir = project('process');
    const logFile = join(base, 'process.log');
    const fd = openSync(logFile, 'w');
    try {
      const child = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'bin.ts'), 'apply', dir], { cwd: ROOT, stdio: ['ignore', fd, fd] });
      expect(child.status).toBe(0);
    } finally {
      closeSync(fd);
    }
    const log = readFileSync(logFile, 'utf8');
    expect(log).not.toMatch(/\r|\x1b/);
    const plan = log.indexOf('Plan: 6 to add');
    const loading = log.indexOf('loading sales: ');
    const summary = log.indexOf('  source sales: loaded 25,000 rows');
    expect(plan).toBeGreaterThan(0);
    expect(loading).toBeGreaterThan(plan);
    expect(summary).toBeGreaterThan(loading);
    expect(log).toMatch(/^loading sales: 25,000 rows in \d+\.\d\d s/m);
  }, 60_000);
});

describe('ProgressReporter', () => {
  const rows = (done: number, extra: object = {}) => ({ step: 'loading t', unit: 'row', done, ...extra });

  it('piped: nothing for the first second, then at most a line a second, and a final line with the rate', () => {
    let now = 0;
    const out: string[] = [];
    const p = new ProgressReporter((t) => out.push(t), { live: false, now: () => now });
    p.report(rows(0, { bytes: { done: 0, total: 4_000_000 } }));
    now = 500;
    p.report(rows(100_000, { bytes: { done: 1_000_000, total: 4_000_000 } }));
    expect(out).toEqual([]);
    now = 1000;
    p.report(rows(200_000, { bytes: { done: 2_000_000, total: 4_000_000 } }));
    now = 1500;
    p.report(rows(300_000, { bytes: { done: 3_000_000, total: 4_000_000 } }));
    now = 2000;
    p.report(rows(400_000, { bytes: { done: 4_000_000, total: 4_000_000 } }));
    now = 2100;
    p.report(rows(410_000, { total: 410_000, end: true }));
    expect(out).toEqual([
      'loading t: 200,000 rows, 50% of 4.0 MB (200k rows/s)\n',
      'loading t: 400,000 rows, 100% of 4.0 MB (200k rows/s)\n',
      // 410,000 rows in 2.1 s: 195.2k rows/s, shown as 195k.
      'loading t: 410,000 rows in 2.10 s (195k rows/s)\n',
    ]);
  });

  it('with a known total: done / total and the percentage; other units get no rate', () => {
    let now = 0;
    const out: string[] = [];
    const p = new ProgressReporter((t) => out.push(t), { live: false, now: () => now });
    p.report(rows(0, { total: 1_000_000 }));
    now = 1000;
    p.report(rows(400_000, { total: 1_000_000 }));
    now = 1200;
    p.report({ step: 'fitting', unit: 'feature version', done: 1, total: 16 });
    now = 2300;
    p.report({ step: 'fitting', unit: 'feature version', done: 9, total: 16 });
    p.report({ step: 'fitting', unit: 'feature version', done: 16, total: 16, end: true });
    expect(out).toEqual(['loading t: 400,000 / 1,000,000 rows (40%) (400k rows/s)\n', 'fitting: 9 / 16 feature versions\n', 'fitting: 16 feature versions in 1.10 s\n']);
  });

  it('a step still waiting for its first row (a training query running in the engine) says how long it has run', () => {
    let now = 0;
    const out: string[] = [];
    const p = new ProgressReporter((t) => out.push(t), { live: false, now: () => now });
    const computing = { step: 'computing training set s on duckdb', unit: 'row', done: 0 };
    p.report(computing);
    now = 5000;
    p.report(computing);
    now = 10_500;
    p.report(computing);
    now = 12_000;
    p.report({ ...computing, done: 150, total: 150, end: true });
    expect(out).toEqual([
      'computing training set s on duckdb: running for 5 s\n',
      'computing training set s on duckdb: running for 10 s\n',
      // 150 rows in 12 s: 12.5 rows/s, shown as 13.
      'computing training set s on duckdb: 150 rows in 12.00 s (13 rows/s)\n',
    ]);
  });

  it('live: redraws at most every 100 ms, clears before each draw, and leaves the final line', () => {
    let now = 0;
    const out: string[] = [];
    const p = new ProgressReporter((t) => out.push(t), { live: true, now: () => now });
    p.report(rows(0, { total: 10 }));
    now = 50;
    p.report(rows(5, { total: 10 }));
    now = 150;
    p.report(rows(8, { total: 10 }));
    now = 200;
    p.report(rows(10, { total: 10, end: true }));
    p.report({ step: 'views', unit: 'view', done: 0, total: 2 });
    p.clear();
    expect(out).toEqual(['\r\x1b[Kloading t: 0 / 10 rows (0%)', '\r\x1b[Kloading t: 8 / 10 rows (80%) (53 rows/s)', '\r\x1b[Kloading t: 10 rows in 0.20 s (50 rows/s)\n', '\r\x1b[Kviews: 0 / 2 views', '\r\x1b[K']);
  });
});

describe('file loaders report progress', () => {
  const columns: ColumnInfo[] = [
    { name: 'shop_id', type: 'TEXT', nullable: false },
    { name: 'amount', type: 'DOUBLE', nullable: true },
    { name: 'sold_at', type: 'TIMESTAMP', nullable: false },
  ];
  let dir = '';
  let cleanup = () => undefined as void;
  beforeAll(() => {
    ({ dir, cleanup } = tempDir('fsql-read-progress-'));
    writeFiles(dir, { 'sales.csv': salesCsv(SALES) });
  });
  afterAll(() => cleanup());

  it('CSV: rows handed on after each batch, and bytes read of the file size', async () => {
    const path = join(dir, 'sales.csv');
    const reports: ReadProgress[] = [];
    const result = await readSourceFileBatches(path, 'CSV', columns, 10_000, () => undefined, { onProgress: (p) => reports.push(p) });
    expect(result).toEqual({ rowCount: SALES });
    expect(reports.map((r) => r.rows)).toEqual([10_000, 20_000, 25_000]);
    const size = readFileSync(path).length;
    for (const r of reports) {
      expect(r.totalBytes).toBe(size);
      expect(r.bytes).toBeGreaterThan(0);
      expect(r.bytes).toBeLessThanOrEqual(size);
      expect(r.totalRows).toBeUndefined();
    }
    expect(reports[reports.length - 1]!.bytes).toBe(size);
  });

  it('Parquet: the row total from the footer', async () => {
    const path = join(dir, 'sales.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    await c.run(`COPY (SELECT * FROM read_csv('${join(dir, 'sales.csv')}', header = true, columns = {'shop_id': 'VARCHAR', 'amount': 'DOUBLE', 'sold_at': 'TIMESTAMP'})) TO '${path}' (FORMAT PARQUET)`);
    c.closeSync();
    instance.closeSync();
    const reports: ReadProgress[] = [];
    const result = await readSourceFileBatches(path, 'PARQUET', columns, 10_000, () => undefined, { onProgress: (p) => reports.push(p) });
    expect(result).toEqual({ rowCount: SALES });
    expect(reports.map((r) => [r.rows, r.totalRows])).toEqual([
      [10_000, SALES],
      [20_000, SALES],
      [25_000, SALES],
    ]);
  });
});
