/**
 * Stored vectors as JSON text, written straight from their encoding
 * (codec.ts) into bytes: no value, cell or string is built per feature, which
 * is most of the cost of serving many keys (bench/README.md, `http`).
 *
 * A caller (the server's lookup) says once per feature list how each feature
 * is written — its label and head as bytes, and per column whether the value
 * is a TIMESTAMP (epoch µs → `"2024-03-01T14:05:00Z"`), a DATE (epoch days →
 * `"2024-03-01"`) or plain JSON — and then writes any number of vectors with
 * it. The text is what `JSON.stringify` gives for the same values (a
 * non-finite double as null), checked by test/store/wire.property.test.ts.
 *
 *   head  {"version":1,"value":            then the value, or for ONE_HOT
 *         {"version":1,"values":           {"col":v,"col":v}
 *   then  ,"status":"present","event_time":"…"}
 *
 * A multi-column feature with no column (a ONE_HOT TOP n awaiting its fit)
 * is written `"values":{}`.
 */
import { isoDate, isoTimestamp } from '../../engine/values.js';
import { CorruptVectorError, FORMAT, STATUS_OF, T_F64, T_FALSE, T_INT32, T_INT8, T_NULL, T_TEXT, T_TRUE } from './codec.js';

/** How a column's value is written. */
export const WireKind = { Plain: 0, Timestamp: 1, Date: 2 } as const;
export type WireKind = (typeof WireKind)[keyof typeof WireKind];

/** How one feature of a generation is written. */
export interface WireFeature {
  /** Its position in the generation's features (the encoding's order). */
  readonly index: number;
  /** `"name":{"version":1,"value":` (or `"values":` for ONE_HOT), preceded by `,` unless it is written first. */
  readonly head: Uint8Array;
  /** ONE_HOT (and any multi-column feature): `{"col":`, `,"col":`, … ; undefined for a one-value feature. */
  readonly columnHeads?: readonly Uint8Array[];
  /** Per column. */
  readonly kinds: readonly WireKind[];
}

const utf8 = new TextEncoder();
/** The UTF-8 bytes of a text written once per plan (labels, heads). */
export const bytesOf = (s: string): Uint8Array => utf8.encode(s);

/** By status byte (codec.ts `STATUS_OF`). */
const STATUS_PARTS: readonly Uint8Array[] = STATUS_OF.map((s) => bytesOf(`,"status":"${s}","event_time":`));

const HEX = '0123456789abcdef';
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** Bytes of quoted ISO texts of recent timestamps: the keys of one response share few distinct event times. */
const isoQuoted = new Map<number, Uint8Array>();
function quotedTimestamp(micros: number): Uint8Array {
  let b = isoQuoted.get(micros);
  if (b === undefined) {
    if (isoQuoted.size >= 8192) isoQuoted.clear();
    b = bytesOf(`"${isoTimestamp(micros)}"`);
    isoQuoted.set(micros, b);
  }
  return b;
}

/** Bytes of the integers -128 … 1023 (counts, one-hot flags, small values). */
const SMALL_MIN = -128;
const SMALL = Array.from({ length: 1024 - SMALL_MIN }, (_v, i) => bytesOf(String(i + SMALL_MIN)));

/** A growing byte buffer of JSON text, reused from one response to the next. */
export class WireWriter {
  private buf: Buffer;
  private n = 0;
  /** Scratch: each feature's start in the vector being written. */
  private starts = new Int32Array(64);

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  reset(): void {
    this.n = 0;
  }

  get length(): number {
    return this.n;
  }

  /** A copy of the bytes written from `start` on. */
  copy(start: number): Uint8Array {
    return Uint8Array.prototype.slice.call(this.buf, start, this.n);
  }

