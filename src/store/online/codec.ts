/**
 * The stored form of one key's vector: a small binary encoding, about as
 * compact as JSON but decoded ~2× faster (no number parsing), which is most of
 * the time of a 100-key read (see README.md).
 *
 *   byte 0: format version (1)
 *   then per feature, in the generation's feature order:
 *     status byte (0 present, 1 missing, 2 outside_ttl, 3 awaiting_fit)
 *     event time (a value: null or a number)
 *     one value per column
 *
 * A value is a tag byte and its payload:
 *   0 NULL · 1 FALSE · 2 TRUE · 3 int8 (1 byte) · 4 int32 LE (4 bytes)
 *   5 float64 LE (8 bytes) · 6 text: uint32 LE byte length, then UTF-8
 *
 * The column counts come from the generation's metadata, not from the blob.
 */
import type { Value } from '../../engine/values.js';
import type { FeatureCell, FeatureStatus, SnapshotTableFeature } from './store.js';

export const FORMAT = 1;
const STATUS_CODE: Readonly<Record<FeatureStatus, number>> = { present: 0, missing: 1, outside_ttl: 2, awaiting_fit: 3 };
/** By status byte; wire.ts writes the same statuses from the same bytes. */
export const STATUS_OF: readonly FeatureStatus[] = ['present', 'missing', 'outside_ttl', 'awaiting_fit'];

export const T_NULL = 0;
export const T_FALSE = 1;
export const T_TRUE = 2;
export const T_INT8 = 3;
export const T_INT32 = 4;
export const T_F64 = 5;
export const T_TEXT = 6;

export class CorruptVectorError extends Error {
  constructor(message: string) {
    super(`corrupt stored vector: ${message}`);
    this.name = 'CorruptVectorError';
  }
}

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
f64[0] = 1;
/** The platform stores a float64 little-endian (the stored form's order). */
const LITTLE_ENDIAN = f64Bytes[7] === 0x3f;

/** Encodes vectors into one reusable buffer; `encode` returns a view valid until the next call. */
export class VectorEncoder {
  private buf = Buffer.allocUnsafe(4096);
  private n = 0;

  private ensure(bytes: number): void {
    if (this.n + bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + bytes) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.n);
    this.buf = next;
  }

  private value(v: Value): void {
    if (v === null) {
      this.ensure(1);
      this.buf[this.n++] = T_NULL;
    } else if (typeof v === 'boolean') {
      this.ensure(1);
      this.buf[this.n++] = v ? T_TRUE : T_FALSE;
    } else if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= -128 && v <= 127) {
        this.ensure(2);
        this.buf[this.n++] = T_INT8;
        this.buf.writeInt8(v === 0 ? 0 : v, this.n);
        this.n += 1;
      } else if (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) {
        this.ensure(5);
        this.buf[this.n++] = T_INT32;
        this.buf.writeInt32LE(v, this.n);
        this.n += 4;
      } else {
        this.ensure(9);
        this.buf[this.n++] = T_F64;
        this.buf.writeDoubleLE(v, this.n);
        this.n += 8;
      }
    } else {
      // At most 3 bytes per UTF-16 unit.
      this.ensure(5 + v.length * 3);
      this.buf[this.n] = T_TEXT;
      const written = this.buf.write(v, this.n + 5, 'utf8');
      this.buf.writeUInt32LE(written, this.n + 1);
      this.n += 5 + written;
    }
  }

  /** A finite number, as `value` writes it (the same bytes), without Buffer's checked writes. */
  private number(v: number): void {
    this.ensure(9);
    const b = this.buf;
    const n = this.n;
    if ((v | 0) === v) {
      // An integer of int32's range (-0 included, written as 0).
      if (v >= -128 && v <= 127) {
        b[n] = T_INT8;
        b[n + 1] = v;
        this.n = n + 2;
      } else {
        b[n] = T_INT32;
        b[n + 1] = v;
        b[n + 2] = v >> 8;
        b[n + 3] = v >> 16;
        b[n + 4] = v >> 24;
        this.n = n + 5;
      }
      return;
    }
    b[n] = T_F64;
    if (LITTLE_ENDIAN) {
      f64[0] = v;
      for (let i = 0; i < 8; i++) b[n + 1 + i] = f64Bytes[i]!;
    } else b.writeDoubleLE(v, n + 1);
    this.n = n + 9;
  }

  /**
   * The encoding of one vector straight from a table row (store.ts
   * `SnapshotTable`), the same bytes as `encode` of its cells; no cell is
   * built. Checks as it goes: undefined when a value is not a canonical value
   * (a finite number, string, boolean or null; `undefined` reads as NULL), an
   * event time not a whole number, or a status unknown — the caller then
   * reports which (the checks of `encode`'s callers).
   */
  encodeRow(row: readonly unknown[], features: readonly SnapshotTableFeature[]): Buffer | undefined {
    this.n = 0;
    this.ensure(1);
    this.buf[this.n++] = FORMAT;
    for (let f = 0; f < features.length; f++) {
      const feature = features[f]!;
      const code: unknown = STATUS_CODE[feature.status(row as readonly Value[])];
      if (typeof code !== 'number') return undefined;
      this.ensure(1);
      this.buf[this.n++] = code;
      const t = feature.time < 0 ? null : row[feature.time];
      if (typeof t === 'number') {
        if (!Number.isSafeInteger(t)) return undefined;
        this.number(t);
      } else {
        this.ensure(1);
        this.buf[this.n++] = T_NULL;
      }
      const at = feature.values;
      for (let c = 0; c < at.length; c++) {
        const v = row[at[c]!];
        if (v === null || v === undefined) {
          this.ensure(1);
          this.buf[this.n++] = T_NULL;
        } else if (typeof v === 'number') {
          if (!Number.isFinite(v)) return undefined;
          this.number(v);
        } else if (typeof v === 'string' || typeof v === 'boolean') this.value(v);
        else return undefined;
      }
    }
    return this.buf.subarray(0, this.n);
  }

  /** The encoding of one vector: its cells in the generation's feature order. */
  encode(cells: readonly FeatureCell[]): Buffer {
    this.n = 0;
    this.ensure(1);
    this.buf[this.n++] = FORMAT;
    for (const c of cells) {
      this.ensure(1);
      this.buf[this.n++] = STATUS_CODE[c.status];
      this.value(c.eventTime);
      for (const v of c.values) this.value(v);
    }
    return this.buf.subarray(0, this.n);
  }
}


