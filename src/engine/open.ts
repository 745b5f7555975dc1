/**
 * Opens the embedded engine of a target. The engines' native modules load
 * only when that target is opened, so using one never requires the other.
 */
import type { Engine, EngineOptions, EngineTarget } from './engine.js';

/** Opens an engine on a database file, or in memory when `path` is omitted or `:memory:`. */
export async function openEngine(target: EngineTarget, path = ':memory:', options: EngineOptions = {}): Promise<Engine> {
  switch (target) {
    case 'sqlite': {
      const { openSqlite } = await import('./sqlite.js');
      return openSqlite(path, options);
    }
    case 'duckdb': {
      const { openDuckdb } = await import('./duckdb.js');
      return openDuckdb(path);
    }
    default:
      throw new Error(`no embedded engine for target ${String(target)}`);
  }
}
