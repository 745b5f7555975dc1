/**
 * One-hot column names fit PostgreSQL's limit in bytes (63 of UTF-8), not in
 * characters: a feature named in a non-Latin script would otherwise give a
 * column PostgreSQL refuses (or, unchecked, truncates into another's name).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitColumnName, MAX_COLUMN_NAME, oneHotColumnNames } from '../../src/check/naming.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('column names fit 63 bytes of UTF-8', () => {
  it('keeps a name of 63 bytes, shortens one of 64 with a hash', () => {
    expect(fitColumnName('a'.repeat(63))).toBe('a'.repeat(63));
    const long = fitColumnName('a'.repeat(64));
    expect(long).toMatch(/^a{55}_[0-9a-z]{7}$/);
  });

  it('counts bytes: 40 × é (80 bytes, 40 characters) is shortened to whole characters', () => {
    const name = fitColumnName('é'.repeat(40));
    // 55 bytes for the head: 27 × é (54 bytes) — a 28th would make 56.
    expect(name).toMatch(new RegExp(`^${'é'.repeat(27)}_[0-9a-z]{7}$`));
    expect(bytes(name)).toBe(62);
  });

  it('never splits a character, stays within the limit, and names stay distinct (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.array(fc.string({ maxLength: 20 }), { minLength: 1, maxLength: 6 }), (feature, values) => {
        const { columns } = oneHotColumnNames(feature, values);
        for (const c of columns) {
          expect(bytes(c)).toBeLessThanOrEqual(MAX_COLUMN_NAME);
          expect(c.includes('\uFFFD')).toBe(false);
          expect(Buffer.from(c, 'utf8').toString('utf8')).toBe(c);
        }
        expect(new Set(columns.map((c) => c.toLowerCase())).size).toBe(columns.length);
      }),
    );
  });
});
