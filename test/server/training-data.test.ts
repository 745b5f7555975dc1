/**
 * Training sets, ad-hoc spines and uploads over HTTP (src/server/data-routes.ts),
 * on a served copy of examples/payments: the streamed tables equal what the
 * runtime computes (`fsql train`'s rows, a training set over a label with the
 * spine's rows), in every format; refusals are the API's JSON errors.
 */
import * as A from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArrowBatchEncoder, readArrow } from '../../src/store/files/arrow.js';
import { Sink } from '../../src/store/files/sink.js';
import { buildTrainingSet } from '../../src/runtime/train.js';
import { csvBatch } from '../../src/store/files/batches.js';
import type { ColumnInfo } from '../../src/check/catalog.js';
import type { Row, Value } from '../../src/engine/values.js';
import { call, copyPayments, post, prepare, serve, type Served } from './support.js';

const TOKEN = 'training-data-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const ARROW = 'application/vnd.apache.arrow.stream';

/** An Arrow IPC body of the columns (values canonical: TIMESTAMP µs, DATE days). */
function arrowBody(columns: { name: string; type: ColumnInfo['type'] }[], rows: Value[][]): Uint8Array {
  const enc = new ArrowBatchEncoder(columns);
  const parts = [enc.start(), enc.batch(rows), enc.end()];
  return Buffer.concat(parts.map((p) => Buffer.from(p)));
}

/** Rows of an Arrow IPC answer as canonical values (int64 and timestamps as numbers). */
function arrowRows(bytes: ArrayBuffer): { columns: string[]; types: string[]; rows: Value[][] } {
  const t = A.tableFromIPC(new Uint8Array(bytes));
  const columns = t.schema.fields.map((f) => f.name);
  const rows: Value[][] = [];
  for (const batch of t.batches) {
    for (let r = 0; r < batch.numRows; r++) {
      rows.push(
        batch.schema.fields.map((f, j) => {
          const d = batch.data.children[j]!;
          const v = A.makeVector(d);
          if (!v.isValid(r)) return null;
          if (A.DataType.isTimestamp(f.type)) return Number((d.values as BigInt64Array)[r]);
          if (A.DataType.isDate(f.type)) return (v.get(r) as number) / 86_400_000;
          const x = v.get(r);
          return typeof x === 'bigint' ? Number(x) : (x as Value);
        }),
      );
    }
  }
  return { columns, types: t.schema.fields.map((f) => String(f.type)), rows };
}

let s: Served;

beforeAll(async () => {
  const dir = copyPayments();
  s = await serve(dir, await prepare(dir), { token: TOKEN });
}, 180_000);

afterAll(async () => {
  await s?.close();
});

