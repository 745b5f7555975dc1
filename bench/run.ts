/**
 * fsql benchmarks: `npm run bench [-- options]`. See bench/README.md.
 *
 *   --only check[,other]   run only these workloads (default: all)
 *   --sizes 1000,10000     project sizes in features (default: 1000,10000,100000)
 *   --repeat N             timed repetitions per measurement (default: 15 at 1k, 7 at 10k, 3 at 100k)
 *   --quick                sizes 1000,10000 and 3 repetitions
 *   --no-build             run the measurements under tsx instead of plain
 *                          JavaScript (tsx's keepNames adds a call per closure
 *                          created, which slows the parser down)
 *   --list                 list the workloads
 *
 * Each workload is a named entry in WORKLOADS. Measurements run in child
 * processes (`node --expose-gc`), one per case, so that sizes do not share a
 * heap or JIT state, and memory can be read in isolation.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { measureTrainingArgs, runTrainingWorkload } from './training.js';
import { runWindowsWorkload } from './windows.js';
import { enginesOptionsFromEnv, runEnginesWorkload } from './engines.js';
import { flightsOptionsFromEnv, runFlightsWorkload } from './flights.js';
import { measureOnlineArgs, runOnlineWorkload } from './online.js';
import { measureHttp, runHttpWorkload } from './http.js';
import { measureTiles, runTilesWorkload } from './tiles.js';
import { measureIngest, runIngestWorkload } from './ingest-http.js';
import { measureKafka, runKafkaWorkload } from './kafka.js';
import { measureMaterializeArgs, runMaterializeWorkload } from './materialize.js';
import { measureLsp, runLspWorkload } from './lsp.js';
import { measureCompileArgs, runCompileWorkload } from './compile.js';
import { measureCli, runCliWorkload } from './cli-start.js';
import { measureApplyArgs, runApplyWorkload } from './apply.js';

/** True when this file runs compiled (from bench/results/.build/bench/run.js), not under tsx. */
const COMPILED = fileURLToPath(import.meta.url).endsWith('.js');
/** The source folder bench/, also when running compiled. */
const BENCH_DIR = COMPILED ? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..') : dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = join(BENCH_DIR, 'results');
const ROOT = join(BENCH_DIR, '..');

// ---------------------------------------------------------------------------
// Options and workloads

interface Options {
  readonly only: readonly string[] | undefined;
  readonly sizes: readonly number[];
  readonly repeat: number | undefined;
  readonly build: boolean;
}

interface Workload {
  readonly name: string;
  readonly description: string;
  /** Runs in the parent process: spawns the measurements, prints and saves the results. */
  run(options: Options, runner: ChildRunner): Promise<void>;
  /** Runs in a child process: one measurement case; returns JSON-able results. */
  measure(args: Record<string, string>): Promise<unknown>;
}

