/**
 * Comparing an engine's rows with the reference evaluator's (the differential
 * property tests): counts and INTEGER sums exactly, doubles within 1e-9
 * relative. An integral DOUBLE sum at or beyond 2^52 (where a double's
 * spacing is ≥ 1) is compared as a double: the reference's row-order sum and
 * the engine's differ there in the last bits (6500000000000009 vs …10).
 */
import type { Value } from '../../src/engine/values.js';

export function closeValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isSafeInteger(a) && Number.isSafeInteger(b) && Math.max(Math.abs(a), Math.abs(b)) < 2 ** 52) return a === b;
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return a === b;
}

/** The first difference between `actual` and `expected` rows, said for people; undefined when they agree. */
export function rowsProblem(actual: readonly (readonly Value[])[], expected: readonly (readonly Value[])[]): string | undefined {
  if (actual.length !== expected.length) return `row count ${actual.length}, expected ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    for (let j = 0; j < expected[i]!.length; j++) {
      if (!closeValue(actual[i]![j], expected[i]![j])) {
        return `row ${i}, column ${j}: ${JSON.stringify(actual[i]![j])}, expected ${JSON.stringify(expected[i]![j])}\nactual:   ${JSON.stringify(actual[i])}\nexpected: ${JSON.stringify(expected[i])}`;
      }
    }
  }
  return undefined;
}
