/**
 * The server's diagnostics are `fsql check --format json`'s, on every file of
 * a fuzzed corpus: mutations of the example project's files (test/lsp/mutations.ts),
 * typed into one long-running `fsql lsp` one project after another (so its
 * incremental re-parsing is exercised too), each compared with `fsql check`
 * run on the same files on disk in a separate process.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../support/fast-check-seed.js';
import { asCheckJson, checkJson, copyProject, ROOT, startClient, type CheckDiagnostic, type Client } from './client.js';
import { applyMutation, mutation } from './mutations.js';

const FILES = ['entities.fsql', 'features/card.fsql', 'features/merchant.fsql', 'features/user_profile.fsql', 'features/user_spend.fsql', 'sources.fsql', 'training.fsql', 'views.fsql'];
const ORIGINAL = Object.fromEntries(FILES.map((f) => [f, readFileSync(join(ROOT, 'examples', 'payments', f), 'utf8')]));

const key = (d: CheckDiagnostic): string => JSON.stringify([d.file, d.line, d.column, d.endLine, d.endColumn, d.code, d.message, d.hint, d.related]);

describe('fsql lsp diagnostics on a fuzzed corpus', () => {
  let client: Client;
  beforeAll(async () => {
    client = await startClient(copyProject(join(ROOT, 'examples', 'payments')));
    await client.settled(FILES);
    for (const f of FILES) await client.open(f);
  }, 60000);
  afterAll(() => client.close());

  it('equal fsql check --format json on every file', async () => {
    const edits = fc.array(fc.record({ file: fc.constantFrom(...FILES), m: mutation }), { minLength: 1, maxLength: 4 });
    let current: Record<string, string> = { ...ORIGINAL };
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(edits, async (list) => {
        // Each case starts from the example project, typed over whatever the last case left.
        const next: Record<string, string> = { ...ORIGINAL };
        for (const { file, m } of list) next[file] = applyMutation(next[file]!, m);
        const changed = FILES.filter((f) => next[f] !== current[f]);
        for (const f of FILES) writeFileSync(join(client.root, f), next[f]!);
        let last: Promise<unknown> = Promise.resolve();
        for (const f of changed) last = client.change(f, next[f]!);
        await last;
        current = next;
        const pathOf = (uri: string) => relative(client.root, fileURLToPath(uri));
        const server = FILES.flatMap((f) => (client.diagnostics(f) ?? []).map((d) => asCheckJson(d, f, pathOf)));
        const check = (await checkJson(client.root)).diagnostics;
        compared += check.length;
        expect(server.map(key).sort()).toEqual(check.map(key).sort());
      }),
      { numRuns: 15 },
    );
    // The corpus is not all clean projects.
    expect(compared).toBeGreaterThan(0);
  }, 300000);
});
