/**
 * `Workspace.open`: only `{ create: true }` (what `fsql apply` passes) may
 * create a project's `.fsql/`; everything else refuses a folder that does not
 * exist, a file, and a project never applied — without creating anything.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProjectNotFoundError } from '../../src/project/files.js';
import { RuntimeError } from '../../src/runtime/errors.js';
import { Workspace } from '../../src/runtime/workspace.js';
import { tempDir } from './support.js';

const ENTITY = 'CREATE ENTITY user KEY (user_id TEXT);\n';

describe('Workspace.open', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });
  const fresh = () => {
    const t = tempDir('fsql-workspace-');
    cleanups.push(t.cleanup);
    return t.dir;
  };

  it('refuses a folder that does not exist, and creates nothing there', () => {
    const missing = join(fresh(), 'no', 'such', 'project');
    for (const options of [{}, { create: true }]) {
      expect(() => Workspace.open(missing, options)).toThrow(ProjectNotFoundError);
      expect(() => Workspace.open(missing, options)).toThrow(`no such project folder: ${missing}`);
    }
    expect(existsSync(join(missing, '..', '..'))).toBe(false);
  });

  it('refuses a file', () => {
    const dir = fresh();
    const file = join(dir, 'project.fsql');
    writeFileSync(file, ENTITY);
    expect(() => Workspace.open(file)).toThrow(`not a project folder: ${file} is a file`);
    expect(readdirSync(dir)).toEqual(['project.fsql']);
  });

  it('refuses a project never applied (no .fsql/registry.db), naming the command to run, and creates nothing', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'project.fsql'), ENTITY);
    let error: unknown;
    try {
      Workspace.open(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).code).toBe('nothing_registered');
    expect((error as RuntimeError).message).toBe(`nothing applied yet: run \`fsql apply ${dir}\` first (there is no ${join(dir, '.fsql', 'registry.db')})`);
    expect(readdirSync(dir)).toEqual(['project.fsql']);
  });

  it('quotes a folder name that needs it in the command it suggests', () => {
    const base = fresh();
    const dir = join(base, "my 'shop'");
    mkdirSync(dir);
    // The shell word for /…/my 'shop': single-quoted, each ' written as '\''.
    expect(() => Workspace.open(dir)).toThrow(`run \`fsql apply '${base}/my '\\''shop'\\'''\` first`);
  });

  it('with create: true, creates the registry (and only it); later opens need no option', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'project.fsql'), ENTITY);
    const ws = Workspace.open(dir, { create: true });
    await ws.close();
    expect(readdirSync(join(dir, '.fsql'))).toEqual(['registry.db']);
    const again = Workspace.open(dir);
    expect(again.dir).toBe(dir);
    await again.close();
  });
});
