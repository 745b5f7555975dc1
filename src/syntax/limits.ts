/**
 * Nesting limits. The parser, the AST builder and the checker are recursive,
 * so an expression nested thousands of levels deep would overflow the call
 * stack. Like SQL engines (SQLite's default expression depth limit is 1000),
 * fsql rejects such a statement with an error (E0120) instead of crashing.
 *
 * Two checks, both iterative:
 * - before parsing, on the statement's tokens: parentheses and CASE … END
 *   nested more than MAX_NESTING deep (each costs the parser several rule
 *   levels; a chain of prefix NOT / `-` / `+` costs one level each);
 * - after building, on the statement's AST: deeper than MAX_AST_DEPTH, which a
 *   long flat chain such as `a + a + … + a` is (it folds to a left-deep tree).
 */
import type { IToken } from 'chevrotain';
import { Case, End, LParen, Minus, Not, Plus, RParen } from './tokens.js';
import { error, type Diagnostic, type Span } from '../diagnostics/diagnostic.js';

/** Parentheses (and CASE … END) one statement may nest. */
export const MAX_NESTING = 100;
/** Depth of a statement's AST: a chain of 1000 `+` is 1000 deep. */
export const MAX_AST_DEPTH = 1000;

/** What one `(` or CASE counts for against a prefix operator: the parser recurses through 6 rules (expression → … → primary), counted as 10. */
const GROUP_COST = 10;

/** The token at which a statement's nesting first exceeds the limit, if it does. */
export function tooDeeplyNested(tokens: readonly IToken[]): IToken | undefined {
  const limit = MAX_NESTING * GROUP_COST;
  // No token adds more than GROUP_COST to the depth (a prefix run's cost moves to the group it opens).
  if (tokens.length * GROUP_COST <= limit) return undefined;
  const open: number[] = [];
  let depth = 0;
  let prefixRun = 0;
  for (const t of tokens) {
    const type = t.tokenType;
    if (type === LParen || type === Case) {
      const cost = GROUP_COST + prefixRun;
      open.push(cost);
      depth += cost;
      prefixRun = 0;
      if (depth > limit) return t;
    } else if (type === RParen || type === End) {
      depth -= open.pop() ?? 0;
      prefixRun = 0;
    } else if (type === Not || type === Minus || type === Plus) {
      prefixRun++;
      if (depth + prefixRun > limit) return t;
    } else {
      prefixRun = 0;
    }
  }
  return undefined;
}

const POSITION_KEYS = new Set(['span', 'opSpan', 'partSpan']);

/**
 * The span of a node deeper than MAX_AST_DEPTH in a statement's AST, if any.
 * Every expression node owns at least one token of its own (an operator, a
 * keyword, a name, a literal, a parenthesis), and the statement, clause and
 * list wrappers around an expression are a handful of levels, so a statement
 * of fewer than MAX_AST_DEPTH / 2 tokens cannot be too deep: only longer ones
 * are walked.
 */
export function statementTooDeep(statement: object, tokenCount: number): Span | undefined {
  return tokenCount < MAX_AST_DEPTH / 2 ? undefined : nodeBeyondDepth(statement, MAX_AST_DEPTH);
}

/** The span of a node deeper than `max` in the AST under `root`, if any. */
export function nodeBeyondDepth(root: object, max: number): Span | undefined {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (Array.isArray(value)) {
      for (const v of value) if (v !== null && typeof v === 'object') stack.push([v, depth]);
      continue;
    }
    const node = value as Record<string, unknown>;
    if (depth > max && node['span'] !== undefined) return node['span'] as Span;
    for (const key in node) {
      if (POSITION_KEYS.has(key)) continue;
      const v = node[key];
      if (v !== null && typeof v === 'object') stack.push([v, depth + 1]);
    }
  }
  return undefined;
}

export function nestingError(span: Span, what: 'nesting' | 'depth'): Diagnostic {
  const message =
    what === 'nesting'
      ? `expression nested too deeply: more than ${MAX_NESTING} levels of parentheses or CASE`
      : `expression too deep: more than ${MAX_AST_DEPTH} nested operations`;
  return error('E0120', span, message, 'split it up, e.g. compute parts of it in a view; a long chain of OR is better written with IN (…)');
}
