/**
 * Two checkouts of one project sharing a registry on PostgreSQL
 * (`"registry": { "url" }` in fsql.json, docs/registry.md). Each checkout
 * keeps its own offline and online stores; only the registry is shared.
 * Applies of different changes run at the same time — in one process
 * (Promise.all) and as two `fsql apply` child processes — and nothing is
 * lost: every version lands once, apply ids are unique and dense, and each
 * checkout lists, describes and plans against the other's versions. The
 * password comes from the environment and never shows in any output.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry } from '../../src/store/registry/registry.js';
import { createDatabase, type TestDatabase } from '../store/registry/postgres-databases.js';
import { fsql, ROOT, tempDir } from './support.js';

const SECRET = 'pw-never-shown-7Hq';
const BASE = `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE txns (user_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL)
  FROM FILE 'data/txns.csv' EVENT TIME ts;
`;
const TXNS = `user_id,amount,ts
a,10,2024-01-01 00:00:00
a,20,2024-01-02 12:00:00
b,5,2024-01-03 00:00:00
c,100,2024-01-04 06:00:00
`;

/** A checkout of the project: the shared files, its own features, fsql.json naming the shared registry (password from the environment). */
function checkout(dir: string, url: URL, features: string): void {
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'data', 'txns.csv'), TXNS);
  writeFileSync(join(dir, 'base.fsql'), BASE);
  writeFileSync(join(dir, 'features.fsql'), features);
  const registry = `postgres://${url.username}:\${FSQL_REGISTRY_PASSWORD}@${url.host}${url.pathname}`;
  writeFileSync(join(dir, 'fsql.json'), JSON.stringify({ registry: { url: registry } }));
}

const FEATURE = (name: string, agg: string) => `CREATE FEATURE ${name} ENTITY user FROM txns AS ${agg}(amount) WINDOW 7 DAYS;\n`;

/** `fsql apply DIR` in a child process: exit code and output. */
function applyInChild(dir: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'bin.ts'), 'apply', dir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FSQL_REGISTRY_PASSWORD: SECRET },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('two checkouts on one PostgreSQL registry', () => {
  let db: TestDatabase;
  const a = tempDir('fsql-shared-a-');
  const b = tempDir('fsql-shared-b-');
  let previous: string | undefined;

  beforeAll(async () => {
    db = await createDatabase();
    previous = process.env['FSQL_REGISTRY_PASSWORD'];
    process.env['FSQL_REGISTRY_PASSWORD'] = SECRET;
    const url = new URL(db.url);
    checkout(a.dir, url, FEATURE('a_sum', 'SUM'));
    checkout(b.dir, url, FEATURE('b_max', 'MAX'));
  });
  afterAll(async () => {
    if (previous === undefined) delete process.env['FSQL_REGISTRY_PASSWORD'];
    else process.env['FSQL_REGISTRY_PASSWORD'] = previous;
    a.cleanup();
    b.cleanup();
    await db?.drop();
  });

  it('applies at once from both (in one process): nothing lost, each sees the other', async () => {
    const [ra, rb] = await Promise.all([fsql('apply', a.dir), fsql('apply', b.dir)]);
    expect([ra.code, rb.code], ra.stderr + rb.stderr).toEqual([0, 0]);
    for (const r of [ra, rb]) expect(r.stdout + r.stderr).not.toContain(SECRET);

    // Each checkout lists both features: the other's version is registered, its data is not here.
    for (const dir of [a.dir, b.dir]) {
      const list = await fsql('list', dir, '--format', 'json');
      expect(list.code, list.stderr).toBe(0);
      const objects = JSON.parse(list.stdout).objects as { kind: string; name: string; versions: number[] }[];
      expect(objects.map((o) => `${o.kind} ${o.name} ${o.versions.join(',')}`).sort()).toEqual(['entity user 1', 'feature a_sum 1', 'feature b_max 1', 'source txns 1']);
      // The registry as messages name it: the password hidden.
      expect(JSON.parse(list.stdout).registry).toContain(':***@');
      expect(list.stdout).not.toContain(SECRET);
    }
    const described = await fsql('describe', 'b_max', a.dir, '--format', 'json');
    expect(described.code, described.stderr).toBe(0);
    expect(JSON.parse(described.stdout)).toMatchObject({ kind: 'feature', name: 'b_max', version: 1 });
    // A's plan: its own files unchanged; B's feature is registered, not in A's files (absent, never deleted).
    const plan = await fsql('plan', a.dir, '--format', 'json');
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).absent).toEqual([{ kind: 'feature', name: 'b_max', version: 1 }]);

    // One apply each, numbered 1 and 2; the entity and source were added once, by whichever came first.
    const registry = await openRegistry(db.url);
    try {
      expect((await registry.history()).map((h) => h.id)).toEqual([1, 2]);
      const added = (await registry.history()).map((h) => h.summary.added).sort();
      expect(added).toEqual([1, 3]);
      expect((await registry.lineage('txns'))!.downstream.map((r) => r.name).sort()).toEqual(['a_sum', 'b_max']);
    } finally {
      await registry.close();
    }
  });

  it('applies at once from two `fsql apply` processes: every version lands, apply ids unique and dense', async () => {
    writeFileSync(join(a.dir, 'features.fsql'), FEATURE('a_sum', 'SUM') + FEATURE('a_min', 'MIN') + FEATURE('a_count', 'COUNT'));
    writeFileSync(join(b.dir, 'features.fsql'), FEATURE('b_max', 'MAX') + FEATURE('b_avg', 'AVG'));
    const [ra, rb] = await Promise.all([applyInChild(a.dir), applyInChild(b.dir)]);
    expect([ra.code, rb.code], ra.out + rb.out).toEqual([0, 0]);
    expect(ra.out + rb.out).not.toContain(SECRET);

    const registry = await openRegistry(db.url);
    try {
      const features = (await registry.list({ kind: 'feature' })).map((o) => `${o.name}@${o.version}`).sort();
      expect(features).toEqual(['a_count@1', 'a_min@1', 'a_sum@1', 'b_avg@1', 'b_max@1']);
      const ids = (await registry.history()).map((h) => h.id);
      expect(ids).toEqual([1, 2, 3, 4]);
      // Applies 3 and 4 added A's two and B's one new versions, one apply each.
      expect((await registry.history()).slice(2).map((h) => h.summary.added).sort()).toEqual([1, 2]);
    } finally {
      await registry.close();
    }
    // And B's checkout sees A's new versions; materializing in B computes what B's offline data holds.
    const list = await fsql('list', b.dir, '--kind', 'feature', '--format', 'json');
    expect((JSON.parse(list.stdout).objects as { name: string }[]).map((o) => o.name).sort()).toEqual(['a_count', 'a_min', 'a_sum', 'b_avg', 'b_max']);
  });

  it('an unreachable registry is a clear error, the password hidden', async () => {
    const c = tempDir('fsql-shared-c-');
    try {
      checkout(c.dir, new URL('postgres://fsql@127.0.0.1:1/nowhere'), FEATURE('c_sum', 'SUM'));
      const r = await fsql('list', c.dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('cannot open the shared registry postgres://fsql:***@127.0.0.1:1/nowhere');
      expect(r.stdout + r.stderr).not.toContain(SECRET);
    } finally {
      c.cleanup();
    }
  });
});
