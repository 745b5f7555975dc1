// `fsql init`: the starter project it writes is examples/starter/, byte for
// byte, and works end to end through the command line (apply, materialize,
// get, train, ingest), with values checked by hand against its data.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.js';
import { starterFiles } from '../../src/cli/init.js';

async function fsql(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: process.cwd(), color: false };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** Every file under `dir` (relative, with `/`), skipping fsql's state folder. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.fsql') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

const csv = (text: string) => {
  const [header, ...lines] = text.trim().split('\n');
  const names = header!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i]!, v])));
};
/** `YYYY-MM-DD HH:MM:SS` (UTC) → epoch ms. */
const ms = (t: string) => Date.parse(`${t.replace(' ', 'T')}Z`);

describe('fsql init', () => {
  let root = '';
  let dir = '';
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'fsql-init-'));
    dir = join(root, 'shop');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes examples/starter/, byte for byte', async () => {
    const r = await fsql('init', dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Next steps:');
    expect(r.stdout).toContain(`fsql materialize ${relative(process.cwd(), dir)} --at '2024-04-01'`);
    const written = filesUnder(dir);
    expect(written).toEqual(filesUnder('examples/starter'));
    expect(written).toEqual(starterFiles().map((f) => f.path).sort());
    for (const f of written) expect(readFileSync(join(dir, f), 'utf8'), f).toBe(readFileSync(join('examples/starter', f), 'utf8'));
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toMatch(/^\.fsql\/$/m);
  });

  it('is deterministic', () => {
    expect(starterFiles()).toEqual(starterFiles());
  });

  it('refuses a folder that is not empty, unless --force', async () => {
    const other = join(root, 'busy');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine\n');
    const refused = await fsql('init', other);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is not empty');
    expect(filesUnder(other)).toEqual(['notes.txt']);
    const forced = await fsql('init', other, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(other, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(filesUnder(other)).toContain('features.fsql');
  });

  it('checks, applies, materializes, serves a vector, trains and ingests', async () => {
    expect((await fsql('fmt', '--check', dir)).code).toBe(0);
    const check = await fsql('check', dir);
    expect(check.code, check.stderr).toBe(0);
    const apply = await fsql('apply', dir);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('source orders: loaded');
    const mat = await fsql('materialize', dir, '--at', '2024-04-01');
    expect(mat.code, mat.stderr).toBe(0);
    expect(mat.stdout).toContain('customer: 40 keys');

    // By hand, from the generated data, as of 2024-04-01 00:00:00.
    const at = ms('2024-04-01 00:00:00');
    const day = 86_400_000;
    const orders = csv(readFileSync(join(dir, 'data/orders.csv'), 'utf8')).filter((o) => o['customer_id'] === 'c001');
    const last30 = orders.filter((o) => ms(o['ordered_at']!) > at - 30 * day && ms(o['ordered_at']!) <= at);
    expect(last30.length).toBeGreaterThan(0);
    const spend = last30.reduce((s, o) => s + (o['amount'] === '' ? 0 : Number(o['amount'])), 0);
    const country = csv(readFileSync(join(dir, 'data/customers.csv'), 'utf8')).find((c) => c['customer_id'] === 'c001')!['country'];
    const latest = [...orders].sort((a, b) => ms(a['ordered_at']!) - ms(b['ordered_at']!)).at(-1)!;

    const get = async () => {
      const r = await fsql('get', 'customer', 'c001', '--project', dir, '--format', 'json');
      expect(r.code, r.stderr).toBe(0);
      // The body of POST /v1/features/customer: one value per feature, an object of columns for a ONE_HOT one.
      const { results } = JSON.parse(r.stdout) as { results: { found: boolean; features: Record<string, { value?: unknown; values?: Record<string, unknown>; status: string; event_time: string | null }> }[] };
      expect(results.map((x) => x.found)).toEqual([true]);
      return results[0]!.features;
    };
    const v = await get();
    expect(v['orders_30d']!.value).toBe(last30.length);
    expect(v['orders_30d']!.event_time).toBe(`${latest['ordered_at']!.replace(' ', 'T')}Z`);
    expect(v['spend_30d']!.value).toBeCloseTo(Math.log(1 + spend), 9);
    expect(v['country']!.values).toEqual({ country__US: country === 'US' ? 1 : 0, country__DE: country === 'DE' ? 1 : 0, country__FR: country === 'FR' ? 1 : 0 });
    expect(v['page_views_7d']!).toMatchObject({ value: 0, status: 'missing' });

    const out = join(root, 'churn.csv');
    const train = await fsql('train', 'churn_model', dir, '--out', out);
    expect(train.code, train.stderr).toBe(0);
    const rows = csv(readFileSync(out, 'utf8'));
    const labels = csv(readFileSync(join(dir, 'data/churn_labels.csv'), 'utf8'));
    expect(rows.length).toBe(labels.length);
    // A training row's orders_30d is the count in the 30 days up to its observation time.
    const row = rows.find((x) => x['customer_id'] === 'c001' && x['observed_at'] === '2024-03-01 00:00:00')!;
    const t = ms('2024-03-01 00:00:00');
    expect(Number(row['orders_30d'])).toBe(orders.filter((o) => ms(o['ordered_at']!) > t - 30 * day && ms(o['ordered_at']!) <= t).length);

    const ingest = await fsql('ingest', 'page_views', join(dir, 'data/page_views.jsonl'), dir);
    expect(ingest.code, ingest.stderr).toBe(0);
    const views = readFileSync(join(dir, 'data/page_views.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { customer_id: string; viewed_at: string })
      .filter((e) => e.customer_id === 'c001' && ms(e.viewed_at) > at - 7 * day && ms(e.viewed_at) <= at);
    expect(views.length).toBeGreaterThan(0);
    const after = await get();
    expect(after['page_views_7d']).toMatchObject({ value: views.length, status: 'present' });
    expect(after['orders_30d']!.value).toBe(last30.length);
  });
});
