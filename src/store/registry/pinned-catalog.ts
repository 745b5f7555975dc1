/**
 * Pinned versions: the catalog of registered objects in which every feature,
 * label and training-set version computes from the revisions of the views it
 * pinned when it was registered (docs/runtime.md, "Versions never change
 * meaning").
 *
 * A versioned object's pins are the definition hashes of every source, view
 * and entity of its upstream closure at registration. Here:
 *
 * - sources and entities are always the current ones (their data is physical;
 *   a change that alters what a pinned version reads is refused by `plan` as a
 *   breaking change, found by comparing `meaningOf` before and after);
 * - a view is compiled from the revision the version pinned. When that is not
 *   the current definition (or it reads a pinned view that is not), the
 *   revision becomes an *instance*: a view of its own, named `view@rN` (plus
 *   `~hash` when the same revision reads different revisions upstream), read
 *   by the versions that pinned it. The instance is a real view of the offline
 *   engine (apply creates it), so plans need nothing special;
 * - retired versions are left out, with their reason; so is anything that no
 *   longer type-checks (and whatever reads it), with the first error.
 *
 * Registered texts are never changed: the rewriting (FROM `view` → FROM
 * `"view@r1"`) happens on the parsed statement, here only.
 */
import { createHash } from 'node:crypto';
import { keyOf, type Catalog, type FeatureInfo, type LabelInfo, type RelationInfo, type TSelect } from '../../check/catalog.js';
import { checkProject } from '../../check/project.js';
import type * as A from '../../syntax/ast.js';
import { formatStatement } from '../../syntax/format.js';
import { parseFile } from '../../syntax/parse.js';
import type { ObjectKind, ObjectRef } from './definitions.js';

export interface UnversionedState {
  readonly kind: 'entity' | 'source' | 'view';
  readonly name: string;
  readonly hash: string;
  /** Canonical text of the current revision. */
  readonly text: string;
}

export interface VersionedState {
  readonly kind: 'feature' | 'label' | 'training_set';
  readonly name: string;
  readonly version: number;
  readonly text: string;
  /** Upstream key → pinned definition hash; undefined: not pinned yet (follows the current definitions). */
  readonly pins?: ReadonlyMap<string, string>;
  /** Set for a retired version: its reason. */
  readonly retired?: string;
}

export interface RevisionLookup {
  /** The newest revision of an unversioned object with this definition hash. */
  (key: string, hash: string): { readonly kind: ObjectKind; readonly text: string; readonly revision: number } | undefined;
}

export interface PinState {
  /** Current entities, sources and views by key. */
  readonly unversioned: ReadonlyMap<string, UnversionedState>;
  readonly versioned: readonly VersionedState[];
  readonly revision: RevisionLookup;
}

export interface ExcludedObject {
  readonly kind: string;
  readonly name: string;
  readonly version: number;
  readonly reason: string;
  /** True when the version was retired (by `fsql retire` or `apply --retire-broken`). */
  readonly retired?: boolean;
}

export interface PinnedCatalog {
  readonly catalog: Catalog;
  readonly excluded: readonly ExcludedObject[];
  /** Instance relation key → the view it is a revision of. */
  readonly instances: ReadonlyMap<string, { readonly view: string; readonly revision: number }>;
}

const fileOf = (o: { kind: string; name: string; version: number }) => `registry:${o.kind}/${o.name}@${o.version}`;
const instanceFile = (name: string) => `registry:view-revision/${name}`;

function parseOne(text: string, path: string): A.Statement | undefined {
  return parseFile(text, path).file.statements[0];
}

function ident(text: string, like: A.Identifier): A.Identifier {
  return { kind: 'identifier', text, quoted: true, span: like.span };
}

