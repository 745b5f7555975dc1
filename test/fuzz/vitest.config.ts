/**
 * The fuzz tier (`npm run fuzz`, and a step of .ci/run): mutated `.fsql`
 * files through parse, check, fmt and compile. Kept out of `npm test` (its
 * files end in `.fuzz.ts`, which the default config does not match): it runs
 * for a minute or two. Bounded and seeded: FSQL_FUZZ_SEED and FSQL_FUZZ_RUNS
 * (see test/fuzz/mutated-fsql.fuzz.ts).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/fuzz/**/*.fuzz.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
