/**
 * Types an AST expression in a scope of relations, resolving column names and
 * functions. Errors are reported once, at the innermost cause: an expression
 * that already failed is marked, and its parents do not report again.
 */
import { error, type Diagnostic, type Span } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type * as A from '../syntax/ast.js';
import type { ColumnInfo, ExprType, TExpr } from './catalog.js';
import { aggregateType, allFunctionNames, functionAliases, isAggregateName, scalarFunctions } from './functions.js';
import { castable, comparable, isNumeric, isTemporal, unify, isOrderable } from './types.js';

/** One relation visible to column references. */
export interface ScopeEntry {
  readonly alias: string;
  readonly relation: string;
  readonly columns: readonly ColumnInfo[];
  /** Columns read as nullable (the right side of a LEFT JOIN). */
  readonly nullable: boolean;
  /** The relation itself failed to check: unknown columns in it are not reported again. */
  readonly poisoned: boolean;
}

export interface ExprContext {
  readonly scope: readonly ScopeEntry[];
  /** Where aggregates may appear; when forbidden, `clause` names the place for the message. */
  readonly aggregates: 'allowed' | 'forbidden';
  readonly clause: string;
  readonly diagnostics: Diagnostic[];
  /** Aggregates run over non-empty groups (a GROUP BY query), so they are NULL only when their argument is. */
  readonly groupsAreNonEmpty?: boolean;
  /**
   * Reports E0203 for a column missing from one known relation, instead of
   * pushing it to `diagnostics`: the project reports each missing column once,
   * with a note at its other uses (a renamed source column is one mistake).
   */
  readonly unknownColumn?: (relation: string, name: string, span: Span, message: string, hint: string | undefined) => void;
}

/** Expressions that failed to type: their parents stay quiet. */
const failed = new WeakSet<TExpr>();

export function hasFailed(e: TExpr): boolean {
  return failed.has(e);
}

function fail<T extends TExpr>(e: T): T {
  failed.add(e);
  return e;
}

/**
 * Columns of a view whose defining expression failed: their type is only a
 * guess, so expressions that use them fail quietly too, and nothing about the
 * guess is reported downstream.
 */
const failedColumns = new WeakSet<ColumnInfo>();

export function markFailedColumn(c: ColumnInfo): void {
  failedColumns.add(c);
}

export function isFailedColumn(c: ColumnInfo): boolean {
  return failedColumns.has(c);
}

/** A reference to column `col` of the relation under `alias`; failed when the column is. */
export function columnRef(alias: string, col: ColumnInfo, nullable: boolean, span: Span): TExpr {
  const e: TExpr = { kind: 'column', relation: alias, column: col.name, type: col.type, nullable: col.nullable || nullable, span };
  return failedColumns.has(col) ? fail(e) : e;
}

export function containsAggregate(e: A.Expr): boolean {
  switch (e.kind) {
    case 'call':
      return isAggregateName(canonicalFunctionName(e.name.text)) || e.args.some(containsAggregate);
    case 'literal':
    case 'column':
      return false;
    case 'unary':
      return containsAggregate(e.operand);
    case 'binary':
      return containsAggregate(e.left) || containsAggregate(e.right);
    case 'is_null':
      return containsAggregate(e.operand);
    case 'in':
      return containsAggregate(e.operand) || e.list.some(containsAggregate);
    case 'between':
      return containsAggregate(e.operand) || containsAggregate(e.low) || containsAggregate(e.high);
    case 'like':
      return containsAggregate(e.operand) || containsAggregate(e.pattern);
    case 'case':
      return (
        (e.operand !== undefined && containsAggregate(e.operand)) ||
        e.whens.some((w) => containsAggregate(w.when) || containsAggregate(w.then)) ||
        (e.else !== undefined && containsAggregate(e.else))
      );
    case 'cast':
    case 'extract':
      return containsAggregate(e.operand);
    case 'paren':
      return containsAggregate(e.inner);
  }
}

export function canonicalFunctionName(name: string): string {
  const upper = name.toUpperCase();
  return functionAliases[upper] ?? upper;
}

