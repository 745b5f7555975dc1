import fc from 'fast-check';
import '../../support/fast-check-seed.js';
import { describe, expect, it } from 'vitest';
import { CorruptVectorError, decodeSome, decodeVector, VectorEncoder } from '../../../src/store/online/codec.js';
import { FEATURE_STATUSES, type FeatureCell, type FeatureStatus, type SnapshotTableFeature } from '../../../src/store/online/store.js';

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

  it('encodes a table row straight into the bytes, worked by hand', () => {
    // A row of a materialize result: key, then values and times in the places the features say.
    const row = ['k', 5, null, 1.5, 'ab', true, -0, 2e15];
    const features: SnapshotTableFeature[] = [
      { values: [1], time: -1, status: () => 'present' },
      { values: [3, 4, 5], time: 7, status: () => 'outside_ttl' },
      { values: [2, 6], time: 2, status: () => 'missing' },
    ];
    const bytes = [...new VectorEncoder().encodeRow(row, features)!];
    expect(bytes).toEqual([
      1, // format
      0, 0, 3, 5, // present, no time, int8 5
      2, 5, 0x00, 0x00, 0x34, 0x26, 0xf5, 0x6b, 0x1c, 0x43, // outside_ttl, time 2e15 = 0x431C6BF526340000 as float64 LE
      5, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, // 1.5 = 0x3FF8000000000000
      6, 2, 0, 0, 0, 0x61, 0x62, // 'ab'
      2, // true
      1, 0, 0, 3, 0, // missing, time NULL, NULL, -0 as int8 0
    ]);
  });

  it('encodes a table row as the cells it holds', () => {
    const enc = new VectorEncoder();
    // The cells laid out in one row, in a shuffled order: values, then the times.
    fc.assert(
      fc.property(fc.array(cell, { maxLength: 12 }), fc.integer({ min: 0, max: 1000 }), (cells, seed) => {
        const row: unknown[] = [];
        const features: SnapshotTableFeature[] = cells.map((c) => {
          const values = c.values.map((v) => row.push(v) - 1);
          const time = c.eventTime === null && seed % 2 === 0 ? -1 : row.push(c.eventTime) - 1;
          const status: FeatureStatus = c.status;
          return { values, time, status: () => status };
        });
        const direct = Buffer.from(enc.encodeRow(row as never, features)!);
        expect(direct).toEqual(Buffer.from(enc.encode(cells)));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses, in a table row, what is not a value, a time that is not whole, an unknown status', () => {
    const enc = new VectorEncoder();
    const one = (v: unknown, time: unknown = null, status = 'present'): Buffer | undefined =>
      enc.encodeRow([v, time] as never, [{ values: [0], time: 1, status: () => status as FeatureStatus }]);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1n, {}, [1]]) expect(one(bad), String(bad)).toBeUndefined();
    expect(one(1, 1.5)).toBeUndefined();
    expect(one(1, 2 ** 60)).toBeUndefined();
    expect(one(1, null, 'toString')).toBeUndefined();
    expect(one(1, null, 'gone')).toBeUndefined();
    // undefined reads as NULL; a time that is not a number is no time.
    expect([...one(undefined, 'x')!]).toEqual([1, 0, 0, 0]);
  });
});
