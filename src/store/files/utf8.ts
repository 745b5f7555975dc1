/**
 * Text files (CSV, JSONL) must be UTF-8. Node's decoders silently replace a
 * byte that is not with U+FFFD, which would store a value other than the
 * file's; `Utf8Check` sits between the file and the parser, passes the bytes
 * on unchanged, and stops the read at the first invalid byte with an
 * `InvalidUtf8` naming its line and byte offset.
 *
 * Each chunk is checked by `buffer.isUtf8` (native); a multi-byte character
 * split between two chunks is held back and checked with the next. Only a
 * chunk that fails is scanned byte by byte, to find where.
 */
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';

export class InvalidUtf8 extends Error {
  constructor(
    /** 1-based line (counted by `\n`) holding the byte. */
    readonly line: number,
    /** 1-based byte offset in the file. */
    readonly byte: number,
    readonly value: number | undefined,
  ) {
    super(`the file is not valid UTF-8: byte ${byte}${value === undefined ? ' (a character cut short at the end of the file)' : ` (0x${value.toString(16).padStart(2, '0')})`} on line ${line} — save the file as UTF-8`);
    this.name = 'InvalidUtf8';
  }
}

/** The offset of the first byte of `bytes` that is not part of valid UTF-8, or -1 (a character cut short at the end counts as invalid). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    if (i + need >= n) return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += need + 1;
  }
  return -1;
}

/** How many bytes at the end of `bytes` start a character that continues past it (0 to 3). */
function unfinished(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = buf.indexOf(10); i >= 0 && i < end; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** A pass-through stream of a file's bytes that fails with InvalidUtf8 at the first byte that is not UTF-8. */
export class Utf8Check extends Transform {
  private held: Buffer = Buffer.alloc(0);
  /** Bytes passed on so far. */
  private offset = 0;
  /** Lines started so far (1 before the first byte). */
  private line = 1;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const bytes = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    const keep = unfinished(bytes);
    const body = keep > 0 ? bytes.subarray(0, bytes.length - keep) : bytes;
    this.held = keep > 0 ? Buffer.from(bytes.subarray(bytes.length - keep)) : Buffer.alloc(0);
    if (!isUtf8(body)) {
      done(this.failure(body, firstInvalidUtf8(body)));
      return;
    }
    this.line += countNewlines(body, body.length);
    this.offset += body.length;
    done(null, body);
  }

  override _flush(done: TransformCallback): void {
    // Bytes held back at the end: a character cut short (or a byte that starts none).
    if (this.held.length > 0) done(this.failure(this.held, 0, this.held[0]! >= 0xc2 && this.held[0]! <= 0xf4));
    else done();
  }

  private failure(bytes: Buffer, at: number, cutShort = false): InvalidUtf8 {
    const where = Math.max(at, 0);
    return new InvalidUtf8(this.line + countNewlines(bytes, where), this.offset + where + 1, cutShort ? undefined : bytes[where]);
  }
}

/** Where a whole file's bytes stop being UTF-8 (an InvalidUtf8), or undefined when they are UTF-8. */
export function utf8Problem(bytes: Uint8Array): InvalidUtf8 | undefined {
  if (isUtf8(bytes)) return undefined;
  const at = Math.max(0, firstInvalidUtf8(bytes));
  return new InvalidUtf8(1 + countNewlines(bytes, at), at + 1, bytes[at]);
}
