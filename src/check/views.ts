/** CREATE VIEW: cycles between views (E0206), then each view after the views it reads. */
import type * as A from '../syntax/ast.js';
import type { ViewInfo } from './catalog.js';
import { keyOf } from './catalog.js';
import { metadata, type ProjectChecker } from './checker.js';
import { checkSelect } from './select.js';
import { checkAvailability, checkEventTime } from './sources.js';

export function checkViews(cx: ProjectChecker): void {
  const views = [...cx.relationStmts.values()].filter((s): s is A.ViewStatement => s.kind === 'view');
  const edges = new Map<string, string[]>();
  for (const v of views) {
    const deps = [v.query.from, ...v.query.joins.map((j) => j.table)]
      .map((t) => keyOf(t.name.text))
      .filter((k) => cx.relationStmts.get(k)?.kind === 'view');
    edges.set(keyOf(v.name.text), deps);
  }
  for (const cycle of findCycles(edges)) {
    const names = cycle.map((k) => `\`${cx.relationStmts.get(k)!.name.text}\``);
    for (const [start, k] of cycle.entries()) {
      const stmt = cx.relationStmts.get(k)!;
      // The cycle from this view back to it; a long one shows its ends only (a
      // full path per view would make the messages quadratic in its length).
      const at = (i: number) => names[(start + i) % names.length]!;
      const n = names.length;
      const steps = n <= 12 ? Array.from({ length: n }, (_, i) => at(i)) : [0, 1, 2, 3, 4].map(at).concat(`… ${n - 6} more …`, at(n - 1));
      const path = [...steps, at(0)].join(' → ');
      cx.report('E0206', stmt.name.span, `view \`${stmt.name.text}\` depends on itself: ${path}`, 'break the cycle: a view cannot read from itself, directly or through other views');
      cx.poisoned.add(k);
      cx.relations[k] = emptyView(stmt as A.ViewStatement);
    }
  }
  // Each view after the views it reads. Iterative (an explicit stack): a chain of
  // thousands of views must not overflow the call stack.
  const state = new Map<string, 'visiting' | 'done'>();
  const frames: { k: string; next: number }[] = [];
  const enter = (k: string): void => {
    if (state.has(k) || cx.poisoned.has(k)) return;
    state.set(k, 'visiting');
    frames.push({ k, next: 0 });
  };
  for (const v of views) {
    enter(keyOf(v.name.text));
    while (frames.length > 0) {
      const top = frames[frames.length - 1]!;
      const deps = edges.get(top.k) ?? [];
      if (top.next < deps.length) {
        enter(deps[top.next++]!);
        continue;
      }
      frames.pop();
      checkView(cx, cx.relationStmts.get(top.k) as A.ViewStatement);
      state.set(top.k, 'done');
    }
  }
}

export function checkView(cx: ProjectChecker, s: A.ViewStatement): void {
  const checked = checkSelect(s.query, cx.lookup, cx.diagnostics);
  const eventTime = checkEventTime(cx, s.eventTime, checked.columns, `view \`${s.name.text}\``);
  const available = checkAvailability(cx, s.available, eventTime, s.eventTime, checked.columns, s.name.text);
  const k = keyOf(s.name.text);
  if (checked.failed) cx.poisoned.add(k);
  cx.relations[k] = {
    kind: 'view',
    name: s.name.text,
    columns: checked.columns,
    ...(eventTime ? { eventTime } : {}),
    ...(available ? { available } : {}),
    query: checked.query,
    dependsOn: checked.dependsOn,
    ...metadata(s),
    file: s.span.file,
    span: s.span,
  };
}

function emptyView(s: A.ViewStatement): ViewInfo {
  return {
    kind: 'view',
    name: s.name.text,
    columns: [],
    query: { distinct: false, items: [], from: { relation: s.query.from.name.text, alias: s.query.from.name.text }, joins: [], groupBy: [], aggregated: false },
    dependsOn: [],
    ...metadata(s),
    file: s.span.file,
    span: s.span,
  };
}

/**
 * Strongly connected components of size > 1, or self-loops: the view cycles.
 * Tarjan's algorithm with an explicit stack, so that long chains of views do
 * not overflow the call stack.
 */
export function findCycles(edges: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const frames: { v: string; next: number }[] = [];
  const open = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    frames.push({ v, next: 0 });
  };
  for (const root of edges.keys()) {
    if (indices.has(root)) continue;
    open(root);
    while (frames.length > 0) {
      const top = frames[frames.length - 1]!;
      const v = top.v;
      const ws = edges.get(v) ?? [];
      if (top.next < ws.length) {
        const w = ws[top.next++]!;
        if (!indices.has(w)) open(w);
        else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v)!, low.get(v)!));
      if (low.get(v) === indices.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        if (component.length > 1 || ws.includes(v)) out.push(component.reverse());
      }
    }
  }
  return out;
}
