/**
 * A small Spark Connect client (the thin-client protocol of Spark 3.4+ and
 * Databricks): gRPC over @grpc/grpc-js with the service and messages loaded
 * at run time by @grpc/proto-loader from the `.proto` files of the Spark
 * Connect jar (vendored in ./proto, re-extracted by proto/extract.sh), and
 * results decoded from Arrow IPC with apache-arrow.
 *
 * What it does: `ExecutePlan` with `Plan{root: Relation{sql}}` for queries
 * (Arrow batches streamed back) and `Plan{command: sql_command}` for
 * statements, `Plan{command: write_operation}` of a `local_relation` (Arrow
 * IPC bytes) to append rows to a table, and `ReleaseSession` on close. One
 * session id per client. Executions are not reattachable (no
 * `ReattachOptions`): the server streams the whole result on the one call and
 * frees it when the call ends, so nothing needs `ReattachExecute` or
 * `ReleaseExecute`; a connection lost mid-result is an error.
 *
 * Errors from the server become `SparkError`: the server's message without
 * its JVM stack trace or the analyzed plan it appends.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { RecordBatchReader, type RecordBatch } from 'apache-arrow';

/** An error the Spark Connect server reported (or the connection to it). */
export class SparkError extends Error {
  constructor(
    message: string,
    /** Spark's error class (`TABLE_OR_VIEW_NOT_FOUND`), when the message names one. */
    readonly errorClass?: string,
    /** The gRPC status code. */
    readonly grpcCode?: number,
  ) {
    super(message);
    this.name = 'SparkError';
  }
}

/** Where the vendored .proto files are: beside this module (src/ and, copied at build, dist/src/). */
function protoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'proto'), join(here, '..', '..', '..', '..', 'src', 'engine', 'spark', 'proto')];
  for (const c of candidates) if (existsSync(join(c, 'spark', 'connect', 'base.proto'))) return c;
  throw new Error(`the Spark Connect .proto files are missing (looked in ${candidates.join(', ')})`);
}

type Message = Record<string, unknown>;
interface ServiceClient extends grpc.Client {
  [method: string]: unknown;
}

let serviceConstructor: grpc.ServiceClientConstructor | undefined;

function service(): grpc.ServiceClientConstructor {
  if (serviceConstructor) return serviceConstructor;
  const root = protoRoot();
  const definition = protoLoader.loadSync(join(root, 'spark', 'connect', 'base.proto'), {
    includeDirs: [root],
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { spark: { connect: { SparkConnectService: grpc.ServiceClientConstructor } } };
  serviceConstructor = loaded.spark.connect.SparkConnectService;
  return serviceConstructor;
}

/** Host and port of an `sc://host:port[/;param=value…]` URL (Spark Connect's connection string). */
export function parseSparkUrl(url: string): { host: string; port: number; params: Record<string, string> } {
  const m = /^sc:\/\/([^/:;]+|\[[^\]]+\])(?::(\d+))?\/?(;.*)?$/.exec(url.trim());
  if (!m) throw new Error(`not a Spark Connect URL: ${url} (expected sc://host:port, e.g. sc://127.0.0.1:15002)`);
  const params: Record<string, string> = {};
  for (const part of (m[3] ?? '').split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq > 0) params[decodeURIComponent(part.slice(0, eq))] = decodeURIComponent(part.slice(eq + 1));
  }
  return { host: m[1]!, port: m[2] === undefined ? 15002 : Number(m[2]), params };
}

/**
 * The server's message, readable: the first lines, without the JVM stack
 * trace (`\tat …`, `JVM stacktrace:`) and without the logical plan Spark
 * appends to analysis errors (lines starting with `'`, `+-`, `:-`).
 */
