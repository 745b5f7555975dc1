/**
 * `fsql apply`, `materialize`, `train`, `ingest` and `get`, end to end through
 * `main()` on a copy of examples/payments. Expected values are computed here
 * from the example's CSV and JSONL files, not read back from fsql.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTrainingSet } from '../../src/runtime/train.js';
import { Workspace } from '../../src/runtime/workspace.js';
import { startServer } from '../../src/server/index.js';
import type { Table } from '../../src/runtime/run-plan.js';
import { copyExample, DAY, fsql, sqliteRows, us } from '../runtime/support.js';

type CsvRecord = { [column: string]: string };

const readCsv = (path: string): CsvRecord[] => parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true }) as CsvRecord[];

/** The `n` most frequent non-empty values, ties by value order (code points). */
function topN(values: readonly string[], n: number): string[] {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== '') counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, n)
    .map(([v]) => v);
}

/** docs/semantics.md §4: row r (1-based) is kept when x2 mod 1e6 < round(p × 10000). */
function sampled(r: number, percent: number, seed: number): boolean {
  const m = 2147483647;
  const x1 = ((r + seed) * 48271) % m;
  const x2 = (x1 * 48271) % m;
  return x2 % 1_000_000 < Math.round(percent * 10_000);
}

interface LabelRow {
  user_id: string;
  merchant_id: string;
  card_id: string;
  created_at: string;
  is_fraud: boolean;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** fraud_detection's label rows by hand: approved transactions labelled by a confirmed report, ordered and sampled (50 %, seed 42). */
function expectedFraudRows(dir: string): LabelRow[] {
  const confirmed = new Map<string, string>();
  for (const f of readCsv(join(dir, 'data/fraud_reports.csv'))) confirmed.set(f['txn_id']!, f['confirmed']!);
  const rows: LabelRow[] = readCsv(join(dir, 'data/transactions.csv'))
    .filter((t) => t['status'] === 'approved')
    .map((t) => ({ user_id: t['user_id']!, merchant_id: t['merchant_id']!, card_id: t['card_id']!, created_at: t['created_at']!, is_fraud: confirmed.get(t['txn_id']!) === 'true' }));
  rows.sort((a, b) => cmp(a.created_at, b.created_at) || cmp(a.user_id, b.user_id) || cmp(a.merchant_id, b.merchant_id) || cmp(a.card_id, b.card_id) || Number(a.is_fraud) - Number(b.is_fraud));
  return rows.filter((_r, i) => sampled(i + 1, 50, 42));
}

/** What the CSV writer should print for a table value. */
function csvText(v: unknown): string {
  if (v === null) return '';
  return String(v);
}

describe('fsql runtime commands on examples/payments', () => {
  let dir = '';
  let cleanup = () => undefined as void;
  let table: Table;
  beforeAll(() => {
    ({ dir, cleanup } = copyExample('payments', 'fsql-runtime-cli-'));
  });
  afterAll(() => cleanup());

  it('apply loads every FILE source, creates the stream and fits every feature version', async () => {
    const { code, stdout, stderr } = await fsql('apply', dir);
    // Only the leakage warnings (docs/errors.md W07xx): the view joins two dimensions (W0702), and the fitted
    // features of fraud_detection are fitted at the newest event, after its label times (W0712).
    expect([...new Set(stderr.match(/warning\[\w+\]/g))].sort()).toEqual(['warning[W0702]', 'warning[W0712]']);
    expect(stderr.replace(/^(?:\S+:\d+:\d+: warning\[W07\d\d\].*|\s*\d* *\|.*|\s+= hint: .*|)$/gm, '').trim()).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/Plan: 32 to add, 0 to update, 0 metadata changes, 0 unchanged\./);
    // Row counts of the sample files (header excluded).
    const lines = (f: string) => readFileSync(join(dir, 'data', f), 'utf8').trim().split('\n').length - 1;
    expect(stdout).toContain(`source transactions: loaded ${lines('transactions.csv').toLocaleString('en-US')} rows`);
    expect(stdout).toContain(`source users: loaded ${lines('users.csv')} rows`);
    expect(stdout).toContain(`source merchants: loaded ${lines('merchants.csv')} rows`);
    expect(stdout).toContain(`source fraud_reports: loaded ${lines('fraud_reports.csv')} rows`);
    expect(stdout).toContain('source app_events: stream table created');
    expect(stdout).toMatch(/fitted .*avg_amount_7d@1, avg_amount_7d@2/);
    expect(stdout).toContain('statistics recorded for 16 feature versions');
    expect(stdout).toMatch(/^Applied \(apply #1\)\.$/m);
    const offline = join(dir, '.fsql', 'offline.db');
    expect(sqliteRows(offline, 'SELECT count(*) AS n FROM transactions')[0]!['n']).toBe(lines('transactions.csv'));
  });

  it('a second apply changes nothing', async () => {
    const registry = join(dir, '.fsql', 'registry.db');
    const before = sqliteRows(registry, 'SELECT count(*) AS n FROM sqlite_schema')[0];
    const { code, stdout } = await fsql('apply', dir);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^No changes: 32 objects unchanged\.$/m);
    expect(stdout).toContain('source transactions: unchanged (4,965 rows)');
    expect(stdout).toContain('source app_events: stream table kept');
    expect(stdout).toContain('statistics recorded for 0 feature versions');
    expect(stdout).toMatch(/^Nothing to apply: the registry is up to date\.$/m);
    expect(stdout).not.toContain('fitted');
    expect(sqliteRows(registry, 'SELECT count(*) AS n FROM sqlite_schema')[0]).toEqual(before);
  });

  it('materialize --at writes every entity as of that time', async () => {
    const { code, stdout } = await fsql('materialize', dir, '--at', '2024-04-30');
    expect(code).toBe(0);
    expect(stdout).toContain('Materialized as of 2024-04-30 00:00:00 UTC');
    // Keys: every user, merchant and card id found in rows at or before the time (all rows are before).
    const users = new Set(readCsv(join(dir, 'data/users.csv')).map((u) => u['user_id']));
    for (const t of readCsv(join(dir, 'data/transactions.csv'))) users.add(t['user_id']);
    for (const f of readCsv(join(dir, 'data/fraud_reports.csv'))) users.add(f['user_id']);
    const cards = new Set(readCsv(join(dir, 'data/transactions.csv')).map((t) => t['card_id']));
    const merchants = new Set(readCsv(join(dir, 'data/merchants.csv')).map((m) => m['id']));
    for (const f of readCsv(join(dir, 'data/fraud_reports.csv'))) merchants.add(f['merchant_id']);
    expect(stdout).toMatch(new RegExp(`^  card: ${cards.size} keys × 2 feature versions`, 'm'));
    expect(stdout).toMatch(new RegExp(`^  merchant: ${merchants.size} keys × 3 feature versions`, 'm'));
    expect(stdout).toMatch(new RegExp(`^  user: ${users.size} keys × 11 feature versions`, 'm'));

    const got = await fsql('get', 'user', 'u0070', '--project', dir, '--format', 'json', '--features', 'txn_count_7d,active_days_30d');
    expect(got.code).toBe(0);
    // The body of POST /v1/features/user: features keyed by name, each with one value.
    const body = JSON.parse(got.stdout) as { entity: string; results: { key: Record<string, unknown>; found: boolean; features: Record<string, { version: number; value: unknown; status: string }> }[] };
    expect(body.entity).toBe('user');
    expect(body.results.map((r) => r.key)).toEqual([{ user_id: 'u0070' }]);
    const vector = body.results[0];
    // txn_count_7d is LOG(COUNT(*)) over (T − 7 days, T]; active_days_30d counts the user's calendar days of
    // approved spend whose last transaction is in (T − 30 days, T].
    const T = us('2024-04-30');
    const txns = readCsv(join(dir, 'data/transactions.csv')).filter((t) => t['user_id'] === 'u0070');
    const n7 = txns.filter((t) => us(t['created_at']!) > T - 7 * DAY && us(t['created_at']!) <= T).length;
    const lastOfDay = new Map<string, number>();
    for (const t of txns.filter((x) => x['status'] === 'approved')) {
      const day = t['created_at']!.slice(0, 10);
      lastOfDay.set(day, Math.max(lastOfDay.get(day) ?? 0, us(t['created_at']!)));
    }
    const days30 = [...lastOfDay.values()].filter((t) => t > T - 30 * DAY && t <= T).length;
    expect(vector!.found).toBe(true);
    expect(Object.keys(vector!.features)).toEqual(['txn_count_7d', 'active_days_30d']);
    expect(vector!.features['txn_count_7d']!.value).toBeCloseTo(Math.log(1 + n7), 12);
    expect(vector!.features['active_days_30d']!.value).toBe(days30);
  });

  it('get --format json prints the body POST /v1/features/:entity answers for the same lookup', async () => {
    const ws = Workspace.open(dir);
    const server = await startServer(ws, { host: '127.0.0.1', port: 0 });
    try {
      const post = async (entity: string, body: unknown) => {
        const r = await fetch(`${server.url}/v1/features/${entity}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: r.status, body: (await r.json()) as unknown };
      };
      const cases: { argv: string[]; entity: string; body: unknown }[] = [
        // Every feature, two keys, one of them never seen (found: false, the features' empty values).
        { argv: ['user', 'u0070', 'nobody'], entity: 'user', body: { keys: [['u0070'], ['nobody']] } },
        // A feature list, with a pinned version (keyed `name@2`) and ONE_HOT features (an object of columns).
        { argv: ['user', 'u0001', '--features', 'avg_amount_7d@1,avg_amount_7d,home_country,last_channel'], entity: 'user', body: { keys: [['u0001']], features: ['avg_amount_7d@1', 'avg_amount_7d', 'home_country', 'last_channel'] } },
        // Another entity, with a key column named differently (merchant_id) from the relation's (id).
        { argv: ['merchant', 'm001', 'm002'], entity: 'merchant', body: { keys: [['m001'], ['m002']] } },
      ];
      for (const c of cases) {
        const got = await fsql('get', ...c.argv, '--project', dir, '--format', 'json');
        expect(got.stderr, c.argv.join(' ')).toBe('');
        expect(got.code, c.argv.join(' ')).toBe(0);
        const api = await post(c.entity, c.body);
        expect(api.status).toBe(200);
        expect(JSON.parse(got.stdout), c.argv.join(' ')).toEqual(api.body);
        expect(got.stdout.endsWith('\n')).toBe(true);
      }
      // The case above reads real values: u0070's spend_30d is LOG of its approved spend in (T − 30 days, T].
      const T = us('2024-04-30');
      const spend = readCsv(join(dir, 'data/transactions.csv'))
        .filter((t) => t['user_id'] === 'u0070' && t['status'] === 'approved' && us(t['created_at']!) > T - 30 * DAY && us(t['created_at']!) <= T)
        .reduce((s, t) => s + Number(t['amount']), 0);
      const first = JSON.parse((await fsql('get', 'user', 'u0070', '--project', dir, '--format', 'json')).stdout) as { results: { features: Record<string, { value: number }> }[] };
      expect(first.results[0]!.features['spend_30d']!.value).toBeCloseTo(Math.sign(spend) * Math.log(1 + Math.abs(spend)), 9);

      // A refusal is the API's error body too (exit 1): an unknown feature, an unknown entity.
      for (const [argv, entity, body] of [
        [['user', 'u0070', '--features', 'no_such_feature'], 'user', { keys: [['u0070']], features: ['no_such_feature'] }],
        [['usr', 'u0070'], 'usr', { keys: [['u0070']] }],
      ] as const) {
        const got = await fsql('get', ...argv, '--project', dir, '--format', 'json');
        expect(got.code, argv.join(' ')).toBe(1);
        const api = await post(entity, body);
        expect(api.status).toBe(404);
        expect(JSON.parse(got.stdout), argv.join(' ')).toEqual(api.body);
      }
    } finally {
      await server.close();
      await ws.close();
    }
  });

  it('train writes fraud_detection to CSV: header, label rows and sampling computed by hand, rows equal buildTrainingSet', async () => {
    const out = join(dir, 'fraud.csv');
    const { code, stdout } = await fsql('train', 'fraud_detection', dir, '--out', out);
    expect(code).toBe(0);
    const expected = expectedFraudRows(dir);
    expect(stdout).toContain(`Wrote ${expected.length.toLocaleString('en-US')} rows`);
    expect(stdout).toContain('of fraud_detection VERSION 1');

    const text = readFileSync(out, 'utf8');
    const [header, ...rest] = parse(text) as string[][];
    // Keys (the label entity's, then merchant and card from the label relation), the label time,
    // each feature's columns in the order listed (one-hot: one column per vocabulary value), the label.
    const countries = topN(readCsv(join(dir, 'data/users.csv')).map((u) => u['country']!), 5);
    const categories = topN(readCsv(join(dir, 'data/merchants.csv')).map((m) => m['category']!), 8);
    expect(header).toEqual([
      'user_id',
      'merchant_id',
      'card_id',
      'created_at',
      'txn_count_7d',
      'spend_30d',
      'avg_amount_7d',
      'max_amount_24h',
      'last_channel__online',
      'last_channel__pos',
      'last_channel__atm',
      ...countries.map((c) => `home_country__${c}`),
      'user_age',
      'cross_border_spend_30d',
      'active_days_30d',
      ...categories.map((c) => `merchant_category__${c}`),
      'merchant_risk_tier__1',
      'merchant_risk_tier__2',
      'merchant_risk_tier__3',
      'merchant_chargebacks_30d',
      'card_distinct_merchants_24h',
      'card_min_amount_24h',
      'is_fraud',
    ]);
    expect(rest).toHaveLength(expected.length);
    const at = (name: string) => header!.indexOf(name);
    expect(rest.map((r) => ({ user_id: r[at('user_id')], merchant_id: r[at('merchant_id')], card_id: r[at('card_id')], created_at: r[at('created_at')], is_fraud: r[at('is_fraud')] === 'true' }))).toEqual(expected);

    // The same rows as the library builds, value for value.
    const ws = Workspace.open(dir);
    try {
      const result = await buildTrainingSet(ws, 'fraud_detection');
      table = result.table;
    } finally {
      await ws.close();
    }
    expect(table.columns).toEqual(header);
    expect(table.rows).toHaveLength(rest.length);
    const timeAt = at('created_at');
    const mismatches: string[] = [];
    table.rows.forEach((row, i) => {
      row.forEach((v, j) => {
        const cell = rest[i]![j]!;
        const ok = j === timeAt ? cell === expected[i]!.created_at && v === us(cell) : typeof v === 'number' ? Number(cell) === v : cell === csvText(v);
        if (!ok && mismatches.length < 5) mismatches.push(`row ${i + 1}, ${header![j]}: csv ${JSON.stringify(cell)}, table ${JSON.stringify(v)}`);
      });
    });
    expect(mismatches).toEqual([]);
  });

  it('train writes JSONL and Parquet with the same rows', async () => {
    const jsonl = join(dir, 'fraud.jsonl');
    const r1 = await fsql('train', 'fraud_detection', dir, '--out', jsonl);
    expect(r1.code).toBe(0);
    expect(r1.stdout).toContain('(jsonl)');
    const objects = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as CsvRecord);
    expect(objects).toHaveLength(table.rows.length);
    const timeAt = table.columns.indexOf('created_at');
    objects.forEach((o, i) => {
      expect(Object.keys(o)).toEqual(table.columns);
      const row = table.rows[i]!;
      const expected = Object.fromEntries(table.columns.map((c, j) => [c, j === timeAt ? new Date((row[j] as number) / 1000).toISOString().replace('T', ' ').replace('.000Z', '') : row[j]]));
      expect(o).toEqual(expected);
    });

    const parquet = join(dir, 'fraud.data');
    const r2 = await fsql('train', 'fraud_detection', dir, '--out', parquet, '--format', 'parquet');
    expect(r2.code).toBe(0);
    expect(r2.stdout).toContain('(parquet)');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT * REPLACE (CAST(epoch_us(created_at) AS DOUBLE) AS created_at) FROM read_parquet('${parquet.replaceAll("'", "''")}')`,
      );
      expect(reader.columnNames()).toEqual(table.columns);
      const types = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${parquet.replaceAll("'", "''")}')`);
      const typeOf = Object.fromEntries(types.getRowsJS().map((r) => [String(r[0]), String(r[1])]));
      expect(typeOf['created_at']).toBe('TIMESTAMP');
      expect(typeOf['is_fraud']).toBe('BOOLEAN');
      expect(typeOf['user_id']).toBe('VARCHAR');
      expect(typeOf['txn_count_7d']).toBe('DOUBLE');
      const rows = reader.getRowsJS().map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
      expect(rows).toEqual(table.rows);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('ingest stores the sample events and updates failed_logins_24h online; materialize at another time recomputes it', async () => {
    const events = readFileSync(join(dir, 'data/app_events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { account_id: string; event_type: string; ts: string });
    const { code, stdout } = await fsql('ingest', 'app_events', join(dir, 'data/app_events.jsonl'), dir);
    expect(code).toBe(0);
    expect(stdout).toContain(`Ingested ${events.length.toLocaleString('en-US')} events into app_events`);
    const accounts = new Set(events.map((e) => e.account_id));
    expect(stdout).toContain(`user: ${accounts.size} keys updated online as of 2024-04-30 00:00:00 UTC`);
    expect(sqliteRows(join(dir, '.fsql', 'offline.db'), 'SELECT count(*) AS n FROM app_events')[0]!['n']).toBe(events.length);

    /** failed_logins_24h by hand: login_failed events of the account in (T − 24 h, T]. */
    const failed = (account: string, T: number) => events.filter((e) => e.account_id === account && e.event_type === 'login_failed' && us(e.ts) > T - DAY && us(e.ts) <= T).length;
    const read = async (account: string) => {
      const got = await fsql('get', 'user', account, '--project', dir, '--format', 'json');
      expect(got.code).toBe(0);
      const { results } = JSON.parse(got.stdout) as { results: { found: boolean; features: Record<string, { value: unknown; status: string; event_time: string | null }> }[] };
      return results[0]!.features['failed_logins_24h']!;
    };
    // The vectors are recomputed as of the later of the materialized time and the newest event.
    const newest = Math.max(...events.map((e) => us(e.ts)));
    const T = Math.max(us('2024-04-30'), newest);
    const withFailures = [...accounts].filter((a) => failed(a, T) > 0);
    expect(withFailures.length).toBeGreaterThan(0);
    for (const a of withFailures) {
      const f = await read(a);
      expect(f.value).toBe(failed(a, T));
      expect(f.status).toBe('present');
    }
    const none = [...accounts].find((a) => failed(a, T) === 0)!;
    expect((await read(none)).value).toBe(0);

    // At a busier time: the account with the most failed logins in a day.
    let best = { account: '', T: 0, n: 0 };
    for (const e of events) {
      if (e.event_type !== 'login_failed') continue;
      const n = failed(e.account_id, us(e.ts));
      if (n > best.n) best = { account: e.account_id, T: us(e.ts), n };
    }
    expect(best.n).toBeGreaterThan(2);
    const at = new Date(best.T / 1000).toISOString().replace('T', ' ').replace('.000Z', '');
    const m = await fsql('materialize', dir, '--at', at);
    expect(m.code).toBe(0);
    const f = await read(best.account);
    expect(f.value).toBe(best.n);
    expect(f.event_time).toBe(`${at.replace(' ', 'T')}Z`);
    // Just after the first of those events leaves the window, one fewer.
    const inWindow = events.filter((e) => e.account_id === best.account && e.event_type === 'login_failed' && us(e.ts) > best.T - DAY && us(e.ts) <= best.T);
    const oldest = Math.min(...inWindow.map((e) => us(e.ts)));
    const later = new Date((oldest + DAY) / 1000).toISOString().replace('T', ' ').replace('.000Z', '');
    expect((await fsql('materialize', dir, '--at', later)).code).toBe(0);
    expect((await read(best.account)).value).toBe(failed(best.account, oldest + DAY));
  });

  it('usage errors: a bad --at exits 2, an unknown training set exits 1 with the list', async () => {
    const bad = await fsql('materialize', dir, '--at', 'yesterday-ish');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--at must be a UTC time like '2024-04-30', '2024-04-30 12:00:00' or 'now', not 'yesterday-ish'");

    const out = join(dir, 'nope.csv');
    const unknown = await fsql('train', 'fraud_detector', dir, '--out', out);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no registered training set fraud_detector (training sets: fraud_detection, merchant_abuse)');
    expect(existsSync(out)).toBe(false);

    const badVersion = await fsql('train', 'fraud_detection', dir, '--out', out, '--version', '7');
    expect(badVersion.code).toBe(1);
    expect(badVersion.stderr).toContain('training set fraud_detection has no registered VERSION 7 (versions: 1)');

    const badFormat = await fsql('train', 'fraud_detection', dir, '--out', out, '--format', 'xlsx');
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('--format must be csv, jsonl, parquet, not xlsx');
    expect(existsSync(out)).toBe(false);
  });
});
