/**
 * A shared registry on PostgreSQL: `"registry": { "url": "postgres://…" }` in
 * fsql.json, through Kysely's PostgresDialect on `pg`. Every checkout of the
 * project that names the same database sees the same versions.
 *
 * Secrets: the URL may reference environment variables (`${NAME}`, expanded
 * here, at connection time only) or leave the password out (then `pg` reads
 * PGPASSWORD, or ~/.pgpass). The expanded URL is never stored, written or
 * shown: messages carry `redact(url)` (password replaced by `***`).
 *
 * Writers: `write` takes a transaction-level advisory lock on a key fixed for
 * fsql's registry (one registry per database), so applies from several
 * checkouts run one after the other; the lock ends with the transaction.
 * Migrations run under a session-level advisory lock on a second key.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database as Tables } from './database.js';
import { registerRegistryBackend, type RegistryStorage } from './storage.js';

/** The advisory lock keys (two int4 keys: 'fsql' and what is locked). */
const LOCK_SPACE = 0x6673716c;
const APPLY_LOCK = 1;
const MIGRATION_LOCK = 2;

export class RegistryUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryUrlError';
  }
}

const isPostgresUrl = (location: string) => /^postgres(ql)?:\/\//i.test(location);

/** The URL with its password (if any) replaced by `***`; the rest as written. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*):([^@/?#]*)@/i, (_m, user: string) => `${user}:***@`);
}

/** `${NAME}` replaced by the environment's value; a variable that is not set is an error naming it. */
export function expandUrl(url: string, env: NodeJS.ProcessEnv = process.env): string {
  return url.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const value = env[name];
    if (value === undefined) throw new RegistryUrlError(`the registry URL ${redactUrl(url)} references \${${name}}, which is not set in the environment`);
    // Inside a URL's user info, reserved characters must be escaped.
    return encodeURIComponent(value);
  });
}

registerRegistryBackend({
  label: 'PostgreSQL',
  claims: isPostgresUrl,
  redact: redactUrl,
  async open(url, options): Promise<RegistryStorage> {
    const pool = new pg.Pool({ connectionString: expandUrl(url), max: 4, connectionTimeoutMillis: 15_000 });
    // An idle client's error (the server went away) must not crash the process; the next query says why.
    pool.on('error', () => undefined);
    const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
    try {
      await sql`SELECT 1`.execute(db);
    } catch (e) {
      await db.destroy();
      throw new Error(`cannot connect to the registry ${redactUrl(url)}: ${(e as Error).message}`);
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