/** Renames table qualifiers of column references (`old.col` → `new.col`) everywhere in a node. */
function renameQualifiers<T>(node: T, from: string, to: string): T {
  if (Array.isArray(node)) return node.map((n) => renameQualifiers(n, from, to)) as T;
  if (node === null || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = renameQualifiers(v, from, to);
  if (o['kind'] === 'column' && o['table'] && keyOf((o['table'] as A.Identifier).text) === from) {
    out['table'] = ident(to, o['table'] as A.Identifier);
  }
  return out as T;
}

/** The relations a view's query reads (FROM and JOINs), by key. */
function viewReads(s: A.ViewStatement): string[] {
  return [s.query.from, ...s.query.joins.map((j) => j.table)].map((t) => keyOf(t.name.text));
}

/** A view statement under another name, reading renamed relations (aliases keep column references valid). */
function rewriteView(s: A.ViewStatement, name: string, rename: ReadonlyMap<string, string>): A.ViewStatement {
  const table = (t: A.TableRef): A.TableRef => {
    const to = rename.get(keyOf(t.name.text));
    if (to === undefined) return t;
    return { ...t, name: ident(to, t.name), alias: t.alias ?? t.name };
  };
  return { ...s, name: ident(name, s.name), query: { ...s.query, from: table(s.query.from), joins: s.query.joins.map((j) => ({ ...j, table: table(j.table) })) } };
}

function shortHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 8);
}

/** The catalog of a registry state with every version computing from what it pinned (see the module header). */
export function pinnedCatalog(state: PinState): PinnedCatalog {
  const files: { path: string; text: string }[] = [];
  const instances = new Map<string, { view: string; revision: number }>();
  /** Instance file → the versioned objects that read it (directly or through other instances). */
  const instanceUsers = new Map<string, Set<string>>();
  const excluded: ExcludedObject[] = [];
  const taken = new Set<string>([...state.unversioned.keys()]);

  for (const u of state.unversioned.values()) files.push({ path: `registry:${u.kind}/${u.name}@1`, text: u.text });

  /**
   * The name a version with `pins` reads relation `key` under: the current
   * relation, or an instance of the pinned revision. Throws a reason when the
   * pinned revision is gone.
   */
  const memo = new Map<string, { name: string; files: string[] }>();
  const resolve = (key: string, pins: ReadonlyMap<string, string> | undefined, stack: readonly string[] = []): { name: string; files: string[] } => {
    const current = state.unversioned.get(key);
    if (!current) return { name: key, files: [] }; // unknown: the check reports it
    if (current.kind === 'entity') return { name: current.name, files: [] };
    const hash = pins?.get(key) ?? current.hash;
    let text = current.text;
    let revision = 0;
    if (hash !== current.hash) {
      const r = state.revision(key, hash);
      if (!r) throw new Error(`the pinned revision of \`${current.name}\` is not in the registry`);
      if (r.kind !== 'view') return { name: current.name, files: [] }; // a source then: sources are physical, always current
      text = r.text;
      revision = r.revision;
    } else if (current.kind !== 'view') {
      return { name: current.name, files: [] };
    }
    if (stack.includes(key)) return { name: current.name, files: [] }; // a cycle: the check reports it
    const parsed = parseOne(text, `registry:view/${current.name}`);
    if (!parsed || parsed.kind !== 'view') return { name: current.name, files: [] };
    const upstream = new Map<string, string>();
    const usedFiles: string[] = [];
    for (const u of viewReads(parsed)) {
      const r = resolve(u, pins, [...stack, key]);
      usedFiles.push(...r.files);
      const cur = state.unversioned.get(u);
      if (cur && r.name !== cur.name) upstream.set(u, r.name);
    }
    if (hash === current.hash && upstream.size === 0) return { name: current.name, files: usedFiles };
    const rev = revision || state.revision(key, hash)?.revision || 0;
    const suffix = upstream.size === 0 ? '' : `~${shortHash(JSON.stringify([...upstream].sort()))}`;
    let name = `${current.name}@r${rev}${suffix}`;
    const memoKey = `${key}|${hash}|${suffix}`;
    const known = memo.get(memoKey);
    if (known) return known;
    while (taken.has(keyOf(name))) name += '_';
    taken.add(keyOf(name));
    const file = instanceFile(name);
    files.push({ path: file, text: formatStatement(rewriteView(parsed, name, upstream)) });
    instances.set(keyOf(name), { view: current.name, revision: rev });
    const result = { name, files: [file, ...usedFiles] };
    memo.set(memoKey, result);
    return result;
  };

  const versionedFiles = new Map<string, VersionedState>();
  for (const v of state.versioned) {
    const ref = { kind: v.kind, name: v.name, version: v.version };
    if (v.retired !== undefined) {
      excluded.push({ ...ref, reason: `retired: ${v.retired}`, retired: true });
      continue;
    }
    const path = fileOf(ref);
    let text = v.text;
    // Only a version that pinned a view revision other than the current one reads anything but the current relations.
    const pinsOld = v.pins !== undefined && [...v.pins].some(([k, h]) => state.unversioned.get(k)?.kind === 'view' && state.unversioned.get(k)?.hash !== h);
    if (pinsOld && (v.kind === 'feature' || v.kind === 'label')) {
      const s = parseOne(v.text, path);
      if (s && (s.kind === 'feature' || s.kind === 'label')) {
        let r: { name: string; files: string[] };
        try {
          r = resolve(keyOf(s.from.text), v.pins);
        } catch (e) {
          excluded.push({ ...ref, reason: (e as Error).message });
          continue;
        }
        for (const f of r.files) {
          let users = instanceUsers.get(f);
          if (!users) instanceUsers.set(f, (users = new Set()));
          users.add(path);
        }
        const current = state.unversioned.get(keyOf(s.from.text));
        if (current && r.name !== current.name) {
          const renamed = renameQualifiers({ ...s, from: ident(r.name, s.from) }, keyOf(s.from.text), r.name);
          text = formatStatement(renamed);
        }
      }
    }
    versionedFiles.set(path, v);
    files.push({ path, text });
  }

  // Each pass drops what has errors; what read it fails on the next pass.
  let live = files;
  for (;;) {
    const result = checkProject(live);
    const bad = new Map<string, string>();
    for (const d of result.diagnostics) {
      if (d.severity !== 'error') continue;
      if (!bad.has(d.span.file)) bad.set(d.span.file, `error[${d.code}]: ${d.message}`);
    }
    // A broken view revision takes the versions that read it along.
    for (const [file, reason] of [...bad]) {
      const users = instanceUsers.get(file);
      if (!users) continue;
      const inst = instances.get(keyOf(file.slice(instanceFile('').length)));
      for (const u of users) if (!bad.has(u)) bad.set(u, `reads revision ${inst?.revision ?? '?'} of view \`${inst?.view ?? '?'}\`, which no longer type-checks: ${reason}`);
    }
    if (bad.size === 0) return { catalog: result.catalog, excluded, instances };
    for (const [path, v] of versionedFiles) {
      const reason = bad.get(path);
      if (reason !== undefined && live.some((f) => f.path === path)) excluded.push({ kind: v.kind, name: v.name, version: v.version, reason });
    }
    const before = live.length;
    live = live.filter((f) => !bad.has(f.path));
    if (live.length === before) return { catalog: result.catalog, excluded, instances };
  }
}

