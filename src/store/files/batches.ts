/**
 * A result table written batch by batch (a training set or a spine's rows
 * streamed over HTTP), in the formats `fsql train --out` writes (write.ts):
 *
 * - CSV: `csvBatch` turns each batch into text as it arrives (header first);
 * - Parquet, whose footer comes last: `ParquetBatches` appends the batches
 *   to a DuckDB database file in a temporary folder (DuckDB keeps only its
 *   buffer pool in memory, `memory_limit`), and `finish()` copies it to a
 *   Parquet file there — the same writer and types as `fsql train`.
 *   `close()` removes the folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { ColumnInfo } from '../../check/catalog.js';
import { valueText, type Value } from '../../engine/values.js';
import type { OutputColumn } from './write.js';

/** CSV text of a batch (with the header line first when `header`), as `fsql train --out x.csv` writes it. */
export function csvBatch(columns: readonly OutputColumn[], rows: readonly (readonly Value[])[], header: boolean): string {
  const text = rows.map((r) =>
    columns.map((c, j) => {
      const v = valueText(r[j] ?? null, c.type);
      return v === null ? '' : typeof v === 'boolean' ? String(v) : v;
    }),
  );
  return stringify(header ? [columns.map((c) => c.name), ...text] : text);
}

const TABLE = '__out';

export class ParquetBatches {
  private constructor(
    private readonly dir: string,
    private readonly engine: import('../../engine/duckdb.js').DuckdbEngine,
    private readonly columns: readonly ColumnInfo[],
  ) {}

  static async open(columns: readonly OutputColumn[], memoryLimit = '256MB'): Promise<ParquetBatches> {
    const dir = mkdtempSync(join(tmpdir(), 'fsql-parquet-'));
    try {
      const { openDuckdb } = await import('../../engine/duckdb.js');
      const engine = await openDuckdb(join(dir, 'rows.duckdb'));
      await engine.execute(`SET memory_limit = '${memoryLimit.replace(/[^0-9A-Za-z]/g, '')}'; SET preserve_insertion_order = true; SET threads = 1`);
      const info = columns.map((c) => ({ name: c.name, type: c.type, nullable: true }));
      await engine.createTable(TABLE, info);
      return new ParquetBatches(dir, engine, info);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  async append(rows: readonly (readonly Value[])[]): Promise<void> {
    const objects = rows.map((r) => {
      const o: Record<string, Value> = {};
      this.columns.forEach((c, j) => (o[c.name] = r[j] ?? null));
      return o;
    });
    await this.engine.insertRows(TABLE, this.columns, objects);
  }

  /** Writes the Parquet file and returns its path (inside the temporary folder). */
  async finish(): Promise<string> {
    const path = join(this.dir, 'rows.parquet');
    await this.engine.execute(`COPY "${TABLE}" TO '${path.replaceAll("'", "''")}' (FORMAT PARQUET)`);
    await this.engine.close();
    return path;
  }

  async close(): Promise<void> {
    await this.engine.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
