/** One object: definition, metadata, statistics, fitted parameters, versions with diffs, lineage. */
import { useEffect, useState } from 'preact/hooks';
import { objectsUrl, objectUrl, type ObjectDetail, type Ref, type Summary } from './api';
import { DiffView } from './diffview';
import { Code } from './highlight';
import { LineageGraph } from './lineage';
import { Completeness, Histogram, StatisticHistory, TopValues, fmtValue, type HistoryStat } from './plots';
import { href, objectHref, type Route } from './route';
import { KindBadge, Tags } from './search';
import { useFetch } from './use-fetch';
import { fittedInWords, when } from './words';

function RefList({ refs, empty }: { refs: Ref[]; empty: string }) {
  if (refs.length === 0) return <p class="muted">{empty}</p>;
  return (
    <ul class="refs">
      {refs.map((r) => (
        <li key={`${r.kind}:${r.name}@${r.version}`}>
          <KindBadge kind={r.kind} /> <a href={objectHref(r.name, r.version)}>{r.name}</a> <span class="muted">v{r.version}</span>
        </li>
      ))}
    </ul>
  );
}

function Section({ id, title, children, aside }: { id: string; title: string; children: preact.ComponentChildren; aside?: preact.ComponentChildren }) {
  return (
    <section id={id} class="card">
      <header class="card-head">
        <h2>{title}</h2>
        {aside}
      </header>
      {children}
    </section>
  );
}

