import fc from 'fast-check';
import '../../support/fast-check-seed.js';
import { describe, expect, it } from 'vitest';
import { CorruptVectorError, decodeSome, decodeVector, VectorEncoder } from '../../../src/store/online/codec.js';
import { FEATURE_STATUSES, type FeatureCell } from '../../../src/store/online/store.js';

const value = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -300, max: 300 }),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 5 }),
);
// Every status; no value at all: a ONE_HOT TOP n awaiting its fit has no column yet.
const cell = fc.record({
  values: fc.array(value, { minLength: 0, maxLength: 6 }),
  status: fc.constantFrom(...FEATURE_STATUSES),
  eventTime: fc.option(fc.maxSafeInteger(), { nil: null }),
});

const canonical = (cells: FeatureCell[]) => cells.map((c) => ({ ...c, values: c.values.map((v) => (Object.is(v, -0) ? 0 : v)), eventTime: Object.is(c.eventTime, -0) ? 0 : c.eventTime }));

describe('vector codec', () => {
  it('decodes what it encodes, value for value', () => {
    const enc = new VectorEncoder();
    fc.assert(
      fc.property(fc.array(cell, { maxLength: 20 }), (cells) => {
        const bytes = Buffer.from(enc.encode(cells));
        expect(decodeVector(bytes, cells.map((c) => c.values.length))).toEqual(canonical(cells));
      }),
      { numRuns: 500 },
    );
  });

  it('decodes some features only, skipping the others', () => {
    const enc = new VectorEncoder();
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, fc.boolean()), { maxLength: 20 }), (pairs) => {
        const cells = pairs.map(([c]) => c);
        const wanted = pairs.map(([, w]) => w);
        const bytes = Buffer.from(enc.encode(cells));
        const want = canonical(cells).map((c, i) => (wanted[i] ? c : undefined));
        expect(decodeSome(bytes, cells.map((c) => c.values.length), wanted)).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('reuses its buffer: a view is valid until the next encode', () => {
    const enc = new VectorEncoder();
    const a = Buffer.from(enc.encode([{ values: ['x'.repeat(50_000)], status: 'present', eventTime: 1 }]));
    const b = enc.encode([{ values: [1], status: 'missing', eventTime: null }]);
    expect(decodeVector(a, [1])[0]!.values[0]).toHaveLength(50_000);
    expect(decodeVector(b, [1])).toEqual([{ values: [1], status: 'missing', eventTime: null }]);
  });

  it('detects corrupt or mismatched blobs', () => {
    const bytes = Buffer.from(new VectorEncoder().encode([{ values: [1.5, 'ab'], status: 'present', eventTime: 7 }]));
    expect(() => decodeVector(bytes, [1])).toThrow(CorruptVectorError);
    expect(() => decodeVector(bytes, [3])).toThrow(CorruptVectorError);
    expect(() => decodeVector(bytes.subarray(0, bytes.length - 1), [2])).toThrow(CorruptVectorError);
    expect(() => decodeVector(Buffer.from([9]), [])).toThrow(/format/);
    expect(() => decodeVector(Buffer.from([1, 0, 42]), [0])).toThrow(/tag/);
    expect(() => decodeSome(bytes, [1], [false])).toThrow(CorruptVectorError);
    expect(() => decodeSome(bytes.subarray(0, bytes.length - 1), [2], [false])).toThrow(CorruptVectorError);
  });
});
