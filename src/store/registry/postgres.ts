/**
 * A shared registry on PostgreSQL: `"registry": { "url": "postgres://…" }` in
 * fsql.json, through Kysely's PostgresDialect on `pg`. Every checkout of the
 * project that names the same database sees the same versions.
 *
 * Secrets: fsql.json's URL may reference environment variables (`${NAME}`,
 * expanded by src/runtime/config.ts) or leave the password out (then `pg`
 * reads PGPASSWORD, or ~/.pgpass). The URL given here is never written or
 * shown: messages carry `redact(url)` (password replaced by `***`).
 *
 * Writers: `write` takes a transaction-level advisory lock on a key fixed for
 * fsql's registry (one registry per database), so applies from several
 * checkouts run one after the other; the lock ends with the transaction.
 * Migrations run under a session-level advisory lock on a second key.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { redactUrl } from '../../engine/engine.js';
import type { Database as Tables } from './database.js';
import { registerRegistryBackend, RegistryUnavailableError, type RegistryStorage } from './storage.js';

/** The advisory lock keys (two int4 keys: 'fsql' and what is locked). */
const LOCK_SPACE = 0x6673716c;
const APPLY_LOCK = 1;
const MIGRATION_LOCK = 2;

const isPostgresUrl = (location: string) => /^postgres(ql)?:\/\//i.test(location);

registerRegistryBackend({
  label: 'PostgreSQL',
  claims: isPostgresUrl,
  redact: redactUrl,
  async open(url, options): Promise<RegistryStorage> {
    const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 15_000 });
    // An idle client's error (the server went away) must not crash the process; the next query says why.
    pool.on('error', () => undefined);
    const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
    try {
      await sql`SELECT 1`.execute(db);
    } catch (e) {
      await db.destroy();
      throw new RegistryUnavailableError(`cannot open the shared registry ${redactUrl(url)}: ${(e as Error).message} (check "registry" in fsql.json, that the server runs, and the password: PGPASSWORD or \${NAME} in the URL)`);
    }
    return {
      db,
      location: redactUrl(url),
      readonly: options.readonly === true,
      flavor: { autoIdType: 'serial' },
      write: (fn) =>
        db.transaction().execute(async (trx) => {
          await sql`SELECT pg_advisory_xact_lock(${sql.lit(LOCK_SPACE)}, ${sql.lit(APPLY_LOCK)})`.execute(trx);
          return fn(trx);
        }),
      async migrating(fn) {
        const client = await pool.connect();
        try {
          await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_SPACE, MIGRATION_LOCK]);
          try {
            return await fn();
          } finally {
            await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_SPACE, MIGRATION_LOCK]);
          }
        } finally {
          client.release();
        }
      },
      close: () => db.destroy(),
    };
  },
});
