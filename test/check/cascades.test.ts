// One mistake, one error: the checker reports each cause once, where it is,
// with a note at every place it affects (the rustc manner), instead of one
// error per place that the mistake breaks.
//
// Each expectation here is worked out by hand from the input: which
// declaration is the cause, its line:col, and the places the notes must name.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../support/fast-check-seed.js';
import { check, type Diagnostic, type ProjectFile } from '../../src/index.js';

/** `file:line:col` of a span-like. */
const at = (s: { file: string; line: number; col: number }) => `${s.file}:${s.line}:${s.col}`;

/** Code, place, message and notes (place and message) of each diagnostic. */
function summary(ds: readonly Diagnostic[]) {
  return ds.map((d) => ({
    code: d.code,
    at: at(d.span),
    message: d.message,
    notes: (d.related ?? []).map((r) => `${at(r.span)} ${r.message}`),
  }));
}

function checkOne(text: string) {
  return check([{ path: 't.fsql', text }]).diagnostics;
}

function starter(edit: (path: string, text: string) => string): ProjectFile[] {
  const dir = 'examples/starter';
  return readdirSync(dir)
    .filter((f) => f.endsWith('.fsql'))
    .sort()
    .map((f) => ({ path: f, text: edit(f, readFileSync(join(dir, f), 'utf8')) }));
}

