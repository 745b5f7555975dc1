// Normalized definitions (what is hashed and compared) and the diff renderer
// (the schema migrations: migrations.test.ts).
import { describe, expect, it } from 'vitest';
import { checkProject } from '../../../src/check/project.js';
import { definitionHash, projectDefinitions, removeLayout } from '../../../src/store/registry/definitions.js';
import { lineDiff, renderDiff } from '../../../src/store/registry/diff.js';
import { project, small } from './support.js';

const byName = (text: string) => new Map(projectDefinitions(project(text)).map((d) => [`${d.name}@${d.version}`, d]));

describe('projectDefinitions', () => {
  it('gives every object its kind, version (1 for unversioned kinds), texts, hash, metadata and dependencies', () => {
    const defs = byName(small());
    expect([...defs.keys()]).toEqual(['user@1', 'transactions@1', 'big_txn@1', 'big_count_30d@1', 'spend_7d@1', 'big@1', 'model@1']);
    const user = defs.get('user@1')!;
    expect(user).toMatchObject({ kind: 'entity', version: 1, key: 'user', file: 'project.fsql', line: 1, dependencies: [] });
    expect(user.text).toBe("CREATE ENTITY user KEY (user_id TEXT)\n  DESCRIPTION 'A customer';");
    expect(user.definition).toBe('CREATE ENTITY user KEY (user_id TEXT);');
    expect(user.metadata).toEqual({ description: 'A customer', tags: [] });
    expect(user.hash).toBe(definitionHash(user.definition));
    expect(defs.get('big_txn@1')!.dependencies).toEqual([{ kind: 'source', name: 'transactions', version: 1 }]);
    expect(defs.get('big_count_30d@1')!.dependencies).toEqual([
      { kind: 'view', name: 'big_txn', version: 1 },
      { kind: 'entity', name: 'user', version: 1 },
    ]);
    expect(defs.get('big@1')!.dependencies).toEqual([
      { kind: 'source', name: 'transactions', version: 1 },
      { kind: 'entity', name: 'user', version: 1 },
    ]);
    expect(defs.get('model@1')!.dependencies).toEqual([
      { kind: 'label', name: 'big', version: 1 },
      { kind: 'feature', name: 'spend_7d', version: 1 },
      { kind: 'feature', name: 'big_count_30d', version: 1 },
    ]);
  });

  it('pins versions, SEED and VERSION; upper-cases functions and canonicalizes types', () => {
    const defs = byName(
      small({
        source: `CREATE SOURCE transactions (user_id VARCHAR NOT NULL, amount float, created_at TIMESTAMP NOT NULL) FROM FILE 'data/transactions.csv' EVENT TIME created_at;`,
        training: 'CREATE TRAINING SET model LABEL big FEATURES (spend_7d, big_count_30d) SAMPLE 50 PERCENT;',
        bigCount: 'CREATE FEATURE big_count_30d ENTITY user FROM big_txn AS count(*) WINDOW 30 DAYS;',
      }),
    );
    expect(defs.get('model@1')!.definition).toBe(
      ['CREATE TRAINING SET model VERSION 1', '  LABEL big VERSION 1', '  FEATURES (spend_7d VERSION 1, big_count_30d VERSION 1)', '  SAMPLE 50 PERCENT SEED 0;'].join('\n'),
    );
    expect(defs.get('big_count_30d@1')!.definition).toContain('AS COUNT(*)');
    expect(defs.get('transactions@1')!.definition).toContain('user_id    TEXT NOT NULL');
    expect(defs.get('transactions@1')!.definition).toContain('amount     DOUBLE');
    // `SAMPLE 50 PERCENT` and `SAMPLE 50 PERCENT SEED 0` are the same training set.
    const seeded = byName(small({ training: 'CREATE TRAINING SET model VERSION 1 LABEL big VERSION 1 FEATURES (spend_7d, big_count_30d VERSION 1) SAMPLE 50 PERCENT SEED 0;' }));
    expect(seeded.get('model@1')!.hash).toBe(defs.get('model@1')!.hash);
  });

  it('leaves metadata out of the hash', () => {
    const a = byName(small()).get('spend_7d@1')!;
    const b = byName(small({ feature: "CREATE FEATURE spend_7d ENTITY user FROM transactions AS SUM(amount) WINDOW 7 DAYS OWNER 'x' TAGS ('a', 'b');" })).get('spend_7d@1')!;
    expect(b.hash).toBe(a.hash);
    expect(b.text).not.toBe(a.text);
    expect(b.metadata).toEqual({ owner: 'x', tags: ['a', 'b'] });
  });

  it('hashes definitions that differ in meaning differently', () => {
    const base = byName(small()).get('spend_7d@1')!.hash;
    for (const feature of [
      'CREATE FEATURE spend_7d ENTITY user FROM transactions AS SUM(amount) WINDOW 8 DAYS;',
      'CREATE FEATURE spend_7d ENTITY user FROM transactions AS SUM(amount) WINDOW 7 DAYS FILL ZERO;',
      "CREATE FEATURE spend_7d ENTITY user FROM transactions AS SUM(amount) WHERE amount > 0 WINDOW 7 DAYS;",
      'CREATE FEATURE spend_7d ENTITY user FROM big_txn AS SUM(amount) WINDOW 7 DAYS;',
    ]) {
      expect(byName(small({ feature })).get('spend_7d@1')!.hash, feature).not.toBe(base);
    }
  });

  it('leaves out statements that did not check', () => {
    const checked = checkProject([{ path: 'p.fsql', text: small({ extra: 'CREATE FEATURE broken ENTITY user FROM nowhere AS x;' }) }]);
    expect(checked.diagnostics.map((d) => d.code)).toEqual(['E0201']);
    const names = projectDefinitions(checked).map((d) => d.name);
    expect(names).toContain('spend_7d');
    expect(names).not.toContain('broken');
  });
});

