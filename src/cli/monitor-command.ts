/**
 * `fsql monitor drift` and `fsql monitor freshness` (docs/monitoring.md): the
 * reports of `GET /v1/monitoring/drift` and `/freshness`, on the project's
 * stores, as a table or the API's JSON. `drift` exits 1 when a version's PSI
 * is above the threshold (for CI and cron).
 */
import type { EngineTarget } from '../engine/engine.js';
import { timestampText } from '../engine/values.js';
import { drift } from '../runtime/drift.js';
import { RuntimeError } from '../runtime/errors.js';
import { freshness } from '../runtime/freshness.js';
import { driftJson, freshnessJson } from '../server/monitoring-json.js';
import { reportRuntimeError, withWorkspace, type RuntimeIo } from './runtime-commands.js';

export interface MonitorOptions {
  readonly format: 'text' | 'json';
  readonly engine?: EngineTarget;
}

const num = (x: number | null, digits = 4): string => (x === null ? '-' : x.toFixed(digits));
const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);
const time = (t: number | null): string => (t === null ? '-' : `${timestampText(t)}`);

/** `1d 2h`, `3h 4m`, `5m 6s`, `7s`: an age for people. */
export function age(seconds: number | null): string {
  if (seconds === null) return '-';
  const sign = seconds < 0 ? '-' : '';
  let s = Math.round(Math.abs(seconds));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = d > 0 ? [`${d}d`, `${h}h`] : h > 0 ? [`${h}h`, `${m}m`] : m > 0 ? [`${m}m`, `${s}s`] : [`${s}s`];
  return sign + parts.join(' ');
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_c, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

export async function runMonitorDrift(path: string, options: MonitorOptions & { readonly threshold?: number }, io: RuntimeIo): Promise<number> {
  return withWorkspace(path, io, { engine: options.engine, format: options.format }, async (ws) => {
    try {
      const report = await drift(ws, options.threshold !== undefined ? { threshold: options.threshold } : {});
      if (options.format === 'json') io.stdout(`${JSON.stringify(driftJson(report), null, 2)}\n`);
      else if (report.features.length === 0) io.stdout('No feature version is served yet: run `fsql materialize` first.\n');
      else {
        const rows = [['FEATURE', 'ENTITY', 'KIND', 'PSI', 'NULLS NOW', 'NULLS THEN', 'ROWS', 'STATUS']];
        for (const f of report.features) {
          rows.push([`${f.feature}@${f.version}`, f.entity, f.kind, num(f.psi), pct(f.nullShareNow), pct(f.nullShareThen), String(f.rows), f.status === 'unknown' ? `unknown: ${f.reason ?? ''}` : f.status]);
        }
        io.stdout(table(rows));
        io.stdout(`${report.drifted} of ${report.features.length} feature version${report.features.length === 1 ? '' : 's'} drifted (PSI > ${report.threshold})\n`);
      }
      return report.drifted > 0 ? 1 : 0;
    } catch (e) {
      if (e instanceof RuntimeError) return reportRuntimeError(e, io, undefined, options.format);
      throw e;
    }
  });
}

export async function runMonitorFreshness(path: string, options: MonitorOptions, io: RuntimeIo): Promise<number> {
  return withWorkspace(path, io, { engine: options.engine, format: options.format }, async (ws) => {
    try {
      const report = await freshness(ws);
      if (options.format === 'json') {
        io.stdout(`${JSON.stringify(freshnessJson(report), null, 2)}\n`);
        return 0;
      }
      io.stdout(`As of ${time(report.now)} UTC\n\nSources (newest event time in the offline store)\n`);
      io.stdout(report.sources.length === 0 ? '  none with an event time\n' : table([['  SOURCE', 'ORIGIN', 'NEWEST EVENT', 'AGE'], ...report.sources.map((s) => [`  ${s.source}`, s.origin, time(s.newestEventTime), age(s.lagSeconds)])]));
      io.stdout('\nFeature versions\n');
      io.stdout(
        report.features.length === 0
          ? '  none registered\n'
          : table([['  FEATURE', 'ENTITY', 'RELATION', 'NEWEST EVENT', 'AGE'], ...report.features.map((f) => [`  ${f.feature}@${f.version}`, f.entity, f.relation, time(f.newestEventTime), age(f.lagSeconds)])]),
      );
      io.stdout('\nOnline vectors\n');
      io.stdout(
        report.entities.length === 0
          ? '  no entity has features\n'
          : table([
              ['  ENTITY', 'KEYS', 'AS OF', 'MATERIALIZED', 'UPDATED', 'SINCE UPDATE'],
              ...report.entities.map((e) => (e.materialized ? [`  ${e.entity}`, String(e.keys), time(e.asOf), time(e.materializedAt), time(e.updatedAt), age(e.secondsSinceUpdate)] : [`  ${e.entity}`, '0', 'never materialized', '-', '-', '-'])),
            ]),
      );
      return 0;
    } catch (e) {
      if (e instanceof RuntimeError) return reportRuntimeError(e, io, undefined, options.format);
      throw e;
    }
  });
}
