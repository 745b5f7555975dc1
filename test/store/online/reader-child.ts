/**
 * Child process of concurrent.test.ts: reads 100 keys at a time from the
 * store, in a loop, until told to stop, and checks that every read comes from
 * one complete snapshot (see `marked` in support.ts). Replies with what it saw.
 *
 *   argv: <store path> <entity> <base key count>
 */
import { SqliteOnlineStore } from '../../../src/store/online/sqlite-store.js';
import { marked } from './support.js';

const [path, entity, baseText] = process.argv.slice(2) as [string, string, string];
const base = Number(baseText);
const store = new SqliteOnlineStore(path);
let stop = false;
process.on('message', (m) => {
  if (m === 'stop') stop = true;
});

const marks = new Map<number, number>();
const violations: string[] = [];
let reads = 0;
let seed = 12345;
const random = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};

process.send!('ready');
while (!stop) {
  // Key 0 is in every snapshot; the others straddle the extents of the snapshots.
  const keys = [['k0'], ...Array.from({ length: 99 }, () => [`k${random(base + 110)}`])];
  const got = await store.get(entity, keys);
  reads++;
  const seen = new Set<number>();
  for (const r of got) {
    for (const f of r.features) {
      if (!r.found) continue;
      const v = f.values[f.name];
      seen.add(typeof v === 'number' ? marked.markOf(v) : -1);
      if (f.eventTime === null || v !== marked.value(f.eventTime, Number(f.name.slice(1)))) seen.add(-2);
    }
  }
  if (seen.size !== 1) violations.push(`read ${reads}: marks ${[...seen].join(', ')}`);
  const mark = [...seen][0]!;
  const extent = marked.extent(mark, base);
  for (const r of got) {
    const i = Number(String(r.key[0]).slice(1));
    if (r.found !== i < extent) violations.push(`read ${reads}: key k${i} found=${r.found} in snapshot ${mark} of ${extent} keys`);
  }
  marks.set(mark, (marks.get(mark) ?? 0) + 1);
  if (violations.length > 20) break;
  if (reads % 5 === 0) await new Promise((resolve) => setImmediate(resolve));
}
await store.close();
process.send!({ reads, marks: [...marks.entries()], violations }, () => process.exit(0));
