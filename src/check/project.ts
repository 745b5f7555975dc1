/**
 * Checks a whole project: parses every file, collects declarations across
 * files (order does not matter, declarations.ts), reports duplicates and view
 * cycles, checks every object — one module per statement kind — and builds
 * the catalog. The shared state of a check is checker.ts's `ProjectChecker`.
 */
import { hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import type * as A from '../syntax/ast.js';
import { parseFile, type ParseResult } from '../syntax/parse.js';
import type { Catalog } from './catalog.js';
import { keyOf } from './catalog.js';
import { ProjectChecker } from './checker.js';
import { declare } from './declarations.js';
import { checkEntity } from './entities.js';
import { checkFeature } from './features.js';
import { judgeKeyTypes } from './keys.js';
import { checkLabel } from './labels.js';
import { leakageLints } from './lints.js';
import { checkSource } from './sources.js';
import { checkTrainingSet } from './training-sets.js';
import { checkViews } from './views.js';

export interface ProjectFile {
  readonly path: string;
  readonly text: string;
}

export interface CheckResult {
  readonly catalog: Catalog;
  readonly files: readonly A.SourceFile[];
  /** Sorted by file and position. */
  readonly diagnostics: readonly Diagnostic[];
}

/** Checks the files of one project. Never throws. */
export function checkProject(files: readonly ProjectFile[]): CheckResult {
  return checkParsed(files.map((f) => parseFile(f.text, f.path)));
}

/**
 * Checks a project from files already parsed (`parseFile`): the same result as
 * `checkProject` of their texts. The language server (src/lsp) keeps each
 * file's parse and re-runs only this on a keystroke, re-parsing only the file
 * that changed. The checker reads the ASTs and never changes them, so a parse
 * can be checked again and again.
 */
export function checkParsed(files: readonly ParseResult[]): CheckResult {
  const diagnostics: Diagnostic[] = [];
  const unparsed = new Set<string>();
  const parsed = files.map((r) => {
    diagnostics.push(...r.diagnostics);
    for (const name of r.unparsed) unparsed.add(keyOf(name));
    return r.file;
  });
  const statements = parsed.flatMap((f) => f.statements);
  const catalog = check(new ProjectChecker(diagnostics, unparsed), statements);
  // Leakage lints (W07xx) read the finished catalog, of a project without errors: what an error left out
  // or half-checked would only give warnings that follow from it.
  if (!hasErrors(diagnostics)) diagnostics.push(...leakageLints(catalog, statements));
  return { catalog, files: parsed, diagnostics: sortDiagnostics(diagnostics) };
}

/** Checks one piece of source text as a project of one file. */
export function checkText(text: string, path = '<input>'): CheckResult {
  return checkProject([{ path, text }]);
}

/**
 * The steps, in order: declarations; entities, sources, views (each after the
 * views it reads); where entity-key type mismatches are reported (before the
 * features and labels that bind keys); features, labels, training sets; the
 * unknown names, once each.
 */
function check(cx: ProjectChecker, statements: readonly A.Statement[]): Catalog {
  for (const s of statements) declare(cx, s);
  for (const s of cx.entityStmts.values()) checkEntity(cx, s);
  for (const s of cx.relationStmts.values()) if (s.kind === 'source') checkSource(cx, s);
  checkViews(cx);
  judgeKeyTypes(cx);
  for (const versions of cx.featureStmts.values()) for (const v of versions) checkFeature(cx, v.stmt, v.version);
  for (const versions of cx.labelStmts.values()) for (const v of versions) checkLabel(cx, v.stmt, v.version);
  for (const versions of cx.trainingStmts.values()) for (const v of versions) checkTrainingSet(cx, v.stmt, v.version);
  cx.reportUnknowns();
  return cx.catalog();
}