// ---------------------------------------------------------------------------
// Closures and meaning

/** The keys of every source, view and entity a feature or label reads, transitively (with the catalog's spelling). */
export function upstreamOf(catalog: Catalog, kind: 'feature' | 'label' | 'training_set', name: string, version: number): ObjectRef[] {
  const out = new Map<string, ObjectRef>();
  const relation = (rel: string) => {
    const k = keyOf(rel);
    if (out.has(k)) return;
    const r = catalog.relations[k];
    if (!r) return;
    out.set(k, { kind: r.kind, name: r.name, version: 1 });
    if (r.kind === 'view') for (const d of r.dependsOn) relation(d);
  };
  const member = (info: FeatureInfo | LabelInfo | undefined) => {
    if (!info) return;
    relation(info.relation);
    const e = catalog.entities[keyOf(info.key.entity)];
    if (e) out.set(keyOf(e.name), { kind: 'entity', name: e.name, version: 1 });
  };
  if (kind === 'feature') member(catalog.features[keyOf(name)]?.find((f) => f.version === version));
  else if (kind === 'label') member(catalog.labels[keyOf(name)]?.find((l) => l.version === version));
  else {
    const t = catalog.trainingSets[keyOf(name)]?.find((x) => x.version === version);
    if (t) {
      member(catalog.labels[keyOf(t.label.name)]?.find((l) => l.version === t.label.version));
      for (const f of t.features) member(catalog.features[keyOf(f.name)]?.find((x) => x.version === f.version));
    }
  }
  return [...out.values()];
}

