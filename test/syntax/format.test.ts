// Golden tests for the canonical formatter: input → exact expected output,
// both written by hand.
import { describe, expect, it } from 'vitest';
import type { Expr, Statement } from '../../src/syntax/ast.js';
import { formatExpr, formatFile, formatSource, formatStatement } from '../../src/syntax/format.js';
import { parseFile } from '../../src/syntax/parse.js';

/** Formats `input`, which must parse cleanly; also checks the output is a fixed point. */
function fmt(input: string): string {
  const { file, diagnostics } = parseFile(input, 'golden.fsql');
  expect(diagnostics).toEqual([]);
  const out = formatFile(file);
  const again = parseFile(out, 'golden.fsql');
  expect(again.diagnostics).toEqual([]);
  expect(formatFile(again.file)).toBe(out);
  return out;
}

/** Lines joined with `\n`, plus the final newline. */
const lines = (...ls: string[]): string => `${ls.join('\n')}\n`;

function firstStatement(text: string): Statement {
  const { file, diagnostics } = parseFile(text, 'golden.fsql');
  expect(diagnostics).toEqual([]);
  return file.statements[0]!;
}

function expr(text: string): Expr {
  const s = firstStatement(`CREATE LABEL l ENTITY e FROM r AS ${text};`);
  if (s.kind !== 'label') throw new Error('not a label');
  return s.value;
}

