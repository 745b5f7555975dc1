/**
 * Evaluates a typed expression (TExpr) of the checked catalog over one row
 * environment, following docs/semantics.md §1–§2 and language.md §6. Every
 * result is in the representation of the expression's static type
 * (values.ts); a DATE that meets a TIMESTAMP is widened to midnight.
 */
import type { TExpr } from '../../src/check/catalog.js';
import {
  and3,
  castValue,
  coerce,
  compareNonNull,
  extractPart,
  isTrue,
  like,
  literalValue,
  normZero,
  not3,
  or3,
  roundHalfAway,
  sameValue,
  sqlEquals,
  substr,
  textLength,
  unifyTypes,
  type Row,
  type Value,
} from './values.js';

/** (relation alias, lower-cased) → the row bound to it; `null` is the all-NULL row of an unmatched LEFT JOIN. */
export type Env = ReadonlyMap<string, Row | null>;

export function makeEnv(bindings: readonly (readonly [alias: string, row: Row | null])[]): Env {
  return new Map(bindings.map(([alias, row]) => [alias.toLowerCase(), row]));
}

export function extendEnv(env: Env, alias: string, row: Row | null): Env {
  const out = new Map(env);
  out.set(alias.toLowerCase(), row);
  return out;
}

/** A column of a row by its declared name (case-insensitively as a fallback); absent → NULL. */
export function columnValue(row: Row | null, column: string): Value {
  if (row === null) return null;
  if (Object.hasOwn(row, column)) return row[column] ?? null;
  const lower = column.toLowerCase();
  for (const k of Object.keys(row)) if (k.toLowerCase() === lower) return row[k] ?? null;
  return null;
}

/**
 * Evaluates `expr` over `env`. Aggregates are evaluated over `group` (the envs
 * of the group's rows); outside an aggregate, columns read `env` (in a grouped
 * query, any row of the group: they are grouped expressions).
 */
export function evaluate(expr: TExpr, env: Env, group?: readonly Env[]): Value {
  switch (expr.kind) {
    case 'literal':
      return literalValue(expr.value, expr.type);
    case 'column': {
      const alias = expr.relation.toLowerCase();
      if (!env.has(alias)) throw new Error(`reference: alias ${expr.relation} is not bound`);
      return columnValue(env.get(alias)!, expr.column);
    }
    case 'unary': {
      const v = evaluate(expr.operand, env, group);
      if (expr.op === 'NOT') return not3(v);
      if (v === null) return null;
      return expr.op === '-' ? normZero(-(v as number)) : v;
    }
    case 'binary':
      return binary(expr.op, expr.left, expr.right, env, group);
    case 'is_null': {
      const isNull = evaluate(expr.operand, env, group) === null;
      return expr.negated ? !isNull : isNull;
    }
    case 'in': {
      // x IN (a, b, …) = x = a OR x = b OR …: TRUE if one equals, else NULL if x or one item is NULL, else FALSE.
      const x = evaluate(expr.operand, env, group);
      let result: Value = false;
      for (const item of expr.list) {
        const t = unifyTypes(expr.operand.type, item.type);
        result = or3(result, sqlEquals(coerce(x, expr.operand.type, t), coerce(evaluate(item, env, group), item.type, t)));
      }
      return expr.negated ? not3(result) : result;
    }
    case 'between': {
      // low <= x AND x <= high, both ends included.
      const x = evaluate(expr.operand, env, group);
      const geLow = compare3('>=', x, expr.operand.type, evaluate(expr.low, env, group), expr.low.type);
      const leHigh = compare3('<=', x, expr.operand.type, evaluate(expr.high, env, group), expr.high.type);
      const result = and3(geLow, leHigh);
      return expr.negated ? not3(result) : result;
    }
    case 'like': {
      const s = evaluate(expr.operand, env, group);
      const p = evaluate(expr.pattern, env, group);
      if (s === null || p === null) return null;
      const m = like(s as string, p as string);
      return expr.negated ? !m : m;
    }
    case 'case': {
      let chosen: TExpr | undefined = expr.else;
      if (expr.operand) {
        const x = evaluate(expr.operand, env, group);
        for (const w of expr.whens) {
          if (isTrue(compare3('=', x, expr.operand.type, evaluate(w.when, env, group), w.when.type))) {
            chosen = w.then;
            break;
          }
        }
      } else {
        for (const w of expr.whens) {
          if (isTrue(evaluate(w.when, env, group))) {
            chosen = w.then;
            break;
          }
        }
      }
      return chosen ? coerce(evaluate(chosen, env, group), chosen.type, expr.type) : null;
    }
    case 'cast':
      return castValue(evaluate(expr.operand, env, group), expr.operand.type, expr.to);
    case 'extract': {
      const v = evaluate(expr.operand, env, group);
      if (v === null) return null;
      return extractPart(expr.part, v as number, expr.operand.type);
    }
    case 'call':
      return call(expr.fn, expr.args, expr.type, env, group);
    case 'aggregate':
      if (!group) throw new Error('reference: an aggregate outside a group');
      return aggregate(expr, group);
  }
}

