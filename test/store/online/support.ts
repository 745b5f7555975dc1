/** Helpers shared by the online store tests and their child processes. */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EntitySnapshot, SnapshotFeature, SnapshotRow } from '../../../src/store/online/store.js';

export const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..');

/** A fresh temporary directory; `cleanup` removes it. */
export function tempDir(prefix = 'fsql-online-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Forks a TypeScript script of this folder under tsx, with an IPC channel. */
export function forkTsx(script: string, args: readonly string[]): ChildProcess {
  return fork(join(HERE, script), [...args], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

export function waitExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/**
 * Synthetic snapshots whose every value tells which one it came from: in
 * snapshot `mark`, feature j of any key has the value mark * 1000 + j, event
 * time mark, and the snapshot holds keys k0 … k(extent(mark) − 1).
 */
export const marked = {
  features(count: number): SnapshotFeature[] {
    return Array.from({ length: count }, (_v, j) => ({ name: `f${j}`, version: 1, columns: [`f${j}`], kind: 'aggregate' as const }));
  },
  extent(mark: number, base: number): number {
    return base + ((mark * 37) % 101);
  },
  value(mark: number, feature: number): number {
    return mark * 1000 + feature;
  },
  /** The mark a value came from. */
  markOf(value: number): number {
    return Math.floor(value / 1000);
  },
  *rows(mark: number, base: number, featureCount: number, limit = Infinity): Generator<SnapshotRow> {
    const n = Math.min(marked.extent(mark, base), limit);
    for (let i = 0; i < n; i++) {
      yield { key: [`k${i}`], features: Array.from({ length: featureCount }, (_v, j) => ({ values: [marked.value(mark, j)], status: 'present' as const, eventTime: mark })) };
    }
  },
  snapshot(mark: number, base: number, featureCount: number): EntitySnapshot {
    return { asOf: mark, keyColumns: ['id'], features: marked.features(featureCount), rows: { [Symbol.iterator]: () => marked.rows(mark, base, featureCount) } };
  },
};