const WORKLOADS: readonly Workload[] = [
  {
    name: 'check',
    description: 'parse and check synthetic projects of 1k, 10k and 100k features; JSON-parser baseline; peak memory',
    run: runCheck,
    measure: measureCheck,
  },
  {
    name: 'compile',
    description: 'compile --all and --entity (the biggest entity) of the synthetic projects, SQLite and all 8 targets; cost per feature against the smallest size',
    async run(options, runner) {
      const { rows, targets } = await runCompileWorkload(options, runner);
      const k = (n: number): string => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));
      console.log();
      printTable(
        'Compile (median ms; µs per feature; growth = µs per feature ÷ the smallest size’s, 1 = linear)',
        ['features', 'entity features', 'plans', 'MB SQL', '--all ms', 'all targets ms', '--entity ms', 'µs/feature all', 'µs/feature entity', 'growth all', 'growth entity'],
        rows.map((r) => [k(r.features), String(r.entityFeatures), String(r.plans), r.outputMB.toFixed(1), r.allMs.toFixed(0), r.allTargetsMs.toFixed(0), r.entityMs.toFixed(0), r.allUsPerFeature.toFixed(1), r.entityUsPerFeature.toFixed(1), `${r.allGrowth.toFixed(2)}×`, `${r.entityGrowth.toFixed(2)}×`]),
      );
      console.log('Targets (reported, not asserted)');
      for (const t of targets) console.log(`  ${t.met === undefined ? '–' : t.met ? '✓' : '✗'} ${t.target}: ${t.measured}`);
      writeFileSync(join(RESULTS_DIR, 'compile.json'), `${JSON.stringify({ workload: 'compile', date: new Date().toISOString(), results: rows, targets }, null, 2)}\n`);
    },
    measure: measureCompileArgs,
  },
  {
    name: 'training',
    description: 'training set of 100k labels × 6 features over 100k and 1M events on SQLite and DuckDB, against naive and hand-written SQL',
    async run(options, runner) {
      const rows = await runTrainingWorkload(options, runner);
      writeFileSync(join(RESULTS_DIR, 'training.json'), `${JSON.stringify({ workload: 'training', date: new Date().toISOString(), results: rows }, null, 2)}\n`);
    },
    measure: measureTrainingArgs,
  },
  {
    name: 'windows',
    description: 'windowed aggregates (COUNT 1d, AVG 7d, SUM WHERE 30d, COUNT(x) 30d) for 20k labels over 1M events (--quick: 300k) on DuckDB and SQLite: fsql beside hand-written prefix sums + ASOF and the previous range join, with peak RSS',
    async run(options) {
      const rows = await runWindowsWorkload({ events: options.sizes.length < 3 ? 300_000 : 1_000_000, labels: 20_000, users: 500, repeat: options.repeat ?? 3, beforeTimeoutSeconds: 600 });
      writeFileSync(join(RESULTS_DIR, 'windows.json'), `${JSON.stringify({ workload: 'windows', date: new Date().toISOString(), results: rows }, null, 2)}\n`);
    },
    // Each case runs in a child process of bench/windows.ts itself (its own peak RSS).
    measure: () => Promise.reject(new Error('the windows workload measures in its own child processes')),
  },
  {
    name: 'engines',
    description: 'training set of 20k labels × windowed COUNT/AVG/MAX/SUM WHERE/COUNT DISTINCT (1–30 days) on every registered engine available (PostgreSQL, MySQL, Spark by FSQL_TEST_*_URL) against the best hand-written query per engine; growth with events (FSQL_BENCH_ENGINES_EVENTS)',
    async run(options) {
      const result = await runEnginesWorkload(enginesOptionsFromEnv(options.sizes.length < 3));
      writeFileSync(join(RESULTS_DIR, 'engines.json'), `${JSON.stringify({ workload: 'engines', date: new Date().toISOString(), loadavg: loadavg(), results: result }, null, 2)}\n`);
    },
    // Each engine and size runs in a child process of bench/engines.ts itself.
    measure: () => Promise.reject(new Error('the engines workload measures in its own child processes')),
  },
  {
    name: 'flights',
    description: 'issue 14 on real data: 3M US flights (vega-datasets) × 20k labels, COUNT 1d / AVG 7d / MAX 7d / SUM WHERE 30d / COUNT DISTINCT 30d per origin airport, on SQLite and DuckDB: fsql beside its alternatives and hand-written queries, peak RSS (FSQL_BENCH_FLIGHTS_EVENTS, _LABELS for a quick run)',
    async run() {
      const result = await runFlightsWorkload(flightsOptionsFromEnv());
      writeFileSync(join(RESULTS_DIR, 'flights.json'), `${JSON.stringify({ workload: 'flights', date: new Date().toISOString(), loadavg: loadavg(), results: result }, null, 2)}\n`);
    },
    // Each engine and query runs in a child process of bench/flights.ts itself.
    measure: () => Promise.reject(new Error('the flights workload measures in its own child processes')),
  },
  {
    name: 'online',
    description: 'online store: snapshot write throughput, get latency for 1 and 100 keys × 50 features (p50/p99)',
    async run(options, runner) {
      const rows = await runOnlineWorkload({ quick: options.sizes.length < 3 }, runner);
      writeFileSync(join(RESULTS_DIR, 'online.json'), `${JSON.stringify({ workload: 'online', date: new Date().toISOString(), results: rows }, null, 2)}\n`);
    },
    measure: measureOnlineArgs,
  },
  {
    name: 'http',
    description: 'fsql serve: POST /v1/features for 1 and 100 keys × 50 features (autocannon req/s; p50/p99 one at a time)',
    async run(options, runner) {
      const result = await runHttpWorkload({ quick: options.sizes.length < 3 }, runner);
      writeFileSync(join(RESULTS_DIR, 'http.json'), `${JSON.stringify({ workload: 'http', date: new Date().toISOString(), results: result }, null, 2)}\n`);
    },
    measure: measureHttp,
  },
  {
    name: 'tiles',
    description: 'fresh values: lookup p50/p99 for 1 and 100 keys with request-time windows (tiles) against plain vectors in the same run (ratios); incremental refresh against a full materialize',
    async run(options, runner) {
      const result = await runTilesWorkload({ quick: options.sizes.length < 3 }, runner);
      writeFileSync(join(RESULTS_DIR, 'tiles.json'), `${JSON.stringify({ workload: 'tiles', date: new Date().toISOString(), loadavg: loadavg(), results: result }, null, 2)}\n`);
    },
    measure: measureTiles,
  },
  {
    name: 'ingest',
    description: 'fsql serve: POST /v1/ingest batches of 1 and 100 events with online update (events/s, p50/p99)',
    async run(options, runner) {
      const result = await runIngestWorkload({ quick: options.sizes.length < 3 }, runner);
      writeFileSync(join(RESULTS_DIR, 'ingest.json'), `${JSON.stringify({ workload: 'ingest', date: new Date().toISOString(), results: result }, null, 2)}\n`);
    },
    measure: measureIngest,
  },
  {
    name: 'kafka',
    description: 'fsql consume from a real Kafka broker (FSQL_TEST_KAFKA_BROKERS; skipped when unset): events/s stored exactly once with online updates, against kafkajs alone',
    async run(options, runner) {
      const result = await runKafkaWorkload({ quick: options.sizes.length < 3 }, runner);
      writeFileSync(join(RESULTS_DIR, 'kafka.json'), `${JSON.stringify({ workload: 'kafka', date: new Date().toISOString(), loadavg: loadavg(), results: result }, null, 2)}\n`);
    },
    measure: measureKafka,
  },
  {
    name: 'materialize',
    description: 'apply + materialize 20 features of 20k and 200k keys (100k and 1M events) on SQLite and DuckDB into the online store (values/s, compute vs write, against raw SQLite inserts and the store alone); training set to CSV and Parquet',
    async run(options, runner) {
      const result = await runMaterializeWorkload({ repeat: options.repeat, quick: options.sizes.length < 3 }, runner);
      writeFileSync(join(RESULTS_DIR, 'materialize.json'), `${JSON.stringify({ workload: 'materialize', date: new Date().toISOString(), results: result }, null, 2)}\n`);
    },
    measure: measureMaterializeArgs,
  },
  {
    name: 'apply',
    description: 'fsql apply of a 3M-row Parquet FILE source + a fitted feature: DuckDB in place and copying, SQLite loading (rows/s), against DuckDB alone scanning the file and better-sqlite3 alone inserting the rows',
    async run(options, runner) {
      const result = await runApplyWorkload({ repeat: options.repeat, quick: options.sizes.length < 3 }, runner);
      writeFileSync(join(RESULTS_DIR, 'apply.json'), `${JSON.stringify({ workload: 'apply', date: new Date().toISOString(), loadavg: loadavg(), results: result }, null, 2)}\n`);
    },
    measure: measureApplyArgs,
  },
  {
    name: 'lsp',
    description: 'fsql lsp: a keystroke in a 1,000-feature project until its diagnostics (p50/p90, top/middle/end of the file), against a full check in the same run',
    async run(options, runner) {
      const result = await runLspWorkload({ quick: options.sizes.length < 3 }, runner);
      writeFileSync(join(RESULTS_DIR, 'lsp.json'), `${JSON.stringify({ workload: 'lsp', date: new Date().toISOString(), loadavg: loadavg(), results: result }, null, 2)}\n`);
    },
    measure: measureLsp,
  },
  {
    name: 'cli',
    description: 'fsql start-up: CPU and wall time of `fsql --help` and `fsql check` of the starter project, against `node -e 0` in the same run',
    async run(options, runner) {
      const result = await runCliWorkload({ quick: options.sizes.length < 3 }, runner);
      writeFileSync(join(RESULTS_DIR, 'cli.json'), `${JSON.stringify({ workload: 'cli', date: new Date().toISOString(), loadavg: loadavg(), results: result }, null, 2)}\n`);
    },
    measure: measureCli,
  },
];