export class ExpressionTyper {
  constructor(private readonly ctx: ExprContext) {}

  private report(code: string, span: Span, message: string, hint?: string): void {
    this.ctx.diagnostics.push(error(code, span, message, hint));
  }

  private reportUnknownColumn(relation: string, name: string, span: Span, message: string, hint: string | undefined): void {
    if (this.ctx.unknownColumn) this.ctx.unknownColumn(relation, name, span, message, hint);
    else this.report('E0203', span, message, hint);
  }

  type(e: A.Expr): TExpr {
    return this.expr(e, false);
  }

  private expr(e: A.Expr, insideAggregate: boolean): TExpr {
    switch (e.kind) {
      case 'literal':
        return { kind: 'literal', type: e.type, value: e.value, nullable: e.type === 'NULL', span: e.span };
      case 'column':
        return this.column(e);
      case 'paren':
        return this.expr(e.inner, insideAggregate);
      case 'unary':
        return this.unary(e, insideAggregate);
      case 'binary':
        return this.binary(e, insideAggregate);
      case 'is_null': {
        const operand = this.expr(e.operand, insideAggregate);
        return { kind: 'is_null', operand, negated: e.negated, type: 'BOOLEAN', nullable: false, span: e.span };
      }
      case 'in':
        return this.inList(e, insideAggregate);
      case 'between':
        return this.between(e, insideAggregate);
      case 'like':
        return this.like(e, insideAggregate);
      case 'case':
        return this.caseExpr(e, insideAggregate);
      case 'cast':
        return this.cast(e, insideAggregate);
      case 'extract':
        return this.extract(e, insideAggregate);
      case 'call':
        return this.call(e, insideAggregate);
    }
  }

