/**
 * Drift and freshness (docs/monitoring.md) on a small stream project:
 * profiled at apply, materialized, then shifted events pushed through ingest
 * and the project rematerialized. Expected PSIs are worked out by hand in the
 * comments, from the data, not from the code.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyProject } from '../../src/runtime/apply.js';
import { drift, psi, PSI_EPSILON } from '../../src/runtime/drift.js';
import { freshness } from '../../src/runtime/freshness.js';
import { ingest } from '../../src/runtime/ingest.js';
import { materialize } from '../../src/runtime/materialize.js';
import { Workspace } from '../../src/runtime/workspace.js';
import { readProjectFiles } from '../../src/project/files.js';
import { fsql, HOUR, tempDir, writeFiles } from './support.js';
import { firstEvents, MONITORED_PROJECT, shiftedEvents, T0 } from '../support/monitoring-project.js';

/**
 * The profile (11 keys): amounts 1…10 and one NULL. The histogram has 10 bins
 * of width 0.9 from 1 to 10, each holding one amount (i falls in bin
 * ⌊(i − 1) / 0.9⌋: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9). Shares then: 1/11 per bin,
 * 1/11 NULL.
 *
 * Shifted (u1: 1 → 10, u2: 2 → 9): bins 0 and 1 empty (share ε), bins 8 and 9
 * hold 2/11 each, the rest 1/11, NULL 1/11. Below-min and above-max buckets
 * are empty on both sides (ε − ε contributes 0). So
 *
 *   PSI = 2 · (ε − 1/11) · ln(ε / (1/11)) + 2 · (2/11 − 1/11) · ln((2/11) / (1/11))
 *       = 2 · (1/11 − ε) · ln(1 / (11 ε)) + (2/11) · ln 2
 *       ≈ 2 · 0.0908091 · 6.8124 + 0.126027 ≈ 1.36327
 */
const EXPECTED_PSI = 2 * (1 / 11 - 0.0001) * Math.log(1 / (11 * 0.0001)) + (2 / 11) * Math.log(2);