function parseOptions(argv: readonly string[]): Options & { list: boolean } {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    if (i >= 0) return argv[i + 1];
    const eq = argv.find((a) => a.startsWith(`${flag}=`));
    return eq?.slice(flag.length + 1);
  };
  const quick = argv.includes('--quick');
  const sizes = value('--sizes')?.split(',').map((s) => Number(s.replace(/k$/i, '000'))) ?? (quick ? [1000, 10000] : [1000, 10000, 100000]);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`bad --sizes: ${value('--sizes')}`);
  const repeat = value('--repeat') !== undefined ? Number(value('--repeat')) : quick ? 3 : undefined;
  const only = value('--only')?.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of only ?? []) {
    if (!WORKLOADS.some((w) => w.name === name)) throw new Error(`unknown workload \`${name}\`; the workloads are ${WORKLOADS.map((w) => w.name).join(', ')}`);
  }
  return { only, sizes, repeat, build: !argv.includes('--no-build'), list: argv.includes('--list') };
}

// ---------------------------------------------------------------------------
// Children

interface ChildResult<T> {
  readonly result: T;
  /** Heap used before each full/young GC that ran while `--trace-gc` was on, in MB. */
  readonly gcHeapMB: number[];
}

type ChildRunner = <T>(workload: string, args: Record<string, string>) => Promise<ChildResult<T>>;

