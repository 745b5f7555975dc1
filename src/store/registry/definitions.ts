/**
 * The normalized definition of every object of a checked project: what the
 * registry stores, hashes and compares (see README.md beside this file).
 *
 * - `text`: the statement's canonical text (the formatter's), metadata
 *   (DESCRIPTION / OWNER / TAGS) included. What `describe` shows and what a
 *   diff is computed on.
 * - `definition`: the same without metadata. Its hash is the object's
 *   identity: metadata is stored separately and editing it is allowed in place.
 * - `hash`: sha256 (hex) of `definition` with its layout removed (runs of
 *   blanks and line ends outside quotes collapse to one space), so a change of
 *   the formatter's line breaking never changes a hash.
 *
 * Normalizations applied to the AST before printing, so that spellings that
 * mean the same thing hash the same:
 * - a feature, label or training set always prints its VERSION (no VERSION = 1);
 * - a training set's LABEL and FEATURES references print the version they
 *   resolved to. `FEATURES (spend_30d)` means "the latest version *now*": once
 *   spend_30d VERSION 2 exists, the same text means something else, and the
 *   training set's version must be bumped — so the registered definition pins it;
 * - SAMPLE without SEED prints SEED 0 (the checker's default);
 * - function names print upper-case (`avg(x)` = `AVG(x)`), type names print
 *   their canonical type (`VARCHAR` = `TEXT`).
 * Identifiers otherwise keep their declared spelling (a feature's name is a
 * column name in training sets).
 *
 * Entities, sources and views are not versioned by the user: they all get
 * version 1, and a changed definition is an *update* (allowed, recorded as a
 * new revision), not an error.
 */
import { createHash } from 'node:crypto';
import type { Catalog, FeatureInfo, LabelInfo, TrainingSetInfo } from '../../check/catalog.js';
import { keyOf, versionKey } from '../../check/catalog.js';
import type * as A from '../../syntax/ast.js';
import { formatStatement } from '../../syntax/format.js';

/** The kinds of registered objects (the statement kinds). */
export type ObjectKind = 'entity' | 'source' | 'view' | 'feature' | 'label' | 'training_set';

/** Kinds whose versions the user declares; (name, version) of these is immutable. */
export const VERSIONED_KINDS: ReadonlySet<ObjectKind> = new Set<ObjectKind>(['feature', 'label', 'training_set']);

export function isVersioned(kind: ObjectKind): boolean {
  return VERSIONED_KINDS.has(kind);
}

/** Display order of kinds: upstream first. */
export const KIND_ORDER: readonly ObjectKind[] = ['entity', 'source', 'view', 'feature', 'label', 'training_set'];

export const KIND_LABELS: Readonly<Record<ObjectKind, string>> = {
  entity: 'entity',
  source: 'source',
  view: 'view',
  feature: 'feature',
  label: 'label',
  training_set: 'training set',
};

/** One object version, by declared name. Unversioned kinds have version 1. */
export interface ObjectRef {
  readonly kind: ObjectKind;
  readonly name: string;
  readonly version: number;
}

export interface ObjectMetadata {
  readonly description?: string;
  readonly owner?: string;
  readonly tags: readonly string[];
}

export interface ObjectDefinition extends ObjectRef {
  /** Lower-case name: the registry's key (one namespace for every kind). */
  readonly key: string;
  /** Canonical text with metadata, ending with `;`. */
  readonly text: string;
  /** Canonical text without metadata: what `hash` covers. */
  readonly definition: string;
  /** sha256 (hex) of `definition` with its layout removed. */
  readonly hash: string;
  readonly metadata: ObjectMetadata;
  /**
   * Lineage edges: what this object reads. A view: the relations of its FROM
   * and JOINs; a feature or label: its relation and entity; a training set: its
   * label and features, at the versions it uses.
   */
  readonly dependencies: readonly ObjectRef[];
  /** Where it is declared (file, 1-based line). */
  readonly file: string;
  readonly line: number;
}

/** What definitions need from `checkProject`'s result. */
export interface CheckedProject {
  readonly catalog: Catalog;
  readonly files: readonly A.SourceFile[];
}

/** `name VERSION n` for versioned kinds, `name` otherwise. */
export function refLabel(ref: { kind: ObjectKind; name: string; version: number }): string {
  return isVersioned(ref.kind) ? `${ref.name} VERSION ${ref.version}` : ref.name;
}

export function compareRefs(a: ObjectRef, b: ObjectRef): number {
  return KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || (keyOf(a.name) < keyOf(b.name) ? -1 : keyOf(a.name) > keyOf(b.name) ? 1 : 0) || a.version - b.version;
}

// ---------------------------------------------------------------------------
// Hashing

/** Collapses every run of whitespace outside '…' strings and "…" identifiers to one space; trims. */
export function removeLayout(text: string): string {
  let out = '';
  let quote: string | undefined;
  let blank = false;
  for (const ch of text) {
    if (quote) {
      out += ch;
      if (ch === quote) quote = undefined; // a doubled quote closes and reopens: same result
      continue;
    }
    if (/\s/.test(ch)) {
      blank = true;
      continue;
    }
    if (blank && out.length > 0) out += ' ';
    blank = false;
    out += ch;
    if (ch === "'" || ch === '"') quote = ch;
  }
  return out;
}

export function definitionHash(definition: string): string {
  return createHash('sha256').update(removeLayout(definition), 'utf8').digest('hex');
}

// ---------------------------------------------------------------------------
// Normalization

