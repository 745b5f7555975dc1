/**
 * A number JavaScript cannot hold as written (an integer beyond 2^53, a value
 * beyond the DOUBLE range) is refused over HTTP quoting the digits that were
 * sent, never a rounded value that looks like another number (issue 10,
 * findings 7 and 11, in request bodies as in JSONL files).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyProject } from '../../src/runtime/apply.js';
import { materialize } from '../../src/runtime/materialize.js';
import { Workspace } from '../../src/runtime/workspace.js';
import { readProjectFiles } from '../../src/project/files.js';
import { tempDir, writeFiles } from '../runtime/support.js';
import { call, serve, type Served } from './support.js';

const PROJECT = `CREATE ENTITY acct KEY (acct_id INTEGER);
CREATE SOURCE ev (acct_id INTEGER NOT NULL, v DOUBLE, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE FEATURE n ENTITY acct FROM ev AS COUNT(*) WINDOW 1 DAY;
`;

const post = (url: string, body: string, type = 'application/json') => call(url, { method: 'POST', headers: { 'content-type': type }, body });

describe('JSON numbers beyond what JavaScript holds, over HTTP', { timeout: 60_000 }, () => {
  let s: Served;
  beforeAll(async () => {
    const { dir } = tempDir('fsql-json-numbers-');
    writeFiles(dir, { 'fsql.json': '{}', 'p.fsql': PROJECT });
    const ws = Workspace.open(dir, { create: true });
    await applyProject(ws, readProjectFiles(dir, dir));
    await materialize(ws, { at: Date.UTC(2024, 0, 2) * 1000 });
    s = await serve(dir, ws);
  });
  afterAll(async () => s?.close());

  it('an event: the row error quotes the integer and the exponent as sent', async () => {
    const r = await post(`${s.url}/v1/ingest/ev`, '[{"acct_id": 9007199254740993, "v": 1, "ts": "2024-01-01 10:00:00"}, {"acct_id": 5, "v": 1e400, "ts": "2024-01-01 10:00:00"}]');
    expect(r.status).toBe(400);
    expect(r.body.error.details.row_errors).toEqual([
      { row: 1, column: 'acct_id', reason: '9007199254740993 is out of range for INTEGER (at most 9007199254740991 in magnitude)' },
      { row: 2, column: 'v', reason: '1e400 is out of range for DOUBLE (beyond the largest DOUBLE)' },
    ]);
  });

  it('an NDJSON line and a lookup key likewise', async () => {
    const n = await post(`${s.url}/v1/ingest/ev`, '{"acct_id": 9007199254740995, "v": 1, "ts": "2024-01-01 10:00:00"}\n', 'application/x-ndjson');
    expect(n.body.error.details.row_errors[0].reason).toBe('9007199254740995 is out of range for INTEGER (at most 9007199254740991 in magnitude)');
    const k = await post(`${s.url}/v1/features/acct`, '{"keys": [{"acct_id": 12345678901234567891}]}');
    expect(k.status).toBe(400);
    expect(k.body.error.message).toBe('key 1: acct_id: 12345678901234567891 is out of range for INTEGER (at most 9007199254740991 in magnitude)');
  });

  it('numbers JavaScript holds exactly are read as before', async () => {
    const r = await post(`${s.url}/v1/ingest/ev`, '[{"acct_id": 9007199254740991, "v": 1.5e3, "ts": "2024-01-01 10:00:00"}]');
    expect(r.status).toBe(200);
    const k = await post(`${s.url}/v1/features/acct`, '{"keys": [[9007199254740991]]}');
    expect(k.body.results[0].features.n.value).toBe(1);
  });
});
