/**
 * The wire writer (src/store/online/wire.ts) writes stored vectors as JSON
 * straight from their encoding. Property: for random features (every column
 * type, NULLs, non-finite doubles, text with quotes, control characters and
 * non-ASCII), random cells and a random choice and order of features, its
 * bytes parse to exactly the object built here from the plain values with
 * JSON.parse/JSON.stringify and Date — an independent rendering.
 */
import '../../support/fast-check-seed.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScalarType } from '../../../src/check/catalog.js';
import type { Value } from '../../../src/engine/values.js';
import { CorruptVectorError, VectorEncoder } from '../../../src/store/online/codec.js';
import type { FeatureCell, FeatureStatus } from '../../../src/store/online/store.js';
import { bytesOf, WireKind, WireWriter, type WireFeature } from '../../../src/store/online/wire.js';

const TYPES: readonly ScalarType[] = ['INTEGER', 'DOUBLE', 'TEXT', 'BOOLEAN', 'TIMESTAMP', 'DATE'];
const STATUSES: readonly FeatureStatus[] = ['present', 'missing', 'outside_ttl', 'awaiting_fit'];
// 1900 … 2100, in µs and days.
const MIN_US = Date.UTC(1900, 0, 1) * 1000;
const MAX_US = Date.UTC(2100, 0, 1) * 1000;

function valueOf(type: ScalarType): fc.Arbitrary<Value> {
  const v: fc.Arbitrary<Value> =
    type === 'INTEGER'
      ? fc.oneof(fc.integer({ min: -200, max: 200 }), fc.integer(), fc.maxSafeInteger())
      : type === 'DOUBLE'
        ? fc.oneof(fc.double(), fc.constantFrom(0.1, -0, 1e21, 123.45))
        : type === 'TEXT'
          ? fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('"', '\\', '\n\t\u0001', 'é€😀', ''))
          : type === 'BOOLEAN'
            ? fc.boolean()
            : type === 'TIMESTAMP'
              ? fc.integer({ min: MIN_US / 1e6, max: MAX_US / 1e6 }).chain((s) => fc.constantFrom(s * 1e6, s * 1e6 + 500_000, s * 1e6 + 123_456, s * 1e6 + 1))
              : fc.integer({ min: MIN_US / 86_400_000_000, max: MAX_US / 86_400_000_000 });
  return fc.option(v, { nil: null, freq: 4 });
}

interface Feature {
  readonly name: string;
  readonly types: readonly ScalarType[];
  readonly oneHot: boolean;
}

const featureArb: fc.Arbitrary<Feature> = fc.record({
  name: fc.string({ minLength: 1, maxLength: 8 }),
  // No column: a ONE_HOT TOP n awaiting its fit (`"values":{}`).
  types: fc.array(fc.constantFrom(...TYPES), { minLength: 0, maxLength: 3 }),
  oneHot: fc.boolean(),
});

function cellArb(f: Feature): fc.Arbitrary<FeatureCell> {
  return fc.record({
    values: fc.tuple(...f.types.map(valueOf)),
    status: fc.constantFrom(...STATUSES),
    eventTime: fc.option(fc.integer({ min: MIN_US / 1e6, max: MAX_US / 1e6 }).map((s) => s * 1e6 + (s % 7) * 1000), { nil: null }),
  });
}

/** `2024-03-01T14:05:00Z`, `…:00.5Z`, `…:00.000001Z`: from Date (milliseconds) plus the microseconds by hand. */
function isoReference(micros: number): string {
  const seconds = Math.floor(micros / 1e6);
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  const frac = micros - seconds * 1e6;
  return frac === 0 ? `${base}Z` : `${base}.${String(frac).padStart(6, '0').replace(/0+$/, '')}Z`;
}