describe('a wrong entity KEY type', () => {
  it('is reported once, at the key, in the starter project (not once per feature)', () => {
    const files = starter((p, t) => (p === 'entities.fsql' ? t.replace('KEY (customer_id TEXT)', 'KEY (customer_id INTEGER)') : t));
    const ds = check(files).diagnostics;
    expect(summary(ds)).toEqual([
      {
        code: 'E0302',
        at: 'entities.fsql:2:29',
        message: "entity `customer`'s key `customer_id` is INTEGER, but every column its features and labels read it from is TEXT",
        notes: [
          'sources.fsql:5:3 `customer_id` of `orders` is TEXT; features `orders_30d`, `spend_30d`, `avg_order_90d` and `last_category` read the key from it',
          'sources.fsql:16:3 `customer_id` of `customers` is TEXT; feature `country` reads the key from it',
          'sources.fsql:25:3 `customer_id` of `page_views` is TEXT; feature `page_views_7d` reads the key from it',
          'sources.fsql:36:3 `customer_id` of `churn_labels` is TEXT; label `churned` reads the key from it',
        ],
      },
    ]);
    expect(ds[0]!.hint).toBe('declare the key as TEXT, `customer_id TEXT`; or make every noted column INTEGER (declare it so, or CAST it in a view)');
    // The span is the key's declaration, `customer_id INTEGER`.
    expect(ds[0]!.span).toMatchObject({ line: 2, col: 29, endLine: 2, endCol: 47 });
  });

  it('blames the key when most of the columns read for it agree on another type, and notes the others', () => {
    const ds = checkOne(`CREATE ENTITY card KEY (card_id INTEGER);
CREATE SOURCE cards (card_id TEXT NOT NULL, brand TEXT) FROM TABLE bank.cards;
CREATE SOURCE swipes (card_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE SOURCE legacy (card_no INTEGER NOT NULL, limit_usd DOUBLE) FROM TABLE bank.legacy;
CREATE FEATURE brand ENTITY card FROM cards AS brand;
CREATE FEATURE swipes_7d ENTITY card FROM swipes AS COUNT(*) WINDOW 7 DAYS;
CREATE FEATURE credit_limit ENTITY card ON (card_no) FROM legacy AS limit_usd;`);
    expect(summary(ds)).toEqual([
      {
        code: 'E0302',
        at: 't.fsql:1:25',
        message: "entity `card`'s key `card_id` is INTEGER, but 2 of the 3 columns its features and labels read it from are TEXT",
        notes: [
          't.fsql:2:22 `card_id` of `cards` is TEXT; feature `brand` reads the key from it',
          't.fsql:3:23 `card_id` of `swipes` is TEXT; feature `swipes_7d` reads the key from it',
          't.fsql:4:23 `card_no` of `legacy` is INTEGER, like the key; feature `credit_limit` reads the key from it',
        ],
      },
    ]);
    expect(ds[0]!.hint).toBe('declare the key as TEXT, `card_id TEXT`, and make the other noted columns TEXT too; or make every noted column INTEGER (declare it so, or CAST it in a view)');
  });

  it('blames the one relation that disagrees when the others agree with the key: one error, at its first reader, noting the others', () => {
    const ds = checkOne(`CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE tx (user_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE SOURCE scores (user_id INTEGER NOT NULL, score DOUBLE, risk DOUBLE) FROM TABLE ml.scores;
CREATE FEATURE spend ENTITY user FROM tx AS SUM(amount) WINDOW 7 DAYS;
CREATE FEATURE count_7d ENTITY user FROM tx AS COUNT(*) WINDOW 7 DAYS;
CREATE FEATURE score ENTITY user FROM scores AS score;
CREATE FEATURE risk ENTITY user FROM scores AS risk;
CREATE FEATURE risk VERSION 2 ENTITY user FROM scores AS risk * 2;`);
    expect(summary(ds)).toEqual([
      {
        code: 'E0302',
        at: 't.fsql:6:29',
        message: "column `user_id` of `scores` is INTEGER, but entity `user`'s key `user_id` is TEXT",
        notes: ['t.fsql:7:28 feature `risk` reads the key from it too', 't.fsql:8:38 feature `risk` VERSION 2 reads the key from it too'],
      },
    ]);
  });

  it('reports each disagreeing column once when there is no majority to blame the key for', () => {
    // One column of each type: the key agrees with one of the two, so neither side is the clear cause.
    const ds = checkOne(`CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE tx (user_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE SOURCE scores (user_id INTEGER NOT NULL, score DOUBLE) FROM TABLE ml.scores;
CREATE FEATURE spend ENTITY user FROM tx AS SUM(amount) WINDOW 7 DAYS;
CREATE FEATURE score ENTITY user FROM scores AS score;
CREATE FEATURE score2 ENTITY user FROM scores AS score * 2;`);
    expect(summary(ds).map((d) => [d.code, d.at, d.notes])).toEqual([['E0302', 't.fsql:5:29', ['t.fsql:6:30 feature `score2` reads the key from it too']]]);
  });

  it('keeps a single feature over a single relation at the feature, as before', () => {
    const ds = checkOne(`CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE scores (user_id INTEGER NOT NULL, score DOUBLE) FROM TABLE ml.scores;
CREATE FEATURE score ENTITY user FROM scores AS score;`);
    expect(summary(ds)).toEqual([
      { code: 'E0302', at: 't.fsql:3:29', message: "column `user_id` of `scores` is INTEGER, but entity `user`'s key `user_id` is TEXT", notes: [] },
    ]);
  });

  it('is one error per key column of a compound key, and none in the training sets that use the features', () => {
    const ds = checkOne(`CREATE ENTITY cm KEY (customer_id INTEGER, merchant_id TEXT);
CREATE SOURCE tx (customer_id TEXT NOT NULL, merchant_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE SOURCE lab (customer_id TEXT NOT NULL, merchant_id TEXT NOT NULL, y BOOLEAN, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE FEATURE n ENTITY cm FROM tx AS COUNT(*) WINDOW 7 DAYS;
CREATE FEATURE s ENTITY cm FROM tx AS SUM(amount) WINDOW 7 DAYS;
CREATE LABEL y ENTITY cm FROM lab AS y;
CREATE TRAINING SET t LABEL y FEATURES (n, s);`);
    expect(summary(ds)).toEqual([
      {
        code: 'E0302',
        at: 't.fsql:1:23',
        message: "entity `cm`'s key `customer_id` is INTEGER, but every column its features and labels read it from is TEXT",
        notes: [
          't.fsql:2:19 `customer_id` of `tx` is TEXT; features `n` and `s` read the key from it',
          't.fsql:3:20 `customer_id` of `lab` is TEXT; label `y` reads the key from it',
        ],
      },
    ]);
  });

  it('points a note at the view column the key is read from', () => {
    const ds = checkOne(`CREATE ENTITY user KEY (user_id INTEGER);
CREATE SOURCE tx (user_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE VIEW big EVENT TIME ts AS SELECT user_id, amount, ts FROM tx WHERE amount > 100;
CREATE VIEW all_tx EVENT TIME ts AS SELECT * FROM tx;
CREATE FEATURE big_7d ENTITY user FROM big AS COUNT(*) WINDOW 7 DAYS;
CREATE FEATURE n_7d ENTITY user FROM all_tx AS COUNT(*) WINDOW 7 DAYS;`);
    expect(summary(ds).map((d) => [d.code, d.at, d.notes])).toEqual([
      [
        'E0302',
        't.fsql:1:25',
        [
          't.fsql:3:41 `user_id` of `big` is TEXT; feature `big_7d` reads the key from it',
          't.fsql:4:44 `user_id` of `all_tx` is TEXT; feature `n_7d` reads the key from it',
        ],
      ],
    ]);
  });

  it('does not depend on the order of the files', () => {
    const files = starter((p, t) => (p === 'entities.fsql' ? t.replace('KEY (customer_id TEXT)', 'KEY (customer_id INTEGER)') : t));
    const forward = summary(check(files).diagnostics);
    const backward = summary(check([...files].reverse()).diagnostics);
    expect(backward).toEqual(forward);
  });
});

