/**
 * `fsql train --spine rows.parquet --features a,b@2 --out x.parquet [PATH]`:
 * the point-in-time features of rows of (entity keys, time) read from a file
 * (Parquet, CSV or JSONL), in the file's order — what `POST
 * /v1/historical-features` answers (src/runtime/spine.ts).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { SourceFormat } from '../check/catalog.js';
import type { EngineTarget } from '../engine/engine.js';
import type { Value } from '../engine/values.js';
import { RuntimeError } from '../runtime/errors.js';
import { defaultTimeColumn, parseFeatureRefs, prepareSpine, spineKeyNames, streamSpineRows } from '../runtime/spine.js';
import { parquetColumnNames } from '../store/files/parquet.js';
import { formatRowError, readSourceFile } from '../store/files/read.js';
import { formatFromName, OutputFileError, writeTableFile, type OutputFormat } from '../store/files/write.js';
import { outputFile, reportRuntimeError, withWorkspace, type RuntimeIo } from './runtime-commands.js';

export interface SpineCommandOptions {
  readonly spine: string;
  readonly features: string;
  readonly out: string;
  readonly format?: OutputFormat;
  /** The spine's time column (default: its one column that is not an entity key). */
  readonly time?: string;
  readonly engine?: EngineTarget;
}

/** The format of a spine file, from its name. */
function spineFormat(path: string): SourceFormat | undefined {
  const f = formatFromName(path);
  return f === 'csv' ? 'CSV' : f === 'jsonl' ? 'JSONL' : f === 'parquet' ? 'PARQUET' : undefined;
}

/** The column names of a spine file (header, first record, or Parquet schema); [] when they cannot be read (the reader then says why). */
async function columnNames(path: string, format: SourceFormat): Promise<string[]> {
  try {
    if (format === 'PARQUET') return await parquetColumnNames(path);
    const text = readFileSync(path, 'utf8');
    const first = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
    if (format === 'CSV') return (parse(first) as string[][])[0] ?? [];
    return Object.keys(JSON.parse(first) as object);
  } catch {
    return [];
  }
}

export async function runTrainSpine(path: string, options: SpineCommandOptions, io: RuntimeIo): Promise<number> {
  const spinePath = resolve(io.cwd, options.spine);
  const format = spineFormat(spinePath);
  if (format === undefined) {
    io.stderr(`fsql: --spine ${options.spine}: name a .parquet, .csv or .jsonl file\n`);
    return 2;
  }
  const target = outputFile(options, io);
  if (typeof target === 'number') return target;
  const { out, format: outFormat } = target;
  return withWorkspace(path, io, { engine: options.engine }, async (ws) => {
    try {
      const refs = parseFeatureRefs(options.features);
      const time = options.time ?? defaultTimeColumn(await columnNames(spinePath, format), await spineKeyNames(ws, refs));
      const prepared = await prepareSpine(ws, refs, time);
      const read = await readSourceFile(spinePath, format, prepared.columns);
      if ('errors' in read) {
        for (const e of read.errors) io.stderr(`fsql: ${formatRowError({ ...e, file: options.spine })}\n`);
        io.stderr(`fsql: the spine ${options.spine} has bad rows; nothing was written\n`);
        return 1;
      }
      const rows: Value[][] = [];
      await streamSpineRows(ws, prepared, read.rows, (batch) => void rows.push(...batch));
      await writeTableFile(out, outFormat, prepared.plan.columns, rows);
      io.stdout(`Wrote ${rows.length} row${rows.length === 1 ? '' : 's'} × ${prepared.plan.columns.length} columns (the spine's keys and ${time}, then the features) to ${options.out} (${outFormat})\n`);
      return 0;
    } catch (e) {
      if (e instanceof RuntimeError) return reportRuntimeError(e, io);
      if (e instanceof OutputFileError) {
        io.stderr(`fsql: ${e.message}; nothing was written\n`);
        return 1;
      }
      throw e;
    }
  });
}
