/** Fresh online values on the Redis online store (a real server: FSQL_TEST_REDIS_URL; the checks: fresh-values.ts). */
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { redisUrl } from '../support/services.js';
import { caseArb, checkIncremental, checkTiles, runs, type StoreSetup } from './fresh-values.js';

const RUN = `fsqltest-fresh:${process.pid}:${Date.now().toString(36)}`;
let admin: Redis;
let n = 0;

async function removeUnder(p: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await admin.scan(cursor, 'MATCH', `${p.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`, 'COUNT', 1000);
    cursor = next;
    if (found.length > 0) await admin.unlink(...found);
  } while (cursor !== '0');
}

/** Each case on a key prefix of its own, removed after it. */
function redis(): StoreSetup {
  const prefix = `${RUN}:${++n}:`;
  return { online: () => ({ store: 'redis', url: redisUrl(), keyPrefix: prefix }), cleanup: () => removeUnder(prefix) };
}

beforeAll(() => {
  admin = new Redis(redisUrl());
});
afterAll(async () => {
  await removeUnder(RUN);
  await admin.quit();
});

describe('fresh online values (Redis)', () => {
  it('property: a request-time window from the tiles equals the reference at any T at or after the snapshot', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, (c) => checkTiles(c, redis())),
      { numRuns: runs(15) },
    );
  }, 300_000);

  it('property: materialize --incremental equals a full materialize and the reference at the new time', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, (c) => checkIncremental(c, redis())),
      { numRuns: runs(15) },
    );
  }, 300_000);
});