  private column(e: A.ColumnRef): TExpr {
    const name = e.name.text;
    const lower = name.toLowerCase();
    const unknown = (type: ExprType = 'NULL'): TExpr =>
      fail({ kind: 'column', relation: e.table?.text ?? '', column: name, type, nullable: true, span: e.span });

    if (e.table) {
      const alias = e.table.text.toLowerCase();
      const entry = this.ctx.scope.find((s) => s.alias.toLowerCase() === alias);
      if (!entry) {
        this.report(
          'E0210',
          e.table.span,
          `unknown table or alias \`${e.table.text}\``,
          didYouMean(e.table.text, this.ctx.scope.map((s) => s.alias)) ??
            (this.ctx.scope.length > 0 ? `the names in scope are ${this.ctx.scope.map((s) => `\`${s.alias}\``).join(', ')}` : undefined),
        );
        return unknown();
      }
      const col = entry.columns.find((c) => c.name.toLowerCase() === lower);
      if (!col) {
        if (!entry.poisoned) {
          this.reportUnknownColumn(entry.relation, name, e.name.span, `unknown column \`${name}\` in \`${entry.alias}\``, didYouMean(name, entry.columns.map((c) => c.name)));
        }
        return unknown();
      }
      return columnRef(entry.alias, col, entry.nullable, e.span);
    }

    const matches: { entry: ScopeEntry; col: ColumnInfo }[] = [];
    for (const entry of this.ctx.scope) {
      const col = entry.columns.find((c) => c.name.toLowerCase() === lower);
      if (col) matches.push({ entry, col });
    }
    if (matches.length === 0) {
      if (!this.ctx.scope.some((s) => s.poisoned)) {
        const only = this.ctx.scope.length === 1 ? this.ctx.scope[0]!.relation : undefined;
        const message = `unknown column \`${name}\`${only !== undefined ? ` in \`${only}\`` : ''}`;
        const hint = didYouMean(name, this.ctx.scope.flatMap((s) => s.columns.map((c) => c.name)));
        if (only !== undefined) this.reportUnknownColumn(only, name, e.span, message, hint);
        else this.report('E0203', e.span, message, hint);
      }
      return unknown();
    }
    if (matches.length > 1) {
      this.report(
        'E0204',
        e.span,
        `column \`${name}\` is ambiguous: it is in ${matches.map((m) => `\`${m.entry.alias}\``).join(' and ')}`,
        `qualify it, e.g. \`${matches[0]!.entry.alias}.${name}\``,
      );
      return unknown(matches[0]!.col.type);
    }
    const { entry, col } = matches[0]!;
    return columnRef(entry.alias, col, entry.nullable, e.span);
  }

  private unary(e: A.Unary, inside: boolean): TExpr {
    const operand = this.expr(e.operand, inside);
    const out: TExpr = {
      kind: 'unary',
      op: e.op,
      operand,
      type: e.op === 'NOT' ? 'BOOLEAN' : operand.type === 'NULL' ? 'INTEGER' : operand.type,
      nullable: operand.nullable,
      span: e.span,
    };
    if (hasFailed(operand)) return fail(out);
    if (e.op === 'NOT' && operand.type !== 'BOOLEAN' && operand.type !== 'NULL') {
      this.report('E0401', e.span, `NOT needs a BOOLEAN, found ${operand.type}`);
      return fail(out);
    }
    if (e.op !== 'NOT' && !isNumeric(operand.type) && operand.type !== 'NULL') {
      this.report('E0401', e.span, `unary \`${e.op}\` needs a number, found ${operand.type}`);
      return fail(out);
    }
    return out;
  }

  private binary(e: A.Binary, inside: boolean): TExpr {
    const left = this.expr(e.left, inside);
    const right = this.expr(e.right, inside);
    const nullable = left.nullable || right.nullable;
    const make = (type: ExprType): TExpr => ({ kind: 'binary', op: e.op, left, right, type, nullable, span: e.span });
    const quiet = hasFailed(left) || hasFailed(right);
    const mismatch = (message: string, hint?: string): TExpr => {
      if (!quiet) this.report('E0401', e.opSpan, message, hint);
      return fail(make(resultGuess(e.op, left.type, right.type)));
    };
    const lt = left.type;
    const rt = right.type;
    switch (e.op) {
      case 'AND':
      case 'OR':
        if ((lt !== 'BOOLEAN' && lt !== 'NULL') || (rt !== 'BOOLEAN' && rt !== 'NULL')) {
          return mismatch(`${e.op} needs BOOLEAN operands, found ${lt} and ${rt}`);
        }
        return quiet ? fail(make('BOOLEAN')) : make('BOOLEAN');
      case '=':
      case '<>':
      case '<':
      case '<=':
      case '>':
      case '>=':
        if (!comparable(lt, rt)) {
          return mismatch(
            `cannot compare ${lt} with ${rt}`,
            (isTemporal(lt) && rt === 'TEXT') || (lt === 'TEXT' && isTemporal(rt))
              ? `write a ${isTemporal(lt) ? lt : rt} literal, e.g. ${(isTemporal(lt) ? lt : rt) === 'DATE' ? "DATE '2024-03-01'" : "TIMESTAMP '2024-03-01 00:00:00'"}, or CAST the TEXT`
              : lt === 'TEXT' || rt === 'TEXT'
                ? 'convert one side with CAST(… AS …)'
                : undefined,
          );
        }
        if (e.op !== '=' && e.op !== '<>' && (!isOrderable(lt) || !isOrderable(rt))) {
          return mismatch(`\`${e.op}\` does not order BOOLEAN values`);
        }
        return quiet ? fail(make('BOOLEAN')) : make('BOOLEAN');
      case '||':
        if ((lt !== 'TEXT' && lt !== 'NULL') || (rt !== 'TEXT' && rt !== 'NULL')) {
          return mismatch(`\`||\` joins TEXT values, found ${lt} and ${rt}`, 'convert the other side with CAST(… AS TEXT)');
        }
        return quiet ? fail(make('TEXT')) : make('TEXT');
      case '%':
        if ((lt !== 'INTEGER' && lt !== 'NULL') || (rt !== 'INTEGER' && rt !== 'NULL')) {
          return mismatch(`\`%\` needs INTEGER operands, found ${lt} and ${rt}`);
        }
        return quiet ? fail(make('INTEGER')) : make('INTEGER');
      case '/':
      case '+':
      case '-':
      case '*': {
        if ((!isNumeric(lt) && lt !== 'NULL') || (!isNumeric(rt) && rt !== 'NULL')) {
          const temporal = isTemporal(lt) || isTemporal(rt);
          return mismatch(
            `\`${e.op}\` needs numbers, found ${lt} and ${rt}`,
            e.op === '+' && (lt === 'TEXT' || rt === 'TEXT')
              ? 'join TEXT values with `||`'
              : temporal
                ? 'date arithmetic is not part of the portable subset; use WINDOW for time ranges or EXTRACT for date parts'
                : undefined,
          );
        }
        const type: ExprType = e.op === '/' ? 'DOUBLE' : lt === 'DOUBLE' || rt === 'DOUBLE' ? 'DOUBLE' : 'INTEGER';
        return quiet ? fail(make(type)) : make(type);
      }
    }
  }

  private inList(e: A.InList, inside: boolean): TExpr {
    const operand = this.expr(e.operand, inside);
    const list = e.list.map((x) => this.expr(x, inside));
    const out: TExpr = {
      kind: 'in',
      operand,
      list,
      negated: e.negated,
      type: 'BOOLEAN',
      nullable: operand.nullable || list.some((x) => x.nullable),
      span: e.span,
    };
    if (hasFailed(operand) || list.some(hasFailed)) return fail(out);
    for (const item of list) {
      if (!comparable(operand.type, item.type)) {
        this.report('E0401', item.span, `IN list value of type ${item.type} cannot be compared with ${operand.type}`);
        return fail(out);
      }
    }
    return out;
  }

  private between(e: A.Between, inside: boolean): TExpr {
    const operand = this.expr(e.operand, inside);
    const low = this.expr(e.low, inside);
    const high = this.expr(e.high, inside);
    const out: TExpr = {
      kind: 'between',
      operand,
      low,
      high,
      negated: e.negated,
      type: 'BOOLEAN',
      nullable: operand.nullable || low.nullable || high.nullable,
      span: e.span,
    };
    if (hasFailed(operand) || hasFailed(low) || hasFailed(high)) return fail(out);
    for (const bound of [low, high]) {
      if (!comparable(operand.type, bound.type) || !isOrderable(operand.type)) {
        this.report('E0401', bound.span, `BETWEEN cannot compare ${operand.type} with ${bound.type}`);
        return fail(out);
      }
    }
    return out;
  }

  private like(e: A.Like, inside: boolean): TExpr {
    const operand = this.expr(e.operand, inside);
    const pattern = this.expr(e.pattern, inside);
    const out: TExpr = {
      kind: 'like',
      operand,
      pattern,
      negated: e.negated,
      type: 'BOOLEAN',
      nullable: operand.nullable || pattern.nullable,
      span: e.span,
    };
    if (hasFailed(operand) || hasFailed(pattern)) return fail(out);
    for (const side of [operand, pattern]) {
      if (side.type !== 'TEXT' && side.type !== 'NULL') {
        this.report('E0401', side.span, `LIKE needs TEXT, found ${side.type}`);
        return fail(out);
      }
    }
    return out;
  }

  private caseExpr(e: A.Case, inside: boolean): TExpr {
    const operand = e.operand ? this.expr(e.operand, inside) : undefined;
    const whens = e.whens.map((w) => ({ when: this.expr(w.when, inside), then: this.expr(w.then, inside) }));
    const otherwise = e.else ? this.expr(e.else, inside) : undefined;
    let quiet = (operand && hasFailed(operand)) || whens.some((w) => hasFailed(w.when) || hasFailed(w.then)) || (otherwise && hasFailed(otherwise));
    let type: ExprType = 'NULL';
    const results = [...whens.map((w) => w.then), ...(otherwise ? [otherwise] : [])];
    for (const r of results) {
      const u = unify(type, r.type);
      if (u === undefined) {
        if (!quiet) this.report('E0408', r.span, `CASE results must have one type: found ${type} and ${r.type}`, 'CAST the branches to one type');
        quiet = true;
        break;
      }
      type = u;
    }
    if (!quiet) {
      for (const w of whens) {
        if (operand) {
          if (!comparable(operand.type, w.when.type)) {
            this.report('E0401', w.when.span, `CASE compares ${operand.type} with ${w.when.type}`);
            quiet = true;
            break;
          }
        } else if (w.when.type !== 'BOOLEAN' && w.when.type !== 'NULL') {
          this.report('E0406', w.when.span, `WHEN needs a BOOLEAN condition, found ${w.when.type}`);
          quiet = true;
          break;
        }
      }
    }
    const out: TExpr = {
      kind: 'case',
      ...(operand ? { operand } : {}),
      whens,
      ...(otherwise ? { else: otherwise } : {}),
      type,
      nullable: !otherwise || results.some((r) => r.nullable),
      span: e.span,
    };
    return quiet ? fail(out) : out;
  }

  private cast(e: A.Cast, inside: boolean): TExpr {
    const operand = this.expr(e.operand, inside);
    const out: TExpr = { kind: 'cast', operand, to: e.type.type, type: e.type.type, nullable: operand.nullable || operand.type === 'TEXT', span: e.span };
    if (hasFailed(operand)) return fail(out);
    if (!castable(operand.type, e.type.type)) {
      this.report('E0407', e.span, `cannot CAST ${operand.type} to ${e.type.type}`);
      return fail(out);
    }
    return out;
  }

  private extract(e: A.Extract, inside: boolean): TExpr {
    const operand = this.expr(e.operand, inside);
    const out: TExpr = { kind: 'extract', part: e.part, operand, type: 'INTEGER', nullable: operand.nullable, span: e.span };
    if (hasFailed(operand)) return fail(out);
    if (!isTemporal(operand.type) && operand.type !== 'NULL') {
      this.report('E0401', e.operand.span, `EXTRACT needs a DATE or TIMESTAMP, found ${operand.type}`);
      return fail(out);
    }
    if (operand.type === 'DATE' && (e.part === 'HOUR' || e.part === 'MINUTE' || e.part === 'SECOND')) {
      this.report('E0401', e.partSpan, `a DATE has no ${e.part}`, 'extract it from a TIMESTAMP');
      return fail(out);
    }
    return out;
  }

  private call(e: A.Call, inside: boolean): TExpr {
    const name = canonicalFunctionName(e.name.text);
    if (isAggregateName(name)) return this.aggregate(e, name, inside);

    const fn = scalarFunctions[name];
    const args = e.args.map((a) => this.expr(a, inside));
    const guess: TExpr = { kind: 'call', fn: name, args, type: 'NULL', nullable: true, span: e.span };
    if (!fn) {
      this.report(
        'E0207',
        e.name.span,
        `unknown function \`${e.name.text}\``,
        didYouMean(e.name.text, allFunctionNames) ?? `the functions are ${allFunctionNames.join(', ')}`,
      );
      return fail(guess);
    }
    if (e.star || e.distinct) {
      this.report('E0403', e.span, `${name} takes no ${e.star ? '*' : 'DISTINCT'}`);
      return fail(guess);
    }
    if (args.length < fn.minArgs || args.length > fn.maxArgs) {
      this.report('E0403', e.span, `${name} takes ${arity(fn.minArgs, fn.maxArgs)}, found ${args.length}`, `write ${fn.signature}`);
      return fail(guess);
    }
    if (args.some(hasFailed)) return fail(guess);
    let ok = true;
    const typed = fn.type(args, (i, message, hint) => {
      ok = false;
      this.report('E0403', i >= 0 ? args[i]!.span : e.span, message, hint);
    });
    if (!ok || !typed) return fail(guess);
    return { kind: 'call', fn: name, args, type: typed.type, nullable: typed.nullable, span: e.span };
  }

  private aggregate(e: A.Call, fn: 'COUNT' | 'SUM' | 'AVG' | 'MIN' | 'MAX', inside: boolean): TExpr {
    const guess = (arg?: TExpr): TExpr => fail({ kind: 'aggregate', fn, distinct: e.distinct, ...(arg ? { arg } : {}), type: fn === 'COUNT' || fn === 'AVG' ? (fn === 'AVG' ? 'DOUBLE' : 'INTEGER') : (arg?.type ?? 'NULL'), nullable: fn !== 'COUNT', span: e.span });
    if (this.ctx.aggregates === 'forbidden') {
      this.report('E0405', e.span, `aggregate ${fn} is not allowed in ${this.ctx.clause}`);
      return guess();
    }
    if (inside) {
      this.report('E0405', e.span, `aggregate ${fn} cannot be nested inside another aggregate`);
      return guess();
    }
    if (e.star) {
      if (fn !== 'COUNT') {
        this.report('E0403', e.span, `${fn} takes a value, not *; only COUNT(*) counts rows`, `write ${fn}(column)`);
        return guess();
      }
      return { kind: 'aggregate', fn, distinct: false, type: 'INTEGER', nullable: false, span: e.span };
    }
    if (e.args.length !== 1) {
      this.report('E0403', e.span, `${fn} takes one argument, found ${e.args.length}`, fn === 'COUNT' ? 'write COUNT(*) to count rows' : undefined);
      return guess();
    }
    if (e.distinct && fn !== 'COUNT') {
      this.report('E0403', e.span, `DISTINCT is only supported in COUNT(DISTINCT …)`);
      return guess();
    }
    const arg = this.expr(e.args[0]!, true);
    if (hasFailed(arg)) return guess(arg);
    let ok = true;
    const typed = aggregateType(fn, arg, (_i, message, hint) => {
      ok = false;
      this.report('E0402', arg.span, message, hint);
    });
    if (!ok || !typed) return guess(arg);
    const nullable = typed.nullable && !(this.ctx.groupsAreNonEmpty && !arg.nullable);
    return { kind: 'aggregate', fn, distinct: e.distinct, arg, type: typed.type, nullable, span: e.span };
  }
}