/**
 * Compiles the TypeScript the benchmarks import to plain ESM JavaScript under
 * bench/results/.build (a transpile, no type check: fast, and what `tsc` emits).
 */
async function buildJs(): Promise<string> {
  const ts = (await import('typescript')).default;
  const out = join(RESULTS_DIR, '.build');
  rmSync(out, { recursive: true, force: true });
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return name === 'results' || name === 'node_modules' ? [] : walk(path);
      return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
    });
  for (const file of ['src', 'grammar', 'bench'].flatMap((d) => walk(join(ROOT, d)))) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
    });
    const target = join(out, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
  return join(out, 'bench', 'run.js');
}

function childRunner(entry: string, viaTsx: boolean): ChildRunner {
  return (workload, args) =>
    new Promise((resolve, reject) => {
      const outFile = join(RESULTS_DIR, `.child-${process.pid}-${Date.now()}.json`);
      const flags = ['--expose-gc', '--max-old-space-size=16384', ...(viaTsx ? process.execArgv : [])];
      const argv = [...flags, entry, '--child', workload, '--out', outFile, ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, v])];
      const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => {
        let result: unknown;
        try {
          result = JSON.parse(readFileSync(outFile, 'utf8'));
          rmSync(outFile, { force: true });
        } catch {
          reject(new Error(`benchmark child (${workload} ${JSON.stringify(args)}) exited with ${code}:\n${stderr || stdout}`));
          return;
        }
        if (code !== 0) {
          reject(new Error(`benchmark child (${workload} ${JSON.stringify(args)}) exited with ${code}: ${JSON.stringify(result)}\n${stderr}`));
          return;
        }
        // `--trace-gc` lines: "... Scavenge 199.6 (218.4) -> 194.7 (223.7) MB, ..."
        const gcHeapMB = [...stdout.matchAll(/(?:Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact)[^\n]*?\s(\d+(?:\.\d+)?) \((\d+(?:\.\d+)?)\) -> /g)].map((m) => Number(m[1]));
        resolve({ result: result as never, gcHeapMB });
      });
    });
}

