/**
 * Online stores by registration (src/store/online/backends.ts): the config
 * accepts exactly the registered kinds, and the workspace opens its store
 * through the backend.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/runtime/config.js';
import { onlineStoreBackend, onlineStoreKinds } from '../../../src/store/online/backends.js';
import { SqliteOnlineStore } from '../../../src/store/online/sqlite-store.js';
import { tempDir } from '../../runtime/support.js';

describe('online store backends', () => {
  it('register SQLite (which opens a working store) and Redis', async () => {
    expect(onlineStoreKinds()).toEqual(['sqlite', 'redis']);
    expect(onlineStoreBackend('redis').capabilities).toEqual({ multiProcess: true, file: false });
    const b = onlineStoreBackend('sqlite');
    expect(b.capabilities).toEqual({ multiProcess: true, file: true });
    const store = b.open(':memory:', { writeTimeoutMs: 1000 });
    try {
      expect(store).toBeInstanceOf(SqliteOnlineStore);
      expect(await store.describe('nobody')).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('are what fsql.json may name: the default file comes from the backend, an unknown kind is refused with the known ones', () => {
    const { dir, cleanup } = tempDir('fsql-online-backends-');
    try {
      writeFileSync(join(dir, 'fsql.json'), '{ "online": { "store": "sqlite" } }');
      expect(loadConfig(dir).online).toEqual({ store: 'sqlite', path: join(dir, '.fsql', 'online.db') });
      writeFileSync(join(dir, 'fsql.json'), '{ "online": { "store": "memcached" } }');
      expect(() => loadConfig(dir)).toThrow(/online\.store.*"sqlite".*"redis"/);
      // A server store needs its URL; a file store takes none.
      writeFileSync(join(dir, 'fsql.json'), '{ "online": { "store": "redis" } }');
      expect(() => loadConfig(dir)).toThrow(/online\.url: the Redis online store needs the server's URL/);
      writeFileSync(join(dir, 'fsql.json'), '{ "online": { "store": "redis", "url": "redis://127.0.0.1:6379/2", "keyPrefix": "shop:" } }');
      expect(loadConfig(dir).online).toEqual({ store: 'redis', path: join(dir, '.fsql', 'online-journal.db'), url: 'redis://127.0.0.1:6379/2', keyPrefix: 'shop:' });
      writeFileSync(join(dir, 'fsql.json'), '{ "online": { "store": "sqlite", "keyPrefix": "shop:" } }');
      expect(() => loadConfig(dir)).toThrow(/online\.keyPrefix: the SQLite online store is a file, not a server/);
    } finally {
      cleanup();
    }
  });
});