const DROPPED = new Set(['span', 'file', 'description', 'owner', 'tags', 'nullable', 'line']);

/** Column names (lower case) an expression reads, with the alias they are read through. */
function columnsOf(e: unknown, out: { alias: string; column: string }[]): void {
  if (Array.isArray(e)) {
    for (const x of e) columnsOf(x, out);
    return;
  }
  if (e === null || typeof e !== 'object') return;
  const o = e as Record<string, unknown>;
  if (o['kind'] === 'column' && typeof o['column'] === 'string') out.push({ alias: keyOf(String(o['relation'] ?? '')), column: keyOf(o['column']) });
  for (const [k, v] of Object.entries(o)) if (k !== 'span') columnsOf(v, out);
}

/**
 * What a feature or label version computes, as comparable text: its checked
 * definition and, of every relation it reads (transitively), only the parts
 * that reach it — the view columns and clauses it depends on, the source
 * columns' types and the event times — plus its entity's keys. Instance names
 * read as the view they are a revision of. Two catalogs give the same text for
 * a version exactly when it computes the same thing from the same data.
 * Undefined when the version is not in the catalog.
 */
export function meaningOf(pc: PinnedCatalog, kind: 'feature' | 'label', name: string, version: number): string | undefined {
  const { catalog } = pc;
  const info = kind === 'feature' ? catalog.features[keyOf(name)]?.find((f) => f.version === version) : catalog.labels[keyOf(name)]?.find((l) => l.version === version);
  if (!info) return undefined;
  const needed = new Map<string, Set<string>>();
  const need = (rel: string, cols: Iterable<string>) => {
    const k = keyOf(rel);
    let set = needed.get(k);
    if (!set) needed.set(k, (set = new Set()));
    for (const c of cols) set.add(keyOf(c));
  };
  const refs: { alias: string; column: string }[] = [];
  columnsOf([info.value, 'where' in info ? info.where : undefined], refs);
  need(info.relation, [...refs.map((r) => r.column), ...info.key.columns]);
  // Walk relations downstream-first; a view passes on the columns its kept items read.
  const relations: Record<string, unknown> = {};
  const order: string[] = [];
  const visit = (k: string) => {
    if (order.includes(k)) return;
    order.push(k);
    const r = catalog.relations[k];
    if (r?.kind === 'view') for (const d of r.dependsOn) visit(keyOf(d));
  };
  visit(keyOf(info.relation));
  for (const k of order) {
    const r: RelationInfo | undefined = catalog.relations[k];
    if (!r) continue;
    const cols = needed.get(k) ?? new Set<string>();
    if (r.eventTime) cols.add(keyOf(r.eventTime));
    if (r.kind === 'source') {
      // AVAILABLE decides which rows a feature sees at a time: part of its meaning (absent when not declared, so
      // older meanings are unchanged). A label's time is its event time whenever its rows arrive: not a label's.
      relations[baseName(pc, r.name)] = { kind: 'source', eventTime: r.eventTime, ...(r.available && kind === 'feature' ? { available: r.available } : {}), columns: r.columns.filter((c) => cols.has(keyOf(c.name))) };
      continue;
    }
    const q: TSelect = r.query;
    const keepAll = q.distinct; // DISTINCT: every column decides which rows exist
    const items = q.items.filter((i) => keepAll || cols.has(keyOf(i.name)));
    const reads: { alias: string; column: string }[] = [];
    columnsOf([items.map((i) => i.expr), q.joins.map((j) => j.on), q.where, q.groupBy, q.having], reads);
    const aliases = new Map([q.from, ...q.joins.map((j) => j.table)].map((t) => [keyOf(t.alias), t.relation]));
    for (const c of reads) {
      const rel = aliases.get(c.alias) ?? (aliases.size === 1 ? q.from.relation : undefined);
      if (rel !== undefined) need(rel, [c.column]);
      else for (const t of aliases.values()) need(t, [c.column]);
    }
    relations[baseName(pc, r.name)] = {
      kind: 'view',
      eventTime: r.eventTime,
      ...(r.available && kind === 'feature' ? { available: r.available } : {}),
      columns: r.columns.filter((c) => keepAll || cols.has(keyOf(c.name))),
      query: { ...q, items },
    };
  }
  const entity = catalog.entities[keyOf(info.key.entity)];
  const names = new Map([...pc.instances].map(([k, v]) => [k, v.view]));
  return JSON.stringify({ self: info, relations, entity: entity?.keys }, (k, v: unknown) => {
    if (DROPPED.has(k)) return undefined;
    if (typeof v === 'string' && names.has(keyOf(v))) return names.get(keyOf(v));
    return v;
  });
}

