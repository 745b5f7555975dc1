/**
 * Declarations across files (order does not matter): one namespace per
 * project, each name's versions, duplicates reported (E0202).
 */
import type * as A from '../syntax/ast.js';
import { keyOf } from './catalog.js';
import { article, isSourceOrView, KIND_NAMES, type ProjectChecker, type Versioned } from './checker.js';

export function declare(cx: ProjectChecker, s: A.Statement): void {
  const key = keyOf(s.name.text);
  const other = cx.declared.get(key);
  if (other && other.kind !== s.kind && !(isSourceOrView(other) && isSourceOrView(s))) {
    // Another kind of object has the name. Both stay declared (each in its own
    // table), so that their uses resolve and report nothing more.
    cx.report(
      'E0202',
      s.name.span,
      `\`${s.name.text}\` is defined twice: as ${article(KIND_NAMES[other.kind])} and as ${article(KIND_NAMES[s.kind])}`,
      'entities, sources, views, features, labels and training sets share one namespace: rename one',
      [{ span: other.name.span, message: `first defined here as ${article(KIND_NAMES[other.kind])}` }],
    );
  } else if (!other) {
    cx.declared.set(key, s);
  }
  const duplicate = (first: A.Statement, what: string) =>
    cx.report('E0202', s.name.span, `${what} \`${s.name.text}\` is defined twice`, undefined, [
      { span: first.name.span, message: 'first defined here' },
    ]);
  switch (s.kind) {
    case 'entity': {
      const first = cx.entityStmts.get(key);
      if (first) duplicate(first, 'entity');
      else cx.entityStmts.set(key, s);
      return;
    }
    case 'source':
    case 'view': {
      const first = cx.relationStmts.get(key);
      if (first) {
        if (first.kind === s.kind) duplicate(first, s.kind);
        else cx.report('E0202', s.name.span, `\`${s.name.text}\` is defined twice: as a ${first.kind} and as a ${s.kind}`, 'sources and views share one namespace: rename one', [
          { span: first.name.span, message: `first defined here as a ${first.kind}` },
        ]);
        return;
      }
      cx.relationStmts.set(key, s);
      return;
    }
    case 'feature':
    case 'label':
    case 'training_set': {
      const table = (s.kind === 'feature' ? cx.featureStmts : s.kind === 'label' ? cx.labelStmts : cx.trainingStmts) as Map<
        string,
        Versioned<A.Statement>[]
      >;
      const version = s.version?.value ?? 1;
      const list = table.get(key) ?? [];
      const first = list.find((v) => v.version === version);
      if (first) {
        cx.report(
          'E0202',
          s.name.span,
          `${KIND_NAMES[s.kind]} \`${s.name.text}\` VERSION ${version} is defined twice`,
          `a (name, version) is immutable: give the new definition VERSION ${Math.max(...list.map((v) => v.version)) + 1}`,
          [{ span: first.stmt.name.span, message: 'first defined here' }],
        );
        return;
      }
      list.push({ stmt: s, version });
      table.set(key, list);
      return;
    }
  }
}
