/**
 * Tables over HTTP, for the Python client (python/) and any other:
 *
 *   POST /v1/training-sets/:name        a registered training set's rows
 *   POST /v1/historical-features        the features of an ad-hoc spine (rows of keys and times in the body)
 *   POST /v1/sources/:name/rows         rows appended to a STREAM source (Arrow IPC, Parquet, JSON or NDJSON)
 *
 * Results are an Arrow IPC stream (the default), Parquet or CSV, chosen by
 * `Accept` (or `?format=`). Arrow and CSV stream: the engine's rows are read
 * in batches (`Engine.queryBatches`) and each batch is written as it comes,
 * waiting while the client is slower than the engine, so the server holds a
 * batch or two whatever the size of the set. Parquet puts its footer last:
 * the rows go to a DuckDB file in a temporary folder and are sent from the
 * Parquet file written there (store/files/batches.ts).
 *
 * An error before the first byte is the API's JSON error; one after it (the
 * engine failing mid-way: a bug) cuts the response short, which an Arrow
 * reader reports (no end-of-stream marker).
 *
 * Every route here needs the bearer token when the server has one: training
 * data is at least as sensitive as what ingest writes.
 */
import { once } from 'node:events';
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ColumnInfo } from '../check/catalog.js';
import { valueText, type Row, type Value } from '../engine/values.js';
import { RuntimeError } from '../runtime/errors.js';
import { streamSource } from '../runtime/ingest.js';
import { defaultTimeColumn, parseFeatureRefs, prepareSpine, spineKeyNames, streamSpineRows } from '../runtime/spine.js';
import { streamTrainingSet } from '../runtime/train.js';
import type { Workspace } from '../runtime/workspace.js';
import { arrowColumnNames, ArrowBatchEncoder, readArrow } from '../store/files/arrow.js';
import { csvBatch, ParquetBatches } from '../store/files/batches.js';
import { parquetColumnNames, readParquet } from '../store/files/parquet.js';
import { Sink } from '../store/files/sink.js';
import type { OutputColumn } from '../store/files/write.js';
import { MICROS_PER_DAY, parseDateText, parseTimestampText } from '../engine/values.js';
import { ApiError } from './errors.js';
import type { IngestQueue } from './ingest-queue.js';
import { isoTimestamp } from './render.js';
import * as S from './schemas.js';

/** The largest body these routes read (a spine, uploaded rows): far above the JSON routes' limit. */
export const TABLE_BODY_LIMIT = 256 * 1024 * 1024;

export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';
const ARROW_FILE = 'application/vnd.apache.arrow.file';
export const PARQUET = 'application/vnd.apache.parquet';
const PARQUET_TYPES = [PARQUET, 'application/x-parquet', 'application/parquet'];
const CSV = 'text/csv; charset=utf-8';
const OCTET_STREAM = 'application/octet-stream';

type Format = 'arrow' | 'parquet' | 'csv';

const MEDIA: Readonly<Record<string, Format>> = {
  [ARROW_STREAM]: 'arrow',
  'application/vnd.apache.arrow': 'arrow',
  [PARQUET]: 'parquet',
  'application/x-parquet': 'parquet',
  'application/parquet': 'parquet',
  'text/csv': 'csv',
  'text/*': 'csv',
  'application/*': 'arrow',
  '*/*': 'arrow',
};