describe('removeLayout', () => {
  it('collapses blanks outside quotes only', () => {
    expect(removeLayout("CREATE  X\n  AS 'a  b'\n  \"c  d\"   ;")).toBe("CREATE X AS 'a  b' \"c  d\" ;");
    expect(removeLayout("'it''s  x'  y")).toBe("'it''s  x' y");
  });
});

describe('renderDiff', () => {
  it('renders a unified diff like git, with context, and nothing for equal texts', () => {
    const old = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].join('\n');
    const neu = ['a', 'b', 'c', 'd', 'E', 'f', 'g', 'h', 'i', 'j'].join('\n');
    expect(renderDiff(old, neu, { oldLabel: 'a/x', newLabel: 'b/x' })).toBe(
      ['--- a/x', '+++ b/x', '@@ -2,8 +2,9 @@', ' b', ' c', ' d', '-e', '+E', ' f', ' g', ' h', ' i', '+j'].join('\n'),
    );
    expect(renderDiff(old, old)).toBe('');
    expect(renderDiff('x', 'y', { context: 0 })).toBe(['--- registered', '+++ project', '@@ -1 +1 @@', '-x', '+y'].join('\n'));
    expect(renderDiff('', 'y')).toBe(['--- registered', '+++ project', '@@ -0,0 +1 @@', '+y'].join('\n'));
  });

  it('colours removed lines red and added lines green when asked', () => {
    const coloured = renderDiff('x', 'y', { color: true });
    expect(coloured).toContain('\u001b[31m-x');
    expect(coloured).toContain('\u001b[32m+y');
  });

  it('lineDiff marks every line', () => {
    expect(lineDiff('a\nb\nc', 'a\nB\nc')).toEqual([
      { op: ' ', text: 'a' },
      { op: '-', text: 'b' },
      { op: '+', text: 'B' },
      { op: ' ', text: 'c' },
    ]);
  });
});