describe('POST /v1/training-sets/{name}', () => {
  it('streams the rows fsql train computes, as Arrow IPC with the training set’s types', async () => {
    const res = await fetch(`${s.url}/v1/training-sets/fraud_detection?version=1`, { method: 'POST', headers: AUTH });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(ARROW);
    expect(res.headers.get('x-fsql-version')).toBe('1');
    const got = arrowRows(await res.arrayBuffer());
    const expected = await buildTrainingSet(s.ws, 'fraud_detection', { version: 1 });
    expect(got.columns).toEqual(expected.plan.columns.map((c) => c.name));
    const arrowType = { INTEGER: 'Int64', DOUBLE: 'Float64', TEXT: 'Utf8', BOOLEAN: 'Bool', DATE: 'Date32<DAY>', TIMESTAMP: 'Timestamp<MICROSECOND>' } as const;
    expect(got.types).toEqual(expected.plan.columns.map((c) => arrowType[c.type]));
    expect(got.rows.length).toBeGreaterThan(1000);
    expect(got.rows).toEqual(expected.table.rows);
  });

  it('writes the same rows as CSV (the text fsql train writes) and as Parquet', async () => {
    const expected = await buildTrainingSet(s.ws, 'merchant_abuse', { asOf: Date.UTC(2024, 3, 20) * 1000 });
    const csv = await call(`${s.url}/v1/training-sets/merchant_abuse?as_of=2024-04-20`, { method: 'POST', headers: { ...AUTH, accept: 'text/csv' } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('x-fsql-as-of')).toBe('2024-04-20T00:00:00Z');
    expect(csv.text).toBe(csvBatch(expected.plan.columns, expected.table.rows, true));
    const pq = await fetch(`${s.url}/v1/training-sets/merchant_abuse?as_of=2024-04-20T00:00:00Z&format=parquet`, { method: 'POST', headers: AUTH });
    expect(pq.status).toBe(200);
    expect(pq.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    const bytes = Buffer.from(await pq.arrayBuffer());
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
    expect(Number(pq.headers.get('content-length'))).toBe(bytes.length);
  });

  it('refuses in the API’s error shape before streaming anything', async () => {
    const unknown = await call(`${s.url}/v1/training-sets/fraud_detectoin`, { method: 'POST', headers: AUTH });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('unknown_training_set');
    expect(unknown.body.error.message).toContain('fraud_detection');
    const version = await call(`${s.url}/v1/training-sets/fraud_detection?version=9`, { method: 'POST', headers: AUTH });
    expect(version.body.error.code).toBe('unknown_training_set');
    const accept = await call(`${s.url}/v1/training-sets/fraud_detection`, { method: 'POST', headers: { ...AUTH, accept: 'application/xml' } });
    expect(accept.status).toBe(406);
    expect(accept.body.error.code).toBe('not_acceptable');
    const asOf = await call(`${s.url}/v1/training-sets/merchant_abuse?as_of=yesterday`, { method: 'POST', headers: AUTH });
    expect(asOf.status).toBe(400);
    const anonymous = await call(`${s.url}/v1/training-sets/fraud_detection`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('unauthorized');
  });

  it('survives a client that goes away mid-stream', async () => {
    const ac = new AbortController();
    const res = await fetch(`${s.url}/v1/training-sets/fraud_detection`, { method: 'POST', headers: AUTH, signal: ac.signal });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    // The engine is free again: the next request is answered in full.
    const again = await fetch(`${s.url}/v1/training-sets/fraud_detection?format=csv`, { method: 'POST', headers: AUTH });
    expect(again.status).toBe(200);
    expect((await again.text()).split('\n').length).toBeGreaterThan(1000);
  });
});

describe('POST /v1/historical-features', () => {
  const at = (text: string) => Date.parse(`${text}Z`) * 1000;
  const spine = (rows: Value[][]) => arrowBody([{ name: 'user_id', type: 'TEXT' }, { name: 'event_time', type: 'TIMESTAMP' }], rows);

  it('answers each spine row, in order, with what a training row at its time holds', async () => {
    const expected = await buildTrainingSet(s.ws, 'fraud_detection', { version: 1 });
    const cols = expected.plan.columns.map((c) => c.name);
    const picks = [5, 0, 5, 200];
    const rows = picks.map((i) => [expected.table.rows[i]![cols.indexOf('user_id')]!, expected.table.rows[i]![cols.indexOf('created_at')]!]);
    const res = await fetch(`${s.url}/v1/historical-features?features=txn_count_7d,avg_amount_7d@2,home_country`, { method: 'POST', headers: { ...AUTH, 'content-type': ARROW }, body: spine(rows) });
    expect(res.status).toBe(200);
    const got = arrowRows(await res.arrayBuffer());
    const outputs = got.columns.slice(2);
    expect(got.columns.slice(0, 2)).toEqual(['user_id', 'event_time']);
    expect(got.rows.map((r) => r.slice(0, 2))).toEqual(rows);
    got.rows.forEach((r, j) => {
      const want = expected.table.rows[picks[j]!]!;
      expect(outputs.map((o) => r[got.columns.indexOf(o)])).toEqual(outputs.map((o) => want[cols.indexOf(o)]));
    });
    // Parquet bodies too, and a time column named explicitly among other columns.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const path = `${s.dir}/spine.parquet`;
    await c.run(`COPY (SELECT 'u0115' AS USER_ID, TIMESTAMP '2024-04-01 00:00:00' AS t, 42 AS other) TO '${path}' (FORMAT PARQUET)`);
    c.closeSync();
    db.closeSync();
    const { readFileSync } = await import('node:fs');
    const pq = await call(`${s.url}/v1/historical-features?features=txn_count_7d&time_column=t&format=csv`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/vnd.apache.parquet' }, body: readFileSync(path) });
    expect(pq.status).toBe(200);
    expect(pq.text.split('\n')[0]).toBe('user_id,t,txn_count_7d');
    expect(pq.text.split('\n')[1]).toMatch(/^u0115,2024-04-01 00:00:00,/);
  });

  it('refuses bad rows with their numbers, unknown features with a did-you-mean, and bodies of other types', async () => {
    const bad = await call(`${s.url}/v1/historical-features?features=txn_count_7d`, { method: 'POST', headers: { ...AUTH, 'content-type': 'text/plain' }, body: 'user_id,t' });
    expect(bad.status).toBe(415);
    const none = await call(`${s.url}/v1/historical-features?features=txn_count_7d`, { method: 'POST', headers: AUTH });
    expect(none.status).toBe(400);
    expect(none.body.error.message).toContain('Arrow IPC');
    const nullTime = await call(`${s.url}/v1/historical-features?features=txn_count_7d`, { method: 'POST', headers: { ...AUTH, 'content-type': ARROW }, body: spine([['u1', at('2024-04-01 00:00:00')], ['u2', null]]) });
    expect(nullTime.status).toBe(400);
    expect(nullTime.body.error.code).toBe('bad_rows');
    expect(nullTime.body.error.details.row_errors).toEqual([{ row: 2, column: 'event_time', reason: 'NULL in a NOT NULL column' }]);
    const unknown = await call(`${s.url}/v1/historical-features?features=txn_count_7`, { method: 'POST', headers: { ...AUTH, 'content-type': ARROW }, body: spine([['u1', at('2024-04-01 00:00:00')]]) });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('txn_count_7d');
    const ref = await call(`${s.url}/v1/historical-features?features=a@b`, { method: 'POST', headers: { ...AUTH, 'content-type': ARROW }, body: spine([['u1', 0]]) });
    expect(ref.status).toBe(400);
    const garbage = await call(`${s.url}/v1/historical-features?features=txn_count_7d`, { method: 'POST', headers: { ...AUTH, 'content-type': ARROW }, body: 'not arrow' });
    expect(garbage.status).toBe(400);
    const wrongType = await call(`${s.url}/v1/historical-features?features=txn_count_7d`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': ARROW },
      body: arrowBody([{ name: 'user_id', type: 'INTEGER' }, { name: 't', type: 'TIMESTAMP' }], [[1, 0]]),
    });
    expect(wrongType.body.error.code).toBe('bad_rows');
    expect(wrongType.body.error.details.row_errors[0].reason).toContain('cannot be read as a TEXT');
    // application/octet-stream: Arrow or Parquet by the first bytes.
    const octet = await call(`${s.url}/v1/historical-features?features=txn_count_7d&format=csv`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/octet-stream' }, body: spine([['u0115', at('2024-04-01 00:00:00')]]) });
    expect(octet.status).toBe(200);
    expect(octet.text.split('\n')[0]).toBe('user_id,event_time,txn_count_7d');
    const anonymous = await call(`${s.url}/v1/historical-features?features=txn_count_7d`, { method: 'POST', headers: { 'content-type': ARROW }, body: spine([['u1', 0]]) });
    expect(anonymous.status).toBe(401);
  });
});

describe('POST /v1/sources/{name}/rows', () => {
  const columns: { name: string; type: ColumnInfo['type'] }[] = [
    { name: 'event_id', type: 'TEXT' },
    { name: 'account_id', type: 'TEXT' },
    { name: 'event_type', type: 'TEXT' },
    { name: 'device_id', type: 'TEXT' },
    { name: 'ip_country', type: 'TEXT' },
    { name: 'ts', type: 'TIMESTAMP' },
  ];
  const t0 = Date.UTC(2024, 3, 29, 12) * 1000;

  it('appends Arrow rows to a stream, validated whole, with Idempotency-Key, and the offline store sees them', async () => {
    const body = arrowBody(columns, [
      ['up-1', 'u0115', 'login_failed', null, 'US', t0],
      ['up-2', 'u0115', 'login_failed', 'd9', null, t0 + 1_000_000],
    ]);
    const headers = { ...AUTH, 'content-type': ARROW, 'idempotency-key': 'up-batch-1' };
    const first = await call(`${s.url}/v1/sources/app_events/rows`, { method: 'POST', headers, body });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ source: 'app_events', accepted: 2 });
    const retry = await call(`${s.url}/v1/sources/app_events/rows`, { method: 'POST', headers, body });
    expect(retry.body).toMatchObject({ accepted: 2, replayed: true });
    const stored = await s.ws.engine().then((e) => e.query(`SELECT COUNT(*) AS n FROM app_events WHERE event_id LIKE 'up-%'`, [{ name: 'n', type: 'INTEGER' }]));
    expect(stored[0]!['n']).toBe(2);
    // A bad row refuses the whole upload.
    const bad = await call(`${s.url}/v1/sources/app_events/rows`, { method: 'POST', headers: { ...AUTH, 'content-type': ARROW }, body: arrowBody(columns, [['up-3', 'u1', 'login', null, null, t0], [null, 'u1', 'login', null, null, t0]]) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.row_errors).toEqual([{ row: 2, column: 'event_id', reason: 'NULL in a NOT NULL column' }]);
    const after = await s.ws.engine().then((e) => e.query(`SELECT COUNT(*) AS n FROM app_events WHERE event_id LIKE 'up-%'`, [{ name: 'n', type: 'INTEGER' }]));
    expect(after[0]!['n']).toBe(2);
    // JSON bodies too.
    const json = await post(`${s.url}/v1/sources/app_events/rows`, [{ event_id: 'up-4', account_id: 'u1', event_type: 'login', ts: '2024-04-29 13:00:00' }], AUTH);
    expect(json.body).toMatchObject({ accepted: 1 });
  });

  it('refuses FILE sources, unknown sources and writes without the token', async () => {
    const body = arrowBody(columns, [['x', 'u1', 'login', null, null, t0]]);
    const file = await call(`${s.url}/v1/sources/transactions/rows`, { method: 'POST', headers: { ...AUTH, 'content-type': ARROW }, body });
    expect(file.status).toBe(409);
    expect(file.body.error.code).toBe('not_a_stream');
    const unknown = await call(`${s.url}/v1/sources/app_event/rows`, { method: 'POST', headers: { ...AUTH, 'content-type': ARROW }, body });
    expect(unknown.status).toBe(404);
    const anonymous = await call(`${s.url}/v1/sources/app_events/rows`, { method: 'POST', headers: { 'content-type': ARROW }, body });
    expect(anonymous.status).toBe(401);
  });

  it('are in the OpenAPI document with their content types and the bearer scheme', async () => {
    const doc = (await call(`${s.url}/openapi.json`)).body;
    const ts = doc.paths['/v1/training-sets/{name}'].post;
    expect(Object.keys(ts.responses['200'].content)).toEqual([ARROW, 'application/vnd.apache.parquet', 'text/csv']);
    expect(ts.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(doc.paths['/v1/historical-features'].post.requestBody.content)).toEqual([ARROW, 'application/vnd.apache.parquet', 'application/octet-stream']);
    expect(Object.keys(doc.paths['/v1/sources/{name}/rows'].post.requestBody.content)).toContain('application/json');
  });
});

describe('Arrow IPC reading and writing (store/files/arrow.ts)', () => {
  const columns: ColumnInfo[] = [
    { name: 'i', type: 'INTEGER', nullable: true },
    { name: 'd', type: 'DOUBLE', nullable: true },
    { name: 's', type: 'TEXT', nullable: true },
    { name: 'b', type: 'BOOLEAN', nullable: true },
    { name: 'day', type: 'DATE', nullable: true },
    { name: 't', type: 'TIMESTAMP', nullable: true },
  ];
  async function read(bytes: Uint8Array, cols: readonly ColumnInfo[]): Promise<{ rows: Row[]; errors: Sink['errors'] }> {
    const rows: Row[] = [];
    const sink = new Sink('request', 20, 3, (b) => void rows.push(...b));
    await readArrow(bytes, cols, sink);
    await sink.flush();
    return { rows, errors: sink.errors };
  }

  it('round-trips every type, NULLs, extremes and many batches', async () => {
    const rows: Value[][] = [
      [0, 0, '', false, 0, 0],
      [-(2 ** 53 - 1), -1.5e300, "ä 😀 \"q\"", true, -719_162, -(2 ** 53 - 1)],
      [2 ** 53 - 1, 5e-324, "x".repeat(1000), null, 2_932_896, 2 ** 53 - 1],
      [null, null, null, null, null, null],
    ];
    const enc = new ArrowBatchEncoder(columns);
    const bytes = Buffer.concat([enc.start(), enc.batch(rows.slice(0, 2)), enc.batch([]), enc.batch(rows.slice(2)), enc.end()].map((b) => Buffer.from(b)));
    const got = await read(bytes, columns);
    expect(got.errors).toEqual([]);
    expect(got.rows.map((r) => columns.map((c) => r[c.name]))).toEqual(rows);
  });

  it('reads timestamps of every unit and dates as TIMESTAMP, and refuses what cannot convert', async () => {
    const micros = 1_714_000_000_123_456n;
    const table = new A.Table({
      s: A.makeVector(A.makeData({ type: new A.TimestampSecond(), length: 1, data: new BigInt64Array([micros / 1_000_000n]) })),
      ms: A.makeVector(A.makeData({ type: new A.TimestampMillisecond('UTC'), length: 1, data: new BigInt64Array([micros / 1000n]) })),
      ns: A.makeVector(A.makeData({ type: new A.TimestampNanosecond(), length: 1, data: new BigInt64Array([micros * 1000n]) })),
      day: A.makeVector(A.makeData({ type: new A.DateDay(), length: 1, data: new Int32Array([19_800]) })),
      f: A.vectorFromArray([1.5], new A.Float64()),
    });
    const bytes = A.tableToIPC(table, 'stream');
    const ts = (name: string): ColumnInfo => ({ name, type: 'TIMESTAMP', nullable: false });
    const got = await read(bytes, [ts('s'), ts('ms'), ts('ns'), ts('DAY')]);
    expect(got.errors).toEqual([]);
    expect(got.rows[0]).toEqual({ s: Number(micros / 1_000_000n) * 1_000_000, ms: Number(micros / 1000n) * 1000, ns: Number(micros), DAY: 19_800 * 86_400_000_000 });
    const refused = await read(bytes, [{ name: 'f', type: 'INTEGER', nullable: true }, { name: 'missing', type: 'TEXT', nullable: true }]);
    expect(refused.errors.map((e) => e.reason)).toEqual(['the data’s column f is Float64, which cannot be read as an INTEGER'.replace('’', "'"), 'the data has no column missing (it has s, ms, ns, day, f)']);
  });
});
