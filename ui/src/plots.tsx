/**
 * Statistics as plots (Observable Plot, rendered to SVG): a histogram (one
 * bar per non-empty bin) or the top values (one bar per value), the share of
 * NULLs and the distinct count, and a statistic across applies over time.
 */
import * as Plot from '@observablehq/plot';
import { useEffect, useRef } from 'preact/hooks';
import type { Scalar, Statistics } from './api';

/** Mounts what `make` draws (an SVG or a figure) and redraws when `deps` change. */
function PlotBox({ make, name, deps }: { make: () => SVGSVGElement | HTMLElement; name: string; deps: unknown[] }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = make();
    ref.current?.replaceChildren(el);
    return () => el.remove();
    // Redrawn when the data change (`deps`), not on every render.
  }, deps);
  return <div class="plot" data-plot={name} ref={ref} />;
}

/** ISO text (DATE and TIMESTAMP statistics) → a Date; numbers unchanged. */
export function axisValue(v: number | string | null): number | Date | null {
  if (typeof v === 'string') {
    const d = new Date(v.length === 10 ? `${v}T00:00:00Z` : v);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return v;
}

export const fmtNumber = (v: number) => (Number.isInteger(v) ? v.toLocaleString('en-US') : Math.abs(v) >= 1000 ? v.toLocaleString('en-US', { maximumFractionDigits: 1 }) : Number(v.toPrecision(4)).toString());
export const fmtValue = (v: Scalar | undefined): string => (v === null || v === undefined ? 'NULL' : typeof v === 'number' ? fmtNumber(v) : String(v));

const ACCENT = '#2b5fd9';

export function Histogram({ stats, width = 560 }: { stats: Statistics; width?: number }) {
  const bins = stats.histogram.filter((b) => b.count > 0).map((b) => ({ lower: axisValue(b.lower), upper: axisValue(b.upper), count: b.count, label: `${fmtValue(b.lower as Scalar)} – ${fmtValue(b.upper as Scalar)}: ${b.count.toLocaleString('en-US')}` }));
  return (
    <PlotBox
      name="histogram"
      deps={[stats, width]}
      make={() =>
        Plot.plot({
          width,
          height: 220,
          marginLeft: 48,
          style: { fontSize: '12px', background: 'transparent' },
          x: { label: 'value', grid: false },
          y: { label: 'keys', grid: true },
          marks: [Plot.rectY(bins, { x1: 'lower', x2: 'upper', y: 'count', fill: ACCENT, inset: 1, title: 'label' }), Plot.ruleY([0])],
        })
      }
    />
  );
}

export function TopValues({ stats, width = 560 }: { stats: Statistics; width?: number }) {
  const rows = stats.top_values.map((t) => ({ value: fmtValue(t.value), count: t.count, label: `${fmtValue(t.value)}: ${t.count.toLocaleString('en-US')}` }));
  const longest = Math.max(4, ...rows.map((r) => r.value.length));
  return (
    <PlotBox
      name="top-values"
      deps={[stats, width]}
      make={() =>
        Plot.plot({
          width,
          height: 30 + rows.length * 24,
          marginLeft: Math.min(180, 12 + longest * 7),
          marginRight: 40,
          style: { fontSize: '12px', background: 'transparent' },
          x: { label: 'keys', grid: true },
          y: { label: null, domain: rows.map((r) => r.value) },
          marks: [
            Plot.barX(rows, { y: 'value', x: 'count', fill: ACCENT, title: 'label' }),
            Plot.text(rows, { y: 'value', x: 'count', text: (d: { count: number }) => d.count.toLocaleString('en-US'), dx: 4, textAnchor: 'start', fill: '#475467' }),
            Plot.ruleX([0]),
          ],
        })
      }
    />
  );
}

/** Values and NULLs as one bar, and the distinct count. */
export function Completeness({ stats }: { stats: Statistics }) {
  const total = stats.count + stats.nulls;
  const share = total === 0 ? 0 : stats.nulls / total;
  return (
    <div class="completeness" data-nulls={stats.nulls} data-distinct={stats.distinct}>
      <div class="bar" title={`${stats.count} values, ${stats.nulls} NULL`}>
        <span class="present" style={{ width: `${(1 - share) * 100}%` }} />
        <span class="nulls" style={{ width: `${share * 100}%` }} />
      </div>
      <div class="legend">
        <span>
          <i class="swatch present" /> {stats.count.toLocaleString('en-US')} values
        </span>
        <span>
          <i class="swatch nulls" /> {stats.nulls.toLocaleString('en-US')} NULL ({(share * 100).toFixed(share > 0 && share < 0.01 ? 2 : 1)}%)
        </span>
        <span>{stats.distinct.toLocaleString('en-US')} distinct</span>
      </div>
    </div>
  );
}

export type HistoryStat = 'mean' | 'median' | 'nulls' | 'distinct' | 'count';

/** One statistic of every apply that recorded statistics, in the order of the applies, each labelled with its time (with the quartile band for mean and median). */
export function StatisticHistory({ history, stat, width = 560 }: { history: { applied_at: string; apply_id: number; statistics: Statistics }[]; stat: HistoryStat; width?: number }) {
  const rows = history.map((h) => {
    const s = h.statistics;
    const v = stat === 'nulls' || stat === 'distinct' || stat === 'count' ? s[stat] : axisValue(s[stat]);
    // Applies may be seconds or months apart: one step per apply, its time under it (ISO, to the second).
    const at = `apply ${h.apply_id}\n${h.applied_at.replace(/\.\d+Z$/, 'Z').replace('T', ' ')}`;
    return { at, apply: h.apply_id, value: v, q1: axisValue(s.q1), q3: axisValue(s.q3) };
  });
  const valued = rows.filter((r) => r.value !== null);
  const band = (stat === 'mean' || stat === 'median') && valued.every((r) => r.q1 !== null && r.q3 !== null);
  const counts = stat === 'nulls' || stat === 'distinct' || stat === 'count';
  return (
    <PlotBox
      name="history"
      deps={[history, stat, width]}
      make={() =>
        Plot.plot({
          width,
          height: 230,
          marginLeft: 52,
          marginBottom: 44,
          marginRight: 40,
          style: { fontSize: '12px', background: 'transparent' },
          x: { type: 'point', label: null, domain: rows.map((r) => r.at), padding: 0.4 },
          y: { label: stat === 'nulls' ? 'NULLs' : stat, grid: true, zero: counts, nice: true },
          marks: [
            ...(band ? [Plot.areaY(valued, { x: 'at', y1: 'q1', y2: 'q3', fill: ACCENT, fillOpacity: 0.12 })] : []),
            ...(band ? [Plot.text(valued.slice(-1), { x: 'at', y: 'q3', text: () => 'q1–q3', dx: 8, dy: 8, textAnchor: 'start', fill: '#667085' })] : []),
            Plot.lineY(valued, { x: 'at', y: 'value', stroke: ACCENT, strokeWidth: 2 }),
            Plot.dot(valued, { x: 'at', y: 'value', fill: ACCENT, r: 4, title: (d: { apply: number; value: number | Date }) => `apply ${d.apply}: ${d.value instanceof Date ? d.value.toISOString() : fmtNumber(d.value)}` }),
            Plot.text(valued, { x: 'at', y: 'value', text: (d: { value: number | Date }) => (d.value instanceof Date ? d.value.toISOString().slice(0, 10) : fmtNumber(d.value)), dy: -10, fill: '#344054' }),
          ],
        })
      }
    />
  );
}

/** Drift: the share of values per bucket then (fitted/profiled) and now (served). */
export function DriftBuckets({ buckets, width = 360 }: { buckets: { label: string; then: number; now: number }[]; width?: number }) {
  const sumThen = buckets.reduce((a, b) => a + b.then, 0) || 1;
  const sumNow = buckets.reduce((a, b) => a + b.now, 0) || 1;
  // Categories come as JSON text (`"US"`): shown as the value.
  const shown = (label: string) => {
    if (!label.startsWith('"')) return label;
    try {
      return String(JSON.parse(label));
    } catch {
      return label;
    }
  };
  buckets = buckets.map((b) => ({ ...b, label: shown(b.label) }));
  const rows = buckets.flatMap((b) => [
    { bucket: b.label, when: 'then', share: b.then / sumThen },
    { bucket: b.label, when: 'now', share: b.now / sumNow },
  ]);
  return (
    <PlotBox
      name="drift"
      deps={[buckets, width]}
      make={() =>
        Plot.plot({
          width,
          height: buckets.length > 6 ? 96 : 118,
          marginTop: 8,
          marginBottom: buckets.length > 6 ? 8 : 24,
          marginLeft: 40,
          style: { fontSize: '11px', background: 'transparent' },
          // Many buckets (histogram bins): no labels under them (each bar's title says which); categories are named.
          fx: { label: null, domain: buckets.map((b) => b.label), axis: buckets.length > 6 ? null : 'bottom', padding: 0.15 },
          x: { axis: null, domain: ['then', 'now'] },
          y: { label: null, grid: true, tickFormat: '%', ticks: 3 },
          color: { domain: ['then', 'now'], range: ['#98a2b3', ACCENT], legend: false },
          marks: [Plot.barY(rows, { fx: 'bucket', x: 'when', y: 'share', fill: 'when', title: (d: { bucket: string; when: string; share: number }) => `${d.bucket} ${d.when}: ${(d.share * 100).toFixed(1)}%` }), Plot.ruleY([0])],
        })
      }
    />
  );
}
