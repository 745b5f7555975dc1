import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteOnlineStore } from '../../../src/store/online/sqlite-store.js';
import type { OnlineStore } from '../../../src/store/online/store.js';
import { forkTsx, marked, tempDir, waitExit } from './support.js';

const dirs = tempDir();
afterAll(() => dirs.cleanup());

const BASE = 5_000;
const FEATURES = 30;

/** Every key of snapshot `mark` is there with its values, and no other key. */
async function expectSnapshot(store: OnlineStore, mark: number): Promise<void> {
  const extent = marked.extent(mark, BASE);
  const keys = Array.from({ length: extent + 200 }, (_v, i) => [`k${i}`]);
  const got = await store.get('user', keys);
  const wrong = got.filter((r, i) => r.found !== i < extent || (r.found && r.features.some((f, j) => f.values[f.name] !== marked.value(mark, j) || f.eventTime !== mark)));
  expect(wrong.map((r) => r.key)).toEqual([]);
  expect(await store.describe('user')).toMatchObject({ asOf: mark, keys: extent });
}

function inspect(path: string): { integrity: string; tables: string[] } {
  const db = new Database(path);
  try {
    return {
      integrity: db.pragma('integrity_check', { simple: true }) as string,
      tables: db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'fsql_vectors_%'`).pluck().all() as string[],
    };
  } finally {
    db.close();
  }
}

describe('crash safety', () => {
  it('a writer killed (SIGKILL) in the middle of a snapshot leaves the previous one served', async () => {
    const path = `${dirs.dir}/crash.db`;
    const store = new SqliteOnlineStore(path);
    await store.writeSnapshot('user', marked.snapshot(1, BASE, FEATURES));
    const walBefore = statSync(`${path}-wal`).size;

    // A child process writes snapshot 2 (endless); kill it once it is well into the write.
    const child = forkTsx('crash-writer-child.ts', [path, 'user', '2', '60000', String(FEATURES)]);
    const exited = waitExit(child);
    const deadline = Date.now() + 90_000;
    while (!existsSync(`${path}.midway`)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the writer did not get midway (exit ${child.exitCode})`);
      // The store stays readable while the other process writes.
      await expectSnapshot(store, 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const walAtKill = statSync(`${path}-wal`).size;
    child.kill('SIGKILL');
    expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });
    // The killed write had put uncommitted pages into the WAL: the case we mean to test.
    expect(walAtKill).toBeGreaterThan(walBefore + 4 * 1024 * 1024);

    // The connection open during the crash still reads snapshot 1.
    await expectSnapshot(store, 1);
    await store.close();

    // Reopened: snapshot 1, a sound file, no half-written table.
    const before = inspect(path);
    expect(before.integrity).toBe('ok');
    expect(before.tables).toHaveLength(1);
    const reopened = new SqliteOnlineStore(path);
    try {
      await expectSnapshot(reopened, 1);
      // A later snapshot works, and replaces it.
      await reopened.writeSnapshot('user', marked.snapshot(3, BASE, FEATURES));
      await expectSnapshot(reopened, 3);
      await reopened.upsert('user', [{ key: ['k0'], features: [{ name: 'f0', version: 1, values: [marked.value(3, 0)], status: 'present', eventTime: 3 }] }]);
    } finally {
      await reopened.close();
    }
    const after = inspect(path);
    expect(after.integrity).toBe('ok');
    expect(after.tables).toHaveLength(1);
  }, 180_000);
});