function baseName(pc: PinnedCatalog, name: string): string {
  return pc.instances.get(keyOf(name))?.view ?? name;
}

/** For messages: why a version that computed (`before`, its meaning) no longer can in `after`, in words when a source or entity lost what it read. */
export function describeBreak(before: string, after: Catalog): string | undefined {
  type Rel = { kind: string; eventTime?: string; columns: { name: string; type: string }[] };
  const b = JSON.parse(before) as { relations: Record<string, Rel>; self: { key?: { entity: string } } };
  for (const [name, rb] of Object.entries(b.relations)) {
    if (rb.kind !== 'source') continue;
    const ra = after.relations[keyOf(name)];
    if (!ra) return `it reads source \`${name}\`, which is gone`;
    for (const c of rb.columns) {
      const n = ra.columns.find((x) => keyOf(x.name) === keyOf(c.name));
      if (!n) return `it reads column \`${c.name}\` of source \`${name}\`, which is gone`;
      if (n.type !== c.type) return `column \`${c.name}\` of source \`${name}\` changed type from ${c.type} to ${n.type}`;
    }
  }
  const entity = b.self.key?.entity;
  if (entity !== undefined && !after.entities[keyOf(entity)]) return `its entity \`${entity}\` is gone`;
  return undefined;
}

/** For messages: the first difference between two meanings, in words. */
export function describeMeaningChange(before: string, after: string): string {
  type Rel = { kind: string; eventTime?: string; available?: { kind: string; seconds: number }; columns: { name: string; type: string }[] };
  const b = JSON.parse(before) as { relations: Record<string, Rel>; entity?: { name: string; type: string }[] };
  const a = JSON.parse(after) as { relations: Record<string, Rel>; entity?: { name: string; type: string }[] };
  for (const [name, rb] of Object.entries(b.relations)) {
    const ra = a.relations[name];
    if (!ra) continue;
    if ((rb.eventTime ?? '') !== (ra.eventTime ?? '')) {
      return `the event time of \`${name}\` changed from ${rb.eventTime ?? '(none)'} to ${ra.eventTime ?? '(none)'}`;
    }
    if (JSON.stringify(rb.available ?? null) !== JSON.stringify(ra.available ?? null)) {
      const say = (x: Rel['available']) => (x === undefined ? '(none)' : x.kind === 'end_of_day' ? 'AT END OF DAY' : `AFTER ${x.seconds} seconds`);
      return `when rows of \`${name}\` become available changed from ${say(rb.available)} to ${say(ra.available)}`;
    }
    for (const c of rb.columns) {
      const n = ra.columns.find((x) => keyOf(x.name) === keyOf(c.name));
      if (!n) return `column \`${c.name}\` of \`${name}\` is gone`;
      if (n.type !== c.type) return `column \`${c.name}\` of \`${name}\` changed type from ${c.type} to ${n.type}`;
    }
  }
  if (JSON.stringify(b.entity) !== JSON.stringify(a.entity)) {
    const fmt = (k?: { name: string; type: string }[]) => (k ?? []).map((x) => `${x.name} ${x.type}`).join(', ');
    return `its entity's key changed from (${fmt(b.entity)}) to (${fmt(a.entity)})`;
  }
  return 'what it reads upstream changed meaning';
}