export function cleanSparkMessage(details: string): { message: string; errorClass?: string } {
  const lines = details.split('\n');
  const kept: string[] = [];
  for (const line of lines) {
    if (/^\s*at [\w$.]+\(/.test(line) || /^\s+at /.test(line) || /^JVM stacktrace:/.test(line) || /^Caused by:/.test(line)) break;
    if (/^\s*('|[+:]-|\|)/.test(line) || /^== .* ==$/.test(line)) break;
    kept.push(line);
    if (kept.length >= 8) break;
  }
  let message = kept.join('\n').trim();
  // A leading exception class name says nothing to a user.
  message = message.replace(/^(?:[a-z]+\.)+[A-Za-z]*(?:Exception|Error): /, '');
  const errorClass = /^\[([A-Z_][A-Z0-9_.]*)\]/.exec(message)?.[1];
  return errorClass === undefined ? { message } : { message, errorClass };
}

/** A statement or query's result as Arrow record batches. */
export type OnBatch = (batch: RecordBatch) => Promise<void> | void;

export interface SparkClientOptions {
  /** Longest wait for the connection, in ms (default 30 000). */
  readonly connectTimeoutMs?: number;
  /** The client type the server logs. */
  readonly clientType?: string;
}

export class SparkConnectClient {
  readonly sessionId = randomUUID();
  private readonly stub: ServiceClient;
  private readonly userContext = { user_id: 'fsql', user_name: 'fsql' };
  private closed = false;
  private serverSessionId: string | undefined;

  constructor(
    readonly url: string,
    private readonly options: SparkClientOptions = {},
  ) {
    const { host, port, params } = parseSparkUrl(url);
    const Service = service();
    const secure = params['use_ssl'] === 'true';
    const credentials = secure ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
    this.stub = new Service(`${host}:${port}`, credentials, {
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
      'grpc.max_send_message_length': 256 * 1024 * 1024,
      'grpc.keepalive_time_ms': 60_000,
    }) as unknown as ServiceClient;
    if (params['user_id']) this.userContext.user_id = params['user_id'];
  }

  /** Waits until the channel is connected (or throws after the connect timeout). */
  async connect(): Promise<void> {
    const timeout = this.options.connectTimeoutMs ?? 30_000;
    await new Promise<void>((resolve, reject) => {
      this.stub.waitForReady(Date.now() + timeout, (e?: Error) => {
        if (e) reject(new SparkError(`cannot reach the Spark Connect server at ${this.url} within ${timeout} ms: ${e.message}`));
        else resolve();
      });
    });
  }

  private request(plan: Message): Message {
    const r: Message = {
      session_id: this.sessionId,
      user_context: this.userContext,
      operation_id: randomUUID(),
      plan,
      client_type: this.options.clientType ?? 'fsql',
    };
    if (this.serverSessionId !== undefined) r['client_observed_server_side_session_id'] = this.serverSessionId;
    return r;
  }

  /**
   * Runs a plan and hands each Arrow record batch of its result to `onBatch`
   * (awaited: the stream is paused meanwhile). Resolves once the server
   * sends `result_complete` (or ends the stream).
   */
  execute(plan: Message, onBatch?: OnBatch): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the Spark Connect client is closed'));
    return new Promise<void>((resolve, reject) => {
      const call = (this.stub['ExecutePlan'] as (req: Message) => grpc.ClientReadableStream<Message>).call(this.stub, this.request(plan));
      let pending: Promise<void> = Promise.resolve();
      let failed = false;
      const fail = (e: unknown) => {
        if (failed) return;
        failed = true;
        call.cancel();
        reject(e);
      };
      call.on('data', (response: Message) => {
        if (typeof response['server_side_session_id'] === 'string' && response['server_side_session_id'] !== '') this.serverSessionId = response['server_side_session_id'];
        const batch = response['arrow_batch'] as { data?: Buffer } | undefined;
        if (batch?.data && batch.data.length > 0 && onBatch) {
          call.pause();
          pending = pending
            .then(async () => {
              for (const b of RecordBatchReader.from(batch.data!)) await onBatch(b);
            })
            .then(
              () => {
                call.resume();
              },
              (e: unknown) => fail(e),
            );
        }
      });
      call.on('error', (e: grpc.ServiceError) => {
        if (failed) return;
        failed = true;
        reject(toSparkError(e, this.url));
      });
      call.on('end', () => {
        pending.then(() => {
          if (!failed) resolve();
        });
      });
    });
  }

  /** Runs one SQL statement (DDL, INSERT, SET …) eagerly, discarding any result. */
  async sql(statement: string): Promise<void> {
    await this.execute({ command: { sql_command: { input: { sql: { query: statement } } } } });
  }

  /** Runs one SQL query; its result arrives as Arrow record batches. */
  async query(query: string, onBatch: OnBatch): Promise<void> {
    await this.execute({ root: { sql: { query } } }, onBatch);
  }

  /** Appends the rows of an Arrow IPC stream (schema + batches) to an existing table. */
  async appendArrow(table: string, ipc: Uint8Array, schema?: string): Promise<void> {
    const local: Message = { data: Buffer.from(ipc) };
    if (schema !== undefined) local['schema'] = schema;
    await this.execute({
      command: {
        write_operation: {
          input: { local_relation: local },
          table: { table_name: table, save_method: 'TABLE_SAVE_METHOD_INSERT_INTO' },
          mode: 'SAVE_MODE_APPEND',
        },
      },
    });
  }

  /** Ends the server's session (its temporary views and settings) and the channel. Closing twice is harmless. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => {
      const deadline = new Date(Date.now() + 5_000);
      (this.stub['ReleaseSession'] as (req: Message, options: grpc.CallOptions, cb: (e: unknown) => void) => void).call(
        this.stub,
        { session_id: this.sessionId, user_context: this.userContext, client_type: this.options.clientType ?? 'fsql' },
        { deadline },
        () => resolve(),
      );
    });
    this.stub.close();
  }
}

function toSparkError(e: grpc.ServiceError, url: string): SparkError {
  if (e.code === grpc.status.UNAVAILABLE) return new SparkError(`the Spark Connect server at ${url} is unavailable: ${e.details || e.message}`, undefined, e.code);
  const { message, errorClass } = cleanSparkMessage(e.details || e.message);
  return new SparkError(message, errorClass, e.code);
}
