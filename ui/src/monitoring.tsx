/**
 * Monitoring: drift of served values against the profile of each feature
 * version (GET /v1/monitoring/drift), freshness of sources, features and
 * entities (GET /v1/monitoring/freshness), and the online state (/health).
 * A server without the monitoring endpoints (404) is said to have none.
 */
import * as Plot from '@observablehq/plot';
import { useEffect, useRef } from 'preact/hooks';
import { DriftBuckets, fmtNumber } from './plots';
import { href, objectHref } from './route';
import { useFetch } from './use-fetch';
import { duration, when } from './words';

export interface DriftJson {
  threshold: number;
  epsilon: number;
  drifted: number;
  features: {
    feature: string;
    version: number;
    entity: string;
    kind: 'numeric' | 'categorical' | 'one_hot';
    psi: number | null;
    null_share_now: number | null;
    null_share_then: number | null;
    rows: number;
    rows_then: number;
    status: 'ok' | 'drifted' | 'unknown';
    reason?: string;
    buckets: { label: string; then: number; now: number }[];
  }[];
}

export interface FreshnessJson {
  now: string;
  sources: { source: string; origin: string; newest_event_time: string | null; lag_seconds: number | null }[];
  features: { feature: string; version: number; entity: string; relation: string; newest_event_time: string | null; lag_seconds: number | null }[];
  entities: { entity: string; materialized: boolean; keys: number; as_of: string | null; materialized_at: string | null; updated_at: string | null; seconds_since_update: number | null }[];
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(x > 0 && x < 0.01 ? 2 : 1)}%`);
const ago = (s: number | null) => (s === null ? '—' : s < 0 ? `in ${duration(-s)}` : `${duration(s)} ago`);

/** PSI of every served version as one bar chart, with the threshold as a rule. */
function PsiChart({ drift }: { drift: DriftJson }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const rows = drift.features.filter((f) => f.psi !== null).map((f) => ({ label: `${f.feature} v${f.version}`, psi: f.psi!, status: f.status }));
    const el = Plot.plot({
      width: 900,
      height: 40 + rows.length * 22,
      marginLeft: 210,
      style: { fontSize: '12px', background: 'transparent' },
      x: { label: 'PSI (population stability index)', grid: true },
      y: { label: null, domain: rows.map((r) => r.label) },
      color: { domain: ['ok', 'drifted'], range: ['#2b5fd9', '#d92d20'] },
      marks: [
        Plot.barX(rows, { y: 'label', x: 'psi', fill: 'status', title: (d: { label: string; psi: number }) => `${d.label}: PSI ${d.psi.toFixed(4)}` }),
        Plot.ruleX([drift.threshold], { stroke: '#d92d20', strokeDasharray: '4,3' }),
        Plot.ruleX([0]),
      ],
    });
    ref.current?.replaceChildren(el);
    return () => el.remove();
  }, [drift]);
  return <div class="plot" data-plot="psi" ref={ref} />;
}

function DriftSection() {
  const drift = useFetch<DriftJson>('/v1/monitoring/drift');
  if (drift.status === 404) return <p class="muted">This server has no drift endpoint (GET /v1/monitoring/drift).</p>;
  if (drift.error) return <p class="error">{drift.error}</p>;
  const d = drift.data;
  if (!d) return <p class="muted">computing drift…</p>;
  if (d.features.length === 0) return <p class="muted">Nothing is served yet: materialize an entity (`fsql materialize`) to compare served values with their profiles.</p>;
  return (
    <>
      <p class={d.drifted > 0 ? 'drift-summary bad' : 'drift-summary good'} data-drifted={d.drifted}>
        {d.drifted === 0 ? `No served feature version drifted (PSI threshold ${d.threshold}).` : `${d.drifted} of ${d.features.length} served feature versions drifted above PSI ${d.threshold}.`}
      </p>
      <PsiChart drift={d} />
      <table class="monitor-table">
        <thead>
          <tr>
            <th>feature</th>
            <th>entity</th>
            <th>PSI</th>
            <th>NULL then → now</th>
            <th>values then → now</th>
            <th>
              share per bucket: <span class="swatch then" /> profiled <span class="swatch now" /> served now
            </th>
          </tr>
        </thead>
        <tbody>
          {d.features.map((f) => (
            <tr key={`${f.feature}@${f.version}`} class={`drift-${f.status}`} data-feature={f.feature}>
              <td>
                <a href={objectHref(f.feature, f.version)}>{f.feature}</a> <span class="muted">v{f.version}</span>
                <div>
                  <span class={`badge ${f.status === 'drifted' ? 'retired' : f.status === 'ok' ? 'ok' : 'awaiting'}`}>{f.status}</span>
                  {f.reason && <span class="muted"> {f.reason}</span>}
                </div>
              </td>
              <td>{f.entity}</td>
              <td class="num">{f.psi === null ? '—' : f.psi.toFixed(3)}</td>
              <td class="num">
                {pct(f.null_share_then)} → {pct(f.null_share_now)}
              </td>
              <td class="num">
                {fmtNumber(f.rows_then)} → {fmtNumber(f.rows)}
              </td>
              <td class="drift-plot">{f.buckets.length > 0 && <DriftBuckets buckets={f.buckets} width={Math.min(380, 60 + f.buckets.length * 26)} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function FreshnessSection() {
  const fresh = useFetch<FreshnessJson>('/v1/monitoring/freshness');
  if (fresh.status === 404) return <p class="muted">This server has no freshness endpoint (GET /v1/monitoring/freshness).</p>;
  if (fresh.error) return <p class="error">{fresh.error}</p>;
  const f = fresh.data;
  if (!f) return <p class="muted">loading…</p>;
  return (
    <>
      <p class="muted">As of {when(f.now)}.</p>
      <div class="fresh-grid">
        <div>
          <h3>Entities online</h3>
          <table class="monitor-table">
            <thead>
              <tr>
                <th>entity</th>
                <th>keys</th>
                <th>vectors as of</th>
                <th>last written</th>
              </tr>
            </thead>
            <tbody>
              {f.entities.map((e) => (
                <tr key={e.entity} data-entity={e.entity}>
                  <td>
                    <a href={objectHref(e.entity)}>{e.entity}</a>
                  </td>
                  <td class="num">{e.materialized ? fmtNumber(e.keys) : <span class="badge awaiting">not materialized</span>}</td>
                  <td>{when(e.as_of)}</td>
                  <td>
                    {when(e.updated_at)} <div class="muted">{ago(e.seconds_since_update)}</div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Sources</h3>
          <table class="monitor-table">
            <thead>
              <tr>
                <th>source</th>
                <th>origin</th>
                <th>newest event</th>
                <th>lag</th>
              </tr>
            </thead>
            <tbody>
              {f.sources.map((s) => (
                <tr key={s.source} data-source={s.source}>
                  <td>
                    <a href={objectHref(s.source)}>{s.source}</a>
                  </td>
                  <td>{s.origin}</td>
                  <td>{when(s.newest_event_time)}</td>
                  <td>{ago(s.lag_seconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <h3>Feature versions</h3>
          <table class="monitor-table">
            <thead>
              <tr>
                <th>feature</th>
                <th>reads</th>
                <th>newest event</th>
                <th>lag</th>
              </tr>
            </thead>
            <tbody>
              {f.features.map((x) => (
                <tr key={`${x.feature}@${x.version}`}>
                  <td>
                    <a href={objectHref(x.feature, x.version)}>{x.feature}</a> <span class="muted">v{x.version}</span>
                  </td>
                  <td>{x.relation}</td>
                  <td>{when(x.newest_event_time)}</td>
                  <td>{ago(x.lag_seconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </>
  );
}

export function MonitoringPage() {
  useEffect(() => {
    document.title = 'monitoring · fsql registry';
  }, []);
  return (
    <div class="monitoring-page">
      <div class="crumbs">
        <a href={href([])}>registry</a> / monitoring
      </div>
      <h1>Monitoring</h1>
      <section class="card" id="drift">
        <header class="card-head">
          <h2>Drift</h2>
          <span class="muted">served values now vs. the distribution each version was profiled on</span>
        </header>
        <DriftSection />
      </section>
      <section class="card" id="freshness">
        <header class="card-head">
          <h2>Freshness</h2>
          <span class="muted">newest event times, and when online vectors were last written</span>
        </header>
        <FreshnessSection />
      </section>
      <p class="muted">
        Serving metrics (request counts and latencies, keys looked up, ingest) are at <a href="/metrics">/metrics</a> in the Prometheus text format, for a Prometheus server to scrape.
      </p>
    </div>
  );
}
