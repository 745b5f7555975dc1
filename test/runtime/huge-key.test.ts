/**
 * A key value longer than DuckDB's ART index holds (122,880 bytes) — issue
 * 10, finding 5: `apply` of a FILE with a 2 MB user_id ended with exit 70
 * ("Failed to commit: key size … exceeds the maximum size … for this ART")
 * on DuckDB, while SQLite loads it. Now both engines load it (DuckDB leaves
 * that table's index out) and serve its vector; an ingested event with such
 * a key, into a stream table DuckDB has indexed, is refused as a bad row
 * (row, column, reason) with nothing stored — SQLite stores it.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/runtime/workspace.js';
import { copyExample, fsql } from './support.js';

const HUGE = `u${'x'.repeat(2_000_000)}`;
const HUGE_EVENT = `a${'y'.repeat(200_000)}`;

describe.each(['duckdb', 'sqlite'] as const)('a 2 MB key on %s', (engine) => {
  const project = copyExample('payments', `fsql-huge-${engine}-`);
  const dir = project.dir;
  afterAll(() => project.cleanup());

  it('loads from a FILE, and its vector is served', { timeout: 120_000 }, async () => {
    writeFileSync(join(dir, 'fsql.json'), JSON.stringify({ offline: { engine } }));
    const users = join(dir, 'data', 'users.csv');
    const header = readFileSync(users, 'utf8').split('\n')[0]!;
    expect(header).toBe('user_id,country,signup_date,age,is_premium');
    appendFileSync(users, `${HUGE},DE,2024-01-01,40,false\n`);
    const applied = await fsql('apply', dir, '-q');
    expect(applied.stderr).not.toContain('internal error');
    expect(applied.code).toBe(0);
    expect((await fsql('materialize', dir, '--at', '2024-04-30')).code).toBe(0);
    const ws = Workspace.open(dir);
    try {
      const [v] = await ws.online().get('user', [[HUGE]], [{ name: 'home_country' }]);
      expect(v!.found).toBe(true);
      // The row says DE: the DE column is 1, the others 0.
      const values = v!.features[0]!.values;
      expect(values['home_country__DE']).toBe(1);
      expect(Object.entries(values).filter(([, x]) => x === 1).map(([k]) => k)).toEqual(['home_country__DE']);
    } finally {
      await ws.close();
    }
  });

  it(engine === 'duckdb' ? 'refuses an ingested event with a key longer than its index holds, storing nothing' : 'stores an ingested event with such a key', { timeout: 60_000 }, async () => {
    const file = join(dir, 'huge-events.json');
    writeFileSync(
      file,
      JSON.stringify([
        { event_id: 'h1', account_id: 'u0001', event_type: 'login', ts: '2024-04-29 10:00:00' },
        { event_id: 'h2', account_id: HUGE_EVENT, event_type: 'login_failed', ts: '2024-04-29 10:00:00' },
      ]),
    );
    const r = await fsql('ingest', 'app_events', file, dir);
    expect(r.stderr).not.toContain('internal error');
    const ws = Workspace.open(dir);
    try {
      const stored = await ws.exclusive(async () => (await ws.engine()).query(`SELECT count(*) AS n FROM app_events WHERE event_id IN ('h1', 'h2')`));
      if (engine === 'duckdb') {
        expect(r.code).toBe(1);
        // 200,001 UTF-8 bytes and a terminator for account_id, 9 counted for ts.
        expect(r.stderr).toContain(`${file}: row 2, column account_id: a key of 200,011 bytes: DuckDB's index on app_events (account_id, ts) holds keys of at most 122,880 bytes`);
        expect(r.stderr).toContain('nothing was stored');
        expect(Number(stored[0]!['n'])).toBe(0);
      } else {
        expect(r.code).toBe(0);
        expect(Number(stored[0]!['n'])).toBe(2);
      }
    } finally {
      await ws.close();
    }
  });
});
