/**
 * Text for people: a plan the way `terraform plan` shows one, and a lineage
 * as a tree. Colour is optional (off by default).
 */
import pc from 'picocolors';
import { versionKey } from '../../check/catalog.js';
import { KIND_LABELS, refLabel, type ObjectRef } from './definitions.js';
import type { ApplyPlan, Lineage, LineageEdge, PlanStatus } from './registry.js';

export interface RenderPlanOptions {
  readonly color?: boolean;
  /** List unchanged objects too (default: only counted). */
  readonly showUnchanged?: boolean;
  /** Show the diff of updated and metadata items (changed ones always show theirs, with the error). */
  readonly showDiffs?: boolean;
}

const MARKS: Readonly<Record<PlanStatus, string>> = {
  added: '+',
  updated: '~',
  metadata: '~',
  changed: '!',
  unchanged: ' ',
};

/**
 * ```
 *   + feature spend_30d VERSION 2
 *   ~ view enriched_transactions (updated, revision 2)
 *   ~ feature user_age VERSION 1 (metadata: description)
 *   ! feature avg_amount_7d VERSION 2 (changed: refused)
 *
 * error: feature `avg_amount_7d` VERSION 2 is already registered …
 * --- registered feature avg_amount_7d VERSION 2
 * +++ features/user_spend.fsql:30
 * …
 * Plan: 1 to add, 1 to update, 1 metadata change, 20 unchanged; 1 error.
 * ```
 */
export function renderPlan(plan: ApplyPlan, options: RenderPlanOptions = {}): string {
  const c = pc.createColors(options.color ?? false);
  const colour: Record<PlanStatus, (s: string) => string> = { added: c.green, updated: c.yellow, metadata: c.yellow, changed: c.red, unchanged: c.dim };
  const lines: string[] = [];
  for (const item of plan.items) {
    if (item.status === 'unchanged' && !options.showUnchanged) continue;
    const note =
      item.status === 'updated'
        ? ` (updated, revision ${(item.registered?.revision ?? 0) + 1})`
        : item.status === 'metadata'
          ? ` (metadata: ${(item.metadataChanges ?? []).join(', ')})`
          : item.status === 'changed'
            ? ' (changed: refused)'
            : '';
    lines.push(colour[item.status](`  ${MARKS[item.status]} ${KIND_LABELS[item.kind]} ${refLabel(item)}${note}`));
    const kept = plan.kept.find((k) => k.upstream.name.toLowerCase() === item.name.toLowerCase() && item.status === 'updated');
    if (kept) {
      const byRevision = new Map<number, string[]>();
      for (const v of kept.versions) byRevision.set(v.revision, [...(byRevision.get(v.revision) ?? []), `${KIND_LABELS[v.object.kind]} ${refLabel(v.object)}`]);
      for (const [revision, names] of [...byRevision].sort((a, b) => a[0] - b[0])) lines.push(c.dim(`      keep revision ${revision} (pinned): ${names.join(', ')}`));
      lines.push(c.dim(`      new versions read revision ${(item.registered?.revision ?? 0) + 1}`));
    }
    if (options.showDiffs && item.diff && (item.status === 'updated' || item.status === 'metadata')) {
      lines.push(...indentDiff(item.diff, c));
    }
  }
  for (const r of plan.retire) lines.push(c.red(`  - ${KIND_LABELS[r.object.kind]} ${refLabel(r.object)} (retire: ${r.reason})`));
  if (plan.absent.length > 0) {
    lines.push('', c.dim(`Registered, no longer in the project's files (still registered and usable; \`fsql retire\` retires one):`));
    for (const a of plan.absent) lines.push(c.dim(`    ${KIND_LABELS[a.kind]} ${refLabel(a)}`));
  }
  if (plan.awaitingFit.length > 0) {
    lines.push('', c.dim('Awaiting their fit (fitted by apply once their relation has data; `fsql fit NAME` fits one):'));
    for (const a of plan.awaitingFit) lines.push(c.dim(`    ${KIND_LABELS[a.kind]} ${refLabel(a)}`));
  }
  for (const w of plan.warnings) lines.push('', c.yellow(`warning: ${w.message}`));
  for (const e of plan.errors) {
    lines.push('', c.red(`error: ${e.message}`));
    if (e.diff) lines.push(...indentDiff(e.diff, c));
  }
  const s = plan.summary;
  const counts = [
    `${s.added} to add`,
    `${s.updated} to update`,
    `${s.metadata} metadata ${s.metadata === 1 ? 'change' : 'changes'}`,
    `${s.unchanged} unchanged`,
  ];
  const errors = plan.errors.length > 0 ? `; ${plan.errors.length} ${plan.errors.length === 1 ? 'error' : 'errors'}` : '';
  if (plan.retire.length > 0) counts.push(`${plan.retire.length} to retire`);
  const nothing = s.added + s.updated + s.metadata === 0 && plan.errors.length === 0 && plan.retire.length === 0;
  if (lines.length > 0) lines.push('');
  lines.push(nothing ? `No changes: ${s.unchanged} objects unchanged.` : `Plan: ${counts.join(', ')}${errors}.`);
  return lines.join('\n');
}

function indentDiff(diff: string, c: ReturnType<typeof pc.createColors>): string[] {
  return diff.split('\n').map((l) => (l.startsWith('---') || l.startsWith('+++') ? c.bold(l) : l.startsWith('@@') ? c.cyan(l) : l.startsWith('-') ? c.red(l) : l.startsWith('+') ? c.green(l) : l));
}

/**
 * The upstream tree of a lineage (what the root reads), then the downstream
 * one (what reads it). An object met again is printed once more with `…`.
 */
export function renderLineage(lineage: Lineage): string {
  const label = (r: ObjectRef) => `${refLabel(r)} (${KIND_LABELS[r.kind]})`;
  const key = (r: ObjectRef) => versionKey(r.name, r.version);
  const tree = (edges: readonly LineageEdge[], children: (e: LineageEdge) => [ObjectRef, ObjectRef]): string[] => {
    const byParent = new Map<string, ObjectRef[]>();
    for (const e of edges) {
      const [parent, child] = children(e);
      const list = byParent.get(key(parent)) ?? [];
      if (!list.some((x) => key(x) === key(child))) list.push(child);
      byParent.set(key(parent), list);
    }
    const out: string[] = [];
    const printed = new Set<string>();
    const visit = (node: ObjectRef, prefix: string): void => {
      const kids = byParent.get(key(node)) ?? [];
      kids.forEach((kid, i) => {
        const last = i === kids.length - 1;
        const again = printed.has(key(kid)) && (byParent.get(key(kid))?.length ?? 0) > 0;
        out.push(`${prefix}${last ? '└── ' : '├── '}${label(kid)}${again ? ' …' : ''}`);
        if (again) return;
        printed.add(key(kid));
        visit(kid, `${prefix}${last ? '    ' : '│   '}`);
      });
    };
    visit(lineage.root, '');
    return out;
  };
  const lines = [label(lineage.root)];
  const up = tree(lineage.upstreamEdges, (e) => [e.to, e.from]);
  const down = tree(lineage.downstreamEdges, (e) => [e.from, e.to]);
  lines.push('reads:', ...(up.length > 0 ? up : ['(nothing)']));
  lines.push('read by:', ...(down.length > 0 ? down : ['(nothing)']));
  return lines.join('\n');
}
