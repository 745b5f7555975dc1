import { afterAll, describe, expect, it } from 'vitest';
import { SqliteOnlineStore } from '../../../src/store/online/sqlite-store.js';
import { forkTsx, marked, tempDir, waitExit } from './support.js';

const dirs = tempDir();
afterAll(() => dirs.cleanup());

interface ReaderReport {
  reads: number;
  marks: [number, number][];
  violations: string[];
}

describe('concurrent readers', () => {
  it('a reader in another process never sees a mix of two snapshots', async () => {
    const path = `${dirs.dir}/concurrent.db`;
    const base = 20_000;
    const features = 20;
    const store = new SqliteOnlineStore(path);
    await store.writeSnapshot('user', marked.snapshot(1, base, features));
    const child = forkTsx('reader-child.ts', [path, 'user', String(base)]);
    try {
      const report = new Promise<ReaderReport>((resolve, reject) => {
        child.on('message', (m) => {
          if (typeof m === 'object') resolve(m as ReaderReport);
        });
        child.once('exit', (code) => reject(new Error(`reader exited (${code}) before reporting`)));
      });
      await new Promise<void>((resolve) => child.once('message', () => resolve()));
      // Snapshots of different sizes, one after the other, while the reader reads.
      for (let mark = 2; mark <= 9; mark++) await store.writeSnapshot('user', marked.snapshot(mark, base, features));
      child.send('stop');
      const r = await report;
      expect(r.violations).toEqual([]);
      expect(r.reads).toBeGreaterThan(20);
      // It saw several snapshots: the reads did overlap the writes.
      expect(r.marks.length).toBeGreaterThanOrEqual(2);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await waitExit(child);
      await store.close();
    }
  }, 120_000);
});