function render(v: Value, type: ScalarType): unknown {
  if (v === null) return null;
  if (type === 'TIMESTAMP') return isoReference(v as number);
  if (type === 'DATE') return new Date((v as number) * 86_400_000).toISOString().slice(0, 10);
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

const caseArb = fc
  .array(featureArb, { minLength: 1, maxLength: 6 })
  .chain((features) =>
    fc.record({
      features: fc.constant(features.map((f, i) => ({ ...f, oneHot: f.oneHot || f.types.length !== 1, name: `f${i}_${f.name}` }))),
      cells: fc.tuple(...features.map(cellArb)),
      order: fc.shuffledSubarray(
        features.map((_f, i) => i),
        { minLength: 1 },
      ),
    }),
  );

describe('wire JSON of stored vectors', () => {
  it('parses to the values rendered independently, for any features, cells and order', () => {
    const encoder = new VectorEncoder();
    const writer = new WireWriter(16);
    fc.assert(
      fc.property(caseArb, ({ features, cells, order }) => {
        const blob = Buffer.from(encoder.encode(cells));
        const columns = features.map((f) => f.types.map((_t, c) => `${f.name}__c${c}`));
        const wire: WireFeature[] = order.map((index, x) => {
          const f = features[index]!;
          return {
            index,
            head: bytesOf(`${x === 0 ? '' : ','}${JSON.stringify(f.name)}:{"version":1,"${f.oneHot ? 'values' : 'value'}":`),
            ...(f.oneHot ? { columnHeads: columns[index]!.map((c, k) => bytesOf(`${k === 0 ? '{' : ','}${JSON.stringify(c)}:`)) } : {}),
            kinds: f.types.map((t) => (t === 'TIMESTAMP' ? WireKind.Timestamp : t === 'DATE' ? WireKind.Date : WireKind.Plain)),
          };
        });
        writer.reset();
        writer.ascii('{');
        writer.vector(blob, features.map((f) => f.types.length), wire);
        writer.ascii('}');
        const parsed = JSON.parse(writer.take().toString('utf8')) as unknown;

        const expected: Record<string, unknown> = {};
        for (const index of order) {
          const f = features[index]!;
          const cell = cells[index]!;
          const values = f.types.map((t, c) => render(cell.values[c]!, t));
          expected[f.name] = {
            version: 1,
            ...(f.oneHot ? { values: Object.fromEntries(columns[index]!.map((c, k) => [c, values[k]])) } : { value: values[0] }),
            status: cell.status,
            event_time: cell.eventTime === null ? null : isoReference(cell.eventTime),
          };
        }
        // Key order as written (the selection's order).
        expect(Object.keys(parsed as object)).toEqual(order.map((i) => features[i]!.name));
        // Text goes through UTF-8: a lone surrogate becomes U+FFFD in both.
        expect(parsed).toEqual(JSON.parse(Buffer.from(JSON.stringify(expected), 'utf8').toString('utf8')));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a truncated or corrupt vector with CorruptVectorError', () => {
    const encoder = new VectorEncoder();
    const blob = Buffer.from(encoder.encode([{ values: [1.5, 'abc'], status: 'present', eventTime: 1_000_000 }]));
    const feature: WireFeature = { index: 0, head: bytesOf('"f":{"version":1,"values":'), columnHeads: [bytesOf('{"a":'), bytesOf(',"b":')], kinds: [WireKind.Plain, WireKind.Plain] };
    const writer = new WireWriter();
    for (let cut = 0; cut < blob.length; cut++) {
      expect(() => writer.vector(blob.subarray(0, cut), [2], [feature])).toThrow(CorruptVectorError);
    }
    expect(() => writer.vector(Buffer.concat([blob, Buffer.from([0])]), [2], [feature])).toThrow(CorruptVectorError);
    const badTag = Buffer.from(blob);
    badTag[7] = 99; // the tag of 1.5 (after the format, status and int32 event time)
    expect(() => writer.vector(badTag, [2], [feature])).toThrow(CorruptVectorError);
  });
});
