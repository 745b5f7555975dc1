/**
 * The layering of src/: each folder's README says, in its "May import:"
 * paragraph, which other src/ folders its files may import (backticked
 * `src/<folder>` names; "every other stage"; "nothing from src/"). This test
 * reads those paragraphs and checks every relative import of every source
 * file against them, so the READMEs stay true. A new folder needs a README
 * with that paragraph. Nothing in src/ imports from outside src/ (the lexer and
 * parser live in src/syntax; grammar/ only reads them, for the diagrams).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = join(ROOT, 'src');
const GRAMMAR = join(ROOT, 'grammar');

const folders = readdirSync(SRC).filter((f) => statSync(join(SRC, f)).isDirectory());

/** The src/ folders a folder's README allows it to import (itself always). */
function allowed(folder: string): Set<string> {
  const readme = readFileSync(join(SRC, folder, 'README.md'), 'utf8');
  const m = /May import:([\s\S]*?)(?:Imported by|\n\n|$)/.exec(readme);
  if (!m) throw new Error(`src/${folder}/README.md has no "May import:" paragraph`);
  const text = m[1]!;
  const out = new Set([folder]);
  if (/every other stage/.test(text)) for (const f of folders) out.add(f);
  else if (!/nothing from src\//.test(text)) for (const x of text.matchAll(/`src\/([a-z]+)/g)) out.add(x[1]!);
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative module a file imports or re-exports, as a path relative to the repository. */
function relativeImports(file: string): { spec: string; target: string }[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.{1,2}\/[^']+)'/g)].map((m) => ({
    spec: m[1]!,
    target: relative(ROOT, resolve(dirname(file), m[1]!)),
  }));
}

/** The src/ folder of every relative module a file imports or re-exports (outside src/: folder `..`). */
function importedFolders(file: string): { spec: string; folder: string }[] {
  const out: { spec: string; folder: string }[] = [];
  for (const { spec, target } of relativeImports(file)) {
    const [top, folder] = target.split(sep);
    if (top !== 'src') out.push({ spec, folder: '..' });
    else if (folder && folders.includes(folder)) out.push({ spec, folder });
  }
  return out;
}

describe('src/ layering, as each folder README says', () => {
  it.each(folders)('src/%s imports only what its README allows', (folder) => {
    const ok = allowed(folder);
    const bad: string[] = [];
    for (const file of sourceFiles(join(SRC, folder))) {
      for (const { spec, folder: f } of importedFolders(file)) {
        if (f === '..') bad.push(`${relative(SRC, file)} imports ${spec} (outside src/)`);
        else if (!ok.has(f)) bad.push(`${relative(SRC, file)} imports ${spec} (src/${f})`);
      }
    }
    expect(bad, `allowed: ${[...ok].sort().join(', ')}`).toEqual([]);
  });

  it('grammar/ (editor grammar, diagrams) imports only src/syntax, and nothing in src/ imports grammar/', () => {
    const bad: string[] = [];
    for (const file of sourceFiles(GRAMMAR)) {
      for (const { spec, target } of relativeImports(file)) {
        const [top, folder] = target.split(sep);
        if (top !== 'grammar' && !(top === 'src' && folder === 'syntax')) bad.push(`${relative(ROOT, file)} imports ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the base layers import nothing from src/', () => {
    for (const base of ['diagnostics', 'values']) expect([...allowed(base)]).toEqual([base]);
  });
});
