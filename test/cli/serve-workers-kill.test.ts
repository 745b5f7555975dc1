/**
 * `fsql serve --workers 2` under SIGKILL with concurrent ingest (issue 10,
 * finding 2): after every cycle, every key serves exactly the events the
 * offline file holds — no acknowledged event missing, still a second later.
 * The harness is test/support/worker-kill.ts; the fuzz tier of .ci/run runs
 * it for more cycles.
 */
import { describe, expect, it } from 'vitest';
import { runWorkerKill } from '../support/worker-kill.js';

describe('fsql serve --workers 2, workers killed under concurrent ingest', () => {
  it('loses no acknowledged event from the lookups', { timeout: 180_000 }, async () => {
    const r = await runWorkerKill({ seed: 10_2, cycles: 3, budgetMs: 90_000 });
    expect(r.cycles.length).toBeGreaterThan(0);
    for (const c of r.cycles) {
      expect(c.acked, `cycle ${c.cycle} acknowledged batches`).toBeGreaterThan(0);
      expect(c.mismatches, `cycle ${c.cycle}`).toEqual([]);
    }
    expect(r.stderr).toMatch(/worker \d+ was killed \(SIGKILL\)/);
    expect(r.exitCode).toBe(0);
  });
});
