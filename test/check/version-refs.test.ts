// versionKey / versionRef / parseVersionRef (src/check/catalog.ts): the one spelling of `name@version`.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseVersionRef, versionKey, versionRef } from '../../src/check/catalog.js';

describe('version refs', () => {
  it('keys fold the name and keep the version; no version is the newest', () => {
    expect(versionKey('Spend_30d', 2)).toBe('spend_30d@2');
    expect(versionKey('spend_30d', 2)).toBe(versionKey('SPEND_30D', 2));
    expect(versionKey('spend_30d', 2)).not.toBe(versionKey('spend_30d', 3));
    expect(versionKey('spend_30d')).toBe('spend_30d@');
    expect(versionRef('Spend_30d', 2)).toBe('Spend_30d@2');
  });

  it('reads `name` and `name@version`, spaces around `@` allowed', () => {
    expect(parseVersionRef('avg_amount_7d')).toEqual({ name: 'avg_amount_7d' });
    expect(parseVersionRef('avg_amount_7d@2')).toEqual({ name: 'avg_amount_7d', version: 2 });
    expect(parseVersionRef('  avg_amount_7d @ 12 ')).toEqual({ name: 'avg_amount_7d', version: 12 });
  });

  it('refuses what is neither', () => {
    for (const text of ['', ' ', '@2', 'a@', 'a@0', 'a@-1', 'a@1.5', 'a b', 'a@2@3', 'a@99999999999999999999']) expect(parseVersionRef(text), text).toBeUndefined();
  });

  it('reads back what versionRef writes', () => {
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/);
    fc.assert(
      fc.property(name, fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n, v) => {
        expect(parseVersionRef(versionRef(n, v))).toEqual({ name: n, version: v });
        expect(versionKey(n.toUpperCase(), v)).toBe(versionKey(n.toLowerCase(), v));
      }),
    );
  });
});
