/**
 * Vitest setup: under CI, fast-check runs with one fixed seed so a CI run is
 * reproducible; locally every run explores new cases (a failure prints its
 * seed). Set FSQL_FC_SEED to replay a seed anywhere.
 */
import fc from 'fast-check';

const seed = process.env['FSQL_FC_SEED'] ?? (process.env['CI'] ? '20261122' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