// ---- property: random projects, one key type mutated --------------------------------

const KEY_TYPES = ['TEXT', 'INTEGER', 'DATE', 'BOOLEAN'] as const;

interface RandomProject {
  readonly keyType: (typeof KEY_TYPES)[number];
  /** Per relation: the key column's name (bound with ON when not `k`), whether it is read through a view, its readers' count. */
  readonly relations: readonly { readonly column: string; readonly view: boolean; readonly features: number }[];
  readonly label: number | undefined;
  readonly files: number;
  readonly order: readonly number[];
}

const projectArb: fc.Arbitrary<RandomProject> = fc
  .record({
    keyType: fc.constantFrom(...KEY_TYPES),
    relations: fc.array(fc.record({ column: fc.constantFrom('k', 'k_alt', 'ident'), view: fc.boolean(), features: fc.integer({ min: 1, max: 3 }) }), {
      minLength: 2,
      maxLength: 5,
    }),
    labelAt: fc.nat(),
    withLabel: fc.boolean(),
    files: fc.integer({ min: 1, max: 3 }),
    seed: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
  })
  .map(({ keyType, relations, labelAt, withLabel, files, seed }) => ({
    keyType,
    relations,
    label: withLabel ? labelAt % relations.length : undefined,
    files,
    order: seed,
  }));

/** The project's statements, spread over files in a random order; `types[i]` is relation i's key column type. */
function render(p: RandomProject, entityType: string, types: readonly string[]): ProjectFile[] {
  const stmts: string[] = [`CREATE ENTITY e KEY (k ${entityType});`];
  p.relations.forEach((r, i) => {
    stmts.push(`CREATE SOURCE r${i} (${r.column} ${types[i]} NOT NULL, v DOUBLE, y BOOLEAN, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;`);
    if (r.view) stmts.push(`CREATE VIEW w${i} EVENT TIME ts AS SELECT ${r.column}, v, y, ts FROM r${i};`);
    const from = r.view ? `w${i}` : `r${i}`;
    const entity = r.column === 'k' ? 'ENTITY e' : `ENTITY e ON (${r.column})`;
    for (let j = 0; j < r.features; j++) stmts.push(`CREATE FEATURE f${i}_${j} ${entity} FROM ${from} AS SUM(v) WINDOW 7 DAYS;`);
    if (p.label === i) stmts.push(`CREATE LABEL l ${entity} FROM ${from} AS y;`);
  });
  // Shuffle (deterministically from the seed), then deal the statements into files.
  const shuffled = stmts.map((s, i) => ({ s, r: p.order[i % p.order.length]! * 64 + i })).sort((a, b) => a.r - b.r);
  const files: string[][] = Array.from({ length: p.files }, () => []);
  shuffled.forEach((x, i) => files[(p.order[(i + 7) % p.order.length]! + i) % p.files]!.push(x.s));
  return files.map((f, i) => ({ path: `f${i}.fsql`, text: f.join('\n') + '\n' }));
}

/** `file:line:col` of the character `offset` characters into the first occurrence of `needle`. */
function locate(files: readonly ProjectFile[], needle: string, offset = 0): string {
  for (const f of files) {
    const found = f.text.indexOf(needle);
    const i = found < 0 ? found : found + offset;
    if (i >= 0) {
      const before = f.text.slice(0, i).split('\n');
      return `${f.path}:${before.length}:${before[before.length - 1]!.length + 1}`;
    }
  }
  throw new Error(`not found: ${needle}`);
}

