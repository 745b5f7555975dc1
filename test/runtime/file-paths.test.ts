/**
 * Where a FILE source may read (issue 10, finding 8): inside the project
 * folder, or in a folder fsql.json's `"files": { "allow": [...] }` lists.
 * `../x.csv`, an absolute path and a symbolic link leading out are refused
 * before anything is opened; so are a directory, a FIFO and a device (which
 * would block or never end); and no refusal quotes the file.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsql, sqliteRows, tempDir, writeFiles } from './support.js';

const source = (path: string) => `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE payments (user_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL)
  FROM FILE '${path}' FORMAT CSV EVENT TIME ts;
CREATE FEATURE total_paid ENTITY user FROM payments AS SUM(amount);
`;

const PAYMENTS = 'user_id,amount,ts\nu1,10.5,2024-02-01 10:00:00\nu2,20,2024-02-01 11:00:00\n';

describe('FILE paths stay inside the project unless fsql.json allows a folder', () => {
  let root = '';
  let cleanup = () => undefined as void;
  /** The project, inside `root`; `root/outside/` holds files beside it. */
  let dir = '';
  let outside = '';
  beforeAll(() => {
    ({ dir: root, cleanup } = tempDir('fsql-file-paths-'));
    dir = join(root, 'project');
    outside = join(root, 'outside');
    mkdirSync(dir);
    writeFiles(outside, { 'payments.csv': PAYMENTS, 'secret.csv': 'root:x:0:0:root:/root:/bin/bash\n' });
  });
  afterAll(() => cleanup());

  const apply = async (path: string, config?: unknown) => {
    writeFiles(dir, { 'project.fsql': source(path), ...(config !== undefined ? { 'fsql.json': JSON.stringify(config) } : {}) });
    return fsql('apply', dir);
  };

  it.each([
    ['a relative path out of the project', '../outside/payments.csv'],
    ['an absolute path', () => join(outside, 'payments.csv')],
    ['/etc/passwd', '/etc/passwd'],
    ['a path that is not there', '../outside/nothing-here.csv'],
  ])('refuses %s, saying how to allow a folder', async (_what, path) => {
    const p = typeof path === 'function' ? path() : path;
    const r = await apply(p);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`source payments: FILE '${p}' is a path outside the project folder`);
    expect(r.stderr).toContain('"files": { "allow": ["/path/to/folder"] }');
    expect(r.stderr).not.toContain('root:');
    expect(r.stderr).not.toContain('no such file'); // whether a file is there is not said
    expect(r.stdout).not.toContain('Applied');
  });

  it('refuses a symbolic link in the project that leads out of it', async () => {
    mkdirSync(join(dir, 'data'), { recursive: true });
    symlinkSync(join(outside, 'secret.csv'), join(dir, 'data', 'link.csv'));
    const r = await apply('data/link.csv');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("FILE 'data/link.csv' is a symbolic link to a file outside the project folder");
    expect(r.stderr).not.toContain('root:');
  });

  it('reads a folder that fsql.json allows (absolute or relative to the project)', async () => {
    const ok = await apply('../outside/payments.csv', { files: { allow: ['../outside'] } });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(sqliteRows(join(dir, '.fsql', 'offline.db'), 'SELECT user_id FROM payments ORDER BY user_id')).toEqual([{ user_id: 'u1' }, { user_id: 'u2' }]);
    const abs = await apply(join(outside, 'payments.csv'), { files: { allow: [outside] } });
    expect(abs.code).toBe(0);
    // A sibling folder whose name starts the same is not inside the allowed one.
    mkdirSync(`${outside}2`, { recursive: true });
    writeFileSync(join(`${outside}2`, 'p.csv'), PAYMENTS);
    const sibling = await apply(join(`${outside}2`, 'p.csv'), { files: { allow: [outside] } });
    expect(sibling.code).toBe(1);
    expect(sibling.stderr).toContain('is a path outside the project folder');
  });

  it('refuses a directory, a FIFO and a device before opening them (a FIFO or /dev/zero would hang apply)', async () => {
    mkdirSync(join(dir, 'folder.csv'), { recursive: true });
    const d = await apply('folder.csv', {});
    expect(d.code).toBe(1);
    expect(d.stderr).toContain("FILE 'folder.csv' is a directory, not a regular file");

    execFileSync('mkfifo', [join(dir, 'pipe.csv')]);
    const f = await apply('pipe.csv', {});
    expect(f.code).toBe(1);
    expect(f.stderr).toContain("FILE 'pipe.csv' is a FIFO (named pipe), not a regular file");

    const z = await apply('/dev/zero', { files: { allow: ['/dev'] } });
    expect(z.code).toBe(1);
    expect(z.stderr).toContain("FILE '/dev/zero' is a device, not a regular file");
  }, 20_000);

  it('validates the setting', async () => {
    const r = await apply('data/x.csv', { files: { allow: '/data' } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/files\.allow: .*array/i);
    const typo = await apply('data/x.csv', { files: { alow: ['/data'] } });
    expect(typo.stderr).toContain('unknown field "alow"; did you mean `allow`?');
  });
});
