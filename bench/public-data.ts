/**
 * Public data sets for the benchmarks, fetched once into bench/.data/
 * (gitignored) from the npm registry, which this machine and CI can reach.
 *
 * - `flights3m()`: the 3,000,000 US domestic flights of January–June 2001
 *   (`date` TIMESTAMP, `delay`, `distance` BIGINT, `origin`, `destination`
 *   VARCHAR; 229 origins, the busiest, ORD, with 166k flights) from the
 *   `vega-datasets` package (BSD-3-Clause), as Parquet: real, skewed keys —
 *   the workload of issue 14's training-set row.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
/** bench/.data, also when running compiled from bench/results/.build/bench. */
const DATA_DIR = join(HERE.includes(`${join('results', '.build')}`) ? join(HERE, '..', '..', '..') : HERE, '.data');
const VEGA_DATASETS = 'vega-datasets@3.2.1';

/** The path of flights-3m.parquet, downloading it (17 MB package) the first time. */
export function flights3m(): string {
  return vegaFile('flights-3m.parquet');
}

function vegaFile(name: string): string {
  const target = join(DATA_DIR, name);
  if (existsSync(target)) return target;
  mkdirSync(DATA_DIR, { recursive: true });
  const tmp = join(DATA_DIR, `.fetch-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    process.stderr.write(`fetching ${VEGA_DATASETS} from the npm registry for ${name} …\n`);
    execFileSync('npm', ['pack', VEGA_DATASETS, '--pack-destination', tmp, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (tgz === undefined) throw new Error(`npm pack ${VEGA_DATASETS} produced no archive`);
    execFileSync('tar', ['xzf', join(tmp, tgz), '-C', tmp, `package/data/${name}`]);
    renameSync(join(tmp, 'package', 'data', name), target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return target;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(flights3m());
