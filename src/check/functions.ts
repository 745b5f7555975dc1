/**
 * The function table of the portable subset: arity and typing of each scalar
 * function and aggregate. Dialects give each its own spelling later (src/sql).
 */
import type { AggregateFn, ExprType, TExpr } from './catalog.js';
import { isNumeric, isOrderable, comparable, unify } from './types.js';

export interface Typed {
  readonly type: ExprType;
  readonly nullable: boolean;
}

/** Says what is wrong with argument `index` (or with the call when index is -1). */
export type ArgumentError = (index: number, message: string, hint?: string) => void;

interface ScalarFunction {
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly signature: string;
  readonly type: (args: readonly TExpr[], fail: ArgumentError) => Typed | undefined;
}

function needNumeric(args: readonly TExpr[], i: number, fn: string, fail: ArgumentError): boolean {
  const t = args[i]!.type;
  if (t === 'NULL' || isNumeric(t)) return true;
  fail(i, `${fn} needs a number, found ${t}`);
  return false;
}

function needText(args: readonly TExpr[], i: number, fn: string, fail: ArgumentError): boolean {
  const t = args[i]!.type;
  if (t === 'NULL' || t === 'TEXT') return true;
  fail(i, `${fn} needs TEXT, found ${t}`, `convert it first: CAST(… AS TEXT)`);
  return false;
}

function needInteger(args: readonly TExpr[], i: number, fn: string, fail: ArgumentError): boolean {
  const t = args[i]!.type;
  if (t === 'NULL' || t === 'INTEGER') return true;
  fail(i, `${fn} needs an INTEGER here, found ${t}`);
  return false;
}

const anyNullable = (args: readonly TExpr[]): boolean => args.some((a) => a.nullable);

export const scalarFunctions: Readonly<Record<string, ScalarFunction>> = {
  COALESCE: {
    minArgs: 1,
    maxArgs: Infinity,
    signature: 'COALESCE(value, value, …)',
    type(args, fail) {
      let t: ExprType = 'NULL';
      for (let i = 0; i < args.length; i++) {
        const u = unify(t, args[i]!.type);
        if (u === undefined) {
          fail(i, `COALESCE arguments must have one type: ${t} and ${args[i]!.type} do not mix`);
          return undefined;
        }
        t = u;
      }
      return { type: t, nullable: args.every((a) => a.nullable) };
    },
  },
  NULLIF: {
    minArgs: 2,
    maxArgs: 2,
    signature: 'NULLIF(value, value)',
    type(args, fail) {
      if (!comparable(args[0]!.type, args[1]!.type)) {
        fail(1, `NULLIF compares values of one type: ${args[0]!.type} and ${args[1]!.type} do not compare`);
        return undefined;
      }
      return { type: args[0]!.type, nullable: true };
    },
  },
  ABS: {
    minArgs: 1,
    maxArgs: 1,
    signature: 'ABS(number)',
    type: (args, fail) => (needNumeric(args, 0, 'ABS', fail) ? { type: args[0]!.type, nullable: args[0]!.nullable } : undefined),
  },
  ROUND: {
    minArgs: 1,
    maxArgs: 2,
    signature: 'ROUND(number [, digits])',
    type(args, fail) {
      if (!needNumeric(args, 0, 'ROUND', fail)) return undefined;
      if (args.length === 2) {
        if (!needInteger(args, 1, 'ROUND', fail)) return undefined;
        if (args[1]!.kind !== 'literal' && !(args[1]!.kind === 'unary' && args[1]!.operand.kind === 'literal')) {
          fail(1, 'ROUND takes a constant number of digits', 'write the digits as a number, e.g. ROUND(x, 2)');
          return undefined;
        }
      }
      return { type: args[0]!.type === 'NULL' ? 'DOUBLE' : args[0]!.type, nullable: anyNullable(args) };
    },
  },
  LOWER: {
    minArgs: 1,
    maxArgs: 1,
    signature: 'LOWER(text)',
    type: (args, fail) => (needText(args, 0, 'LOWER', fail) ? { type: 'TEXT', nullable: args[0]!.nullable } : undefined),
  },
  UPPER: {
    minArgs: 1,
    maxArgs: 1,
    signature: 'UPPER(text)',
    type: (args, fail) => (needText(args, 0, 'UPPER', fail) ? { type: 'TEXT', nullable: args[0]!.nullable } : undefined),
  },
  LENGTH: {
    minArgs: 1,
    maxArgs: 1,
    signature: 'LENGTH(text)',
    type: (args, fail) => (needText(args, 0, 'LENGTH', fail) ? { type: 'INTEGER', nullable: args[0]!.nullable } : undefined),
  },
  SUBSTR: {
    minArgs: 2,
    maxArgs: 3,
    signature: 'SUBSTR(text, start [, length])',
    type(args, fail) {
      if (!needText(args, 0, 'SUBSTR', fail)) return undefined;
      for (let i = 1; i < args.length; i++) if (!needInteger(args, i, 'SUBSTR', fail)) return undefined;
      return { type: 'TEXT', nullable: anyNullable(args) };
    },
  },
};

/** Other spellings users write, mapped to the canonical name. */
export const functionAliases: Readonly<Record<string, string>> = {
  SUBSTRING: 'SUBSTR',
  LEN: 'LENGTH',
  CHAR_LENGTH: 'LENGTH',
  IFNULL: 'COALESCE',
};

export const aggregateFunctions: readonly AggregateFn[] = ['COUNT', 'SUM', 'AVG', 'MIN', 'MAX'];

export function isAggregateName(name: string): name is AggregateFn {
  return (aggregateFunctions as readonly string[]).includes(name);
}

/** Type of an aggregate over `arg` (undefined arg = COUNT(*)). */
export function aggregateType(fn: AggregateFn, arg: TExpr | undefined, fail: ArgumentError): Typed | undefined {
  if (fn === 'COUNT') return { type: 'INTEGER', nullable: false };
  const t = arg!.type;
  switch (fn) {
    case 'SUM':
      if (t === 'NULL' || isNumeric(t)) return { type: t === 'NULL' ? 'DOUBLE' : t, nullable: true };
      fail(0, `SUM needs a number, found ${t}`, t === 'BOOLEAN' ? 'count the true rows with COUNT(*) … WHERE, or SUM(CASE WHEN x THEN 1 ELSE 0 END)' : undefined);
      return undefined;
    case 'AVG':
      if (t === 'NULL' || isNumeric(t)) return { type: 'DOUBLE', nullable: true };
      fail(0, `AVG needs a number, found ${t}`);
      return undefined;
    case 'MIN':
    case 'MAX':
      if (isOrderable(t)) return { type: t, nullable: true };
      fail(0, `${fn} needs a value that can be ordered, found ${t}`);
      return undefined;
  }
}

export const allFunctionNames: readonly string[] = [...Object.keys(scalarFunctions), ...aggregateFunctions];
