/** Search across every kind of object by name, description, tag and owner (the registry API's own filters). */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { getJson, KIND_LABEL, KINDS, newestByName, objectsUrl, type Kind, type Summary } from './api';
import { href, objectHref, type Route } from './route';
import { useFetch } from './use-fetch';

export function KindBadge({ kind }: { kind: Kind }) {
  return <span class={`kind kind-${kind}`}>{KIND_LABEL[kind]}</span>;
}

export function Tags({ tags }: { tags: string[] }) {
  return (
    <span class="tags">
      {tags.map((t) => (
        <a class="tag" href={href([], { tag: t })} key={t}>
          {t}
        </a>
      ))}
    </span>
  );
}

export function SearchPage({ route }: { route: Route }) {
  const p = route.params;
  const filters = { q: p.get('q') ?? '', kind: p.get('kind') ?? '', tag: p.get('tag') ?? '', owner: p.get('owner') ?? '' };
  const [text, setText] = useState(filters.q);
  useEffect(() => setText(filters.q), [filters.q]);
  // Typing filters at once; the address follows without adding history entries.
  useEffect(() => {
    if (text === filters.q) return;
    const t = setTimeout(() => {
      history.replaceState(null, '', href([], { ...filters, q: text }));
      dispatchEvent(new HashChangeEvent('hashchange'));
    }, 150);
    return () => clearTimeout(t);
  }, [text]);
  const all = useFetch<{ objects: Summary[] }>('/v1/registry/objects');
  const found = useFetch<{ objects: Summary[] }>(objectsUrl(filters));
  const facets = useMemo(() => {
    const tags = new Map<string, number>();
    const owners = new Map<string, number>();
    const kinds = new Map<Kind, number>();
    for (const { newest } of newestByName(all.data?.objects ?? [])) {
      for (const t of newest.metadata.tags) tags.set(t, (tags.get(t) ?? 0) + 1);
      if (newest.metadata.owner) owners.set(newest.metadata.owner, (owners.get(newest.metadata.owner) ?? 0) + 1);
      kinds.set(newest.kind, (kinds.get(newest.kind) ?? 0) + 1);
    }
    const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    return { tags: sorted(tags), owners: sorted(owners), kinds };
  }, [all.data]);
  const results = newestByName(found.data?.objects ?? []);
  const set = (k: string, v: string) => href([], { ...filters, q: text, [k]: v });
  return (
    <div class="search-page">
      <div class="search-box">
        <input
          type="search"
          id="search"
          placeholder="Search names, descriptions, tags and owners…"
          value={text}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
          autofocus
          aria-label="search"
        />
      </div>
      <div class="facets">
        <div class="facet-row">
          <span class="facet-label">kind</span>
          <a class={`chip${filters.kind === '' ? ' on' : ''}`} href={set('kind', '')}>
            all
          </a>
          {KINDS.map((k) => (
            <a key={k} class={`chip kind-chip kind-${k}${filters.kind === k ? ' on' : ''}`} href={set('kind', filters.kind === k ? '' : k)} data-kind={k}>
              {KIND_LABEL[k]} <small>{facets.kinds.get(k) ?? 0}</small>
            </a>
          ))}
        </div>
        <div class="facet-row">
          <span class="facet-label">tag</span>
          {facets.tags.map(([t, n]) => (
            <a key={t} class={`chip${filters.tag === t ? ' on' : ''}`} href={set('tag', filters.tag === t ? '' : t)} data-tag={t}>
              {t} <small>{n}</small>
            </a>
          ))}
        </div>
        <div class="facet-row">
          <span class="facet-label">owner</span>
          {facets.owners.map(([o, n]) => (
            <a key={o} class={`chip${filters.owner === o ? ' on' : ''}`} href={set('owner', filters.owner === o ? '' : o)} data-owner={o}>
              {o} <small>{n}</small>
            </a>
          ))}
        </div>
      </div>
      {found.error && <p class="error">{found.error}</p>}
      <p class="result-count" data-count={results.length}>
        {found.data ? `${results.length} object${results.length === 1 ? '' : 's'}` : 'searching…'}
        {filters.tag && ` tagged ${filters.tag}`}
        {filters.owner && ` owned by ${filters.owner}`}
        {filters.q && ` matching “${filters.q}”`}
      </p>
      <ul class="results">
        {results.map(({ newest, versions }) => (
          <li key={`${newest.kind}:${newest.name}`} class="result" data-name={newest.name} data-kind={newest.kind}>
            <div class="result-head">
              <KindBadge kind={newest.kind} />
              <a class="result-name" href={objectHref(newest.name)}>
                {newest.name}
              </a>
              <span class="muted">
                v{newest.version}
                {versions.length > 1 ? ` · ${versions.length} versions` : ''}
              </span>
              {newest.retired && <span class="badge retired">retired</span>}
              {newest.fit === 'awaiting' && <span class="badge awaiting">awaiting fit</span>}
            </div>
            {newest.metadata.description && <div class="result-desc">{newest.metadata.description}</div>}
            <div class="result-meta">
              {newest.metadata.owner && (
                <a class="owner" href={href([], { owner: newest.metadata.owner })}>
                  {newest.metadata.owner}
                </a>
              )}
              <Tags tags={newest.metadata.tags} />
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

export { getJson };