function arity(min: number, max: number): string {
  if (min === max) return `${min} argument${min === 1 ? '' : 's'}`;
  if (max === Infinity) return `at least ${min} argument${min === 1 ? '' : 's'}`;
  return `${min} to ${max} arguments`;
}

function resultGuess(op: A.BinaryOp, lt: ExprType, rt: ExprType): ExprType {
  switch (op) {
    case 'AND':
    case 'OR':
    case '=':
    case '<>':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return 'BOOLEAN';
    case '||':
      return 'TEXT';
    case '/':
      return 'DOUBLE';
    default:
      return lt === 'DOUBLE' || rt === 'DOUBLE' ? 'DOUBLE' : 'INTEGER';
  }
}

/** Structural equality of typed expressions, ignoring spans (for GROUP BY matching). */
export function sameExpr(a: TExpr, b: TExpr): boolean {
  return JSON.stringify(a, dropSpans) === JSON.stringify(b, dropSpans);
}

function dropSpans(key: string, value: unknown): unknown {
  return key === 'span' ? undefined : value;
}

/** The direct sub-expressions of a typed expression. */
export function subExpressions(e: TExpr): TExpr[] {
  switch (e.kind) {
    case 'literal':
    case 'column':
      return [];
    case 'unary':
    case 'is_null':
    case 'cast':
    case 'extract':
      return [e.operand];
    case 'binary':
      return [e.left, e.right];
    case 'in':
      return [e.operand, ...e.list];
    case 'between':
      return [e.operand, e.low, e.high];
    case 'like':
      return [e.operand, e.pattern];
    case 'case':
      return [...(e.operand ? [e.operand] : []), ...e.whens.flatMap((w) => [w.when, w.then]), ...(e.else ? [e.else] : [])];
    case 'call':
      return [...e.args];
    case 'aggregate':
      return e.arg ? [e.arg] : [];
  }
}