  /** A copy of the text written since `reset` (the writer's buffer is reused). */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.n);
    this.buf.copy(out, 0, 0, this.n);
    return out;
  }

  private ensure(bytes: number): void {
    if (this.n + bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + bytes) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.n);
    this.buf = next;
  }

  bytes(b: Uint8Array): void {
    const len = b.length;
    this.ensure(len);
    const buf = this.buf;
    let n = this.n;
    if (len < 8) for (let i = 0; i < len; i++) buf[n++] = b[i]!;
    else {
      buf.set(b, n);
      n += len;
    }
    this.n = n;
  }

  /** Text known to be ASCII (numbers, ISO times, JSON punctuation). */
  ascii(s: string): void {
    const len = s.length;
    this.ensure(len);
    const buf = this.buf;
    let n = this.n;
    for (let i = 0; i < len; i++) buf[n++] = s.charCodeAt(i);
    this.n = n;
  }

  /** Any text, as UTF-8 (e.g. the output of JSON.stringify). */
  text(s: string): void {
    this.ensure(s.length * 3);
    this.n += this.buf.write(s, this.n, 'utf8');
  }

  /** A JSON string of the UTF-8 bytes `b[from, to)`, escaped as JSON.stringify does. */
  private utf8String(b: Uint8Array, from: number, to: number): void {
    this.ensure((to - from) * 6 + 2);
    const buf = this.buf;
    let n = this.n;
    buf[n++] = 0x22;
    for (let i = from; i < to; i++) {
      const c = b[i]!;
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c) buf[n++] = c;
      else {
        buf[n++] = 0x5c;
        switch (c) {
          case 0x22:
            buf[n++] = 0x22;
            break;
          case 0x5c:
            buf[n++] = 0x5c;
            break;
          case 0x08:
            buf[n++] = 0x62;
            break;
          case 0x0c:
            buf[n++] = 0x66;
            break;
          case 0x0a:
            buf[n++] = 0x6e;
            break;
          case 0x0d:
            buf[n++] = 0x72;
            break;
          case 0x09:
            buf[n++] = 0x74;
            break;
          default:
            buf[n++] = 0x75;
            buf[n++] = 0x30;
            buf[n++] = 0x30;
            buf[n++] = HEX.charCodeAt(c >> 4);
            buf[n++] = HEX.charCodeAt(c & 15);
        }
      }
    }
    buf[n++] = 0x22;
    this.n = n;
  }

  /**
   * Writes one stored value at `b[at]` as JSON; returns the position after it.
   * `kind` says how a number is shown (a TIMESTAMP or DATE column, or the event time).
   */
  private value(b: Uint8Array, at: number, end: number, kind: WireKind): number {
    if (at >= end) throw new CorruptVectorError(`truncated at byte ${at}`);
    const tag = b[at]!;
    let n = at + 1;
    let num: number;
    switch (tag) {
      case T_NULL:
        this.ascii('null');
        return n;
      case T_FALSE:
        this.ascii('false');
        return n;
      case T_TRUE:
        this.ascii('true');
        return n;
      case T_INT8:
        if (n + 1 > end) throw new CorruptVectorError(`truncated at byte ${n}`);
        num = (b[n]! << 24) >> 24;
        n += 1;
        break;
      case T_INT32:
        if (n + 4 > end) throw new CorruptVectorError(`truncated at byte ${n}`);
        num = b[n]! | (b[n + 1]! << 8) | (b[n + 2]! << 16) | (b[n + 3]! << 24);
        n += 4;
        break;
      case T_F64:
        if (n + 8 > end) throw new CorruptVectorError(`truncated at byte ${n}`);
        for (let i = 0; i < 8; i++) f64Bytes[i] = b[n + i]!;
        num = f64[0]!;
        n += 8;
        break;
      case T_TEXT: {
        if (n + 4 > end) throw new CorruptVectorError(`truncated at byte ${n}`);
        const len = (b[n]! | (b[n + 1]! << 8) | (b[n + 2]! << 16) | (b[n + 3]! << 24)) >>> 0;
        n += 4;
        if (n + len > end) throw new CorruptVectorError(`truncated at byte ${n}`);
        this.utf8String(b, n, n + len);
        return n + len;
      }
      default:
        throw new CorruptVectorError(`unknown value tag ${tag} at byte ${at}`);
    }
    if (kind === WireKind.Timestamp) this.bytes(quotedTimestamp(num));
    else if (kind === WireKind.Date) this.ascii(`"${isoDate(num)}"`);
    else if (tag !== T_F64 && num < 1024 && num >= SMALL_MIN) this.bytes(SMALL[num - SMALL_MIN]!);
    else this.ascii(Number.isFinite(num) ? String(num) : 'null');
    return n;
  }

  /** The position after the value at `b[at]`. */
  private static skip(b: Uint8Array, at: number, end: number): number {
    if (at >= end) throw new CorruptVectorError(`truncated at byte ${at}`);
    const tag = b[at]!;
    let size: number;
    if (tag <= T_TRUE) size = 1;
    else if (tag === T_INT8) size = 2;
    else if (tag === T_INT32) size = 5;
    else if (tag === T_F64) size = 9;
    else if (tag === T_TEXT) {
      if (at + 5 > end) throw new CorruptVectorError(`truncated at byte ${at}`);
      size = 5 + ((b[at + 1]! | (b[at + 2]! << 8) | (b[at + 3]! << 16) | (b[at + 4]! << 24)) >>> 0);
    } else throw new CorruptVectorError(`unknown value tag ${tag} at byte ${at}`);
    if (at + size > end) throw new CorruptVectorError(`truncated at byte ${at}`);
    return at + size;
  }

  /**
   * Writes the features `features` of one stored vector (the generation's
   * column counts `counts`), in the order given: each feature's head, value(s),
   * status and event time, then `tails[x]` when given (e.g. `,"as_of":"…"`),
   * and its closing brace. Nothing around them.
   */
  vector(blob: Uint8Array, counts: readonly number[], features: readonly WireFeature[], tails?: readonly Uint8Array[]): void {
    const end = blob.length;
    if (end < 1 || blob[0] !== FORMAT) throw new CorruptVectorError(end < 1 ? 'truncated at byte 0' : `unknown format ${blob[0]}`);
    const nf = counts.length;
    if (this.starts.length < nf) this.starts = new Int32Array(nf * 2);
    const starts = this.starts;
    // Where each feature starts: its status byte.
    let at = 1;
    for (let f = 0; f < nf; f++) {
      starts[f] = at;
      if (at >= end || blob[at]! >= STATUS_PARTS.length) throw new CorruptVectorError(at >= end ? `truncated at byte ${at}` : `unknown status ${blob[at]} at byte ${at}`);
      at = WireWriter.skip(blob, at + 1, end);
      for (let c = counts[f]!; c > 0; c--) at = WireWriter.skip(blob, at, end);
    }
    if (at !== end) throw new CorruptVectorError(`${end - at} byte(s) left over`);
    for (let x = 0; x < features.length; x++) {
      const w = features[x]!;
      const start = starts[w.index]!;
      const status = blob[start]!;
      const timeAt = start + 1;
      let p = WireWriter.skip(blob, timeAt, end);
      this.bytes(w.head);
      const heads = w.columnHeads;
      if (heads === undefined) p = this.value(blob, p, end, w.kinds[0]!);
      else if (heads.length === 0) this.ascii('{}'); // no column (a ONE_HOT TOP n awaiting its fit)
      else {
        for (let c = 0; c < heads.length; c++) {
          this.bytes(heads[c]!);
          p = this.value(blob, p, end, w.kinds[c]!);
        }
        this.ensure(1);
        this.buf[this.n++] = 0x7d;
      }
      this.bytes(STATUS_PARTS[status]!);
      this.value(blob, timeAt, end, WireKind.Timestamp);
      if (tails !== undefined) this.bytes(tails[x]!);
      this.ensure(1);
      this.buf[this.n++] = 0x7d;
    }
  }
}
