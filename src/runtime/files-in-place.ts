/**
 * FILE sources read in place (an engine whose capabilities say
 * `readsFilesInPlace`: DuckDB; Parquet files): `fsql apply` checks the file's
 * rows and makes the source a view over the file, so the data is the file's as
 * it is now. What apply checked is pinned in the offline database
 * (`__fsql_files`): the file's size, modification and change times and its
 * SHA-256. Every later use of the offline engine (train, materialize, serve,
 * fit, ingest…, `Workspace.engine()`) verifies the pin first and refuses
 * (`file_changed`) a file that is gone or changed, naming the file and what
 * changed, rather than read rows apply never checked:
 *
 * - another size: changed, refused at once;
 * - the same size and the same times: unchanged (not hashed again: a stat);
 * - the same size, other times (a `touch`, a copy that kept the bytes, a
 *   checkout): hashed again — the same SHA-256 is no change (and the new times
 *   are remembered by the process, so it hashes once), another is refused.
 *
 * The change time (ctime) counts as well as the modification time: a program
 * that rewrites the file and then sets its mtime back (`touch -d`) still
 * changes its ctime, which no user can set. SHA-256: Node's OpenSSL hashes it
 * with the CPU's SHA extensions (about 0.7 GB/s here: 20 ms for the 13 MB
 * flights file, against 0.3 s to check its rows), it needs no dependency, and a
 * collision cannot be made on purpose (SHA-1 or MD5 would be no faster here).
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { quoteIdentifier, type Engine } from '../engine/engine.js';
import { engineBackend } from '../engine/backends.js';
import { dialectFor } from '../sql/dialects/index.js';
import { RuntimeError } from './errors.js';

/** The table pinning each in-place FILE source's file. */
export const FILES_TABLE = '__fsql_files';

/** What identifies a file's bytes cheaply: its size and times (nanoseconds, as text: exact). */
export interface FileStamp {
  readonly size: number;
  readonly mtime: string;
  readonly ctime: string;
}

export interface FilePin extends FileStamp {
  readonly source: string;
  readonly path: string;
  readonly sha256: string;
}

/** The stamp of a file, or undefined when it is not there. */
export function fileStamp(path: string): FileStamp | undefined {
  try {
    const s = statSync(path, { bigint: true });
    return { size: Number(s.size), mtime: String(s.mtimeNs), ctime: String(s.ctimeNs) };
  } catch {
    return undefined;
  }
}

/** The SHA-256 of a file's bytes, hex, read in 1 MiB pieces. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Files whose new times this process found holding the pinned bytes: `path` → `size/mtime/ctime` hashed. */
const rehashed = new Map<string, string>();
const stampKey = (s: FileStamp) => `${s.size}/${s.mtime}/${s.ctime}`;

/**
 * What changed in the pinned file (a phrase for a message), or undefined when
 * it still holds the bytes apply checked.
 */
export async function fileChange(pin: FilePin): Promise<string | undefined> {
  const now = fileStamp(pin.path);
  if (now === undefined) return 'it is gone';
  if (now.size !== pin.size) return `its size changed from ${pin.size.toLocaleString('en-US')} to ${now.size.toLocaleString('en-US')} bytes`;
  if (now.mtime === pin.mtime && now.ctime === pin.ctime) return undefined;
  const key = `${pin.sha256}:${stampKey(now)}`;
  if (rehashed.get(pin.path) === key) return undefined;
  const sha256 = await hashFile(pin.path);
  if (sha256 !== pin.sha256) return `its content changed (same size, ${pin.size.toLocaleString('en-US')} bytes, but another SHA-256)`;
  rehashed.set(pin.path, key);
  return undefined;
}

/** The pins the offline database holds (none on an engine that reads no file in place, or before the first such apply). */
export async function filePins(engine: Engine): Promise<FilePin[]> {
  if (!engineBackend(engine.target).capabilities.readsFilesInPlace) return [];
  const q = quoteIdentifier;
  const known = await engine.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = ${dialectFor(engine.target).quoteString(engine.schema)} AND table_name = '${FILES_TABLE}'`,
  );
  if (known.length === 0) return [];
  const rows = await engine.query(`SELECT source, path, size, mtime, ctime, sha256 FROM ${q(engine.schema)}.${q(FILES_TABLE)} ORDER BY source`);
  return rows.map((r) => ({
    source: String(r['source']),
    path: String(r['path']),
    size: Number(r['size']),
    mtime: String(r['mtime']),
    ctime: String(r['ctime']),
    sha256: String(r['sha256']),
  }));
}

/**
 * Refuses (`file_changed`) when a file a FILE source reads in place changed
 * since apply checked it; `dir` is the project folder, for the message's
 * `fsql apply` command.
 */
export async function verifyFilesInPlace(engine: Engine, dir: string): Promise<void> {
  for (const pin of await filePins(engine)) {
    const change = await fileChange(pin);
    if (change === undefined) continue;
    throw new RuntimeError(
      'file_changed',
      `source ${pin.source} reads ${pin.path} in place, and the file changed since fsql apply checked it: ${change}. ` +
        `fsql reads no rows apply did not check: run \`fsql apply ${dir}\` to check the file again, or put the file back as it was`,
    );
  }
}