/** The response format: `?format=`, else the most preferred acceptable type of `Accept`, else Arrow. */
export function responseFormat(accept: string | undefined, format: string | undefined): Format {
  if (format !== undefined) return format as Format;
  if (accept === undefined || accept.trim() === '') return 'arrow';
  const ranges = accept
    .split(',')
    .map((part, i) => {
      const [type, ...params] = part.split(';').map((x) => x.trim().toLowerCase());
      const q = params.map((p) => /^q\s*=\s*([0-9.]+)$/.exec(p)).find((m) => m)?.[1];
      return { type: type ?? '', q: q === undefined ? 1 : Number(q), i };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranges) {
    const f = MEDIA[r.type];
    if (f !== undefined) return f;
  }
  throw new ApiError('not_acceptable', `cannot answer with ${JSON.stringify(accept.slice(0, 80))}: this endpoint writes ${ARROW_STREAM}, ${PARQUET} or text/csv`);
}

/** Where a result table goes: written as it comes (Arrow, CSV) or once whole (Parquet). */
interface TableOut {
  start(columns: readonly OutputColumn[], headers: Readonly<Record<string, string>>): Promise<void>;
  batch(rows: Value[][]): Promise<void>;
  /** After the last batch; the handler awaits it (Parquet sends the file here). */
  finish(): Promise<void>;
  /** The query failed after `start`. */
  fail(e: unknown): void;
}

function tableOut(reply: FastifyReply, format: Format): TableOut {
  if (format === 'parquet') {
    let file: ParquetBatches | undefined;
    let headers: Readonly<Record<string, string>> = {};
    return {
      async start(columns, h) {
        headers = h;
        file = await ParquetBatches.open(columns);
      },
      async batch(rows) {
        await file!.append(rows);
      },
      async finish() {
        const f = file!;
        const path = await f.finish();
        const stream = createReadStream(path);
        stream.on('close', () => void f.close());
        void reply.code(200).type(PARQUET).headers({ ...headers, 'content-length': String(statSync(path).size) }).send(stream);
      },
      fail() {
        void file?.close();
      },
    };
  }
  // Arrow and CSV: a stream the reply drains; a batch waits while the client is behind.
  const body = new PassThrough({ highWaterMark: 1 << 20 });
  let gone = false;
  const closed = new Promise<void>((resolve) => {
    reply.raw.once('close', () => {
      gone = true;
      resolve();
    });
  });
  const write = async (bytes: Uint8Array | string) => {
    if (gone) throw new Error('the client closed the connection');
    if (!body.write(bytes)) await Promise.race([once(body, 'drain'), closed]);
    if (gone) throw new Error('the client closed the connection');
  };
  let arrow: ArrowBatchEncoder | undefined;
  let csv: readonly OutputColumn[] | undefined;
  let header = true;
  return {
    async start(columns, headers) {
      void reply.code(200).type(format === 'arrow' ? ARROW_STREAM : CSV).headers(headers).send(body);
      if (format === 'arrow') {
        arrow = new ArrowBatchEncoder(columns);
        await write(arrow.start());
      } else csv = columns;
    },
    async batch(rows) {
      if (arrow) await write(arrow.batch(rows));
      else {
        await write(csvBatch(csv!, rows, header));
        header = false;
      }
    },
    async finish() {
      if (arrow) await write(arrow.end());
      else if (header) await write(csvBatch(csv!, [], true));
      body.end();
    },
    fail(e) {
      body.destroy(e instanceof Error ? e : new Error(String(e)));
    },
  };
}

/**
 * Runs a query whose rows go to `out`: `run(start, batch)` calls `start`
 * once (before any row) and `batch` per batch. An error before `start` is
 * thrown (the JSON error); after it, the response is cut short.
 */
async function sendTable(
  reply: FastifyReply,
  out: TableOut,
  format: Format,
  run: (start: (columns: readonly OutputColumn[], headers: Readonly<Record<string, string>>) => Promise<void>, batch: (rows: Value[][]) => Promise<void>) => Promise<unknown>,
): Promise<FastifyReply> {
  let started!: () => void;
  const startedP = new Promise<void>((resolve) => (started = resolve));
  let didStart = false;
  const done = run(
    async (columns, headers) => {
      await out.start(columns, headers);
      didStart = true;
      started();
    },
    (rows) => out.batch(rows),
  );
  if (format === 'parquet') {
    // Nothing is sent before the file is whole: every error is the API's.
    try {
      await done;
    } catch (e) {
      out.fail(e);
      throw e;
    }
    await out.finish();
    return reply;
  }
  await Promise.race([done, startedP]);
  void done.then(
    () => out.finish(),
    (e: unknown) => {
      if (didStart) out.fail(e);
    },
  );
  return reply;
}

/** `as_of` as epoch microseconds (a date is midnight UTC). */
function asOfParam(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const bare = text.trim().replace(/(?:Z|[+-]00:?00)$/i, '');
  const ts = parseTimestampText(bare);
  const d = ts === undefined ? parseDateText(bare) : undefined;
  const us = ts ?? (d !== undefined ? d * MICROS_PER_DAY : undefined);
  if (us === undefined || !Number.isSafeInteger(us)) throw new ApiError('bad_request', `as_of must be a UTC time like 2024-04-30 or 2024-04-30T12:00:00Z, not ${JSON.stringify(text.slice(0, 60))}`);
  return us;
}

type BodyKind = 'arrow' | 'parquet';

function bodyKind(req: FastifyRequest): BodyKind | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === ARROW_STREAM || type === ARROW_FILE) return 'arrow';
  if (PARQUET_TYPES.includes(type)) return 'parquet';
  if (type === OCTET_STREAM && Buffer.isBuffer(req.body)) {
    // By the first bytes: Parquet files start with PAR1; anything else is read as Arrow IPC (which says if it is not).
    return req.body.subarray(0, 4).toString('latin1') === 'PAR1' ? 'parquet' : 'arrow';
  }
  return undefined;
}

