/**
 * Fuzz tier: the worker-kill durability run (test/support/worker-kill.ts) for
 * more cycles than the test suite's, seeded and bounded in time. Prints one
 * line per cycle and, last, `N passed, N failed` (one per cycle; a run that
 * could not start counts as one failure). Exit 0 when every cycle passed.
 *
 *   npx tsx .ci/fuzz/worker-kill.ts [--seed N] [--cycles N] [--budget-seconds N]
 */
import { runWorkerKill } from '../../test/support/worker-kill.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a number`);
  return v;
};
const seed = option('seed', 20_240_430);
const cycles = option('cycles', 20);
const budgetMs = option('budget-seconds', 130) * 1000;

console.log(`worker-kill: seed ${seed}, up to ${cycles} cycles, ${budgetMs / 1000} s`);
let passed = 0;
let failed = 0;
try {
  const r = await runWorkerKill({ seed, cycles, budgetMs, log: (line) => console.log(line) });
  for (const c of r.cycles) {
    if (c.mismatches.length === 0 && c.acked > 0) passed++;
    else failed++;
  }
  if (r.abandoned !== undefined) console.log(`cycle ${r.abandoned} was abandoned at the deadline (a slow machine): not counted`);
  if (r.cycles.length === 0) {
    console.log('no cycle finished in time');
    failed++;
  }
  if (r.exitCode !== 0) {
    console.log(`the server exited with ${r.exitCode} after SIGTERM`);
    failed++;
  }
  if (failed > 0) console.log(`server stderr:\n${r.stderr}`);
} catch (e) {
  console.log(`worker-kill: the run failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  failed++;
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
