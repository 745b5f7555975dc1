/**
 * The integration tier's servers answer: one query on each, so a failure
 * further on is about fsql, not about a server that never started.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumPath, postgresUrl, redisUrl } from '../support/services.js';

describe('integration servers', () => {
  it('PostgreSQL answers a query', async () => {
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    try {
      const result = await client.query<{ n: number }>('SELECT 6 * 7 AS n');
      expect(result.rows[0]?.n).toBe(42);
    } finally {
      await client.end();
    }
  });

  it('Redis stores and returns a value', async () => {
    const redis = new Redis(redisUrl(), { lazyConnect: true });
    await redis.connect();
    try {
      await redis.set('fsql:smoke', 'ok');
      expect(await redis.get('fsql:smoke')).toBe('ok');
      await redis.del('fsql:smoke');
    } finally {
      redis.disconnect();
    }
  });

  it('Chromium renders a page', async () => {
    const browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      await page.setContent('<p id="x">fsql</p>');
      expect(await page.textContent('#x')).toBe('fsql');
    } finally {
      await browser.close();
    }
  });
});
