/**
 * Child process of crash.test.ts: starts writing a snapshot that never ends
 * (its rows are an endless generator) and, once `midway` rows are written,
 * creates the file `<store path>.midway` so that the test kills it (SIGKILL)
 * in the middle of the write.
 *
 *   argv: <store path> <entity> <mark> <midway rows> <feature count>
 */
import { writeFileSync } from 'node:fs';
import { SqliteOnlineStore } from '../../../src/store/online/sqlite-store.js';
import type { SnapshotRow } from '../../../src/store/online/store.js';
import { marked } from './support.js';

const [path, entity, markText, midwayText, featuresText] = process.argv.slice(2) as [string, string, string, string, string];
const mark = Number(markText);
const midway = Number(midwayText);
const featureCount = Number(featuresText);
// A small page cache, so that the uncommitted pages spill into the WAL file long before the kill.
const store = new SqliteOnlineStore(path, { cacheSizeKiB: 1024 });

function* endless(): Generator<SnapshotRow> {
  for (let i = 0; ; i++) {
    if (i === midway) writeFileSync(`${path}.midway`, String(i));
    // After the signal, slow down: the write must still be running when the kill comes.
    if (i > midway && i % 100 === 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    yield { key: [`k${i}`], features: Array.from({ length: featureCount }, (_v, j) => ({ values: [marked.value(mark, j)], status: 'present' as const, eventTime: mark })) };
  }
}

await store.writeSnapshot(entity, { asOf: mark, keyColumns: ['id'], features: marked.features(featureCount), rows: { [Symbol.iterator]: endless } });
// Never reached.
process.exit(3);