function StatisticsSection({ o }: { o: ObjectDetail }) {
  const [stat, setStat] = useState<HistoryStat>('mean');
  const s = o.statistics;
  const history = o.statistics_history ?? [];
  if (!s) return <Section id="statistics" title="Statistics"><p class="muted">No statistics recorded for this version yet (they are recorded by `fsql apply`).</p></Section>;
  const numeric = s.histogram.length > 0;
  const numericHistory = history.some((h) => h.statistics.mean !== null);
  const choices: HistoryStat[] = numericHistory ? ['mean', 'median', 'nulls', 'distinct', 'count'] : ['nulls', 'distinct', 'count'];
  const shown = choices.includes(stat) ? stat : choices[0]!;
  return (
    <Section id="statistics" title={`Statistics of version ${o.version}`} aside={<span class="muted">the population at its last apply: one raw value per key, before FILL and SCALE</span>}>
      <div class="stats-grid">
        <div>
          <h3>{numeric ? 'Distribution' : 'Most frequent values'}</h3>
          {numeric ? <Histogram stats={s} /> : s.top_values.length > 0 ? <TopValues stats={s} /> : <p class="muted">No values.</p>}
          <Completeness stats={s} />
        </div>
        <div>
          <table class="numbers">
            <tbody>
              {(
                [
                  ['values', s.count],
                  ['NULL', s.nulls],
                  ['distinct', s.distinct],
                  ['mean', s.mean],
                  ['std. deviation', s.stddev],
                  ['min', s.min],
                  ['1st quartile', s.q1],
                  ['median', s.median],
                  ['3rd quartile', s.q3],
                  ['max', s.max],
                ] as [string, number | string | null][]
              )
                .filter(([, v]) => v !== null)
                .map(([k, v]) => (
                  <tr key={k}>
                    <th>{k}</th>
                    <td>{fmtValue(v)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
          {numeric && s.top_values.length > 0 && (
            <details class="top-details">
              <summary>most frequent values</summary>
              <TopValues stats={s} width={340} />
            </details>
          )}
        </div>
      </div>
      {history.length > 0 && (
        <div class="history">
          <h3>
            Across applies{' '}
            <span class="muted">
              ({history.length} appl{history.length === 1 ? 'y' : 'ies'} recorded statistics)
            </span>
          </h3>
          <div class="segmented">
            {choices.map((c) => (
              <button type="button" key={c} class={c === shown ? 'on' : ''} onClick={() => setStat(c)}>
                {c}
              </button>
            ))}
          </div>
          <StatisticHistory history={history} stat={shown} width={760} />
        </div>
      )}
    </Section>
  );
}

function VersionsSection({ o, all }: { o: ObjectDetail; all: Summary[] }) {
  const versions = [...all].sort((a, b) => a.version - b.version);
  const [from, setFrom] = useState<number>(() => versions.filter((v) => v.version < o.version).at(-1)?.version ?? versions[0]?.version ?? o.version);
  const [to, setTo] = useState<number>(o.version);
  useEffect(() => {
    setTo(o.version);
    setFrom(versions.filter((v) => v.version < o.version).at(-1)?.version ?? versions[0]?.version ?? o.version);
  }, [o.name, o.version, all.length]);
  const a = useFetch<ObjectDetail>(objectUrl(o.name, from));
  const b = useFetch<ObjectDetail>(objectUrl(o.name, to));
  const select = (value: number, set: (n: number) => void, id: string) => (
    <select id={id} value={value} onChange={(e) => set(Number((e.target as HTMLSelectElement).value))}>
      {versions.map((v) => (
        <option key={v.version} value={v.version}>
          VERSION {v.version}
          {v.retired ? ' (retired)' : ''}
        </option>
      ))}
    </select>
  );
  return (
    <Section id="versions" title="Versions">
      <table class="versions">
        <thead>
          <tr>
            <th>version</th>
            <th>registered</th>
            <th>last change</th>
            <th>hash</th>
            <th>state</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version} class={`${v.version === o.version ? 'current' : ''}${v.retired ? ' retired-row' : ''}`} data-version={v.version}>
              <td class="time">
                <a href={objectHref(v.name, v.version)}>VERSION {v.version}</a>
              </td>
              <td class="time">{when(v.registered_at)}</td>
              <td class="time">
                {when(v.updated_at)} <span class="muted">rev {v.revision}</span>
              </td>
              <td>
                <code>{v.hash.slice(0, 12)}</code>
              </td>
              <td>
                {v.retired ? (
                  <span class="retired-reason">
                    <span class="badge retired">retired</span> {when(v.retired.at)}: {v.retired.reason}
                  </span>
                ) : v.fit === 'awaiting' ? (
                  <span class="badge awaiting">awaiting fit</span>
                ) : (
                  <span class="badge ok">active</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {versions.length > 1 ? (
        <div class="diff-box">
          <div class="diff-pick">
            <label for="diff-from">diff</label>
            {select(from, setFrom, 'diff-from')}
            <label for="diff-to">→</label>
            {select(to, setTo, 'diff-to')}
          </div>
          {a.data && b.data ? <DiffView before={a.data.text} after={b.data.text} /> : <p class="muted">loading…</p>}
        </div>
      ) : (
        <p class="muted">One version: a changed definition registers as a new VERSION, and the diff between any two appears here.</p>
      )}
      {o.revisions.length > 1 && (
        <>
          <h3>Changes to version {o.version}</h3>
          <ul class="revisions">
            {o.revisions.map((r) => (
              <li key={r.revision}>
                rev {r.revision} · {r.change} · apply {r.apply_id} at {when(r.applied_at)}
              </li>
            ))}
          </ul>
        </>
      )}
    </Section>
  );
}

export function ObjectPage({ route }: { route: Route }) {
  const name = route.path[1] ?? '';
  const v = route.params.get('version');
  const version = v && /^\d+$/.test(v) ? Number(v) : undefined;
  const detail = useFetch<ObjectDetail>(objectUrl(name, version));
  const all = useFetch<{ objects: Summary[] }>(objectsUrl({ name }));
  useEffect(() => {
    document.title = `${name} · fsql registry`;
  }, [name]);
  if (detail.error) return <p class="error">{detail.error}</p>;
  const o = detail.data;
  if (!o) return <p class="muted">loading…</p>;
  const versions = (all.data?.objects ?? []).filter((x) => x.kind === o.kind);
  const m = o.metadata;
  return (
    <div class="object-page" data-kind={o.kind} data-name={o.name} data-version={o.version}>
      <div class="object-head">
        <div>
          <div class="crumbs">
            <a href={href([])}>registry</a> / <a href={href([], { kind: o.kind })}>{o.kind.replace('_', ' ')}s</a>
          </div>
          <h1>
            <KindBadge kind={o.kind} /> {o.name} <span class="version-pill">VERSION {o.version}</span>
          </h1>
          {m.description && <p class="description">{m.description}</p>}
          <div class="result-meta">
            {m.owner && (
              <a class="owner" href={href([], { owner: m.owner })}>
                {m.owner}
              </a>
            )}
            <Tags tags={m.tags} />
          </div>
        </div>
        {o.versions.length > 1 && (
          <nav class="version-tabs">
            {o.versions.map((n) => (
              <a key={n} href={objectHref(o.name, n)} class={n === o.version ? 'on' : ''}>
                v{n}
              </a>
            ))}
          </nav>
        )}
      </div>
      {o.retired && (
        <div class="banner retired-banner">
          Retired at {when(o.retired.at)}: {o.retired.reason}. Never computed again: lookups answer 410, training sets refuse it.
        </div>
      )}
      <div class="object-grid">
        <div class="main-col">
          <Section id="definition" title="Definition">
            <Code text={o.text} />
          </Section>
          {o.kind === 'feature' && <StatisticsSection o={o} />}
          {o.fitted_parameters && (
            <Section id="fitted" title="Fitted parameters">
              <div class="fitted-words">
                {fittedInWords(o.fitted_parameters).map((line) => (
                  <p key={line}>{line}</p>
                ))}
              </div>
            </Section>
          )}
          <VersionsSection o={o} all={versions} />
        </div>
        <aside class="side-col">
          <section class="card">
            <h2>About</h2>
            <dl class="facts">
              <dt>registered</dt>
              <dd>{when(o.registered_at)}</dd>
              <dt>last change</dt>
              <dd>
                {when(o.updated_at)} (revision {o.revision})
              </dd>
              {o.fit && (
                <>
                  <dt>fit</dt>
                  <dd>{o.fit === 'not_needed' ? 'not needed' : o.fit === 'awaiting' ? 'awaiting data' : 'fitted'}</dd>
                </>
              )}
              <dt>hash</dt>
              <dd>
                <code title={o.hash}>{o.hash.slice(0, 16)}…</code>
              </dd>
            </dl>
          </section>
          <section class="card">
            <h2>Reads</h2>
            <RefList refs={o.dependencies} empty="Nothing: it is where data enters." />
            <h2>Read by</h2>
            <RefList refs={o.dependents} empty="Nothing reads it yet." />
          </section>
          {o.pins && o.pins.length > 0 && (
            <section class="card">
              <h2>Pinned inputs</h2>
              <ul class="refs">
                {o.pins.map((p) => (
                  <li key={`${p.kind}:${p.name}`}>
                    <KindBadge kind={p.kind} /> <a href={objectHref(p.name)}>{p.name}</a> <span class="muted">rev {p.revision}</span>
                    {!p.current && <span class="badge awaiting">older revision</span>}
                  </li>
                ))}
              </ul>
            </section>
          )}
        </aside>
      </div>
      <Section id="lineage" title="Lineage" aside={<span class="muted">{o.lineage.upstream.length} upstream · {o.lineage.downstream.length} downstream</span>}>
        <LineageGraph lineage={o.lineage} />
      </Section>
    </div>
  );
}
