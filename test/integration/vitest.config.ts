/**
 * The integration tier (`npm run test:integration`, and a step of .ci/run):
 * tests against real servers — PostgreSQL, Redis, Chromium, … — which
 * .ci/run installs and starts first (.ci/services/*.sh). Kept out of
 * `npm test` (these files end in `.integration.ts`, which the default config
 * does not match). A test finds its server through test/support/services.ts
 * (FSQL_TEST_POSTGRES_URL, FSQL_TEST_REDIS_URL, FSQL_TEST_CHROMIUM) and
 * fails, never skips, when it is not there.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/**/*.integration.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Tests share servers; files run one at a time so they never race on a database.
    fileParallelism: false,
  },
});
