/**
 * The public API of fsql: parse and check .fsql text, format it, and render
 * diagnostics. Everything returned is plain data.
 */
import { checkProject, checkText, type CheckResult, type ProjectFile } from './check/project.js';
import { parseFile, type ParseResult } from './syntax/parse.js';

export type { Diagnostic, Span, Severity } from './diagnostics/diagnostic.js';
export { hasErrors, sortDiagnostics } from './diagnostics/diagnostic.js';
export { renderDiagnostic, renderDiagnostics, diagnosticsToJson } from './diagnostics/render.js';
export type * as ast from './syntax/ast.js';
export type * from './check/catalog.js';
export { formatFile, formatSource } from './syntax/format.js';
export { readProjectFiles } from './project/files.js';
/** Plans → SQL for a target: the one front door for compiling (`fsql compile` and the runtime use it). */
export { compilePlan, type CompiledSql } from './sql/compile.js';
export { planTraining, planMaterialize, planFit } from './plan/build.js';
export type { CheckResult, ParseResult, ProjectFile };

/** Parses one file's text into an AST, with every syntax diagnostic. Never throws. */
export function parse(text: string, path = '<input>'): ParseResult {
  return parseFile(text, path);
}

/** Checks a project given as files, or one piece of text. Never throws. */
export function check(input: string | readonly ProjectFile[], path = '<input>'): CheckResult {
  return typeof input === 'string' ? checkText(input, path) : checkProject(input);
}
