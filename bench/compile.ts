/**
 * The `compile` workload: `fsql compile --all` (every view, training set and
 * entity plan) and `fsql compile --entity` (the entity with the most
 * features) of the synthetic projects of bench/generate-project.ts, per
 * size, on SQLite, plus `--all` on every target once per round.
 *
 * Growth is measured against a baseline in the same run: the cost per
 * feature at each size divided by the cost per feature at the smallest size.
 * Linear compilation keeps it near 1 (issue 10, finding 9: one entity's plan
 * was quadratic in its features — 204 s for 11,522 features); the target is
 * ≤ 1.5×. Fitted parameters come from small fixed populations, as in
 * test/sql/support.ts: the plans are the same shape as after `fsql apply`.
 */
import type { Catalog, ScalarType } from '../src/check/catalog.js';
import { versionKey } from '../src/check/catalog.js';

export interface CompileMeasurement {
  readonly features: number;
  /** The entity compiled with --entity, and how many features it has. */
  readonly entity: string;
  readonly entityFeatures: number;
  readonly plans: number;
  readonly outputChars: number;
  readonly repeat: number;
  readonly checkMs: number;
  readonly allMs: number[];
  readonly entityMs: number[];
  /** `--all` on each of the 8 targets, summed, per round. */
  readonly allTargetsMs: number[];
}

type Runner = <T>(workload: string, args: Record<string, string>) => Promise<{ result: T }>;

const AS_OF = '2024-03-01 00:00:00';

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function measureCompileArgs(args: Record<string, string>): Promise<CompileMeasurement> {
  const { generateProject } = await import('./generate-project.js');
  const { checkProject } = await import('../src/check/project.js');
  const { compile } = await import('../src/cli/compile.js');
  const { fitStatistics } = await import('../src/plan/statistics.js');
  const { targetNames } = await import('../src/sql/dialect.js');
  type FittedParameters = import('../src/plan/fitted.js').FittedParameters;
  const size = Number(args['size']);
  const repeat = Number(args['repeat']);
  const project = generateProject(size);
  const c0 = performance.now();
  const { catalog, diagnostics } = checkProject(project.files);
  const checkMs = performance.now() - c0;
  if (diagnostics.some((d) => d.severity === 'error')) throw new Error(`the ${size}-feature project does not check`);

  const population = (type: ScalarType) =>
    type === 'TEXT' ? ['US', 'DE', 'FR', 'GB'].map((value, i) => ({ value, count: 4 - i })) : type === 'BOOLEAN' ? [{ value: true, count: 3 }, { value: false, count: 1 }] : type === 'INTEGER' || type === 'DOUBLE' ? [1, 2, 5, 9].map((value, i) => ({ value, count: i + 1 })) : [];
  const fits = new Map<string, FittedParameters>();
  for (const versions of Object.values(catalog.features)) for (const f of versions) fits.set(versionKey(f.name, f.version), fitStatistics(f, population(f.rawType), 0));
  const fitted = (name: string, version: number) => fits.get(versionKey(name, version));

  const entity = largestEntity(catalog);
  const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
  const timed = (fn: () => unknown): number => {
    gc();
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  };
  const all = () => compile(catalog, { target: 'sqlite', all: true, asOf: AS_OF }, fitted);
  const one = () => compile(catalog, { target: 'sqlite', entity: entity.name, asOf: AS_OF }, fitted);
  const every = () => {
    for (const target of targetNames) compile(catalog, { target, all: true, asOf: AS_OF }, fitted);
  };
  const output = all(); // warm-up
  one();
  const allMs: number[] = [];
  const entityMs: number[] = [];
  const allTargetsMs: number[] = [];
  for (let i = 0; i < repeat; i++) {
    allMs.push(timed(all));
    entityMs.push(timed(one));
    allTargetsMs.push(timed(every));
  }
  return {
    features: size,
    entity: entity.name,
    entityFeatures: entity.count,
    plans: (output.match(/^-- /gm) ?? []).length,
    outputChars: output.length,
    repeat,
    checkMs,
    allMs,
    entityMs,
    allTargetsMs,
  };
}

function largestEntity(catalog: Catalog): { name: string; count: number } {
  const counts = new Map<string, number>();
  for (const versions of Object.values(catalog.features)) {
    const e = versions[versions.length - 1]!.key.entity;
    counts.set(e, (counts.get(e) ?? 0) + 1);
  }
  const [name, count] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  return { name, count };
}

export interface CompileRow {
  readonly features: number;
  readonly entityFeatures: number;
  readonly plans: number;
  readonly outputMB: number;
  readonly checkMs: number;
  readonly allMs: number;
  readonly entityMs: number;
  readonly allTargetsMs: number;
  /** Microseconds per feature of the project (--all) and of the entity (--entity). */
  readonly allUsPerFeature: number;
  readonly entityUsPerFeature: number;
  /** The cost per feature ÷ the cost per feature at the smallest size (1 = linear). */
  readonly allGrowth: number;
  readonly entityGrowth: number;
}

export async function runCompileWorkload(options: { readonly sizes: readonly number[]; readonly repeat: number | undefined }, run: Runner): Promise<{ rows: CompileRow[]; targets: { target: string; measured: string; met: boolean | undefined }[] }> {
  const rows: CompileRow[] = [];
  for (const size of [...options.sizes].sort((a, b) => a - b)) {
    const repeat = options.repeat ?? (size >= 100000 ? 3 : 7);
    process.stdout.write(`  compile: ${size.toLocaleString('en-US')} features (${repeat} runs) … `);
    const t0 = performance.now();
    const { result: m } = await run<CompileMeasurement>('compile', { size: String(size), repeat: String(repeat) });
    console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const allUs = (median(m.allMs) * 1000) / m.features;
    const entityUs = (median(m.entityMs) * 1000) / m.entityFeatures;
    const base = rows[0];
    rows.push({
      features: m.features,
      entityFeatures: m.entityFeatures,
      plans: m.plans,
      outputMB: m.outputChars / 1e6,
      checkMs: m.checkMs,
      allMs: median(m.allMs),
      entityMs: median(m.entityMs),
      allTargetsMs: median(m.allTargetsMs),
      allUsPerFeature: allUs,
      entityUsPerFeature: entityUs,
      allGrowth: base ? allUs / base.allUsPerFeature : 1,
      entityGrowth: base ? entityUs / base.entityUsPerFeature : 1,
    });
  }
  const at10k = rows.find((r) => r.features === 10000);
  const worst = Math.max(...rows.map((r) => Math.max(r.allGrowth, r.entityGrowth)));
  const targets = [
    {
      target: 'a 10k-feature project compiles every plan (--all, SQLite) in about a second',
      measured: at10k ? `${at10k.allMs.toFixed(0)} ms (${at10k.plans} plans)` : 'not measured (add 10000 to --sizes)',
      met: at10k ? at10k.allMs < 1500 : undefined,
    },
    {
      target: `linear: the cost per feature stays within 1.5× of the ${rows[0]?.features ?? '?'}-feature baseline`,
      measured: rows.map((r) => `${r.features}: ${r.allGrowth.toFixed(2)}× / ${r.entityGrowth.toFixed(2)}×`).join(', '),
      met: rows.length > 1 ? worst <= 1.5 : undefined,
    },
  ];
  return { rows, targets };
}