describe('property: one wrong type, one error', () => {
  it('a mutated entity KEY type gives exactly one E0302, at the key, with a note per relation', () => {
    fc.assert(
      fc.property(projectArb, fc.nat(), (p, pick) => {
        const types = p.relations.map(() => p.keyType);
        expect(check(render(p, p.keyType, types)).diagnostics).toEqual([]);
        const others = KEY_TYPES.filter((t) => t !== p.keyType);
        const mutated = others[pick % others.length]!;
        const files = render(p, mutated, types);
        const ds = check(files).diagnostics;
        expect(ds.map((d) => [d.code, at(d.span)])).toEqual([['E0302', locate(files, `KEY (k ${mutated})`, 'KEY ('.length)]]);
        const notes = (ds[0]!.related ?? []).map((r) => at(r.span)).sort();
        // At the key column's declaration: in the view that the features read, or in the source.
        const expected = p.relations.map((r, i) => (r.view ? locate(files, `AS SELECT ${r.column}, v, y, ts FROM r${i};`, 'AS SELECT '.length) : locate(files, `CREATE SOURCE r${i} (`, `CREATE SOURCE r${i} (`.length))).sort();
        expect(notes).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('a mutated type of one relation (of three or more) gives exactly one E0302, at its first reader', () => {
    fc.assert(
      fc.property(
        projectArb.filter((p) => p.relations.length >= 3),
        fc.nat(),
        fc.nat(),
        (p, which, pick) => {
          const i = which % p.relations.length;
          const others = KEY_TYPES.filter((t) => t !== p.keyType);
          const types = p.relations.map((_, j) => (j === i ? others[pick % others.length]! : p.keyType));
          const files = render(p, p.keyType, types);
          const ds = check(files).diagnostics;
          const r = p.relations[i]!;
          // A reader's key binding: the entity name (`ENTITY e`), or the column in `ENTITY e ON (column)`.
          const binding = r.column === 'k' ? 'ENTITY ' : `ENTITY e ON (`;
          const readers = [
            ...Array.from({ length: r.features }, (_, j) => `CREATE FEATURE f${i}_${j} ${binding}`),
            ...(p.label === i ? [`CREATE LABEL l ${binding}`] : []),
          ].map((n) => locate(files, n, n.length));
          const byPlace = (a: string, b: string) => {
            const [fa, la, ca] = a.split(':');
            const [fb, lb, cb] = b.split(':');
            return fa! < fb! ? -1 : fa! > fb! ? 1 : Number(la) - Number(lb) || Number(ca) - Number(cb);
          };
          readers.sort(byPlace);
          expect(ds.map((d) => [d.code, at(d.span)])).toEqual([['E0302', readers[0]]]);
          expect((ds[0]!.related ?? []).map((x) => at(x.span))).toEqual(readers.slice(1));
        },
      ),
      { numRuns: 150 },
    );
  });
});

// ---- a view that aggregates without grouping ------------------------------------------

describe('a non-grouped view with an aggregate', () => {
  const PRE = `CREATE SOURCE t (user_id TEXT NOT NULL, amount DOUBLE, channel TEXT, created_at TIMESTAMP NOT NULL) FROM TABLE x.t;\n`;

  it('is one E0404 per SELECT, at the first ungrouped column, with a note at each other one and at the aggregate', () => {
    const ds = checkOne(`${PRE}CREATE VIEW v AS SELECT user_id, amount, SUM(amount) AS s, created_at FROM t;`);
    expect(summary(ds)).toEqual([
      {
        code: 'E0404',
        at: 't.fsql:2:25',
        message: 'columns `user_id`, `amount` and `created_at` must appear in GROUP BY or be used in an aggregate',
        notes: [
          't.fsql:2:34 `amount` is not grouped or aggregated either',
          't.fsql:2:42 this aggregate, without GROUP BY, makes the view a single row',
          't.fsql:2:60 `created_at` is not grouped or aggregated either',
        ],
      },
    ]);
    expect(ds[0]!.hint).toBe('add them to GROUP BY, or aggregate each, e.g. MAX(user_id)');
  });

  it('with GROUP BY, is one error for every ungrouped column, in SELECT and HAVING', () => {
    const ds = checkOne(`${PRE}CREATE VIEW v AS SELECT user_id, channel, COUNT(*) AS n, amount + 1 AS a FROM t GROUP BY user_id HAVING created_at > TIMESTAMP '2024-01-01 00:00:00';`);
    expect(summary(ds)).toEqual([
      {
        code: 'E0404',
        at: 't.fsql:2:34',
        message: 'columns `channel`, `amount` and `created_at` must appear in GROUP BY or be used in an aggregate',
        notes: ['t.fsql:2:58 `amount` is not grouped or aggregated either', 't.fsql:2:105 `created_at` is not grouped or aggregated either'],
      },
    ]);
  });

  it('names a column used twice once, and notes its second use', () => {
    const ds = checkOne(`${PRE}CREATE VIEW v AS SELECT amount, amount * 2 AS a2, COUNT(*) AS n FROM t;`);
    expect(summary(ds)).toEqual([
      {
        code: 'E0404',
        at: 't.fsql:2:25',
        message: 'column `amount` must appear in GROUP BY or be used in an aggregate',
        notes: ['t.fsql:2:33 `amount` is not grouped or aggregated either', 't.fsql:2:51 this aggregate, without GROUP BY, makes the view a single row'],
      },
    ]);
  });

  it('counts a `*` among the ungrouped columns', () => {
    const ds = checkOne(`${PRE}CREATE VIEW v AS SELECT channel AS ch, *, COUNT(*) AS n FROM t GROUP BY user_id;`);
    expect(summary(ds)).toEqual([
      {
        code: 'E0404',
        at: 't.fsql:2:25',
        message: 'columns `channel`, `amount` and `created_at` must appear in GROUP BY or be used in an aggregate',
        notes: ['t.fsql:2:40 `*` brings in `amount`, `channel` and `created_at`, not grouped or aggregated either'],
      },
    ]);
  });
});

// ---- other cascades ---------------------------------------------------------------------

describe('an unknown name used in many places', () => {
  const PRE = `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE tx (user_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
`;

  it('an unknown relation read by several features, labels and views is one E0201, at its first use', () => {
    const ds = checkOne(`${PRE}CREATE FEATURE a ENTITY user FROM orders AS COUNT(*) WINDOW 7 DAYS;
CREATE FEATURE b ENTITY user FROM Orders AS COUNT(*) WINDOW 30 DAYS;
CREATE LABEL l ENTITY user FROM orders AS TRUE;
CREATE VIEW v AS SELECT tx.user_id FROM tx JOIN orders o ON o.user_id = tx.user_id;
CREATE FEATURE c ENTITY user FROM ordrs AS COUNT(*) WINDOW 7 DAYS;`);
    expect(summary(ds)).toEqual([
      {
        code: 'E0201',
        at: 't.fsql:3:35',
        message: 'unknown source or view `orders`',
        notes: ['t.fsql:4:35 `Orders` is also used here', 't.fsql:5:33 `orders` is also used here', 't.fsql:6:49 `orders` is also used here'],
      },
      { code: 'E0201', at: 't.fsql:7:35', message: 'unknown source or view `ordrs`', notes: [] },
    ]);
  });

  it('an unknown entity named by several features is one E0201', () => {
    const ds = checkOne(`${PRE}CREATE FEATURE a ENTITY customer FROM tx AS COUNT(*) WINDOW 7 DAYS;
CREATE FEATURE b ENTITY customer FROM tx AS SUM(amount) WINDOW 7 DAYS;`);
    expect(summary(ds)).toEqual([{ code: 'E0201', at: 't.fsql:3:25', message: 'unknown entity `customer`', notes: ['t.fsql:4:25 `customer` is also used here'] }]);
  });

  it('an unknown feature listed by several training sets is one E0201', () => {
    const ds = checkOne(`${PRE}CREATE LABEL l ENTITY user FROM tx AS amount > 10;
CREATE FEATURE a ENTITY user FROM tx AS COUNT(*) WINDOW 7 DAYS;
CREATE TRAINING SET t1 LABEL l FEATURES (a, gone);
CREATE TRAINING SET t2 LABEL l FEATURES (gone, a);`);
    expect(summary(ds)).toEqual([{ code: 'E0201', at: 't.fsql:5:45', message: 'unknown feature `gone`', notes: ['t.fsql:6:42 `gone` is also used here'] }]);
  });

  it('keeps what uses an unknown name out of the catalog, though the error is reported once', () => {
    const r = check([
      {
        path: 't.fsql',
        text: `${PRE}CREATE LABEL l ENTITY user FROM tx AS amount > 10;
CREATE FEATURE a ENTITY user FROM tx AS COUNT(*) WINDOW 7 DAYS;
CREATE FEATURE b ENTITY user FROM tx AS SUM(amount) WHERE channel = 'web' WINDOW 7 DAYS;
CREATE FEATURE c ENTITY user FROM tx AS MAX(amount) WHERE channel = 'app' WINDOW 7 DAYS;
CREATE TRAINING SET t1 LABEL l FEATURES (a, gone);`,
      },
    ]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['E0203', 'E0201']);
    expect(Object.keys(r.catalog.features).sort()).toEqual(['a']);
    expect(r.catalog.trainingSets).toEqual({});
  });

  it('a column missing from a relation, used by several features and views, is one E0203', () => {
    // `amount` was renamed `amount_usd` in the source: every reader of `amount` breaks, by one mistake.
    const ds = checkOne(`CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE tx (user_id TEXT NOT NULL, amount_usd DOUBLE, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE FEATURE spend ENTITY user FROM tx AS SUM(amount) WINDOW 7 DAYS;
CREATE FEATURE big ENTITY user FROM tx AS COUNT(*) WHERE amount > 100 WINDOW 7 DAYS;
CREATE VIEW v EVENT TIME ts AS SELECT t.user_id, t.amount * 2 AS a2, ts FROM tx t;
CREATE FEATURE other ENTITY user FROM tx AS MAX(amount_eur) WINDOW 7 DAYS;`);
    expect(summary(ds)).toEqual([
      {
        code: 'E0203',
        at: 't.fsql:3:49',
        message: 'unknown column `amount` in `tx`',
        notes: ['t.fsql:4:58 `amount` is also used here', 't.fsql:5:52 `amount` is also used here'],
      },
      { code: 'E0203', at: 't.fsql:6:49', message: 'unknown column `amount_eur` in `tx`', notes: [] },
    ]);
    expect(ds[0]!.hint).toBe('did you mean `amount_usd`?');
  });
});

describe('a label relation that cannot carry a key, for several features', () => {
  const PRE = `CREATE ENTITY user KEY (user_id TEXT);
CREATE ENTITY merchant KEY (merchant_id TEXT);
CREATE SOURCE merchants (merchant_id TEXT NOT NULL, category TEXT, size INTEGER) FROM TABLE m.merchants;
CREATE FEATURE category ENTITY merchant FROM merchants AS category;
CREATE FEATURE size ENTITY merchant FROM merchants AS size;
`;

  it('without the key column, is one E0306 per training set and entity, at the first such feature', () => {
    const ds = checkOne(`${PRE}CREATE SOURCE orders (user_id TEXT NOT NULL, y BOOLEAN, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE LABEL y ENTITY user FROM orders AS y;
CREATE TRAINING SET t LABEL y FEATURES (category, size);`);
    expect(summary(ds)).toEqual([
      {
        code: 'E0306',
        at: 't.fsql:8:41',
        message: "feature `category` is keyed by entity `merchant`, but label `y`'s relation `orders` has no column `merchant_id`",
        notes: ['t.fsql:8:51 feature `size` is keyed by entity `merchant` too'],
      },
    ]);
  });

  it('with the key column of another type, is one E0302 per training set and entity', () => {
    const ds = checkOne(`${PRE}CREATE SOURCE orders (user_id TEXT NOT NULL, merchant_id INTEGER, y BOOLEAN, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE LABEL y ENTITY user FROM orders AS y;
CREATE TRAINING SET t LABEL y FEATURES (category, size);`);
    expect(summary(ds).map((d) => [d.code, d.at, d.notes])).toEqual([['E0302', 't.fsql:8:41', ['t.fsql:8:51 feature `size` is keyed by entity `merchant` too']]]);
  });
});