/**
 * Reads vectors. One reader decodes many blobs; it keeps no state between
 * calls except a scratch buffer.
 */
class Reader {
  b: Uint8Array = new Uint8Array(0);
  n = 0;
  end = 0;

  fail(what: string): never {
    throw new CorruptVectorError(`${what} at byte ${this.n}`);
  }

  value(): Value {
    const b = this.b;
    let n = this.n;
    if (n >= this.end) this.fail('truncated');
    const tag = b[n++]!;
    let v: Value;
    switch (tag) {
      case T_NULL:
        v = null;
        break;
      case T_FALSE:
        v = false;
        break;
      case T_TRUE:
        v = true;
        break;
      case T_INT8:
        if (n + 1 > this.end) this.fail('truncated');
        v = (b[n]! << 24) >> 24;
        n += 1;
        break;
      case T_INT32:
        if (n + 4 > this.end) this.fail('truncated');
        v = b[n]! | (b[n + 1]! << 8) | (b[n + 2]! << 16) | (b[n + 3]! << 24);
        n += 4;
        break;
      case T_F64:
        if (n + 8 > this.end) this.fail('truncated');
        for (let i = 0; i < 8; i++) f64Bytes[i] = b[n + i]!;
        v = f64[0]!;
        n += 8;
        break;
      case T_TEXT: {
        if (n + 4 > this.end) this.fail('truncated');
        const len = (b[n]! | (b[n + 1]! << 8) | (b[n + 2]! << 16) | (b[n + 3]! << 24)) >>> 0;
        n += 4;
        if (n + len > this.end) this.fail('truncated');
        v = Buffer.prototype.toString.call(b, 'utf8', n, n + len);
        n += len;
        break;
      }
      default:
        this.n = n - 1;
        return this.fail(`unknown value tag ${tag}`);
    }
    this.n = n;
    return v;
  }

  /** Moves past one value without building it. */
  skip(): void {
    const b = this.b;
    const n = this.n;
    if (n >= this.end) this.fail('truncated');
    const tag = b[n]!;
    const size = tag <= T_TRUE ? 1 : tag === T_INT8 ? 2 : tag === T_INT32 ? 5 : tag === T_F64 ? 9 : -1;
    if (size > 0) {
      if (n + size > this.end) this.fail('truncated');
      this.n = n + size;
    } else this.value();
  }

  start(buf: Uint8Array): void {
    this.b = buf;
    this.n = 0;
    this.end = buf.length;
    if (this.end < 1) this.fail('truncated');
    if (buf[0] !== FORMAT) this.fail(`unknown format ${buf[0]}`);
    this.n = 1;
  }

  status(): FeatureStatus {
    if (this.n >= this.end) this.fail('truncated');
    const s = STATUS_OF[this.b[this.n]!];
    if (s === undefined) this.fail(`unknown status ${this.b[this.n]}`);
    this.n++;
    return s;
  }

  time(): number | null {
    const t = this.value();
    if (t !== null && typeof t !== 'number') this.fail('event time not a number');
    return t;
  }

  finish(): void {
    if (this.n !== this.end) throw new CorruptVectorError(`${this.end - this.n} byte(s) left over`);
    this.b = new Uint8Array(0);
  }
}

const reader = new Reader();

/** Decodes a stored vector; `columnCounts[i]` is the number of columns of feature i. */
export function decodeVector(buf: Uint8Array, columnCounts: readonly number[]): FeatureCell[] {
  const r = reader;
  r.start(buf);
  const cells: FeatureCell[] = new Array(columnCounts.length);
  for (let f = 0; f < columnCounts.length; f++) {
    const status = r.status();
    const eventTime = r.time();
    const count = columnCounts[f]!;
    const values: Value[] = new Array(count);
    for (let c = 0; c < count; c++) values[c] = r.value();
    cells[f] = { values, status, eventTime };
  }
  r.finish();
  return cells;
}

/**
 * Decodes only the features marked in `wanted` (by position); the others are
 * undefined in the result. Faster than `decodeVector` for a few features.
 */
export function decodeSome(buf: Uint8Array, columnCounts: readonly number[], wanted: readonly boolean[]): (FeatureCell | undefined)[] {
  const r = reader;
  r.start(buf);
  const cells: (FeatureCell | undefined)[] = new Array(columnCounts.length);
  for (let f = 0; f < columnCounts.length; f++) {
    const count = columnCounts[f]!;
    if (wanted[f]) {
      const status = r.status();
      const eventTime = r.time();
      const values: Value[] = new Array(count);
      for (let c = 0; c < count; c++) values[c] = r.value();
      cells[f] = { values, status, eventTime };
    } else {
      r.status();
      r.skip();
      for (let c = 0; c < count; c++) r.skip();
    }
  }
  r.finish();
  return cells;
}
