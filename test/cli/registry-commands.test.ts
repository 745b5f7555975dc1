// `fsql plan`, `fsql list` and `fsql describe`, run in-process on a copy of examples/payments.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.js';
import { checkProject } from '../../src/check/project.js';
import { fitStatistics } from '../../src/plan/statistics.js';
import { readProjectFiles } from '../../src/project/files.js';
import { featuresToFit, openRegistry, registryPath } from '../../src/store/registry/registry.js';

async function fsql(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: process.cwd(), color: false };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** Applies the project with the Registry API, with stand-in fits (one value each; an empty population is no fit) for every new feature version that needs one. */
async function applyProject(dir: string): Promise<void> {
  const checked = checkProject(readProjectFiles(dir));
  expect(checked.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const registry = await openRegistry(registryPath(dir));
  try {
    const plan = await registry.plan(checked);
    expect(plan.errors).toEqual([]);
    const fitted = featuresToFit(plan).map((f) => {
      const feature = checked.catalog.features[f.name.toLowerCase()]?.find((x) => x.version === f.version);
      if (!feature) throw new Error(`no feature ${f.name} VERSION ${f.version} in the catalog`);
      return { feature: f.name, version: f.version, parameters: fitStatistics(feature, [{ value: feature.rawType === 'TEXT' ? 'x' : 1, count: 1 }], null) };
    });
    await registry.apply(plan, { fitted });
  } finally {
    await registry.close();
  }
}

describe('fsql plan / list / describe', () => {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fsql-registry-cli-'));
    // Only the project's own files: `npm run example` leaves .fsql/ and out/ in the folder.
    cpSync('examples/payments', dir, { recursive: true, filter: (src) => !/[\\/](\.fsql|out)$/.test(src) });
  });
  afterAll(async () => rmSync(dir, { recursive: true, force: true }));

  it('list and describe refuse a project never applied, naming the command to run, and create nothing', async () => {
    const refusal = `fsql: nothing applied yet: run \`fsql apply ${dir}\` first (there is no ${registryPath(dir)})\n`;
    const list = await fsql('list', dir);
    expect(list).toEqual({ code: 1, stdout: '', stderr: refusal });
    const described = await fsql('describe', 'fraud_detection', dir);
    expect(described).toEqual({ code: 1, stdout: '', stderr: refusal });
    const json = await fsql('list', dir, '--format', 'json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'nothing_registered', message: refusal.slice('fsql: '.length, -1) } });
    expect(existsSync(join(dir, '.fsql'))).toBe(false);
  });

  it('plan on a project never applied adds everything and writes nothing', async () => {
    const { code, stdout } = await fsql('plan', dir);
    expect(code).toBe(0);
    expect(stdout).toContain('+ entity user');
    expect(stdout).toContain('+ feature avg_amount_7d VERSION 1');
    expect(stdout).toContain('+ feature avg_amount_7d VERSION 2');
    expect(stdout).toContain('+ training set fraud_detection VERSION 1');
    expect(stdout).toMatch(/Plan: \d+ to add, 0 to update, 0 metadata changes, 0 unchanged\./);
    expect(stdout).not.toMatch(/^ {2}[~!] /m);
    expect(existsSync(join(dir, '.fsql'))).toBe(false);

    const json = await fsql('plan', dir, '--format', 'json');
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { items: { status: string }[]; summary: { added: number } };
    expect(parsed.items.every((i) => i.status === 'added')).toBe(true);
    expect(parsed.summary.added).toBe(parsed.items.length);
    expect(existsSync(join(dir, '.fsql'))).toBe(false);
  });

  it('plan after an apply: everything unchanged', async () => {
    await applyProject(dir);
    const { code, stdout } = await fsql('plan', dir);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^No changes: \d+ objects unchanged\.$/m);
  });

  it('list shows the registered objects', async () => {
    const { code, stdout } = await fsql('list', dir);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^KIND +NAME +VERSIONS +DESCRIPTION$/m);
    expect(stdout).toMatch(/^feature +avg_amount_7d +1, 2 +Mean approved amount over the last week$/m);
    expect(stdout).toMatch(/^feature +spend_30d +1 +Approved spend in the last 30 days$/m);
    expect(stdout).toMatch(/^training set +fraud_detection /m);

    const features = await fsql('list', dir, '--kind', 'feature');
    expect(features.code).toBe(0);
    expect(features.stdout).toContain('spend_30d');
    expect(features.stdout).not.toMatch(/^entity /m);

    const bad = await fsql('list', dir, '--kind', 'table');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--kind must be');
  });

  it('describe shows the definition, fit and lineage', async () => {
    const { code, stdout } = await fsql('describe', 'fraud_detection', dir);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^training set fraud_detection VERSION 1$/m);
    expect(stdout).toContain('CREATE TRAINING SET fraud_detection');
    expect(stdout).toContain('lineage:');
    expect(stdout).toContain('reads:');
    expect(stdout).toMatch(/[├└]── avg_amount_7d VERSION 2 \(feature\)/);
    expect(stdout).toMatch(/[├└]── transactions \(source\)/);

    const feature = await fsql('describe', 'avg_amount_7d', dir, '--version', '2');
    expect(feature.code).toBe(0);
    expect(feature.stdout).toMatch(/^feature avg_amount_7d VERSION 2$/m);
    expect(feature.stdout).toContain('versions: 1, 2');
    expect(feature.stdout).toContain('fitted parameters:');
    expect(feature.stdout).toContain('fraud_detection VERSION 1 (training set)');

    const missingVersion = await fsql('describe', 'avg_amount_7d', dir, '--version', '9');
    expect(missingVersion.code).toBe(1);
    expect(missingVersion.stderr).toContain('registered versions: 1, 2');
  });

  it('describe suggests a registered name for a typo', async () => {
    const { code, stdout, stderr } = await fsql('describe', 'fraud_detecton', dir);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('nothing named `fraud_detecton` is registered');
    expect(stderr).toContain('did you mean `fraud_detection`?');
  });

  it('plan refuses a changed definition under a registered version, with the diff', async () => {
    const file = join(dir, 'features', 'user_spend.fsql');
    const before = readFileSync(file, 'utf8');
    const after = before.replace("AS SUM(amount)\n  WHERE status = 'approved'\n  WINDOW 30 DAYS", "AS SUM(amount * 2)\n  WHERE status = 'approved'\n  WINDOW 30 DAYS");
    expect(after).not.toBe(before);
    writeFileSync(file, after);
    const registryBefore = readFileSync(registryPath(dir));
    const { code, stdout } = await fsql('plan', dir);
    expect(code).toBe(1);
    expect(stdout).toContain('! feature spend_30d VERSION 1 (changed: refused)');
    expect(stdout).toContain('error: feature `spend_30d` VERSION 1 is already registered with a different definition');
    expect(stdout).toMatch(/^-.*SUM\(amount\)/m);
    expect(stdout).toMatch(/^\+.*SUM\(amount \* 2\)/m);
    expect(stdout).toMatch(/1 error\.$/m);
    expect(readFileSync(registryPath(dir)).equals(registryBefore)).toBe(true);
  });

  it('plan reports project errors as diagnostics', async () => {
    writeFileSync(join(dir, 'broken.fsql'), 'CREATE FEATURE nope ENTITY user FROM transactoins AS COUNT(*) WINDOW 7 DAYS;\n');
    const { code, stderr } = await fsql('plan', dir);
    expect(code).toBe(1);
    expect(stderr).toContain('transactoins');
    rmSync(join(dir, 'broken.fsql'));
  });
});