describe('formatFile: statements', () => {
  it('entities and sources: keyword case, one column per line, canonical clause order', () => {
    const input = [
      "create entity User key (user_id text, Region varchar(20) not null) owner 'idt' description 'A customer';",
      'create source transactions (txn_id text not null, user_id Text not null, amount float, created_at timestamp not null)',
      "  from file 'data/tx.csv' format ndjson tags ('pii', 'events') event time created_at description 'It''s raw';",
      'CREATE SOURCE users (user_id STRING, signup DATE) FROM TABLE crm.Public.users;',
      'Create Source clicks (ts timestamp) From Stream Event Time ts;',
    ].join('\n');
    expect(fmt(input)).toBe(
      lines(
        'CREATE ENTITY User KEY (user_id TEXT, Region VARCHAR NOT NULL)',
        "  DESCRIPTION 'A customer'",
        "  OWNER 'idt';",
        '',
        'CREATE SOURCE transactions (',
        '  txn_id     TEXT NOT NULL,',
        '  user_id    TEXT NOT NULL,',
        '  amount     FLOAT,',
        '  created_at TIMESTAMP NOT NULL',
        ')',
        "  FROM FILE 'data/tx.csv' FORMAT JSONL",
        '  EVENT TIME created_at',
        "  DESCRIPTION 'It''s raw'",
        "  TAGS ('pii', 'events');",
        '',
        'CREATE SOURCE users (',
        '  user_id STRING,',
        '  signup  DATE',
        ')',
        '  FROM TABLE crm.Public.users;',
        '',
        'CREATE SOURCE clicks (',
        '  ts TIMESTAMP',
        ')',
        '  FROM STREAM',
        '  EVENT TIME ts;',
      ),
    );
  });

  it('views: AS placement, joins, aliases, long select lists and long CASE', () => {
    const input = [
      "create view big_txn owner 'risk' event time created_at as select distinct t.*, u.country as c, amount a",
      '  from transactions as t inner join users u on t.user_id = u.user_id left outer join m on m.id = t.m',
      '  where t.amount > 100 group by t.user_id, c having count(*) > 1;',
      'create view v as select * from t;',
      'create view wide as select first_column_name, second_column_name, third_column_name, fourth_column_name,',
      "  case when amount >= 500 then 'high' when amount >= 50 then 'medium' when amount >= 5 then 'low' else 'tiny' end as band",
      '  from t;',
    ].join('\n');
    expect(fmt(input)).toBe(
      lines(
        'CREATE VIEW big_txn EVENT TIME created_at',
        "  OWNER 'risk'",
        'AS',
        'SELECT DISTINCT t.*, u.country AS c, amount AS a',
        'FROM transactions t',
        'JOIN users u ON t.user_id = u.user_id',
        'LEFT JOIN m ON m.id = t.m',
        'WHERE t.amount > 100',
        'GROUP BY t.user_id, c',
        'HAVING count(*) > 1;',
        '',
        'CREATE VIEW v AS',
        'SELECT *',
        'FROM t;',
        '',
        'CREATE VIEW wide AS',
        'SELECT',
        '  first_column_name,',
        '  second_column_name,',
        '  third_column_name,',
        '  fourth_column_name,',
        '  CASE',
        "    WHEN amount >= 500 THEN 'high'",
        "    WHEN amount >= 50 THEN 'medium'",
        "    WHEN amount >= 5 THEN 'low'",
        "    ELSE 'tiny'",
        '  END AS band',
        'FROM t;',
      ),
    );
  });

  it('features: every clause, in canonical order, durations singular and plural, signed literals', () => {
    const input = [
      "create feature avg_amount_7d version 2 entity user from transactions as avg(amount) tags ('spend') owner 'risk'",
      "  description 'Mean spend' scale standard fill median ttl 1 days window 7 day where status = 'ok';",
      'CREATE FEATURE f ENTITY merchant ON (id, region) FROM merchants AS risk FILL -1 ONE_HOT (-1, 0, +2.5);',
      'CREATE FEATURE g ENTITY user FROM t AS channel ONE_HOT TOP 10 FILL \'unknown\' WINDOW 1 week TTL 36 hour;',
      "CREATE FEATURE h ENTITY user FROM t AS x FILL DATE '2024-01-01' ONE_HOT (NULL, TRUE, 'a''b');",
    ].join('\n');
    expect(fmt(input)).toBe(
      lines(
        'CREATE FEATURE avg_amount_7d VERSION 2',
        '  ENTITY user',
        '  FROM transactions',
        '  AS avg(amount)',
        "  WHERE status = 'ok'",
        '  WINDOW 7 DAYS',
        '  TTL 1 DAY',
        '  FILL MEDIAN',
        '  SCALE STANDARD',
        "  DESCRIPTION 'Mean spend'",
        "  OWNER 'risk'",
        "  TAGS ('spend');",
        '',
        'CREATE FEATURE f',
        '  ENTITY merchant ON (id, region)',
        '  FROM merchants',
        '  AS risk',
        '  FILL -1',
        '  ONE_HOT (-1, 0, +2.5);',
        '',
        'CREATE FEATURE g',
        '  ENTITY user',
        '  FROM t',
        '  AS channel',
        '  WINDOW 1 WEEK',
        '  TTL 36 HOURS',
        "  FILL 'unknown'",
        '  ONE_HOT TOP 10;',
        '',
        'CREATE FEATURE h',
        '  ENTITY user',
        '  FROM t',
        '  AS x',
        "  FILL DATE '2024-01-01'",
        "  ONE_HOT (NULL, TRUE, 'a''b');",
      ),
    );
  });

  it('labels and training sets: long FEATURES lists break one per line', () => {
    const input = [
      "create label is_fraud version 3 entity user on (account_id) from reports as confirmed owner 'risk' where amount > 0;",
      'create training set fraud_model version 1 label is_fraud version 3 features (a version 2, b, c)',
      "  owner 'risk' sample 20.5 percent seed 7;",
      'create training set wide label l features (first_feature_name, second_feature_name version 2, third_feature_name)',
      '  sample 100 percent;',
    ].join('\n');
    expect(fmt(input)).toBe(
      lines(
        'CREATE LABEL is_fraud VERSION 3',
        '  ENTITY user ON (account_id)',
        '  FROM reports',
        '  AS confirmed',
        '  WHERE amount > 0',
        "  OWNER 'risk';",
        '',
        'CREATE TRAINING SET fraud_model VERSION 1',
        '  LABEL is_fraud VERSION 3',
        '  FEATURES (a VERSION 2, b, c)',
        '  SAMPLE 20.5 PERCENT SEED 7',
        "  OWNER 'risk';",
        '',
        'CREATE TRAINING SET wide',
        '  LABEL l',
        '  FEATURES (',
        '    first_feature_name,',
        '    second_feature_name VERSION 2,',
        '    third_feature_name',
        '  )',
        '  SAMPLE 100 PERCENT;',
      ),
    );
  });
});

