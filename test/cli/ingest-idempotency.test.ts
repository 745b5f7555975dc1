/**
 * `fsql ingest SOURCE FILE --idempotency-key K`: a file ingested again under
 * the same key (a retry after a failure) is not stored again; the same key
 * with other events is refused and stores nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, fsql, sqliteRows } from '../runtime/support.js';

describe('fsql ingest --idempotency-key', { timeout: 120_000 }, () => {
  const project = copyExample('payments', 'fsql-idempotency-');
  const dir = project.dir;
  const stored = () => Number(sqliteRows(join(dir, '.fsql', 'offline.db'), 'SELECT count(*) AS n FROM app_events')[0]!['n']);

  beforeAll(async () => {
    expect((await fsql('apply', dir)).code).toBe(0);
    expect((await fsql('materialize', dir, '--at', '2024-04-30')).code).toBe(0);
  }, 120_000);
  afterAll(() => project.cleanup());

  it('stores a file once under a key, tells a retry so, and refuses the key for other events', async () => {
    const events = [
      { event_id: 'k1', account_id: 'u0001', event_type: 'login_failed', ts: '2024-04-29 22:00:00' },
      { event_id: 'k2', account_id: 'u0002', event_type: 'login', ts: '2024-04-29 22:30:00' },
    ];
    const file = join(dir, 'batch.jsonl');
    writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const before = stored();

    const first = await fsql('ingest', 'app_events', file, dir, '--idempotency-key', 'nightly-2024-04-29');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Ingested 2 events into app_events');
    expect(stored()).toBe(before + 2);

    const retry = await fsql('ingest', 'app_events', file, dir, '--idempotency-key', 'nightly-2024-04-29');
    expect(retry.code).toBe(0);
    expect(retry.stdout).toContain('Already ingested under idempotency key nightly-2024-04-29: 2 events in app_events; nothing stored again');
    expect(stored()).toBe(before + 2);

    writeFileSync(file, `${JSON.stringify(events[0])}\n`);
    const other = await fsql('ingest', 'app_events', file, dir, '--idempotency-key', 'nightly-2024-04-29', '--format', 'json');
    expect(other.code).not.toBe(0);
    expect(JSON.parse(other.stdout).error.code).toBe('idempotency_conflict');
    expect(stored()).toBe(before + 2);

    // Without a key the same events are stored again: a stream keeps every event it is given.
    expect((await fsql('ingest', 'app_events', file, dir)).code).toBe(0);
    expect(stored()).toBe(before + 3);
  });

  it('forgets keys after 7 days', async () => {
    const db = new Database(join(dir, '.fsql', 'offline.db'));
    const day = 86_400_000_000;
    const now = Date.now() * 1000;
    db.prepare('INSERT INTO __fsql_ingested (source, idempotency_key, digest, accepted, ingested_at) VALUES (?, ?, ?, ?, ?)').run('app_events', 'old', 'x', 5, now - 8 * day);
    db.prepare('INSERT INTO __fsql_ingested (source, idempotency_key, digest, accepted, ingested_at) VALUES (?, ?, ?, ?, ?)').run('app_events', 'recent', 'x', 5, now - 6 * day);
    db.close();
    const file = join(dir, 'one.jsonl');
    writeFileSync(file, `${JSON.stringify({ event_id: 'k9', account_id: 'u0003', event_type: 'login', ts: '2024-04-29 23:00:00' })}\n`);
    expect((await fsql('ingest', 'app_events', file, dir, '--idempotency-key', 'fresh')).code).toBe(0);
    const keys = sqliteRows(join(dir, '.fsql', 'offline.db'), 'SELECT idempotency_key AS k FROM __fsql_ingested ORDER BY k').map((r) => r['k']);
    expect(keys).toEqual(['fresh', 'nightly-2024-04-29', 'recent']);
  });
});
