/**
 * fsql.json's offline engine: a server engine (PostgreSQL) is chosen with its
 * URL, secrets come from the environment and never appear in messages, and
 * the fields of the other kind of engine are refused with a clear message.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { engineBackend } from '../../src/engine/backends.js';
import { redactUrl } from '../../src/engine/engine.js';
import { ConfigError, loadConfig } from '../../src/runtime/config.js';
import { tempDir } from '../runtime/support.js';

const config = (dir: string, offline: unknown) => writeFileSync(join(dir, 'fsql.json'), JSON.stringify({ offline }));

describe('offline engine config', () => {
  const t = tempDir('fsql-offline-config-');
  afterAll(() => t.cleanup());
  afterEach(() => {
    delete process.env['FSQL_TEST_PG_SECRET'];
    delete process.env['FSQL_TEST_PG_URL'];
  });

  it('postgres: a server by URL, in a schema of its own (default fsql), with capabilities read from its backend', () => {
    config(t.dir, { engine: 'postgres', url: 'postgres://fsql@db.internal:5432/analytics' });
    const c = loadConfig(t.dir).offline;
    // No schema given: the engine's own default (PostgreSQL: fsql; MySQL: the URL's database).
    expect(c).toEqual({ engine: 'postgres', path: 'postgres://fsql@db.internal:5432/analytics', attach: {}, url: 'postgres://fsql@db.internal:5432/analytics' });
    const b = engineBackend('postgres');
    expect(b.location).toBe('url');
    expect(b.capabilities).toEqual({ multiProcess: true, viewsAcrossDatabases: true, transactionalDdl: true, readsFilesInPlace: false, computesViewsOnce: true });
    config(t.dir, { engine: 'postgres', url: 'postgres://fsql@db/x', schema: 'features' });
    expect(loadConfig(t.dir).offline.schema).toBe('features');
  });

  it('postgres: ${NAME} is read from the environment (URL-encoded) and the password never shows in `path`', () => {
    process.env['FSQL_TEST_PG_SECRET'] = 'p@ss:w/rd';
    config(t.dir, { engine: 'postgres', url: 'postgres://fsql:${FSQL_TEST_PG_SECRET}@db:5432/x' });
    const c = loadConfig(t.dir).offline;
    expect(c.url).toBe('postgres://fsql:p%40ss%3Aw%2Frd@db:5432/x');
    expect(c.path).toBe('postgres://fsql:***@db:5432/x');
    expect(c.path).not.toContain('p%40ss');
    process.env['FSQL_TEST_PG_URL'] = 'postgres://u:secret@h/d';
    config(t.dir, { engine: 'postgres', url: '${FSQL_TEST_PG_URL}' });
    expect(loadConfig(t.dir).offline).toMatchObject({ url: 'postgres://u:secret@h/d', path: 'postgres://u:***@h/d' });
  });

  it('postgres: a missing URL, an unset variable, and file fields are refused, naming the field', () => {
    config(t.dir, { engine: 'postgres' });
    expect(() => loadConfig(t.dir)).toThrow(ConfigError);
    expect(() => loadConfig(t.dir)).toThrow(/offline\.url: the PostgreSQL offline engine needs the server's URL/);
    config(t.dir, { engine: 'postgres', url: 'postgres://u:${FSQL_TEST_PG_SECRET}@h/d' });
    expect(() => loadConfig(t.dir)).toThrow(/environment variable FSQL_TEST_PG_SECRET, which is not set/);
    config(t.dir, { engine: 'postgres', url: 'postgres://u@h/d', path: 'x.db' });
    expect(() => loadConfig(t.dir)).toThrow(/offline\.path: the PostgreSQL offline engine is a server: it takes "url"/);
    config(t.dir, { engine: 'sqlite', url: 'postgres://u@h/d' });
    expect(() => loadConfig(t.dir)).toThrow(/offline\.url: the SQLite offline engine is a database file, not a server/);
    config(t.dir, { engine: 'postgres', url: 'postgres://u@h/d', schema: 'a-b' });
    expect(() => loadConfig(t.dir)).toThrow(/offline\.schema/);
  });

  it('redactUrl hides only the password', () => {
    expect(redactUrl('postgres://u:pw@h:1/d?sslmode=require')).toBe('postgres://u:***@h:1/d?sslmode=require');
    expect(redactUrl('postgres://u@h/d')).toBe('postgres://u@h/d');
    expect(redactUrl('not a url://u:pw@h')).not.toContain('pw');
  });
});
