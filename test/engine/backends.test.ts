/**
 * Offline engines by registration (src/engine/backends.ts): every engine
 * target has a backend declaring its capabilities, and the runtime reads
 * those instead of testing engine names — held here by reading src/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineBackend, engineBackends } from '../../src/engine/backends.js';
import { engineTargets, offlineTargets } from '../../src/engine/engine.js';
import { openEngine } from '../../src/engine/open.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('engine backends', () => {
  it('serve every offline target, each with a label, where its database is and its capabilities', async () => {
    expect(engineBackends().map((b) => b.target)).toEqual([...offlineTargets]);
    for (const t of offlineTargets) {
      const b = engineBackend(t);
      expect(b.label).not.toBe('');
      expect(Object.keys(b.capabilities).sort()).toEqual(['computesViewsOnce', 'multiProcess', 'readsFilesInPlace', 'transactionalDdl', 'viewsAcrossDatabases']);
      // The embedded engines are files (opened below); the others are servers reached by URL (test/conformance/*.integration.ts).
      expect(b.location).toBe(engineTargets.includes(t) ? 'file' : 'url');
    }
    for (const t of engineTargets) {
      const b = engineBackend(t);
      expect(b.defaultFile).toMatch(/^offline\./);
      expect(Object.keys(b.capabilities).sort()).toEqual(['computesViewsOnce', 'multiProcess', 'readsFilesInPlace', 'transactionalDdl', 'viewsAcrossDatabases']);
      const engine = await openEngine(t);
      try {
        expect(engine.target).toBe(t);
        expect((await engine.query('SELECT 1 + 1 AS two', [{ name: 'two', type: 'INTEGER' }]))[0]).toEqual({ two: 2 });
      } finally {
        await engine.close();
      }
    }
  });

  it('are what the runtime reads: no engine name is tested outside the SQL dialects', () => {
    const offenders = files(SRC)
      .filter((f) => !f.includes(join('src', 'sql', 'dialects')))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ f, i, line }))
          .filter(({ line }) => /[!=]==\s*'(sqlite|duckdb)'/.test(line)),
      )
      .map(({ f, i, line }) => `${f.slice(SRC.length + 1)}:${i + 1}: ${line.trim()}`);
    expect(offenders).toEqual([]);
  });
});
