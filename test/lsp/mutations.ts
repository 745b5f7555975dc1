/**
 * Edits a user makes while typing, for the property tests: deletions,
 * insertions of tokens that matter to the parser (`;`, CREATE, quotes,
 * comment openers, parentheses, names of the example project), and moves of
 * a piece of text elsewhere.
 */
import fc from 'fast-check';

export const SNIPPETS = [
  ';', 'CREATE ', 'CREATE FEATURE f ENTITY user FROM transactions AS COUNT(*);\n', 'FEATURE ', '(', ')', "'", '"', '/*', '*/', '--', ',', ' ', '\n', '\r\n',
  'amount', 'amout', 'VERSION 2', 'user', 'transactions', 'SUM(', 'x', 'WINDOW 7 DAYS', 'FILL MEAN', 'SCALE STANDARD', 'ENTITY', 'FROM', 'AS', 'spend_30d', '"quoted name"', 'date', 'é',
];

export interface Mutation {
  readonly at: number;
  readonly remove: number;
  readonly insert: string;
}

/** A mutation at a relative position (0..1) of whatever text it is applied to. */
export const mutation = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  remove: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 40 })),
  insert: fc.oneof(fc.constantFrom(...SNIPPETS), fc.constant(''), fc.double({ min: 0, max: 1, noNaN: true }).map((x) => `\u0000copy:${x}`)),
});

export function applyMutation(text: string, m: { at: number; remove: number; insert: string }): string {
  const at = Math.min(text.length, Math.floor(m.at * (text.length + 1)));
  let insert = m.insert;
  if (insert.startsWith('\u0000copy:')) {
    // A piece of the text itself, moved here (a pasted line or statement).
    const from = Math.floor(Number(insert.slice(6)) * text.length);
    insert = text.slice(from, from + 60);
  }
  return text.slice(0, at) + insert + text.slice(Math.min(text.length, at + m.remove));
}
