/**
 * Test support: a copy of examples/payments applied and materialized in a
 * temporary folder, and a server over it on a free port.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyProject } from '../../src/runtime/apply.js';
import { materialize } from '../../src/runtime/materialize.js';
import { Workspace } from '../../src/runtime/workspace.js';
import { readProjectFiles } from '../../src/project/files.js';
import { startServer, type RunningServer, type StartOptions } from '../../src/server/index.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PAYMENTS = join(ROOT, 'examples', 'payments');
/** 2024-04-30 00:00:00 UTC in µs: inside the example's data (March–April 2024). */
export const T = Date.UTC(2024, 3, 30) * 1000;

/** A copy of examples/payments in a new temporary folder (without any .fsql state), with `extra` files added. */
export function copyPayments(extra: Readonly<Record<string, string>> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'fsql-server-'));
  cpSync(PAYMENTS, dir, { recursive: true, filter: (src) => !src.includes(`${join(PAYMENTS, '.fsql')}`) });
  for (const [file, text] of Object.entries(extra)) writeFileSync(join(dir, file), text);
  return dir;
}

/** Applies the project in `dir` and materializes it at `at`. */
export async function prepare(dir: string, at = T): Promise<Workspace> {
  const ws = Workspace.open(dir, { create: true });
  await applyProject(ws, readProjectFiles(dir, dir));
  await materialize(ws, { at });
  return ws;
}

export interface Served {
  readonly dir: string;
  readonly ws: Workspace;
  readonly server: RunningServer;
  readonly url: string;
  close(): Promise<void>;
}

export async function serve(dir: string, ws: Workspace, options: StartOptions = {}): Promise<Served> {
  const server = await startServer(ws, { host: '127.0.0.1', port: 0, ...options });
  return {
    dir,
    ws,
    server,
    url: server.url,
    async close() {
      await server.close();
      await ws.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  readonly status: number;
  readonly body: any;
  readonly headers: Headers;
  readonly text: string;
}

export async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, headers: res.headers, text };
}

export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return call(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

// ---------------------------------------------------------------------------
// Responses checked against the server's own OpenAPI document

/* ajv is fastify's validator (a dependency of fastify); the tests use it to hold every response to /openapi.json. */
import AjvModule from 'ajv';

type AjvClass = new (options: Record<string, unknown>) => {
  addFormat(name: string, format: RegExp): unknown;
  compile(schema: unknown): ((data: unknown) => boolean) & { errors?: unknown };
};
const Ajv = ((AjvModule as unknown as { default?: AjvClass }).default ?? AjvModule) as unknown as AjvClass;

/** ISO-8601 UTC as the API writes it: seconds always, a fraction only when not zero, Z. */
export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d*[1-9])?Z$/;

export class Api {
  private readonly validators = new Map<string, (data: unknown) => boolean>();
  private readonly ajv = new Ajv({ strict: false, allowUnionTypes: true });
  /** Every (method path status) checked so far. */
  readonly seen = new Set<string>();

  private constructor(
    readonly url: string,
    readonly doc: any,
  ) {
    this.ajv.addFormat('date-time', ISO_TIME);
  }

  static async open(url: string): Promise<Api> {
    const r = await call(`${url}/openapi.json`);
    if (r.status !== 200) throw new Error(`GET /openapi.json: ${r.status} ${r.text}`);
    return new Api(url, r.body);
  }

  /** The document's path template matching a concrete path. */
  template(method: string, path: string): string {
    const bare = path.split('?')[0]!;
    for (const [t, ops] of Object.entries(this.doc.paths as Record<string, Record<string, unknown>>)) {
      if (!ops[method.toLowerCase()]) continue;
      const re = new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      if (re.test(bare)) return t;
    }
    throw new Error(`no path of the OpenAPI document matches ${method} ${bare}`);
  }

  /** Throws when the reply does not match the document's schema for its route and status. */
  check(method: string, path: string, reply: Reply): Reply {
    const t = this.template(method, path);
    const op = this.doc.paths[t][method.toLowerCase()];
    const response = op.responses[String(reply.status)];
    if (!response) throw new Error(`${method} ${t} answered ${reply.status}, which the document does not list: ${reply.text.slice(0, 300)}`);
    const k = `${method} ${t} ${reply.status}`;
    let v = this.validators.get(k);
    if (!v) {
      v = this.ajv.compile(response.content['application/json'].schema);
      this.validators.set(k, v);
    }
    if (!reply.headers.get('content-type')?.startsWith('application/json')) throw new Error(`${k}: content-type ${reply.headers.get('content-type')}`);
    if (!v(reply.body)) throw new Error(`${k}: the body does not match the document: ${JSON.stringify((v as { errors?: unknown }).errors)}\n${reply.text.slice(0, 500)}`);
    this.seen.add(k);
    return reply;
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.check('GET', path, await call(`${this.url}${path}`, { headers }));
  }

  async post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    return this.check('POST', path, await post(`${this.url}${path}`, body, headers));
  }

  async send(method: string, path: string, init: RequestInit): Promise<Reply> {
    return this.check(method, path, await call(`${this.url}${path}`, { ...init, method }));
  }
}
