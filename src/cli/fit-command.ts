/**
 * `fsql fit NAME [PATH] [--version N] [--at T]`: fits a feature version
 * awaiting its fit (src/runtime/fit.ts). Exits 0 when fitted; 1 when the
 * population is still empty, the version is already fitted or has nothing to
 * fit, or there is no such feature.
 */
import { timestampText } from '../engine/values.js';
import type { EngineTarget } from '../engine/engine.js';
import { RuntimeError } from '../runtime/errors.js';
import { fitFeature } from '../runtime/fit.js';
import type { OutputFormat } from './registry-commands.js';
import { reportRuntimeError, withWorkspace, type RuntimeIo } from './runtime-commands.js';

export interface FitCommandOptions {
  readonly version?: number;
  readonly at?: number;
  readonly engine?: EngineTarget;
  readonly format: OutputFormat;
}

export async function runFit(name: string, path: string, options: FitCommandOptions, io: RuntimeIo): Promise<number> {
  return withWorkspace(path, io, { engine: options.engine, format: options.format }, async (ws) => {
    try {
      const r = await fitFeature(ws, name, { ...(options.version !== undefined ? { version: options.version } : {}), ...(options.at !== undefined ? { at: options.at } : {}) });
      const p = r.parameters;
      if (options.format === 'json') {
        io.stdout(`${JSON.stringify({ applyId: r.applyId, feature: r.feature, version: r.version, fittedParameters: p }, null, 2)}\n`);
        return 0;
      }
      io.stdout(
        `Fitted feature ${r.feature} VERSION ${r.version}${p.fitTime !== null ? ` as of ${timestampText(p.fitTime)} UTC` : ''} over ${p.count.toLocaleString('en-US')} value${p.count === 1 ? '' : 's'} (apply #${r.applyId}).\n` +
          'Online vectors show it after the next `fsql materialize` (or an ingest that touches its entity).\n',
      );
      return 0;
    } catch (e) {
      if (e instanceof RuntimeError) return reportRuntimeError(e, io, undefined, options.format);
      throw e;
    }
  });
}
