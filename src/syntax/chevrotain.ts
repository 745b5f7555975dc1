/**
 * chevrotain, loaded from its single-file ESM bundle (`lib/chevrotain.mjs`,
 * shipped in the package) instead of its package entry (`lib/src/api.js`),
 * which imports lodash-es: about 600 modules, ~0.4 s of every process start
 * that parses (`fsql check`, `compile`, `serve`, the LSP). The bundle is the
 * same release built into one file (~15 ms). The package's `exports` map does
 * not list the bundle, so it is found next to the entry; should a release
 * move it, the package entry is used.
 *
 * Everything in src/ takes chevrotain's values from here (types may still
 * come from 'chevrotain'): token types made by one copy of chevrotain are not
 * known to another copy's lexer and parser.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Chevrotain = typeof import('chevrotain');

async function load(): Promise<Chevrotain> {
  try {
    const entry = createRequire(import.meta.url).resolve('chevrotain');
    const bundle = join(dirname(entry), '..', 'chevrotain.mjs');
    if (existsSync(bundle)) return (await import(pathToFileURL(bundle).href)) as Chevrotain;
  } catch {
    // Fall through to the package entry.
  }
  return import('chevrotain');
}

const chevrotain = await load();

export const { createToken, EmbeddedActionsParser, Lexer, tokenMatcher } = chevrotain;
