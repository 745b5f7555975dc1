/**
 * Lineage drawn both ways as an SVG graph: what the object reads (columns to
 * its left, by distance) and what reads it (to its right), edges in the
 * direction data flows. Nodes link to their pages.
 */
import type { Kind, Lineage, Ref } from './api';
import { KIND_LABEL } from './api';
import { objectHref } from './route';

export const refKey = (r: Ref) => `${r.kind}:${r.name}@${r.version}`;

interface Node {
  readonly ref: Ref;
  readonly key: string;
  layer: number;
  order: number;
}

const KIND_ORDER: Record<Kind, number> = { entity: 0, source: 1, view: 2, feature: 3, label: 4, training_set: 5 };

/** Layers: 0 the root; −n what it reads through at most n steps (the longest path), +n what reads it. */
export function layout(l: Lineage): { nodes: Node[]; edges: { from: Node; to: Node }[] } {
  const nodes = new Map<string, Node>();
  const add = (r: Ref) => {
    const key = refKey(r);
    if (!nodes.has(key)) nodes.set(key, { ref: r, key, layer: 0, order: 0 });
    return nodes.get(key)!;
  };
  const root = add(l.root);
  const up = new Set(l.upstream.map(refKey));
  const down = new Set(l.downstream.map(refKey));
  for (const r of [...l.upstream, ...l.downstream]) add(r);
  const edges = l.edges.map((e) => ({ from: add(e.from), to: add(e.to) }));
  const memo = new Map<string, number>();
  // Upstream: 1 + the longest of the paths from the node down to the root; downstream: the same upward.
  const depth = (n: Node, dir: 'up' | 'down', seen: Set<string>): number => {
    if (n === root) return 0;
    const k = `${dir}:${n.key}`;
    const known = memo.get(k);
    if (known !== undefined) return known;
    if (seen.has(n.key)) return 0;
    seen.add(n.key);
    let best = 0;
    for (const e of edges) {
      const next = dir === 'up' ? (e.from === n ? e.to : undefined) : e.to === n ? e.from : undefined;
      if (next && (next === root || (dir === 'up' ? up : down).has(next.key))) best = Math.max(best, 1 + depth(next, dir, seen));
    }
    memo.set(k, best || 1);
    return best || 1;
  };
  for (const n of nodes.values()) {
    if (n === root) continue;
    n.layer = up.has(n.key) ? -depth(n, 'up', new Set()) : down.has(n.key) ? depth(n, 'down', new Set()) : 0;
  }
  // Order within a layer: by kind and name, then two sweeps by the mean position of the neighbours (fewer crossings).
  const layers = new Map<number, Node[]>();
  for (const n of nodes.values()) layers.set(n.layer, [...(layers.get(n.layer) ?? []), n]);
  for (const list of layers.values()) {
    list.sort((a, b) => KIND_ORDER[a.ref.kind] - KIND_ORDER[b.ref.kind] || a.ref.name.localeCompare(b.ref.name));
    list.forEach((n, i) => (n.order = i));
  }
  const keys = [...layers.keys()].sort((a, b) => a - b);
  for (let sweep = 0; sweep < 2; sweep++) {
    for (const layer of keys) {
      const list = layers.get(layer)!;
      const score = (n: Node) => {
        const ns = edges.filter((e) => (e.to === n && e.from.layer < layer) || (e.from === n && e.to.layer > layer && sweep === 1)).map((e) => (e.to === n ? e.from : e.to).order);
        return ns.length ? ns.reduce((a, b) => a + b, 0) / ns.length : n.order;
      };
      const scored = list.map((n) => ({ n, s: score(n) }));
      scored.sort((a, b) => a.s - b.s || a.n.order - b.n.order);
      scored.forEach((x, i) => (x.n.order = i));
      list.sort((a, b) => a.order - b.order);
    }
  }
  return { nodes: [...nodes.values()], edges };
}

const COLORS: Record<Kind, string> = { entity: '#8e44ad', source: '#2f6fbf', view: '#16847a', feature: '#c2571a', label: '#b8860b', training_set: '#b03a5b' };

export function LineageGraph({ lineage }: { lineage: Lineage }) {
  const { nodes, edges } = layout(lineage);
  const longest = Math.max(...nodes.map((n) => `${n.ref.name} v${n.ref.version}`.length));
  const w = Math.max(150, Math.round(longest * 7.4) + 28);
  const h = 40;
  const gapX = 70;
  const gapY = 14;
  const minLayer = Math.min(...nodes.map((n) => n.layer));
  const maxLayer = Math.max(...nodes.map((n) => n.layer));
  const rows = Math.max(...nodes.map((n) => n.order)) + 1;
  const perLayer = new Map<number, number>();
  for (const n of nodes) perLayer.set(n.layer, (perLayer.get(n.layer) ?? 0) + 1);
  const height = rows * (h + gapY) + 28;
  const pos = (n: Node) => {
    const count = perLayer.get(n.layer)!;
    const offset = ((rows - count) * (h + gapY)) / 2;
    return { x: 10 + (n.layer - minLayer) * (w + gapX), y: 24 + offset + n.order * (h + gapY) };
  };
  const width = 20 + (maxLayer - minLayer + 1) * (w + gapX) - gapX;
  const isRoot = (n: Node) => n.key === refKey(lineage.root);
  return (
    <div class="lineage-scroll">
      <svg class="lineage" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`lineage of ${lineage.root.name}`} data-nodes={nodes.length} data-edges={edges.length}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#98a2b3" />
          </marker>
        </defs>
        {minLayer < 0 && (
          <text class="lineage-caption" x={10} y={14}>
            ← reads
          </text>
        )}
        {maxLayer > 0 && (
          <text class="lineage-caption" x={width - 10} y={14} text-anchor="end">
            read by →
          </text>
        )}
        {edges.map((e) => {
          const a = pos(e.from);
          const b = pos(e.to);
          const x1 = a.x + w;
          const y1 = a.y + h / 2;
          const x2 = b.x - 2;
          const y2 = b.y + h / 2;
          const mid = (x1 + x2) / 2;
          return <path class="lineage-edge" data-edge={`${e.from.key}->${e.to.key}`} key={`${e.from.key}->${e.to.key}`} d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`} marker-end="url(#arrow)" />;
        })}
        {nodes.map((n) => {
          const p = pos(n);
          const color = COLORS[n.ref.kind];
          return (
            <a href={objectHref(n.ref.name, n.ref.version)} key={n.key} class={`lineage-node${isRoot(n) ? ' root' : ''}`} data-node={n.key}>
              <title>{`${KIND_LABEL[n.ref.kind]} ${n.ref.name} VERSION ${n.ref.version}`}</title>
              <rect x={p.x} y={p.y} width={w} height={h} rx={7} fill={isRoot(n) ? color : '#fff'} stroke={color} stroke-width={isRoot(n) ? 0 : 1.5} />
              <rect x={p.x} y={p.y} width={5} height={h} rx={2} fill={color} />
              <text x={p.x + 14} y={p.y + 15} class="lineage-kind" fill={isRoot(n) ? '#fff' : color}>
                {KIND_LABEL[n.ref.kind]}
              </text>
              <text x={p.x + 14} y={p.y + 31} class="lineage-name" fill={isRoot(n) ? '#fff' : '#1d2433'}>
                {n.ref.name}
                <tspan class="lineage-version"> v{n.ref.version}</tspan>
              </text>
            </a>
          );
        })}
      </svg>
    </div>
  );
}
