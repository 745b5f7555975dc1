/**
 * The web UI's files (the single-page app of ui/, built by Vite into
 * dist/ui at `npm ci` / `npm run build:ui`), served as static files:
 *
 *   GET /                 index.html (the app; its pages are `#/…` routes, so no other path is the app's)
 *   GET /assets/:file     scripts, styles, the grammar and the regex engine's WebAssembly
 *
 * Every file is read once, when the server is built, into memory (a few
 * hundred KB): a request never touches the file system, and no path a
 * request gives can name a file outside the build (the map holds only what
 * was built). Assets have content hashes in their names and are cached for
 * a year; index.html is revalidated (ETag). Neither route is in
 * /openapi.json (they are not the API). Without a build, `/` is a 404 that
 * says how to build it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';
import * as S from './schemas.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

interface StaticFile {
  readonly bytes: Buffer;
  readonly type: string;
  readonly etag: string;
}

/** The built UI's folder, dist/ui of the package: from src/server (under tsx) or from dist/src/server (compiled). Never ui/ itself (the sources). */
export function defaultUiDir(): string | undefined {
  for (const rel of ['../../dist/ui/', '../../../dist/ui/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

/** Every file of the build, by URL path (`/index.html`, `/assets/x.js`). */
function readBuild(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (sub: string) => {
    for (const name of readdirSync(join(dir, sub))) {
      const rel = sub === '' ? name : `${sub}/${name}`;
      const full = join(dir, rel);
      if (statSync(full).isDirectory()) walk(rel);
      else {
        const bytes = readFileSync(full);
        const etag = `"${createHash('sha1').update(bytes).digest('base64url').slice(0, 20)}"`;
        files.set(`/${rel}`, { bytes, type: TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream', etag });
      }
    }
  };
  walk('');
  return files;
}

/** Registers `/` and `/assets/:file` on `app`; `dir` undefined: the UI is not built (`/` says so). */
export function uiRoutes(app: FastifyInstance, dir: string | undefined): void {
  const files = dir !== undefined && existsSync(join(dir, 'index.html')) ? readBuild(dir) : new Map<string, StaticFile>();
  const hidden = { hidden: true };
  const send = (file: StaticFile, immutable: boolean, ifNoneMatch: string | undefined, reply: import('fastify').FastifyReply) => {
    reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache').header('etag', file.etag).header('x-content-type-options', 'nosniff');
    if (ifNoneMatch === file.etag) return reply.code(304).send();
    return reply.type(file.type).send(file.bytes);
  };
  app.get('/', { config: hidden, schema: { response: { ...S.errors(404) } } }, async (req, reply) => {
    const index = files.get('/index.html');
    if (!index) throw new ApiError('not_found', 'the web UI is not built: run `npm run build:ui` in the fsql package (npm ci builds it)');
    // The app only reads the API of its own origin; nothing else is loaded (no CDN).
    reply.header('content-security-policy', "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'");
    return send(index, false, req.headers['if-none-match'], reply);
  });
  app.get('/assets/:file', { config: hidden, schema: { params: S.assetParams, response: { ...S.errors(404, 414) } } }, async (req, reply) => {
    const { file } = req.params as { file: string };
    const found = files.get(`/assets/${file}`);
    if (!found) throw new ApiError('not_found', `no UI asset \`${file.length > 80 ? `${file.slice(0, 80)}…` : file}\``);
    return send(found, true, req.headers['if-none-match'], reply);
  });
}