// ---------------------------------------------------------------------------
// Measuring

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Times several functions together: untimed warm-up runs of each (up to 5,
 * until half a second has gone to it), then `repeat` rounds that run each once,
 * in turn, after a full GC. Interleaving keeps a change in machine load from
 * skewing one measurement against another. Milliseconds, per function.
 */
function timeInterleaved<K extends string>(repeat: number, fns: Record<K, () => unknown>): Record<K, number[]> {
  const keys = Object.keys(fns) as K[];
  const times = {} as Record<K, number[]>;
  for (const k of keys) {
    times[k] = [];
    const w0 = performance.now();
    for (let i = 0; i < 5 && performance.now() - w0 < 500; i++) fns[k]();
  }
  for (let i = 0; i < repeat; i++) {
    for (const k of keys) {
      gc();
      const t0 = performance.now();
      fns[k]();
      times[k].push(performance.now() - t0);
    }
  }
  return times;
}

/** Samples the process's RSS every millisecond from a worker thread, while the main thread is busy. */
async function startRssSampler(): Promise<() => Promise<number>> {
  const shared = new BigInt64Array(new SharedArrayBuffer(16));
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const a = workerData;
     parentPort.postMessage('ready');
     while (Atomics.load(a, 0) === 0n) {
       const rss = BigInt(process.memoryUsage.rss());
       if (rss > a[1]) Atomics.store(a, 1, rss);
       Atomics.wait(a, 0, 0n, 1);
     }`,
    { eval: true, workerData: shared },
  );
  await new Promise<void>((resolve) => worker.once('message', () => resolve()));
  return async () => {
    Atomics.store(shared, 0, 1n);
    Atomics.notify(shared, 0);
    await worker.terminate();
    return Number(shared[1]);
  };
}

const MB = 1024 * 1024;

// ---------------------------------------------------------------------------
// The `check` workload

interface CheckMeasurement {
  features: number;
  files: number;
  statements: number;
  bytes: number;
  generateMs: number;
  errors: number;
  warnings: number;
  firstErrors: string[];
  repeat: number;
  lexMs: number[];
  parseMs: number[];
  checkMs: number[];
  jsonBytes: number;
  jsonLexMs: number[];
  jsonParseMs: number[];
  memory: {
    baseRssMB: number;
    peakRssMB: number;
    baseHeapMB: number;
    endHeapMB: number;
    retainedHeapMB: number;
  };
}

async function measureCheck(args: Record<string, string>): Promise<CheckMeasurement> {
  const { generateProject } = await import('./generate-project.js');
  const { checkProject } = await import('../src/check/project.js');
  const { parseFile } = await import('../src/syntax/parse.js');
  const { fsqlLexer } = await import('../src/syntax/tokens.js');
  const { generateJson, jsonLexer, parseJson } = await import('./json-baseline.js');
  const size = Number(args['size']);
  const repeat = Number(args['repeat']);

  const g0 = performance.now();
  const project = generateProject(size);
  const generateMs = performance.now() - g0;
  const files = project.files;

  // Memory, on the first (cold) check: peak RSS sampled from a worker, heap
  // before each GC from --trace-gc, and the heap the result retains.
  gc();
  const base = process.memoryUsage();
  const stopSampler = await startRssSampler();
  v8.setFlagsFromString('--trace-gc');
  let result: ReturnType<typeof checkProject> | undefined = checkProject(files);
  v8.setFlagsFromString('--no-trace-gc');
  const end = process.memoryUsage();
  const peakRss = Math.max(await stopSampler(), end.rss);
  gc();
  const retained = process.memoryUsage();
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const warnings = result.diagnostics.length - errors.length;
  const firstErrors = errors.slice(0, 10).map((d) => `${d.span.file}:${d.span.line}:${d.span.col} ${d.code} ${d.message}`);
  result = undefined;

  const common = {
    features: size,
    files: files.length,
    statements: project.counts.statements,
    bytes: project.bytes,
    generateMs,
    errors: errors.length,
    warnings,
    firstErrors,
    repeat,
    memory: {
      baseRssMB: base.rss / MB,
      peakRssMB: peakRss / MB,
      baseHeapMB: base.heapUsed / MB,
      endHeapMB: end.heapUsed / MB,
      retainedHeapMB: retained.heapUsed / MB,
    },
  };
  if (errors.length > 0) {
    return { ...common, lexMs: [], parseMs: [], checkMs: [], jsonBytes: 0, jsonLexMs: [], jsonParseMs: [] };
  }

  const json = generateJson(project.bytes);
  const probe = parseJson(json);
  if (probe.lexErrors.length + probe.parseErrors.length > 0) throw new Error('the JSON baseline document does not parse');
  const t = timeInterleaved(repeat, {
    lex: () => {
      for (const f of files) fsqlLexer.tokenize(f.text);
    },
    parse: () => {
      for (const f of files) parseFile(f.text, f.path);
    },
    check: () => checkProject(files),
    jsonLex: () => jsonLexer.tokenize(json),
    jsonParse: () => parseJson(json),
  });
  const [lexMs, parseMs, checkMs, jsonLexMs, jsonParseMs] = [t.lex, t.parse, t.check, t.jsonLex, t.jsonParse];

  return { ...common, lexMs, parseMs, checkMs, jsonBytes: Buffer.byteLength(json, 'utf8'), jsonLexMs, jsonParseMs };
}

interface CheckRow {
  features: number;
  files: number;
  statements: number;
  megabytes: number;
  generateMs: number;
  repeat: number;
  lexMs: number;
  parseMs: number;
  checkMs: number;
  lexMBps: number;
  parseMBps: number;
  checkMBps: number;
  checkFeaturesPerSec: number;
  jsonMegabytes: number;
  jsonLexMBps: number;
  jsonParseMBps: number;
  /** fsql parse MB/s ÷ JSON baseline lex+parse MB/s, median over the rounds (1 = as fast as the baseline). */
  parseVsJson: number;
  peakRssMB: number;
  rssGrowthMB: number;
  peakHeapMB: number;
  heapGrowthMB: number;
  retainedHeapMB: number;
  warnings: number;
  samplesMs: { lex: number[]; parse: number[]; check: number[]; jsonLex: number[]; jsonParse: number[] };
}

async function runCheck(options: Options, runChild: ChildRunner): Promise<void> {
  const rows: CheckRow[] = [];
  for (const size of options.sizes) {
    const repeat = options.repeat ?? (size >= 100000 ? 3 : size >= 10000 ? 7 : 15);
    process.stdout.write(`  check: ${size.toLocaleString('en-US')} features (${repeat} runs each) … `);
    const t0 = performance.now();
    const { result: m, gcHeapMB } = await runChild<CheckMeasurement>('check', { size: String(size), repeat: String(repeat) });
    console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (m.errors > 0) {
      throw new Error(`the generated ${size}-feature project does not check clean (${m.errors} errors):\n  ${m.firstErrors.join('\n  ')}`);
    }
    const mb = m.bytes / 1e6;
    const jsonMb = m.jsonBytes / 1e6;
    const peakHeap = Math.max(m.memory.endHeapMB, ...gcHeapMB);
    const row: CheckRow = {
      features: m.features,
      files: m.files,
      statements: m.statements,
      megabytes: mb,
      generateMs: m.generateMs,
      repeat: m.repeat,
      lexMs: median(m.lexMs),
      parseMs: median(m.parseMs),
      checkMs: median(m.checkMs),
      lexMBps: mb / (median(m.lexMs) / 1000),
      parseMBps: mb / (median(m.parseMs) / 1000),
      checkMBps: mb / (median(m.checkMs) / 1000),
      checkFeaturesPerSec: m.features / (median(m.checkMs) / 1000),
      jsonMegabytes: jsonMb,
      jsonLexMBps: jsonMb / (median(m.jsonLexMs) / 1000),
      jsonParseMBps: jsonMb / (median(m.jsonParseMs) / 1000),
      parseVsJson: median(m.parseMs.map((ms, i) => mb / ms / (jsonMb / m.jsonParseMs[i]!))),
      peakRssMB: m.memory.peakRssMB,
      rssGrowthMB: m.memory.peakRssMB - m.memory.baseRssMB,
      peakHeapMB: peakHeap,
      heapGrowthMB: peakHeap - m.memory.baseHeapMB,
      retainedHeapMB: m.memory.retainedHeapMB - m.memory.baseHeapMB,
      warnings: m.warnings,
      samplesMs: { lex: m.lexMs, parse: m.parseMs, check: m.checkMs, jsonLex: m.jsonLexMs, jsonParse: m.jsonParseMs },
    };
    rows.push(row);
  }

  // Growth: time ratios between consecutive sizes (10× more features → ideally 10× the time).
  const growth = rows.slice(1).map((r, i) => {
    const p = rows[i]!;
    return {
      from: p.features,
      to: r.features,
      sizeRatio: r.megabytes / p.megabytes,
      parseTimeRatio: r.parseMs / p.parseMs,
      checkTimeRatio: r.checkMs / p.checkMs,
      peakHeapRatio: r.heapGrowthMB / p.heapGrowthMB,
    };
  });

  const k = (n: number): string => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));
  const f = (n: number, digits = 1): string => n.toFixed(digits);
  console.log();
  printTable(
    `Throughput (median of the timed runs; parse = parseFile: lex + parse to the AST + diagnostics; check = checkProject: parse + full check)`,
    ['features', 'files', 'MB', 'lex MB/s', 'parse ms', 'parse MB/s', 'check ms', 'check MB/s', 'features/s', 'JSON MB/s', 'parse ÷ JSON'],
    rows.map((r) => [
      k(r.features),
      String(r.files),
      f(r.megabytes, 2),
      f(r.lexMBps, 2),
      f(r.parseMs, 0),
      f(r.parseMBps, 2),
      f(r.checkMs, 0),
      f(r.checkMBps, 2),
      Math.round(r.checkFeaturesPerSec).toLocaleString('en-US'),
      f(r.jsonParseMBps, 2),
      `${f(r.parseVsJson, 2)}×`,
    ]),
  );
  printTable(
    'Memory (first check of the project, in its own process; MB)',
    ['features', 'peak RSS', 'RSS growth', 'peak heap', 'heap growth', 'retained heap'],
    rows.map((r) => [k(r.features), f(r.peakRssMB, 0), f(r.rssGrowthMB, 0), f(r.peakHeapMB, 0), f(r.heapGrowthMB, 0), f(r.retainedHeapMB, 0)]),
  );
  if (growth.length > 0) {
    printTable(
      'Growth (ratio of the larger size to the smaller; linear = the size ratio)',
      ['from → to', 'size ×', 'parse time ×', 'check time ×', 'heap growth ×'],
      growth.map((g) => [`${k(g.from)} → ${k(g.to)}`, f(g.sizeRatio), f(g.parseTimeRatio), f(g.checkTimeRatio), f(g.peakHeapRatio)]),
    );
  }

  const targets: { target: string; measured: string; met: boolean | undefined }[] = [];
  const at10k = rows.find((r) => r.features === 10000);
  targets.push({
    target: 'a 10k-feature project checks in well under a second',
    measured: at10k ? `${f(at10k.checkMs, 0)} ms` : 'not measured (add 10000 to --sizes)',
    met: at10k ? at10k.checkMs < 1000 : undefined,
  });
  const worstRatio = Math.min(...rows.map((r) => r.parseVsJson));
  targets.push({
    target: 'parse speed within 2× of the chevrotain JSON baseline (parse ÷ JSON ≥ 0.5×)',
    measured: `${rows.map((r) => `${k(r.features)}: ${f(r.parseVsJson, 2)}×`).join(', ')}`,
    met: worstRatio >= 0.5,
  });
  const load = loadavg()[0]!;
  if (load > cpus().length * 0.75) {
    console.log(`Note: the machine was busy (load average ${load.toFixed(1)} on ${cpus().length} CPUs): absolute times are inflated; ratios measured in one process are steadier.\n`);
  }
  console.log('Targets (reported, not asserted)');
  for (const t of targets) console.log(`  ${t.met === undefined ? '–' : t.met ? '✓' : '✗'} ${t.target}: ${t.measured}`);

  const out = join(RESULTS_DIR, 'check.json');
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        workload: 'check',
        date: new Date().toISOString(),
        environment: {
          node: process.version,
          v8: process.versions.v8,
          platform: `${process.platform} ${process.arch}`,
          cpu: cpus()[0]?.model ?? 'unknown',
          cpus: cpus().length,
          memoryGB: Math.round(totalmem() / 1e9),
          compiled: options.build,
          loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
        },
        results: rows,
        growth,
        targets,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nResults written to ${relative(process.cwd(), out)}`);
}

