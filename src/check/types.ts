/** Typing rules shared by every expression: numeric promotion, comparability, casts. */
import type { ExprType, ScalarType } from './catalog.js';

export function isNumeric(t: ExprType): boolean {
  return t === 'INTEGER' || t === 'DOUBLE';
}

export function isTemporal(t: ExprType): boolean {
  return t === 'DATE' || t === 'TIMESTAMP';
}

/** Values ONE_HOT can encode. */
export function isCategorical(t: ExprType): boolean {
  return t === 'TEXT' || t === 'INTEGER' || t === 'BOOLEAN';
}

/**
 * The common type of two values that must be of one type (CASE branches,
 * COALESCE, IN lists, comparisons), or undefined when there is none.
 * NULL goes with anything; INTEGER widens to DOUBLE; DATE widens to TIMESTAMP.
 */
export function unify(a: ExprType, b: ExprType): ExprType | undefined {
  if (a === b) return a;
  if (a === 'NULL') return b;
  if (b === 'NULL') return a;
  if (isNumeric(a) && isNumeric(b)) return 'DOUBLE';
  if (isTemporal(a) && isTemporal(b)) return 'TIMESTAMP';
  return undefined;
}

export function comparable(a: ExprType, b: ExprType): boolean {
  return unify(a, b) !== undefined;
}

/** Orderable with <, >, MIN, MAX: everything but BOOLEAN. */
export function isOrderable(t: ExprType): boolean {
  return t !== 'BOOLEAN';
}

const CASTS: Record<ScalarType, readonly ScalarType[]> = {
  BOOLEAN: ['BOOLEAN', 'INTEGER', 'TEXT'],
  INTEGER: ['INTEGER', 'DOUBLE', 'BOOLEAN', 'TEXT'],
  DOUBLE: ['DOUBLE', 'INTEGER', 'TEXT'],
  TEXT: ['TEXT', 'BOOLEAN', 'INTEGER', 'DOUBLE', 'DATE', 'TIMESTAMP'],
  DATE: ['DATE', 'TIMESTAMP', 'TEXT'],
  TIMESTAMP: ['TIMESTAMP', 'DATE', 'TEXT'],
};

export function castable(from: ExprType, to: ScalarType): boolean {
  return from === 'NULL' || CASTS[from].includes(to);
}

/** Can a value of type `value` be stored where `target` is expected (FILL literal, ONE_HOT value)? */
export function assignable(value: ExprType, target: ScalarType): boolean {
  if (value === target) return true;
  if (value === 'INTEGER' && target === 'DOUBLE') return true;
  if (value === 'DATE' && target === 'TIMESTAMP') return true;
  return false;
}
