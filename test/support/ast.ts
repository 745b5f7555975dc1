/**
 * AST helpers for tests.
 */

/** Position keys: where a node is, not what it is. */
const POSITION_KEYS = new Set(['span', 'opSpan', 'partSpan']);

/**
 * Spelling the formatter canonicalises on purpose, so two ASTs that differ only
 * in it mean the same program:
 * - `writtenUnit` (Duration): `7 days` is printed `7 DAYS`, `1 DAYS` is `1 DAY`;
 *   `unit`, `amount` and `seconds` still compare.
 * - `writtenPart` (Extract): `EXTRACT(dow …)` is printed `EXTRACT(DAYOFWEEK …)`;
 *   `part` still compares.
 * Everything else, identifiers' text, case and quoting included, must survive.
 */
const SPELLING_KEYS = new Set(['writtenUnit', 'writtenPart']);

/**
 * A deep copy of an AST (or any part of one) without spans, for comparing the
 * trees of two texts that should mean the same. Besides dropping the keys
 * above it normalises:
 * - `written` (TypeName): uppercased — keywords are printed in upper case, and
 *   a type name is a keyword (`varchar` → `VARCHAR`; `type` still compares);
 * - a comment's `text`: a line comment's trailing blanks removed, a block
 *   comment's CRLF line ends made LF (the formatter does both).
 */
export function stripSpans<T>(node: T): unknown {
  if (Array.isArray(node)) return node.map((n) => stripSpans(n));
  if (node === null || typeof node !== 'object') return node;
  const record = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (POSITION_KEYS.has(key) || SPELLING_KEYS.has(key) || value === undefined) continue;
    if (key === 'written' && record['kind'] === 'type' && typeof value === 'string') {
      out[key] = value.toUpperCase();
    } else if (key === 'text' && record['kind'] === 'comment' && typeof value === 'string') {
      out[key] = value.startsWith('--') ? value.trimEnd() : value.replace(/\r\n?/g, '\n');
    } else {
      out[key] = stripSpans(value);
    }
  }
  return out;
}
