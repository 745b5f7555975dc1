/**
 * The Spark Connect protocol files vendored in src/engine/spark/proto equal
 * the ones inside the spark-connect jar of the pyspark that
 * .ci/services/spark.sh installed (re-extract with
 * src/engine/spark/proto/extract.sh after changing its pinned version).
 * The jar is read with the venv's own Python (zipfile), not with fsql code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sparkUrl } from '../support/services.js';

const ROOT = join(import.meta.dirname, '..', '..');
const VENDORED = join(ROOT, 'src', 'engine', 'spark', 'proto');

function venv(): string {
  const dir = process.env['FSQL_SPARK_VENV'] ?? join(process.env['FSQL_SERVICES_DIR'] ?? '/tmp/fsql-services', 'spark-venv');
  if (!existsSync(join(dir, 'bin', 'python'))) throw new Error(`no pyspark venv at ${dir}: run \`bash .ci/services/spark.sh install\``);
  return dir;
}

describe('the vendored Spark Connect .proto files', () => {
  it("equal the ones in the installed pyspark's spark-connect jar", () => {
    sparkUrl(); // the Spark service of this tier is set up (its venv holds the jar)
    const dir = venv();
    const script = `
import glob, json, sys, zipfile
jar = sorted(glob.glob(sys.argv[1] + '/lib/python3*/site-packages/pyspark/jars/spark-connect_*.jar'))[0]
with zipfile.ZipFile(jar) as z:
    files = {n: z.read(n).decode('utf-8') for n in z.namelist() if n.startswith('spark/connect/') and n.endswith('.proto')}
print(json.dumps({'jar': jar.rsplit('/', 1)[1], 'files': files}))`;
    const out = JSON.parse(execFileSync(join(dir, 'bin', 'python'), ['-c', script, dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as { jar: string; files: Record<string, string> };
    const vendored = readdirSync(join(VENDORED, 'spark', 'connect')).filter((f) => f.endsWith('.proto')).map((f) => `spark/connect/${f}`).sort();
    expect(vendored).toEqual(Object.keys(out.files).sort());
    for (const name of vendored) expect(readFileSync(join(VENDORED, name), 'utf8'), `${name} differs from ${out.jar}'s: run src/engine/spark/proto/extract.sh`).toBe(out.files[name]);
    expect(readFileSync(join(VENDORED, 'SOURCE'), 'utf8').trim()).toBe(out.jar);
    // Each file keeps its Apache-2.0 header.
    for (const name of vendored) expect(readFileSync(join(VENDORED, name), 'utf8')).toContain('Licensed to the Apache Software Foundation (ASF)');
  });
});
