/**
 * Golden SQL: the example project compiled for every target, reviewed like
 * code. A change to the SQL fsql emits shows up as a diff of these files.
 * Regenerate with `FSQL_UPDATE_GOLDEN=1 npx vitest run test/golden` and read
 * the diff before committing it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/cli/compile.js';
import { targetNames } from '../../src/sql/dialect.js';
import { readProjectFiles } from '../../src/project/files.js';
import { checked, fixedFits } from '../sql/support.js';

const here = dirname(fileURLToPath(import.meta.url));
const update = process.env['FSQL_UPDATE_GOLDEN'] === '1';

describe('golden SQL for examples/payments', () => {
  const catalog = checked(readProjectFiles(join(here, '../../examples/payments'), join(here, '../..')));
  const fitted = fixedFits(catalog);

  it.each(targetNames)('%s', (target) => {
    const sql = compile(catalog, { target, all: true, asOf: '2024-03-01 00:00:00' }, fitted);
    const file = join(here, 'payments', `${target}.sql`);
    if (update || !existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, sql);
    }
    expect(sql, `${file} is out of date: regenerate with FSQL_UPDATE_GOLDEN=1 and review the diff`).toBe(readFileSync(file, 'utf8'));
  });

  it('explains every plan', () => {
    const text = compile(catalog, { target: 'sqlite', all: true, explain: true }, fitted);
    const file = join(here, 'payments', 'plans.txt');
    if (update || !existsSync(file)) writeFileSync(file, text);
    expect(text).toBe(readFileSync(file, 'utf8'));
  });
});

describe('golden SQL for availability times (test/sql/snippets/availability.fsql)', () => {
  const snippet = (name: string) => ({ path: `test/sql/snippets/${name}.fsql`, text: readFileSync(join(here, '../sql/snippets', `${name}.fsql`), 'utf8') });
  const catalog = checked(['base', 'availability'].map(snippet));
  const fitted = fixedFits(catalog);

  it.each(targetNames)('%s', (target) => {
    const sql = compile(catalog, { target, trainingSet: 'availability', asOf: '2024-03-01 00:00:00' }, fitted) + compile(catalog, { target, entity: 'account', asOf: '2024-03-01 00:00:00' }, fitted);
    const file = join(here, 'availability', `${target}.sql`);
    if (update || !existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, sql);
    }
    expect(sql, `${file} is out of date: regenerate with FSQL_UPDATE_GOLDEN=1 and review the diff`).toBe(readFileSync(file, 'utf8'));
  });

  it('explains every plan', () => {
    const text = compile(catalog, { target: 'sqlite', all: true, explain: true }, fitted);
    const file = join(here, 'availability', 'plans.txt');
    if (update || !existsSync(file)) writeFileSync(file, text);
    expect(text).toBe(readFileSync(file, 'utf8'));
  });
});
