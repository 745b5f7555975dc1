/**
 * The layering of src/: each folder's README says, in its "May import:"
 * paragraph, which other src/ folders its files may import (backticked
 * `src/<folder>` names; "every other stage"; "nothing from src/"). This test
 * reads those paragraphs and checks every relative import of every source
 * file against them, so the READMEs stay true. A new folder needs a README
 * with that paragraph.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

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

/** The src/ folder of every relative module a file imports or re-exports. */
function importedFolders(file: string): { spec: string; folder: string }[] {
  const text = readFileSync(file, 'utf8');
  const out: { spec: string; folder: string }[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.{1,2}\/[^']+)'/g)) {
    const target = relative(SRC, resolve(dirname(file), m[1]!));
    if (target.startsWith('..')) continue; // outside src/ (grammar/)
    const folder = target.split(sep)[0]!;
    if (folders.includes(folder)) out.push({ spec: m[1]!, folder });
  }
  return out;
}

describe('src/ layering, as each folder README says', () => {
  it.each(folders)('src/%s imports only what its README allows', (folder) => {
    const ok = allowed(folder);
    const bad: string[] = [];
    for (const file of sourceFiles(join(SRC, folder))) {
      for (const { spec, folder: f } of importedFolders(file)) if (!ok.has(f)) bad.push(`${relative(SRC, file)} imports ${spec} (src/${f})`);
    }
    expect(bad, `allowed: ${[...ok].sort().join(', ')}`).toEqual([]);
  });

  it('the base layers import nothing from src/', () => {
    for (const base of ['diagnostics', 'values']) expect([...allowed(base)]).toEqual([base]);
  });
});