describe('formatFile: names', () => {
  it('quotes reserved words and odd names, keeps quoted names quoted and soft keywords bare', () => {
    const input = [
      'CREATE SOURCE "select" ("from" TEXT, "my col" INT, "a""b" INT, date DATE, version INT, key TEXT, "x" INT, Window TIMESTAMP)',
      '  FROM TABLE "my schema"."group" EVENT TIME Window;',
      'CREATE VIEW "Order" AS SELECT "from" AS "end", date, version key, "a""b" FROM "select" AS "join";',
    ].join('\n');
    expect(fmt(input)).toBe(
      lines(
        'CREATE SOURCE "select" (',
        '  "from"   TEXT,',
        '  "my col" INT,',
        '  "a""b"   INT,',
        '  date     DATE,',
        '  version  INT,',
        '  key      TEXT,',
        '  "x"      INT,',
        '  Window   TIMESTAMP',
        ')',
        '  FROM TABLE "my schema"."group"',
        '  EVENT TIME Window;',
        '',
        'CREATE VIEW "Order" AS',
        'SELECT "from" AS "end", date, version AS key, "a""b"',
        'FROM "select" "join";',
      ),
    );
  });
});

describe('formatExpr', () => {
  const cases: [string, string][] = [
    ['a+b*c', 'a + b * c'],
    ['(a+b)*c', '(a + b) * c'],
    ['((a))', '((a))'],
    ['- -x', '- -x'],
    ['-(-1)', '-(-1)'],
    ['+ - x', '+ -x'],
    ['not not a and b or c', 'NOT NOT a AND b OR c'],
    ['a != b', 'a <> b'],
    ["x || 'it''s'", "x || 'it''s'"],
    ['x is not null and y is null', 'x IS NOT NULL AND y IS NULL'],
    ['x not in (1, 2.50, 1e3) or x in (.5)', 'x NOT IN (1, 2.50, 1e3) OR x IN (.5)'],
    ['x not between 1 and 2 + 3', 'x NOT BETWEEN 1 AND 2 + 3'],
    ["name not like 'a%' and name like '_b'", "name NOT LIKE 'a%' AND name LIKE '_b'"],
    ["case when a then 1 when b then 2 else null end", 'CASE WHEN a THEN 1 WHEN b THEN 2 ELSE NULL END'],
    ["case kind when 'x' then true end", "CASE kind WHEN 'x' THEN TRUE END"],
    ['cast(x as varchar(255))', 'CAST(x AS VARCHAR)'],
    ['cast(x as int) % 2', 'CAST(x AS INT) % 2'],
    ['extract(dow from ts) + extract(Year from ts)', 'EXTRACT(DAYOFWEEK FROM ts) + EXTRACT(YEAR FROM ts)'],
    ['count(*) + Count(distinct t.merchant) + f()', 'count(*) + Count(DISTINCT t.merchant) + f()'],
    ["date '2024-02-29' < timestamp '2024-03-01T14:05'", "DATE '2024-02-29' < TIMESTAMP '2024-03-01T14:05'"],
    ['date + version - key', 'date + version - key'],
    ['"select".x * "a""b"', '"select".x * "a""b"'],
  ];
  for (const [input, expected] of cases) {
    it(`${input}  →  ${expected}`, () => {
      expect(formatExpr(expr(input))).toBe(expected);
      expect(formatExpr(expr(expected))).toBe(expected);
    });
  }
});

describe('formatStatement', () => {
  it('prints one statement ending with ; and no newline', () => {
    expect(formatStatement(firstStatement('create entity e key (id text);'))).toBe('CREATE ENTITY e KEY (id TEXT);');
  });
});

