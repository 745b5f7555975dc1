/**
 * Only `fsql apply` (and `fsql init`) create a project's `.fsql/`. Every
 * other command refuses a folder that does not exist (a usage error, exit 2)
 * and a project never applied (exit 1, saying to run `fsql apply`), and
 * creates nothing.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, fsql } from '../runtime/support.js';

describe('commands on a folder that is not an applied project', () => {
  let dir = '';
  let missing = '';
  let events = '';
  let cleanup = () => undefined as void;
  beforeAll(() => {
    ({ dir, cleanup } = copyExample('payments', 'fsql-project-folder-'));
    missing = join(dir, 'nowhere', 'project');
    events = join(dir, 'data', 'app_events.jsonl');
  });
  afterAll(() => cleanup());

  /** Every command but apply, plan and compile, on the project folder `p`. */
  const commands = (p: string): Record<string, string[]> => ({
    materialize: ['materialize', p, '--at', '2024-04-30'],
    train: ['train', 'fraud_detection', p, '--out', join(dir, 'out.csv')],
    ingest: ['ingest', 'app_events', events, p],
    get: ['get', 'user', 'u0001', '--project', p],
    serve: ['serve', p, '--port', '0'],
    list: ['list', p],
    describe: ['describe', 'fraud_detection', p],
  });

  it('a folder that does not exist: exit 2 with the path and a hint; nothing is created', async () => {
    for (const [name, argv] of Object.entries(commands(missing))) {
      const r = await fsql(...argv);
      expect({ name, ...r }).toEqual({
        name,
        code: 2,
        stdout: '',
        stderr: `fsql: no such project folder: ${missing} (give the folder that holds the project's .fsql files; \`fsql init DIR\` creates a new project)\n`,
      });
      expect(existsSync(join(dir, 'nowhere')), name).toBe(false);
    }
  });

  it('a project never applied: exit 1, "nothing applied yet: run `fsql apply DIR` first"; nothing is created', async () => {
    const before = readdirSync(dir).sort();
    expect(before).not.toContain('.fsql');
    const refusal = `nothing applied yet: run \`fsql apply ${dir}\` first (there is no ${join(dir, '.fsql', 'registry.db')})`;
    for (const [name, argv] of Object.entries(commands(dir))) {
      const r = await fsql(...argv);
      expect({ name, ...r }).toEqual({ name, code: 1, stdout: '', stderr: `fsql: ${refusal}\n` });
      expect(readdirSync(dir).sort(), name).toEqual(before);
    }
    // With --format json the refusal is JSON on stdout, like every runtime refusal.
    for (const argv of [
      ['materialize', dir, '--format', 'json'],
      ['ingest', 'app_events', events, dir, '--format', 'json'],
      ['get', 'user', 'u0001', '--project', dir, '--format', 'json'],
      ['list', dir, '--format', 'json'],
    ]) {
      const r = await fsql(...argv);
      expect(r.code, argv[0]).toBe(1);
      expect(JSON.parse(r.stdout), argv[0]).toEqual({ error: { code: 'nothing_registered', message: refusal } });
    }
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('a single .fsql file stands for its folder: refused the same way', async () => {
    const r = await fsql('materialize', join(dir, 'entities.fsql'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`nothing applied yet: run \`fsql apply ${dir}\` first`);
    expect(existsSync(join(dir, '.fsql'))).toBe(false);
  });

  it('plan writes nothing either; apply creates .fsql/, after which the other commands run', async () => {
    expect((await fsql('plan', dir)).code).toBe(0);
    expect(existsSync(join(dir, '.fsql'))).toBe(false);
    const applied = await fsql('apply', dir);
    expect(applied.code).toBe(0);
    expect(existsSync(join(dir, '.fsql', 'registry.db'))).toBe(true);
    const list = await fsql('list', dir, '--kind', 'training_set');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^training set +fraud_detection +1 /m);
    expect((await fsql('materialize', dir, '--at', '2024-04-30')).code).toBe(0);
  });
});
