/**
 * The `cli` workload: what starting the `fsql` command costs before it does
 * any work, against starting node itself (`node -e 0`) in the same run.
 *
 * Each case is a fresh process, run `rounds` times, the cases interleaved (so
 * a change in machine load touches them alike). A process's CPU time (user +
 * system, the whole process: its own `process.cpuUsage()` read on exit, written
 * by a small `--import` preload that every case, the baseline included, gets)
 * is steadier than its wall time on a busy machine; wall time is from spawn to
 * exit, in the parent. Cases:
 *
 * - `node -e 0`: the baseline;
 * - `fsql --help`: start-up alone (commander and the command table);
 * - `fsql check` of examples/starter: start, loading the parser and checker, a
 *   small project checked;
 * - `fsql --help` under tsx (what `npm run fsql` does, for development), to
 *   show why the installed bin runs the compiled JavaScript.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface Runner {
  <T>(workload: string, args: Record<string, string>): Promise<{ result: T }>;
}

export interface CliCase {
  readonly name: string;
  readonly cpuMs: number;
  readonly wallMs: number;
  /** CPU ms ÷ `node -e 0`'s CPU ms in the same run. */
  readonly cpuVsNode: number;
  readonly samples: { cpuMs: number[]; wallMs: number[] };
}

export interface CliResult {
  readonly rounds: number;
  readonly cases: readonly CliCase[];
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** One process: its CPU ms (from the preload) and wall ms. */
function runOnce(preload: string, args: readonly string[], cwd: string, out: string): Promise<{ cpuMs: number; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', pathToFileURL(preload).href, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, FSQL_BENCH_CPU_OUT: out, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited with ${code}: ${stderr.slice(-500)}`));
      const u = JSON.parse(readFileSync(out, 'utf8')) as { user: number; system: number };
      resolve({ cpuMs: (u.user + u.system) / 1000, wallMs });
    });
  });
}

export async function measureCli(args: Record<string, string>): Promise<CliResult> {
  const rounds = Number(args['rounds'] ?? '15');
  const here = dirname(fileURLToPath(import.meta.url));
  const compiled = import.meta.url.endsWith('.js');
  // The CLI next to this file, compiled: bench/results/.build/src/cli/bin.js (what bin/fsql.js runs from dist/).
  const root = compiled ? join(here, '..', '..', '..', '..') : join(here, '..');
  const bin = compiled ? join(here, '..', 'src', 'cli', 'bin.js') : join(root, 'dist', 'src', 'cli', 'bin.js');
  const tsBin = join(root, 'src', 'cli', 'bin.ts');
  const starter = join(root, 'examples', 'starter');
  const dir = mkdtempSync(join(tmpdir(), 'fsql-bench-cli-'));
  const preload = join(dir, 'cpu.mjs');
  writeFileSync(preload, "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.FSQL_BENCH_CPU_OUT, JSON.stringify(process.cpuUsage())));\n");
  const out = join(dir, 'cpu.json');
  const cases: { name: string; args: string[] }[] = [
    { name: 'node -e 0', args: ['-e', '0'] },
    { name: 'fsql --help', args: [bin, '--help'] },
    { name: 'fsql check (examples/starter)', args: [bin, 'check', starter] },
    { name: 'fsql --help under tsx (npm run fsql)', args: ['--import', 'tsx', tsBin, '--help'] },
  ];
  const samples = cases.map(() => ({ cpuMs: [] as number[], wallMs: [] as number[] }));
  try {
    for (const c of cases) await runOnce(preload, c.args, root, out); // warm the file cache
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < cases.length; i++) {
        const { cpuMs, wallMs } = await runOnce(preload, cases[i]!.args, root, out);
        samples[i]!.cpuMs.push(cpuMs);
        samples[i]!.wallMs.push(wallMs);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const nodeCpu = median(samples[0]!.cpuMs);
  return {
    rounds,
    cases: cases.map((c, i) => ({ name: c.name, cpuMs: median(samples[i]!.cpuMs), wallMs: median(samples[i]!.wallMs), cpuVsNode: median(samples[i]!.cpuMs) / nodeCpu, samples: samples[i]! })),
  };
}

export async function runCliWorkload(options: { readonly quick?: boolean }, run: Runner): Promise<CliResult> {
  const { result } = await run<CliResult>('cli', { rounds: options.quick ? '7' : '15' });
  const width = Math.max(...result.cases.map((c) => c.name.length));
  console.log(`${result.rounds} rounds, each case a fresh process; medians`);
  console.log(`${'case'.padEnd(width)}  CPU ms  wall ms  CPU ÷ node -e 0`);
  for (const c of result.cases) console.log(`${c.name.padEnd(width)}  ${c.cpuMs.toFixed(0).padStart(6)}  ${c.wallMs.toFixed(0).padStart(7)}  ${c.cpuVsNode.toFixed(2).padStart(14)}×`);
  const help = result.cases.find((c) => c.name === 'fsql --help')!;
  console.log(`\nTarget (reported, not asserted): fsql --help ≤ 300 ms of CPU — ${help.cpuMs <= 300 ? 'met' : 'NOT met'} (${help.cpuMs.toFixed(0)} ms, ${help.cpuVsNode.toFixed(2)}× node -e 0)`);
  return result;
}
