// The registry's tests (registry-suite.ts) on PostgreSQL, the shared registry:
// each test on a database of its own, created through the superuser URL
// (FSQL_TEST_POSTGRES_URL) and dropped after.
import { openRegistry } from '../../../src/store/registry/registry.js';
import { createDatabase, type TestDatabase } from './postgres-databases.js';
import { registryTests } from './registry-suite.js';

let databases: TestDatabase[] = [];
let last: TestDatabase | undefined;

async function fresh(): Promise<TestDatabase> {
  const db = await createDatabase();
  databases.push(db);
  return db;
}

registryTests({
  async open() {
    last = await fresh();
    return openRegistry(last.url);
  },
  reopen: async () => openRegistry(last!.url),
  another: async () => openRegistry((await fresh()).url),
  exec: async (sqlText) => void (await last!.query(sqlText)),
  count: async (table) => Number((await last!.query(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0].n),
  async refuseStatistics(feature, message) {
    await last!.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT name FROM objects WHERE id = NEW.object_id) = '${feature}' THEN RAISE EXCEPTION '${message}'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse BEFORE INSERT ON statistics FOR EACH ROW EXECUTE FUNCTION refuse();`);
  },
  allowStatistics: async () => void (await last!.query('DROP TRIGGER refuse ON statistics; DROP FUNCTION refuse()')),
  async cleanup() {
    for (const d of databases) await d.drop();
    databases = [];
  },
});