describe('drift and freshness', { timeout: 120_000 }, () => {
  let dir = '';
  let cleanup = () => undefined as void;
  let ws: Workspace;
  const materializedAt = T0 + 24 * HOUR;

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('fsql-monitoring-'));
    writeFiles(dir, { 'features.fsql': MONITORED_PROJECT });
    ws = Workspace.open(dir, { create: true });
    const files = readProjectFiles(dir, dir);
    await applyProject(ws, files);
    await ingest(ws, 'events', firstEvents());
    // The profile is taken by apply: again, now that the stream holds events.
    await applyProject(ws, files, { reload: true });
    await materialize(ws, { at: materializedAt });
  }, 120_000);
  afterAll(async () => {
    await ws?.close();
    cleanup();
  });

  it('is zero while the online store holds what was profiled', async () => {
    const report = await drift(ws);
    expect(report.features.map((f) => [f.feature, f.psi, f.status, f.rows, f.rowsThen])).toEqual([
      ['amount_z', 0, 'ok', 11, 11],
      ['last_amount', 0, 'ok', 11, 11],
      ['last_kind', 0, 'ok', 11, 11],
      ['last_score', 0, 'ok', 11, 11],
    ]);
    const kind = report.features.find((f) => f.feature === 'last_kind')!;
    // Categories: the top values a (u1, u3, …, u11: 6) and b (5), other, NULL.
    expect(kind.buckets).toEqual([
      { label: '"a"', then: 6, now: 6 },
      { label: '"b"', then: 5, now: 5 },
      { label: 'other', then: 0, now: 0 },
      { label: 'NULL', then: 0, now: 0 },
    ]);
    const amount = report.features.find((f) => f.feature === 'last_amount')!;
    expect(amount.nullShareThen).toBe(1 / 11);
    expect(amount.nullShareNow).toBe(1 / 11);
    expect(amount.buckets.map((b) => b.label)).toEqual(['< 1', '[1, 1.9)', '[1.9, 2.8)', '[2.8, 3.7)', '[3.7, 4.6)', '[4.6, 5.5)', '[5.5, 6.4)', '[6.4, 7.3)', '[7.3, 8.2)', '[8.2, 9.1)', '[9.1, 10]', '> 10', 'NULL']);
  });

  it('crosses the threshold for the shifted feature only, with the PSI worked out by hand', async () => {
    await ingest(ws, 'events', shiftedEvents());
    await materialize(ws, { at: materializedAt });
    const report = await drift(ws, { threshold: 0.2 });
    const by = Object.fromEntries(report.features.map((f) => [f.feature, f]));
    expect(by['last_amount']!.psi).toBeCloseTo(EXPECTED_PSI, 10);
    expect(by['last_amount']!.status).toBe('drifted');
    // SCALE STANDARD is monotone: the same buckets, mapped, so the same PSI.
    expect(by['amount_z']!.psi).toBeCloseTo(EXPECTED_PSI, 10);
    expect(by['amount_z']!.status).toBe('drifted');
    expect(by['last_amount']!.buckets.map((b) => b.now)).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 0, 1]);
    expect(by['amount_z']!.buckets.map((b) => b.now)).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 0, 1]);
    expect(by['last_kind']!.psi).toBe(0);
    expect(by['last_kind']!.status).toBe('ok');
    expect(by['last_score']!.psi).toBe(0);
    expect(by['last_score']!.status).toBe('ok');
    expect(report.drifted).toBe(2);
    // Above a threshold higher than the PSI, nothing has drifted.
    expect((await drift(ws, { threshold: 2 })).drifted).toBe(0);
  });

  it('`fsql monitor drift` exits 1 above the threshold, 0 below; --json is the API’s shape', async () => {
    await ws.close();
    const text = await fsql('monitor', 'drift', dir);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/last_amount@1\s+user\s+numeric\s+1\.3633\s+9\.1%\s+9\.1%\s+11\s+drifted/);
    expect(text.stdout).toContain('2 of 4 feature versions drifted (PSI > 0.2)');
    const json = await fsql('monitor', 'drift', dir, '--json', '--threshold', '1.5');
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout) as { threshold: number; drifted: number; features: { feature: string; psi: number; null_share_now: number; status: string }[] };
    expect(body.threshold).toBe(1.5);
    expect(body.drifted).toBe(0);
    expect(body.features.find((f) => f.feature === 'last_amount')).toMatchObject({ status: 'ok', null_share_now: 1 / 11 });
    const bad = await fsql('monitor', 'drift', dir, '--threshold', 'high');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--threshold must be a number');
    ws = Workspace.open(dir);
  });

  it('freshness: newest event time per source and feature version, and when vectors were written', async () => {
    const now = T0 + 48 * HOUR;
    const before = Date.now() * 1000;
    const report = await freshness(ws, { now });
    // The newest event: s2, at T0 + 21 h; 27 hours before `now`.
    expect(report.sources).toEqual([{ source: 'events', origin: 'stream', newestEventTime: T0 + 21 * HOUR, lagSeconds: 27 * 3600 }]);
    expect(report.features.map((f) => [f.feature, f.relation, f.newestEventTime, f.lagSeconds])).toEqual([
      ['amount_z', 'events', T0 + 21 * HOUR, 27 * 3600],
      ['last_amount', 'events', T0 + 21 * HOUR, 27 * 3600],
      ['last_kind', 'events', T0 + 21 * HOUR, 27 * 3600],
      ['last_score', 'events', T0 + 21 * HOUR, 27 * 3600],
    ]);
    const [user] = report.entities;
    expect(user).toMatchObject({ entity: 'user', materialized: true, keys: 11, asOf: materializedAt });
    // Written by the materialize of the test before: in the last two minutes of the wall clock.
    expect(user!.materializedAt!).toBeLessThanOrEqual(before);
    expect(user!.materializedAt!).toBeGreaterThan(before - 120_000_000);
    expect(user!.updatedAt!).toBeGreaterThanOrEqual(user!.materializedAt!);
    expect(user!.secondsSinceUpdate).toBe((now - user!.updatedAt!) / 1e6);
    const cli = await fsql('monitor', 'freshness', dir, '--json');
    expect(cli.code).toBe(0);
    const body = JSON.parse(cli.stdout) as { sources: unknown[]; entities: { entity: string; keys: number; as_of: string }[] };
    expect(body.sources).toEqual([expect.objectContaining({ source: 'events', origin: 'stream', newest_event_time: '2024-03-01T21:00:00Z' })]);
    expect(body.entities).toEqual([expect.objectContaining({ entity: 'user', keys: 11, as_of: '2024-03-02T00:00:00Z' })]);
  });
});

describe('PSI', () => {
  it('is Σ (a − e) · ln(a / e) over shares floored at ε: a worked example', () => {
    // then 50/50, now 80/20: (0.8 − 0.5) ln(0.8 / 0.5) + (0.2 − 0.5) ln(0.2 / 0.5) = 0.3 · 0.470004 + 0.3 · 0.916291 = 0.415888
    expect(psi([5, 5], [8, 2])).toBeCloseTo(0.3 * Math.log(1.6) + 0.3 * Math.log(2.5), 12);
    expect(psi([5, 5], [8, 2])).toBeCloseTo(0.415888, 6);
    // A bucket empty now counts as ε: (ε − 0.5) ln(ε / 0.5) + (1 − 0.5) ln(1 / 0.5)
    expect(psi([1, 1], [0, 4])).toBeCloseTo((PSI_EPSILON - 0.5) * Math.log(PSI_EPSILON / 0.5) + 0.5 * Math.log(2), 12);
  });

  it('is symmetric, never negative, and zero for proportional counts', () => {
    const counts = fc.array(fc.nat(1000), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(counts, counts, fc.integer({ min: 1, max: 50 }), (a0, b0, k) => {
        const n = Math.min(a0.length, b0.length);
        const a = a0.slice(0, n);
        const b = b0.slice(0, n);
        fc.pre(a.some((x) => x > 0) && b.some((x) => x > 0));
        const p = psi(a, b);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(psi(b, a)).toBeCloseTo(p, 9);
        expect(psi(a, a.map((x) => x * k))).toBeCloseTo(0, 12);
      }),
    );
  });
});