/** A comparison with NULL → NULL, after widening both sides to their common type. */
export function compare3(op: '=' | '<>' | '<' | '<=' | '>' | '>=', a: Value, at: TExpr['type'], b: Value, bt: TExpr['type']): Value {
  if (a === null || b === null) return null;
  const t = unifyTypes(at, bt);
  const c = compareNonNull(coerce(a, at, t) as Exclude<Value, null>, coerce(b, bt, t) as Exclude<Value, null>);
  switch (op) {
    case '=':
      return c === 0;
    case '<>':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

type BinaryOp = Extract<TExpr, { kind: 'binary' }>['op'];

function binary(op: BinaryOp, left: TExpr, right: TExpr, env: Env, group: readonly Env[] | undefined): Value {
  const a = evaluate(left, env, group);
  const b = evaluate(right, env, group);
  if (op === 'AND') return and3(a, b);
  if (op === 'OR') return or3(a, b);
  switch (op) {
    case '=':
    case '<>':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compare3(op, a, left.type, b, right.type);
  }
  if (a === null || b === null) return null;
  switch (op) {
    case '||':
      return (a as string) + (b as string);
    case '+':
      return normZero((a as number) + (b as number));
    case '-':
      return normZero((a as number) - (b as number));
    case '*':
      return normZero((a as number) * (b as number));
    case '/':
      // Always DOUBLE; NULL when dividing by zero.
      return b === 0 ? null : normZero((a as number) / (b as number));
    case '%':
      // INTEGERs only; the sign follows the left operand (as JavaScript's %); NULL for % 0.
      return b === 0 ? null : normZero((a as number) % (b as number));
  }
}

function call(fn: string, args: readonly TExpr[], type: TExpr['type'], env: Env, group: readonly Env[] | undefined): Value {
  switch (fn) {
    case 'COALESCE': {
      for (const a of args) {
        const v = evaluate(a, env, group);
        if (v !== null) return coerce(v, a.type, type);
      }
      return null;
    }
    case 'NULLIF': {
      const x = evaluate(args[0]!, env, group);
      const y = evaluate(args[1]!, env, group);
      return isTrue(compare3('=', x, args[0]!.type, y, args[1]!.type)) ? null : x;
    }
  }
  const values: Value[] = [];
  for (const a of args) values.push(evaluate(a, env, group));
  if (values.some((v) => v === null)) return null;
  switch (fn) {
    case 'ABS':
      return normZero(Math.abs(values[0] as number));
    case 'ROUND':
      return roundHalfAway(values[0] as number, values.length > 1 ? (values[1] as number) : 0, args[0]!.type === 'INTEGER');
    // AMBIGUITY: semantics §2 does not say which case mapping LOWER/UPPER use; the
    // reference uses full Unicode, locale-independent mapping (JavaScript's).
    case 'LOWER':
      return (values[0] as string).toLowerCase();
    case 'UPPER':
      return (values[0] as string).toUpperCase();
    case 'LENGTH':
      return textLength(values[0] as string);
    case 'SUBSTR':
      return substr(values[0] as string, values[1] as number, values.length > 2 ? (values[2] as number) : undefined);
  }
  throw new Error(`reference: unknown function ${fn}`);
}

function aggregate(expr: Extract<TExpr, { kind: 'aggregate' }>, group: readonly Env[]): Value {
  if (!expr.arg) return group.length; // COUNT(*)
  const arg = expr.arg;
  const values = group.map((env) => evaluate(arg, env)).filter((v): v is Exclude<Value, null> => v !== null);
  switch (expr.fn) {
    case 'COUNT': {
      if (!expr.distinct) return values.length;
      const distinct: Value[] = [];
      for (const v of values) if (!distinct.some((d) => sameValue(d, v))) distinct.push(v);
      return distinct.length;
    }
    case 'SUM':
      return values.length === 0 ? null : normZero((values as number[]).reduce((s, v) => s + v, 0));
    case 'AVG':
      return values.length === 0 ? null : normZero((values as number[]).reduce((s, v) => s + v, 0) / values.length);
    case 'MIN':
      return values.length === 0 ? null : values.reduce((m, v) => (compareNonNull(v, m) < 0 ? v : m));
    case 'MAX':
      return values.length === 0 ? null : values.reduce((m, v) => (compareNonNull(v, m) > 0 ? v : m));
  }
}