/** A table body's column names (Parquet: from its footer, through DuckDB). */
async function bodyColumnNames(bytes: Buffer, kind: BodyKind): Promise<string[]> {
  if (kind === 'arrow') {
    const names = arrowColumnNames(bytes);
    if (names === undefined) throw new ApiError('bad_request', `the body is not an Arrow IPC stream (Content-Type ${ARROW_STREAM})`);
    return names;
  }
  return withTempFile(bytes, async (path) => {
    try {
      return await parquetColumnNames(path);
    } catch {
      throw new ApiError('bad_request', `the body is not a Parquet file (Content-Type ${PARQUET})`);
    }
  });
}

async function withTempFile<T>(bytes: Buffer, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'fsql-body-'));
  try {
    const path = join(dir, 'body.parquet');
    writeFileSync(path, bytes);
    return await fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows of a table body as `columns` (validated; a bad row refuses the whole body, naming each bad row). */
async function readTableBody(bytes: Buffer, kind: BodyKind, columns: readonly ColumnInfo[], subject: readonly [one: string, many: string]): Promise<Row[]> {
  const rows: Row[] = [];
  const sink = new Sink('request', 20, 65_536, (batch) => void rows.push(...batch));
  if (kind === 'arrow') await readArrow(bytes, columns, sink);
  else await withTempFile(bytes, (path) => readParquet(path, columns, sink));
  if (sink.failed) {
    const bad = new Set(sink.errors.map((e) => e.row)).size;
    throw new RuntimeError('bad_rows', `${sink.errors.some((e) => e.row === undefined) ? 'the body cannot be read' : `${bad}${sink.errors.length >= 20 ? ' or more' : ''} ${bad === 1 ? `${subject[0]} is` : `${subject[1]} are`} invalid`}; nothing was done`, { rowErrors: sink.errors });
  }
  await sink.flush();
  return rows;
}

function needTableBody(req: FastifyRequest, what: string): { bytes: Buffer; kind: BodyKind } {
  const kind = bodyKind(req);
  if (kind === undefined || !Buffer.isBuffer(req.body) || req.body.length === 0) {
    throw new ApiError('bad_request', `send ${what} as the body: an Arrow IPC stream (Content-Type ${ARROW_STREAM}) or a Parquet file (${PARQUET}; either also as ${OCTET_STREAM})`);
  }
  return { bytes: req.body, kind };
}

export interface DataRouteOptions {
  /** The bearer-token check of writes, when the server has a token. */
  readonly authHook: ((req: FastifyRequest) => Promise<void>)[];
  readonly ingestQueue: IngestQueue;
}

/** Registers the routes (in a plugin of their own: the Arrow and Parquet body parsers are theirs only). */
export async function dataRoutes(app: FastifyInstance, ws: Workspace, options: DataRouteOptions): Promise<void> {
  const auth = options.authHook.length > 0;
  app.addContentTypeParser([ARROW_STREAM, ARROW_FILE, ...PARQUET_TYPES, OCTET_STREAM], { parseAs: 'buffer', bodyLimit: TABLE_BODY_LIMIT }, (_req, body, done) => done(null, body));
  const authErrors = auth ? [401] : [];

  app.post(
    '/v1/training-sets/:name',
    {
      schema: {
        summary: 'A registered training set’s rows, streamed',
        description:
          'The rows `fsql train` writes for the same name and version, column for column and type for type (INTEGER int64, DOUBLE float64, TEXT utf8, BOOLEAN bool, DATE date32, TIMESTAMP timestamp[us]). Arrow IPC and CSV are streamed batch by batch as the engine computes them; Parquet is sent once written whole. No body.',
        tags: ['training'],
        params: S.nameParams,
        querystring: S.trainingSetQuery,
        response: { 200: S.tableResponse('The training set'), ...S.errors(400, ...authErrors, 404, 406, 409, 410, 414) },
      },
      config: { auth },
      onRequest: options.authHook,
    },
    async (req, reply) => {
      const { name } = req.params as { name: string };
      const q = req.query as { version?: string; as_of?: string; format?: string };
      const format = responseFormat(req.headers.accept, q.format);
      const asOf = asOfParam(q.as_of);
      const out = tableOut(reply, format);
      return sendTable(reply, out, format, (start, batch) =>
        streamTrainingSet(
          ws,
          name,
          { ...(q.version !== undefined ? { version: Number(q.version) } : {}), ...(asOf !== undefined ? { asOf } : {}) },
          (plan, at) => start(plan.columns, { 'x-fsql-training-set': plan.name, 'x-fsql-version': String(plan.version), ...(at !== undefined ? { 'x-fsql-as-of': isoTimestamp(at) } : {}) }),
          batch,
        ),
      );
    },
  );

  app.post(
    '/v1/historical-features',
    {
      bodyLimit: TABLE_BODY_LIMIT,
      schema: {
        summary: 'Point-in-time features for rows of (entity keys, time) you send',
        description:
          'The body is a table (Arrow IPC or Parquet) with a column per entity key of the features’ entities, named as the key, and a column of times (`time_column`; DATE is midnight UTC). The answer has one row per body row, in the body’s order: the keys, the time (TIMESTAMP), then each feature — what a training set over a label with exactly these rows holds. A NULL key matches nothing (that entity’s features are as for an unknown key); a NULL time is a bad row.',
        tags: ['training'],
        querystring: S.spineQuery,
        response: { 200: S.tableResponse('The spine’s rows with their features'), ...S.errors(400, ...authErrors, 404, 406, 409, 410, 413, 415) },
      },
      config: { auth, bodyContent: S.tableBodyContent('The spine: a column per entity key and a column of times') },
      onRequest: options.authHook,
    },
    async (req, reply) => {
      const q = req.query as { features: string; time_column?: string; format?: string };
      const format = responseFormat(req.headers.accept, q.format);
      const refs = parseFeatureRefs(q.features);
      const { bytes, kind } = needTableBody(req, 'the spine');
      const time = q.time_column ?? defaultTimeColumn(await bodyColumnNames(bytes, kind), await spineKeyNames(ws, refs));
      const prepared = await prepareSpine(ws, refs, time);
      const rows = await readTableBody(bytes, kind, prepared.columns, ['spine row', 'spine rows']);
      const out = tableOut(reply, format);
      return sendTable(reply, out, format, async (start, batch) => {
        await start(prepared.plan.columns, { 'x-fsql-rows': String(rows.length) });
        return streamSpineRows(ws, prepared, rows, batch);
      });
    },
  );

  app.post(
    '/v1/sources/:name/rows',
    {
      bodyLimit: TABLE_BODY_LIMIT,
      schema: {
        summary: 'Append rows to a STREAM source',
        description:
          'The rows as a table (Arrow IPC or Parquet: columns found by name, case-insensitively, types converted as `apply` reads Parquet) or as JSON (an array of objects, or NDJSON). Validated whole with `apply`’s rules (a bad row refuses the upload, naming each bad row and why), then stored and the online vectors they touch updated, exactly as `POST /v1/ingest/{source}`; `Idempotency-Key` makes a retry safe. FILE and TABLE sources are loaded by `fsql apply` from their data, not uploaded (409 `not_a_stream`).',
        tags: ['ingest'],
        params: S.sourceParams,
        response: { 200: S.ingestResponse, ...S.errors(400, ...authErrors, 404, 409, 413, 414, 415) },
      },
      config: { auth, bodyContent: { 'application/json': { schema: S.ingestBody }, 'application/x-ndjson': { schema: { type: 'string', description: 'One JSON object per line' } }, ...S.tableBodyContent('The rows') } },
      onRequest: options.authHook,
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const source = streamSource((await ws.catalog()).catalog, name);
      let records: unknown[];
      if (Buffer.isBuffer(req.body)) {
        const { bytes, kind } = needTableBody(req, 'the rows');
        const rows = await readTableBody(bytes, kind, source.columns, ['row', 'rows']);
        // As the JSON an ingest reads (dates and times as text), so that the idempotency digest and validation are ingest's own.
        records = rows.map((r) => Object.fromEntries(source.columns.map((c) => [c.name, valueText(r[c.name] ?? null, c.type)])));
      } else if (Array.isArray(req.body)) records = req.body;
      else throw new ApiError('bad_request', `send the rows as the body: Arrow IPC (${ARROW_STREAM}), Parquet (${PARQUET}), a JSON array of objects or NDJSON`);
      const header = req.headers['idempotency-key'];
      const idempotencyKey = Array.isArray(header) ? header[0] : header;
      const result = await options.ingestQueue.submit(source.name, records, { origin: 'request', maxErrors: 20, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) });
      return {
        source: result.source,
        accepted: result.accepted,
        ...(result.replayed ? { replayed: true } : {}),
        online: result.online.map((o) => ({ entity: o.entity, mode: o.mode, keys: o.keys, ...(o.asOf !== undefined ? { as_of: isoTimestamp(o.asOf) } : {}) })),
      };
    },
  );
}