/** Upper-case function names and canonical type names, everywhere in a node. */
function normalizeTree<T>(node: T): T {
  if (Array.isArray(node)) return node.map((n) => normalizeTree(n)) as T;
  if (node === null || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = normalizeTree(v);
  if (o['kind'] === 'call') {
    const name = out['name'] as A.Identifier;
    if (!name.quoted) out['name'] = { ...name, text: name.text.toUpperCase() };
  }
  if (o['kind'] === 'type') out['written'] = o['type'];
  return out as T;
}

function integer(value: number, span: A.Span): A.IntegerLiteral {
  return { kind: 'integer', value, span };
}

function withoutMetadata(s: A.Statement): A.Statement {
  const { description: _d, owner: _o, tags: _t, ...rest } = s;
  return rest as A.Statement;
}

/** The statement as the registry prints it (see the module header). */
function normalizeStatement(s: A.Statement, pinned?: TrainingSetInfo): A.Statement {
  const n = normalizeTree(s);
  switch (n.kind) {
    case 'feature':
    case 'label':
      return { ...n, version: integer(n.version?.value ?? 1, n.span) };
    case 'training_set': {
      const pin = (ref: A.VersionedRef, version: number | undefined): A.VersionedRef =>
        version === undefined ? ref : { ...ref, version: integer(version, ref.span) };
      const featureVersion = (ref: A.VersionedRef) => pinned?.features.find((f) => keyOf(f.name) === keyOf(ref.name.text))?.version;
      return {
        ...n,
        version: integer(n.version?.value ?? 1, n.span),
        label: pin(n.label, pinned?.label.version),
        features: n.features.map((f) => pin(f, featureVersion(f))),
        ...(n.sample ? { sample: { ...n.sample, seed: n.sample.seed ?? integer(0, n.sample.span) } } : {}),
      };
    }
    default:
      return n;
  }
}

// ---------------------------------------------------------------------------
// Definitions of a project

function metadataOf(m: { description?: string; owner?: string; tags: readonly string[] }): ObjectMetadata {
  return {
    ...(m.description !== undefined ? { description: m.description } : {}),
    ...(m.owner !== undefined ? { owner: m.owner } : {}),
    tags: [...m.tags],
  };
}

function sameDeclaration(info: { file: string; span: A.Span }, s: A.Statement): boolean {
  return info.file === s.span.file && info.span.start === s.span.start && info.span.end === s.span.end;
}

/**
 * The definition of every object in the catalog, in KIND_ORDER then name then
 * version. Statements that did not check (absent from the catalog) have none.
 */
export function projectDefinitions(project: CheckedProject): ObjectDefinition[] {
  const { catalog } = project;
  const out: ObjectDefinition[] = [];
  const relationRef = (name: string): ObjectRef => {
    const r = catalog.relations[keyOf(name)];
    return { kind: r?.kind ?? 'source', name: r?.name ?? name, version: 1 };
  };
  const entityRef = (name: string): ObjectRef => ({ kind: 'entity', name: catalog.entities[keyOf(name)]?.name ?? name, version: 1 });
  const versionOf = <T extends { version: number; file: string; span: A.Span }>(versions: readonly T[] | undefined, s: A.Statement): T | undefined =>
    versions?.find((v) => sameDeclaration(v, s));

  const push = (s: A.Statement, ref: ObjectRef, info: { description?: string; owner?: string; tags: readonly string[] }, dependencies: ObjectRef[], pinned?: TrainingSetInfo): void => {
    const normalized = normalizeStatement(s, pinned);
    const definition = formatStatement(withoutMetadata(normalized));
    out.push({
      ...ref,
      key: keyOf(ref.name),
      text: formatStatement(normalized),
      definition,
      hash: definitionHash(definition),
      metadata: metadataOf(info),
      dependencies: dedupe(dependencies),
      file: s.span.file,
      line: s.span.line,
    });
  };

  for (const file of project.files) {
    for (const s of file.statements) {
      const k = keyOf(s.name.text);
      switch (s.kind) {
        case 'entity': {
          const e = catalog.entities[k];
          if (e && sameDeclaration(e, s)) push(s, { kind: 'entity', name: e.name, version: 1 }, e, []);
          break;
        }
        case 'source':
        case 'view': {
          const r = catalog.relations[k];
          if (r && r.kind === s.kind && sameDeclaration(r, s)) {
            push(s, { kind: r.kind, name: r.name, version: 1 }, r, r.kind === 'view' ? r.dependsOn.map(relationRef) : []);
          }
          break;
        }
        case 'feature': {
          const f: FeatureInfo | undefined = versionOf(catalog.features[k], s);
          if (f) push(s, { kind: 'feature', name: f.name, version: f.version }, f, [relationRef(f.relation), entityRef(f.key.entity)]);
          break;
        }
        case 'label': {
          const l: LabelInfo | undefined = versionOf(catalog.labels[k], s);
          if (l) push(s, { kind: 'label', name: l.name, version: l.version }, l, [relationRef(l.relation), entityRef(l.key.entity)]);
          break;
        }
        case 'training_set': {
          const t: TrainingSetInfo | undefined = versionOf(catalog.trainingSets[k], s);
          if (t) {
            const deps: ObjectRef[] = [
              { kind: 'label', name: t.label.name, version: t.label.version },
              ...t.features.map((f): ObjectRef => ({ kind: 'feature', name: f.name, version: f.version })),
            ];
            push(s, { kind: 'training_set', name: t.name, version: t.version }, t, deps, t);
          }
          break;
        }
      }
    }
  }
  return out.sort(compareRefs);
}

function dedupe(refs: readonly ObjectRef[]): ObjectRef[] {
  const seen = new Set<string>();
  const out: ObjectRef[] = [];
  for (const r of refs) {
    const k = versionKey(r.name, r.version);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(r);
  }
  return out;
}
