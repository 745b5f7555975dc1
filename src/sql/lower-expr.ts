/**
 * Typed expressions → SQL AST, with fsql's semantics made explicit so every
 * dialect computes the same thing: `/` is DOUBLE division that gives NULL on
 * zero, `%` gives NULL on zero, text comparisons use code-point order.
 */
import type { TExpr } from '../check/catalog.js';
import { bin, fn, lit, type SqlExpr } from './ast.js';
import { parseDateText, parseTimeText } from '../values/time.js';

/** Renames relation aliases in column references (e.g. a relation read under another alias). */
export type AliasMap = (alias: string) => string;

const identity: AliasMap = (a) => a;

/**
 * The text of a TIMESTAMP literal (or of a DATE, as its midnight) → epoch
 * microseconds, the number SQL literals are printed from (src/values/time.ts).
 */
export function timestampMicros(text: string): number {
  const micros = parseTimeText(text);
  if (micros === undefined) throw new Error(`bad timestamp ${text}`);
  return micros;
}

/** The text of a DATE literal → epoch days. */
export function dateDays(text: string): number {
  const days = parseDateText(text);
  if (days === undefined) throw new Error(`bad date ${text}`);
  return days;
}

function isText(e: TExpr): boolean {
  return e.type === 'TEXT';
}

/** Wraps text operands of comparisons in the dialect's binary ordering. */
function ordered(e: TExpr, sql: SqlExpr): SqlExpr {
  return isText(e) ? { k: 'binary_text', e: sql } : sql;
}

export function lowerExpr(e: TExpr, alias: AliasMap = identity): SqlExpr {
  const go = (x: TExpr) => lowerExpr(x, alias);
  switch (e.kind) {
    case 'literal':
      if (e.value === null) return lit(null, e.type);
      if (e.type === 'TIMESTAMP') return lit(timestampMicros(String(e.value)), 'TIMESTAMP');
      if (e.type === 'DATE') return lit(dateDays(String(e.value)), 'DATE');
      return lit(e.value, e.type);
    case 'column':
      return { k: 'col', table: alias(e.relation), name: e.column };
    case 'unary':
      if (e.op === '+') return go(e.operand);
      return { k: 'unary', op: e.op === 'NOT' ? 'NOT' : '-', e: go(e.operand) };
    case 'binary': {
      const l = go(e.left);
      const r = go(e.right);
      switch (e.op) {
        case '/':
          return bin('/', { k: 'cast', e: l, from: e.left.type, to: 'DOUBLE' }, fn('NULLIF', r, lit(0, 'INTEGER')));
        case '%':
          return bin('%', l, fn('NULLIF', r, lit(0, 'INTEGER')));
        case '=':
        case '<>':
        case '<':
        case '<=':
        case '>':
        case '>=':
          return bin(e.op, ordered(e.left, l), ordered(e.right, r));
        default:
          return bin(e.op, l, r);
      }
    }
    case 'is_null':
      return { k: 'is_null', e: go(e.operand), negated: e.negated };
    case 'in':
      return { k: 'in', e: ordered(e.operand, go(e.operand)), list: e.list.map((x) => ordered(x, go(x))), negated: e.negated };
    case 'between':
      return {
        k: 'between',
        e: ordered(e.operand, go(e.operand)),
        low: ordered(e.low, go(e.low)),
        high: ordered(e.high, go(e.high)),
        negated: e.negated,
      };
    case 'like':
      return { k: 'like', e: { k: 'binary_text', e: go(e.operand) }, pattern: go(e.pattern), negated: e.negated };
    case 'case':
      return {
        k: 'case',
        ...(e.operand ? { operand: ordered(e.operand, go(e.operand)) } : {}),
        whens: e.whens.map((w) => ({ when: e.operand ? ordered(w.when, go(w.when)) : go(w.when), then: go(w.then) })),
        ...(e.else ? { else: go(e.else) } : {}),
      };
    case 'cast':
      return { k: 'cast', e: go(e.operand), from: e.operand.type, to: e.to };
    case 'extract':
      return { k: 'extract', part: e.part, e: go(e.operand), from: e.operand.type === 'DATE' ? 'DATE' : 'TIMESTAMP' };
    case 'call':
      return { k: 'fn', name: e.fn, args: e.args.map(go), argTypes: e.args.map((a) => a.type) };
    case 'aggregate': {
      const type = e.type === 'NULL' ? 'DOUBLE' : e.type;
      if (!e.arg) return { k: 'agg', fn: e.fn, distinct: false, type };
      const arg = go(e.arg);
      // MIN/MAX of text must follow code-point order too.
      return { k: 'agg', fn: e.fn, distinct: e.distinct, arg: (e.fn === 'MIN' || e.fn === 'MAX') && isText(e.arg) ? { k: 'binary_text', e: arg } : arg, type };
    }
  }
}