function printTable(title: string, header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`;
  console.log(title);
  console.log(line(header));
  console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows) console.log(line(r));
  console.log();
}

// ---------------------------------------------------------------------------
// Entry point

async function childMain(argv: readonly string[]): Promise<void> {
  const name = argv[argv.indexOf('--child') + 1]!;
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) if (argv[i]!.startsWith('--') && argv[i + 1] !== undefined) args[argv[i]!.slice(2)] = argv[i + 1]!;
  const workload = WORKLOADS.find((w) => w.name === name);
  if (!workload) throw new Error(`unknown workload ${name}`);
  const result = await workload.measure(args);
  writeFileSync(args['out']!, JSON.stringify(result));
}

async function main(argv: readonly string[]): Promise<void> {
  const options = parseOptions(argv);
  if (options.list) {
    for (const w of WORKLOADS) console.log(`${w.name.padEnd(10)} ${w.description}`);
    return;
  }
  const selected = WORKLOADS.filter((w) => !options.only || options.only.includes(w.name));
  mkdirSync(RESULTS_DIR, { recursive: true });
  let runner: ChildRunner;
  if (options.build && !COMPILED) {
    const t0 = performance.now();
    const entry = await buildJs();
    console.log(`fsql benchmarks — compiled to JavaScript in ${((performance.now() - t0) / 1000).toFixed(1)} s; node ${process.version}, ${cpus().length} CPUs`);
    runner = childRunner(entry, false);
  } else {
    console.log(`fsql benchmarks — under ${COMPILED ? 'plain JavaScript' : 'tsx'}; node ${process.version}, ${cpus().length} CPUs`);
    runner = childRunner(fileURLToPath(import.meta.url), !COMPILED);
  }
  for (const w of selected) {
    console.log(`\n== ${w.name}: ${w.description}`);
    await w.run(options, runner);
  }
}

const argv = process.argv.slice(2);
const isMain = process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url;
if (isMain) {
  (argv.includes('--child') ? childMain(argv) : main(argv)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
