import { runWorkerKill } from './worker-kill.ts';
const t0 = Date.now();
const r = await runWorkerKill({ seed: 102, cycles: 1, budgetMs: 30_000 });
console.log('done in', (Date.now() - t0) / 1000, 's', JSON.stringify(r.cycles.map((c) => [c.acked, c.mismatches.length])), r.exitCode, r.abandoned);
console.log(r.stderr.split('\n').slice(-15).join('\n'));