describe('formatFile: comments', () => {
  it('keeps comments between statements, blank lines between groups, trailing and end-of-file comments', () => {
    const input = [
      '-- File header.',
      '',
      '',
      '-- About a.',
      'create entity a key (id text);   -- trailing, stays   ',
      '-- About b, first line',
      '-- about b, second line',
      'create entity b key (id text); /* trailing block */ create entity c key (id text);',
      '',
      '',
      '/* The end.',
      '   Verbatim. */',
      '-- Bye.',
    ].join('\n');
    expect(fmt(input)).toBe(
      lines(
        '-- File header.',
        '',
        '-- About a.',
        'CREATE ENTITY a KEY (id TEXT); -- trailing, stays',
        '',
        '-- About b, first line',
        '-- about b, second line',
        'CREATE ENTITY b KEY (id TEXT); /* trailing block */',
        '',
        'CREATE ENTITY c KEY (id TEXT);',
        '',
        '/* The end.',
        '   Verbatim. */',
        '-- Bye.',
      ),
    );
  });

  it('keeps an end-of-line comment after a column at the end of that column\'s line', () => {
    // The column list is laid out again (one column per line, types aligned); each comment follows its column.
    expect(fmt("CREATE SOURCE s (a INT, -- the id\n b TEXT) FROM FILE 'data/s.csv';")).toBe(
      lines(
        'CREATE SOURCE s (',
        '  a INT, -- the id',
        '  b TEXT',
        ')',
        "  FROM FILE 'data/s.csv';",
      ),
    );
    expect(fmt('CREATE SOURCE s (user_id TEXT NOT NULL, /* key */ amount DOUBLE /* cents? */, ts TIMESTAMP -- event time\n) FROM STREAM EVENT TIME ts;')).toBe(
      lines(
        'CREATE SOURCE s (',
        // The comments of a column list line up.
        '  user_id TEXT NOT NULL, /* key */',
        '  amount  DOUBLE,        /* cents? */',
        '  ts      TIMESTAMP      -- event time',
        ')',
        '  FROM STREAM',
        '  EVENT TIME ts;',
      ),
    );
  });

  it('keeps a comment after the last column on its line, and one on a line of its own above the )', () => {
    const input = [
      'CREATE SOURCE clicks (',
      '  user_id TEXT,',
      '  -- where the click went',
      '  page TEXT    -- the last column',
      '  -- referrer TEXT,',
      '  /* ts TIMESTAMP */',
      ') FROM STREAM;',
    ].join('\n');
    expect(fmt(input)).toBe(
      lines(
        'CREATE SOURCE clicks (',
        '  user_id TEXT,',
        '  -- where the click went',
        '  page    TEXT  -- the last column',
        '  -- referrer TEXT,',
        '  /* ts TIMESTAMP */',
        ')',
        '  FROM STREAM;',
      ),
    );
  });

  it('keeps comments between clauses by the clause they follow; a comment after the last clause goes after the ;', () => {
    const input = [
      '-- Spend.',
      'CREATE FEATURE spend_7d ENTITY user FROM payments -- raw payments',
      '  AS SUM(amount) -- in cents',
      '  /* a block',
      '     comment */',
      '  WINDOW 7 DAYS',
      '  -- on its own line',
      '  FILL ZERO /* no spend */',
      '  SCALE LOG -- last clause',
      ';',
    ].join('\n');
    expect(fmt(input)).toBe(
      lines(
        '-- Spend.',
        'CREATE FEATURE spend_7d',
        '  ENTITY user',
        '  FROM payments -- raw payments',
        '  AS SUM(amount) -- in cents',
        '  /* a block',
        '     comment */',
        '  WINDOW 7 DAYS',
        '  -- on its own line',
        '  FILL ZERO /* no spend */',
        '  SCALE LOG; -- last clause',
      ),
    );
  });

  it('puts a comment within an expression above its clause, and one before the first clause above the statement', () => {
    const input = [
      'CREATE /* a label */ LABEL churned ENTITY customer FROM churn',
      "  AS CASE WHEN status = 'gone' THEN TRUE -- left",
      '    ELSE FALSE END',
      "  WHERE source <> 'test'; -- no test accounts",
    ].join('\n');
    expect(fmt(input)).toBe(
      lines(
        '/* a label */',
        'CREATE LABEL churned',
        '  ENTITY customer',
        '  FROM churn',
        '  -- left',
        "  AS CASE WHEN status = 'gone' THEN TRUE ELSE FALSE END",
        "  WHERE source <> 'test'; -- no test accounts",
      ),
    );
  });

  it('keeps comments in views and training sets by the line they follow', () => {
    const input = [
      'CREATE VIEW approved AS -- approved only',
      'SELECT user_id, amount, created_at',
      'FROM transactions t -- every attempt',
      "WHERE status = 'approved'; -- done",
      'CREATE TRAINING SET model VERSION 2 -- second try',
      '  LABEL churned',
      '  FEATURES (spend_30d_with_a_long_name, orders_30d_with_a_long_name, -- counts',
      '    country_one_hot_encoded)',
      '  SAMPLE 10 PERCENT; -- for speed',
    ].join('\n');
    expect(fmt(input)).toBe(
      lines(
        'CREATE VIEW approved AS -- approved only',
        'SELECT user_id, amount, created_at',
        'FROM transactions t -- every attempt',
        "WHERE status = 'approved'; -- done",
        '',
        'CREATE TRAINING SET model VERSION 2 -- second try',
        '  LABEL churned',
        '  FEATURES (',
        '    spend_30d_with_a_long_name,',
        '    orders_30d_with_a_long_name, -- counts',
        '    country_one_hot_encoded',
        '  )',
        '  SAMPLE 10 PERCENT; -- for speed',
      ),
    );
  });

  it('moves comments above the statement when keeping them in place would reorder them or follow a -- comment', () => {
    // FILL is printed after WINDOW: the two comments cannot both stay by their clause and in order.
    expect(fmt('CREATE FEATURE f ENTITY e FROM t AS COUNT(*)\n  FILL 0 -- fill note\n  WINDOW 7 DAYS -- window note\n;')).toBe(
      lines(
        '-- fill note',
        '-- window note',
        'CREATE FEATURE f',
        '  ENTITY e',
        '  FROM t',
        '  AS COUNT(*)',
        '  WINDOW 7 DAYS',
        '  FILL 0;',
      ),
    );
    // `-- w` would end the last line, and the trailing `/* t */` would have to follow it on that line.
    expect(fmt('CREATE FEATURE f ENTITY e FROM t AS COUNT(*)\n  WINDOW 7 DAYS -- w\n; /* t */')).toBe(
      lines('-- w', 'CREATE FEATURE f', '  ENTITY e', '  FROM t', '  AS COUNT(*)', '  WINDOW 7 DAYS; /* t */'),
    );
    // Alone, a comment on a line of its own before the `;` goes after it.
    expect(fmt('CREATE FEATURE f ENTITY e FROM t AS COUNT(*)\n  WINDOW 7 DAYS\n  -- the end\n;')).toBe(
      lines('CREATE FEATURE f', '  ENTITY e', '  FROM t', '  AS COUNT(*)', '  WINDOW 7 DAYS; -- the end'),
    );
  });

  it('a list printed on one line is one line: a comment after any of its elements ends that line', () => {
    expect(fmt('create entity e key (a text, -- first\n b int);')).toBe(lines('CREATE ENTITY e KEY (a TEXT, b INT); -- first'));
    // docs/language.md's example.
    expect(fmt('/* Users of the mobile app.\n   Owned by the identity team. */\nCREATE ENTITY app_user   -- the login, not the person\n  KEY (account_id TEXT);')).toBe(
      lines('/* Users of the mobile app.', '   Owned by the identity team. */', 'CREATE ENTITY app_user KEY (account_id TEXT); -- the login, not the person'),
    );
    expect(fmt("CREATE VIEW v DESCRIPTION 'd' AS SELECT a, -- col a\n b FROM t;")).toBe(lines('CREATE VIEW v', "  DESCRIPTION 'd'", 'AS', 'SELECT a, b -- col a', 'FROM t;'));
  });

  it('writes LF line ends, in block comments too', () => {
    expect(fmt('/* a\r\n   b */\r\ncreate entity e key (id text);\r\n-- c\r\n')).toBe(
      lines('/* a', '   b */', 'CREATE ENTITY e KEY (id TEXT);', '', '-- c'),
    );
  });

  it('formats a file of comments only, and an empty file', () => {
    expect(fmt('  -- just a note   \n\n\n/* and a block */  ')).toBe(lines('-- just a note', '', '/* and a block */'));
    expect(fmt('')).toBe('');
    expect(fmt('\n\n  \n')).toBe('');
  });
});

describe('formatSource', () => {
  it('formats valid text', () => {
    const { output, diagnostics } = formatSource('create entity e key (id text) ;', 'a.fsql');
    expect(diagnostics).toEqual([]);
    expect(output).toBe('CREATE ENTITY e KEY (id TEXT);\n');
  });

  it('returns text with a syntax error unchanged, with the diagnostics', () => {
    const text = 'create entity a key (id text);\ncreate entity b key (id text)\n';
    const { output, diagnostics } = formatSource(text, 'a.fsql');
    expect(output).toBe(text);
    expect(diagnostics.map((d) => d.code)).toEqual(['E0103']);
    expect(diagnostics[0]!.span.file).toBe('a.fsql');
  });

  it('returns text unchanged when the AST builder reports an error (the AST would be missing a clause)', () => {
    const text = 'create feature f entity e from t as x fill meen;\n';
    const { output, diagnostics } = formatSource(text, 'a.fsql');
    expect(output).toBe(text);
    expect(diagnostics.map((d) => d.code)).toEqual(['E0109']);
  });
});
