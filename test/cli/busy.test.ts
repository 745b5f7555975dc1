/**
 * Another fsql process holding the project's offline database (issue 10,
 * finding 5): a write waits for it — without blocking the event loop — up
 * to `busyTimeoutMs` (fsql.json), then fails with a clear `busy` error and
 * exit code 75 (503 over HTTP), never exit 70. Two applies at once both
 * succeed, the second planned again on what the first registered.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/runtime/workspace.js';
import { startServer } from '../../src/server/index.js';
import { EXIT_BUSY } from '../../src/cli/runtime-commands.js';
import { copyExample, fsql } from '../runtime/support.js';

/** Holds the write lock of a SQLite file, as another process's apply would. */
function holdLock(file: string): { release: () => void } {
  const db = new Database(file);
  db.exec('BEGIN IMMEDIATE');
  return {
    release: () => {
      if (db.open) {
        db.exec('ROLLBACK');
        db.close();
      }
    },
  };
}

describe('a database held by another fsql process', { timeout: 120_000 }, () => {
  const project = copyExample('payments', 'fsql-busy-');
  const dir = project.dir;
  const offline = join(dir, '.fsql', 'offline.db');
  const config = (busyTimeoutMs: number) => writeFileSync(join(dir, 'fsql.json'), JSON.stringify({ offline: { engine: 'sqlite' }, online: { store: 'sqlite' }, busyTimeoutMs }));
  const events = join(dir, 'busy-events.json');
  beforeAll(async () => {
    expect((await fsql('apply', dir, '-q')).code).toBe(0);
    expect((await fsql('materialize', dir, '--at', '2024-04-30')).code).toBe(0);
    writeFileSync(events, JSON.stringify([{ event_id: 'busy1', account_id: 'u0001', event_type: 'login_failed', ts: '2024-04-29 10:00:00' }]));
  }, 120_000);
  afterAll(() => project.cleanup());

  it('is waited for, then refused with a busy error and exit 75: apply and ingest', async () => {
    config(300);
    const lock = holdLock(offline);
    try {
      for (const run of [() => fsql('apply', dir, '-q', '--reload'), () => fsql('ingest', 'app_events', events, dir)]) {
        const started = Date.now();
        const r = await run();
        expect(r.code).toBe(EXIT_BUSY);
        expect(EXIT_BUSY).toBe(75);
        expect(r.stderr).toContain(`busy: another fsql process holds the project's offline database ${offline} (an apply or an ingest writing to it); retry once it is done, or give "busyTimeoutMs" in`);
        expect(r.stderr).not.toContain('internal error');
        expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      }
    } finally {
      lock.release();
    }
    // Nothing was stored meanwhile.
    const db = new Database(offline, { readonly: true });
    expect(db.prepare(`SELECT count(*) FROM app_events WHERE event_id = 'busy1'`).pluck().get()).toBe(0);
    db.close();
  });

  it('is waited for without blocking the event loop: the write goes on once the lock is released', async () => {
    config(20_000);
    const lock = holdLock(offline);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    setTimeout(() => lock.release(), 700);
    try {
      const r = await fsql('ingest', 'app_events', events, dir);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/fsql: busy|database is locked/);
      // The timers ran while it waited.
      expect(ticks).toBeGreaterThan(10);
    } finally {
      clearInterval(ticker);
      lock.release();
    }
  });

  it('answers an ingest over HTTP with 503 busy', async () => {
    config(300);
    const ws = Workspace.open(dir);
    const server = await startServer(ws, { host: '127.0.0.1', port: 0 });
    const lock = holdLock(offline);
    try {
      const r = await fetch(`${server.url}/v1/ingest/app_events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ event_id: 'busy2', account_id: 'u0002', event_type: 'login', ts: '2024-04-29 10:00:00' }]) });
      expect(r.status).toBe(503);
      const body = (await r.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('busy');
      expect(body.error.message).toContain('busy: another fsql process holds the project');
    } finally {
      lock.release();
      await server.close();
      await ws.close();
    }
  });

  it('two applies at once both succeed (the second plans again once the first is done)', async () => {
    config(60_000);
    const [a, b] = await Promise.all([fsql('apply', dir, '-q', '--reload'), fsql('apply', dir, '-q', '--reload')]);
    for (const r of [a, b]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/internal error|fsql: busy|database is locked|changed since this plan/);
    }
  });

  it('refuses a busyTimeoutMs that is not a whole number of ms from 0 to an hour', async () => {
    for (const bad of [-1, 1.5, 3_600_001]) {
      writeFileSync(join(dir, 'fsql.json'), JSON.stringify({ busyTimeoutMs: bad }));
      const r = await fsql('materialize', dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('busyTimeoutMs');
    }
    config(60_000);
  });
});
