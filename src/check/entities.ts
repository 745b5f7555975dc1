/** CREATE ENTITY: the key columns. */
import type * as A from '../syntax/ast.js';
import { keyOf } from './catalog.js';
import { metadata, type ProjectChecker } from './checker.js';

export function checkEntity(cx: ProjectChecker, s: A.EntityStatement): void {
  cx.entities[keyOf(s.name.text)] = {
    name: s.name.text,
    keys: cx.columns(s.keys, `entity \`${s.name.text}\``),
    ...metadata(s),
    file: s.span.file,
    span: s.span,
  };
}
