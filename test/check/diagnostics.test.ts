// Every diagnostic code, as the user sees it.
//
// Each case is a minimal .fsql input (test.fsql, checked together with the
// prelude below as a second file, prelude.fsql) and the exact plain-text
// rendering of its diagnostics: location, message, source line, caret
// underline, notes and hint. Each case also lists the codes it must produce
// and no others, so a follow-on error (a cascade) fails the test.
//
// docs/errors.md documents the same codes with the same examples.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.js';
import { check, type ProjectFile } from '../../src/index.js';
import { renderDiagnostics } from '../../src/diagnostics/render.js';
import { readProjectFiles } from '../../src/project/files.js';
import { MAX_NESTING, nestingError } from '../../src/syntax/limits.js';

const NESTING = nestingError({ file: 'test.fsql', start: 0, end: 1, line: 1, col: 1, endLine: 1, endCol: 1 }, 'nesting');

/** An entity, an event source, a dimension source, a feature and a label, for the cases to use. */
const PRELUDE = `CREATE ENTITY user KEY (user_id TEXT);

CREATE SOURCE transactions (
  txn_id     TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  amount     DOUBLE,
  channel    TEXT,
  created_at TIMESTAMP NOT NULL
) FROM FILE 'data/transactions.csv' EVENT TIME created_at;

CREATE SOURCE users (user_id TEXT NOT NULL, country TEXT, age INTEGER) FROM TABLE crm.users;

CREATE FEATURE txn_count_7d ENTITY user FROM transactions AS COUNT(*) WINDOW 7 DAYS;

CREATE LABEL big_spender ENTITY user FROM transactions AS amount > 1000;
`;

function checkFiles(files: readonly ProjectFile[]) {
  const result = check(files);
  const lookup = (path: string) => files.find((f) => f.path === path)?.text;
  return {
    result,
    codes: result.diagnostics.map((d) => d.code),
    rendered: renderDiagnostics(result.diagnostics, lookup),
  };
}

/** Checks `input` as test.fsql, with the prelude as prelude.fsql. */
function run(input: string) {
  return checkFiles([
    { path: 'prelude.fsql', text: PRELUDE },
    { path: 'test.fsql', text: input },
  ]);
}

interface Case {
  readonly name: string;
  readonly input: string;
  /** Exactly the codes reported, in order. */
  readonly codes: readonly string[];
  /** The rendering, after a leading newline (which is dropped). */
  readonly expected: string;
}

const CASES: readonly Case[] = [
  {
    name: 'E0101 unexpected character',
    input: `CREATE ENTITY card KEY (card_id TEXT) # the card;`,
    codes: ['E0101'],
    expected: `
test.fsql:1:39: error[E0101]: unexpected character \`#\`
  |
1 | CREATE ENTITY card KEY (card_id TEXT) # the card;
  |                                       ^`,
  },
  {
    name: 'E0101 mid-expression',
    input: `CREATE VIEW v AS SELECT amount @ 2 AS x FROM transactions;`,
    codes: ['E0101'],
    expected: `
test.fsql:1:32: error[E0101]: unexpected character \`@\`
  |
1 | CREATE VIEW v AS SELECT amount @ 2 AS x FROM transactions;
  |                                ^`,
  },
  {
    name: 'E0102 unterminated string',
    input: `CREATE ENTITY card KEY (card_id TEXT) DESCRIPTION 'A payment card;`,
    codes: ['E0102'],
    expected: `
test.fsql:1:51: error[E0102]: unterminated string literal
  |
1 | CREATE ENTITY card KEY (card_id TEXT) DESCRIPTION 'A payment card;
  |                                                   ^
  = hint: close the string with \`'\`; write \`''\` for a quote inside it`,
  },
  {
    name: 'E0102 unterminated quoted identifier',
    input: `CREATE ENTITY "card KEY (card_id TEXT);`,
    codes: ['E0102'],
    expected: `
test.fsql:1:15: error[E0102]: unterminated quoted identifier
  |
1 | CREATE ENTITY "card KEY (card_id TEXT);
  |               ^
  = hint: close the name with \`"\`; write \`""\` for a quote inside it`,
  },
  {
    name: 'E0102 unterminated block comment',
    input: `CREATE ENTITY card KEY (card_id TEXT);
/* TODO: merchants
CREATE ENTITY merchant KEY (merchant_id TEXT);`,
    codes: ['E0102'],
    expected: `
test.fsql:2:1: error[E0102]: unterminated block comment
  |
2 | /* TODO: merchants
  | ^
  = hint: close the comment with \`*/\``,
  },
  {
    name: 'E0103 missing semicolon',
    input: `CREATE ENTITY card KEY (card_id TEXT)
CREATE ENTITY merchant KEY (merchant_id TEXT);`,
    codes: ['E0103'],
    expected: `
test.fsql:1:38: error[E0103]: expected ';', found \`CREATE\`
  |
1 | CREATE ENTITY card KEY (card_id TEXT)
  |                                      ^
  = hint: every statement ends with \`;\``,
  },
  {
    name: 'E0103 missing semicolon at end of file',
    input: `CREATE ENTITY card KEY (card_id TEXT)`,
    codes: ['E0103'],
    expected: `
test.fsql:1:38: error[E0103]: expected ';', found the end of the file
  |
1 | CREATE ENTITY card KEY (card_id TEXT)
  |                                      ^
  = hint: every statement ends with \`;\``,
  },
  {
    name: 'E0103 reserved word as name',
    input: `CREATE ENTITY select KEY (card_id TEXT);`,
    codes: ['E0103'],
    expected: `
test.fsql:1:15: error[E0103]: expected a name, found \`select\`
  |
1 | CREATE ENTITY select KEY (card_id TEXT);
  |               ^^^^^^
  = hint: \`SELECT\` is a reserved word; write "select" in double quotes to use it as a name`,
  },
  {
    name: 'E0103 misspelt keyword',
    input: `CREATE ENTITY card KEYS (card_id TEXT);`,
    codes: ['E0103'],
    expected: `
test.fsql:1:20: error[E0103]: expected KEY, found \`KEYS\`
  |
1 | CREATE ENTITY card KEYS (card_id TEXT);
  |                    ^^^^
  = hint: did you mean \`KEY\`?`,
  },
  {
    name: 'E0103 misspelt statement kind',
    input: `CREATE FEATUR n ENTITY user FROM transactions AS COUNT(*);`,
    codes: ['E0103'],
    expected: `
test.fsql:1:8: error[E0103]: expected ENTITY, SOURCE, VIEW, FEATURE, LABEL or TRAINING SET after CREATE, found \`FEATUR\`
  |
1 | CREATE FEATUR n ENTITY user FROM transactions AS COUNT(*);
  |        ^^^^^^
  = hint: did you mean \`CREATE FEATURE\`?`,
  },
  {
    name: 'E0103 CREATE TABLE',
    input: `CREATE TABLE cards (card_id TEXT);`,
    codes: ['E0103'],
    expected: `
test.fsql:1:8: error[E0103]: expected ENTITY, SOURCE, VIEW, FEATURE, LABEL or TRAINING SET after CREATE, found \`TABLE\`
  |
1 | CREATE TABLE cards (card_id TEXT);
  |        ^^^^^
  = hint: declare a table of data with CREATE SOURCE name (columns) FROM TABLE …`,
  },
  {
    name: 'E0103 misspelt clause',
    input: `CREATE FEATURE n ENTITY user FROM transactions
  AS COUNT(*)
  WINDOWS 7 DAYS;`,
    codes: ['E0103'],
    expected: `
test.fsql:3:3: error[E0103]: expected ';', found \`WINDOWS\`
  |
3 |   WINDOWS 7 DAYS;
  |   ^^^^^^^
  = hint: did you mean \`WINDOW\`?`,
  },
  {
    name: 'E0103 unknown clause',
    input: `CREATE FEATURE n ENTITY user FROM transactions
  AS COUNT(*)
  PARTITION BY channel;`,
    codes: ['E0103'],
    expected: `
test.fsql:3:3: error[E0103]: expected ';', found \`PARTITION\`
  |
3 |   PARTITION BY channel;
  |   ^^^^^^^^^
  = hint: \`PARTITION\` is not a clause of CREATE FEATURE, which takes WHERE, WINDOW, TTL, FILL, SCALE, ONE_HOT, DESCRIPTION, OWNER, TAGS; every statement ends with \`;\``,
  },
  {
    name: 'E0103 ORDER BY in a view',
    input: `CREATE VIEW recent AS
  SELECT txn_id, created_at FROM transactions ORDER BY created_at;`,
    codes: ['E0103'],
    expected: `
test.fsql:2:47: error[E0103]: expected ';', found \`ORDER BY\`
  |
2 |   SELECT txn_id, created_at FROM transactions ORDER BY created_at;
  |                                               ^^^^^^^^
  = hint: a view's SELECT ends after WHERE, GROUP BY and HAVING: there is no ORDER BY, LIMIT, UNION or window clause (a view's rows have no order)`,
  },
  {
    name: 'E0105 misspelt type',
    input: `CREATE ENTITY card KEY (card_id TXET);`,
    codes: ['E0105'],
    expected: `
test.fsql:1:33: error[E0105]: unknown type \`TXET\`
  |
1 | CREATE ENTITY card KEY (card_id TXET);
  |                                 ^^^^
  = hint: did you mean \`TEXT\`?`,
  },
  {
    name: 'E0105 type of another dialect',
    input: `CREATE SOURCE logins (user_id TEXT NOT NULL, at DATETIME) FROM TABLE app.logins;`,
    codes: ['E0105'],
    expected: `
test.fsql:1:49: error[E0105]: unknown type \`DATETIME\`
  |
1 | CREATE SOURCE logins (user_id TEXT NOT NULL, at DATETIME) FROM TABLE app.logins;
  |                                                 ^^^^^^^^
  = hint: fsql has no DATETIME; write TIMESTAMP`,
  },
  {
    name: 'E0105 unknown type',
    input: `CREATE ENTITY card KEY (card_id BLOB);`,
    codes: ['E0105'],
    expected: `
test.fsql:1:33: error[E0105]: unknown type \`BLOB\`
  |
1 | CREATE ENTITY card KEY (card_id BLOB);
  |                                 ^^^^
  = hint: the types are BOOLEAN, INTEGER, DOUBLE, TEXT, DATE and TIMESTAMP`,
  },
  {
    name: 'E0105 size on a type without one',
    input: `CREATE ENTITY card KEY (card_id INTEGER(10));`,
    codes: ['E0105'],
    expected: `
test.fsql:1:33: error[E0105]: type \`INTEGER\` takes no size or precision
  |
1 | CREATE ENTITY card KEY (card_id INTEGER(10));
  |                                 ^^^^^^^^^^^
  = hint: write \`INTEGER\``,
  },
  {
    name: 'E0106 misspelt duration unit',
    input: `CREATE FEATURE n ENTITY user FROM transactions
  AS COUNT(*) WINDOW 7 DAYZ;`,
    codes: ['E0106'],
    expected: `
test.fsql:2:24: error[E0106]: unknown duration unit \`DAYZ\`
  |
2 |   AS COUNT(*) WINDOW 7 DAYZ;
  |                        ^^^^
  = hint: did you mean \`DAYS\`?`,
  },
  {
    name: 'E0106 months',
    input: `CREATE FEATURE n ENTITY user FROM transactions
  AS COUNT(*) WINDOW 1 MONTH;`,
    codes: ['E0106'],
    expected: `
test.fsql:2:24: error[E0106]: unknown duration unit \`MONTH\`
  |
2 |   AS COUNT(*) WINDOW 1 MONTH;
  |                        ^^^^^
  = hint: there are no MONTHS (their length varies); write days or weeks, e.g. \`30 DAYS\` or \`52 WEEKS\``,
  },
  {
    name: 'E0106 unknown duration unit',
    input: `CREATE FEATURE n ENTITY user FROM transactions
  AS COUNT(*) WINDOW 90 MINS;`,
    codes: ['E0106'],
    expected: `
test.fsql:2:25: error[E0106]: unknown duration unit \`MINS\`
  |
2 |   AS COUNT(*) WINDOW 90 MINS;
  |                         ^^^^
  = hint: durations are written like \`30 SECONDS\`, \`15 MINUTES\`, \`6 HOURS\`, \`7 DAYS\` or \`2 WEEKS\``,
  },
  {
    name: 'E0106 misspelt date part',
    input: `CREATE VIEW v AS
  SELECT txn_id, EXTRACT(MONHT FROM created_at) AS m FROM transactions;`,
    codes: ['E0106'],
    expected: `
test.fsql:2:26: error[E0106]: unknown date part \`MONHT\`
  |
2 |   SELECT txn_id, EXTRACT(MONHT FROM created_at) AS m FROM transactions;
  |                          ^^^^^
  = hint: did you mean \`MONTH\`?`,
  },
  {
    name: 'E0107 clause given twice',
    input: `CREATE FEATURE spend ENTITY user FROM transactions
  AS SUM(amount)
  FILL ZERO
  WINDOW 7 DAYS
  FILL MEAN;`,
    codes: ['E0107'],
    expected: `
test.fsql:5:3: error[E0107]: FILL is given twice
  |
5 |   FILL MEAN;
  |   ^^^^^^^^^
test.fsql:3:3: note: first FILL here
  |
3 |   FILL ZERO
  |   ^^^^^^^^^
  = hint: keep one FILL clause`,
  },
  {
    name: 'E0108 version 0',
    input: `CREATE FEATURE n VERSION 0 ENTITY user FROM transactions AS COUNT(*);`,
    codes: ['E0108'],
    expected: `
test.fsql:1:26: error[E0108]: a version must be at least 1, found 0
  |
1 | CREATE FEATURE n VERSION 0 ENTITY user FROM transactions AS COUNT(*);
  |                          ^`,
  },
  {
    name: 'E0108 zero duration',
    input: `CREATE FEATURE n ENTITY user FROM transactions
  AS COUNT(*) WINDOW 0 DAYS;`,
    codes: ['E0108'],
    expected: `
test.fsql:2:22: error[E0108]: a duration must be at least 1, found 0
  |
2 |   AS COUNT(*) WINDOW 0 DAYS;
  |                      ^`,
  },
  {
    name: 'E0108 sample over 100 percent',
    input: `CREATE TRAINING SET t LABEL big_spender FEATURES (txn_count_7d)
  SAMPLE 150 PERCENT;`,
    codes: ['E0108'],
    expected: `
test.fsql:2:10: error[E0108]: SAMPLE must be more than 0 and at most 100 PERCENT, found 150
  |
2 |   SAMPLE 150 PERCENT;
  |          ^^^`,
  },
  {
    name: 'E0108 ONE_HOT TOP 0',
    input: `CREATE FEATURE c ENTITY user FROM transactions
  AS channel ONE_HOT TOP 0;`,
    codes: ['E0108'],
    expected: `
test.fsql:2:26: error[E0108]: ONE_HOT TOP must be at least 1, found 0
  |
2 |   AS channel ONE_HOT TOP 0;
  |                          ^`,
  },
  {
    name: 'E0108 empty quoted name',
    input: `CREATE ENTITY "" KEY (card_id TEXT);`,
    codes: ['E0108'],
    expected: `
test.fsql:1:15: error[E0108]: a quoted identifier cannot be empty
  |
1 | CREATE ENTITY "" KEY (card_id TEXT);
  |               ^^`,
  },
  {
    name: 'E0108 integer too large',
    input: `CREATE VIEW v AS
  SELECT txn_id, amount * 99999999999999999999 AS x FROM transactions;`,
    codes: ['E0108'],
    expected: `
test.fsql:2:27: error[E0108]: integer \`99999999999999999999\` is too large
  |
2 |   SELECT txn_id, amount * 99999999999999999999 AS x FROM transactions;
  |                           ^^^^^^^^^^^^^^^^^^^^
  = hint: write it as a decimal (with a \`.\`) to make it a DOUBLE`,
  },
  {
    name: 'E0109 misspelt FILL method',
    input: `CREATE FEATURE a ENTITY user FROM transactions
  AS AVG(amount) FILL MEDAIN;`,
    codes: ['E0109'],
    expected: `
test.fsql:2:23: error[E0109]: unknown FILL method \`MEDAIN\`
  |
2 |   AS AVG(amount) FILL MEDAIN;
  |                       ^^^^^^
  = hint: did you mean \`MEDIAN\`?`,
  },
  {
    name: 'E0109 FILL AVG',
    input: `CREATE FEATURE a ENTITY user FROM transactions
  AS AVG(amount) FILL AVG;`,
    codes: ['E0109'],
    expected: `
test.fsql:2:23: error[E0109]: unknown FILL method \`AVG\`
  |
2 |   AS AVG(amount) FILL AVG;
  |                       ^^^
  = hint: did you mean \`MEAN\`?`,
  },
  {
    name: 'E0109 unknown FILL method',
    input: `CREATE FEATURE a ENTITY user FROM transactions
  AS AVG(amount) FILL LATEST;`,
    codes: ['E0109'],
    expected: `
test.fsql:2:23: error[E0109]: unknown FILL method \`LATEST\`
  |
2 |   AS AVG(amount) FILL LATEST;
  |                       ^^^^^^
  = hint: FILL takes MEAN, MEDIAN, MODE, ZERO or a literal value such as 0 or 'unknown'`,
  },
  {
    name: 'E0109 misspelt SCALE method',
    input: `CREATE FEATURE a ENTITY user FROM transactions
  AS AVG(amount) SCALE STANDRD;`,
    codes: ['E0109'],
    expected: `
test.fsql:2:24: error[E0109]: unknown SCALE method \`STANDRD\`
  |
2 |   AS AVG(amount) SCALE STANDRD;
  |                        ^^^^^^^
  = hint: did you mean \`STANDARD\`?`,
  },
  {
    name: 'E0110 misspelt format',
    input: `CREATE SOURCE cards (card_id TEXT) FROM FILE 'data/cards.csv' FORMAT CVS;`,
    codes: ['E0110'],
    expected: `
test.fsql:1:70: error[E0110]: unknown file format \`CVS\`
  |
1 | CREATE SOURCE cards (card_id TEXT) FROM FILE 'data/cards.csv' FORMAT CVS;
  |                                                                      ^^^
  = hint: did you mean \`CSV\`?`,
  },
  {
    name: 'E0110 format not known from the path',
    input: `CREATE SOURCE cards (card_id TEXT) FROM FILE 'data/cards.txt';`,
    codes: ['E0110'],
    expected: `
test.fsql:1:46: error[E0110]: cannot tell the format of 'data/cards.txt' from its name
  |
1 | CREATE SOURCE cards (card_id TEXT) FROM FILE 'data/cards.txt';
  |                                              ^^^^^^^^^^^^^^^^
  = hint: add FORMAT CSV, FORMAT PARQUET or FORMAT JSONL`,
  },
  {
    name: 'E0111 impossible date',
    input: `CREATE VIEW v AS
  SELECT txn_id FROM transactions WHERE created_at >= DATE '2024-02-30';`,
    codes: ['E0111'],
    expected: `
test.fsql:2:60: error[E0111]: invalid DATE literal '2024-02-30'
  |
2 |   SELECT txn_id FROM transactions WHERE created_at >= DATE '2024-02-30';
  |                                                            ^^^^^^^^^^^^
  = hint: write dates as 'YYYY-MM-DD', e.g. DATE '2024-03-01'`,
  },
  {
    name: 'E0111 malformed timestamp',
    input: `CREATE VIEW v AS
  SELECT txn_id FROM transactions WHERE created_at >= TIMESTAMP '2024-03-01 25:00';`,
    codes: ['E0111'],
    expected: `
test.fsql:2:65: error[E0111]: invalid TIMESTAMP literal '2024-03-01 25:00'
  |
2 |   SELECT txn_id FROM transactions WHERE created_at >= TIMESTAMP '2024-03-01 25:00';
  |                                                                 ^^^^^^^^^^^^^^^^^^
  = hint: write timestamps as 'YYYY-MM-DD HH:MM:SS[.ffffff]', e.g. TIMESTAMP '2024-03-01 14:05:00'`,
  },
  {
    name: 'E0110 misspelt Kafka message format',
    input: `CREATE SOURCE clicks (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL) FROM KAFKA TOPIC 'clicks' FORMAT JSNO EVENT TIME ts;`,
    codes: ['E0110'],
    expected: `
test.fsql:1:102: error[E0110]: unknown Kafka message format \`JSNO\`
  |
1 | CREATE SOURCE clicks (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL) FROM KAFKA TOPIC 'clicks' FORMAT JSNO EVENT TIME ts;
  |                                                                                                      ^^^^
  = hint: did you mean \`JSON\`?`,
  },
  {
    name: 'E0103 Kafka topic not a string',
    input: `CREATE SOURCE clicks (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL) FROM KAFKA TOPIC clicks EVENT TIME ts;`,
    codes: ['E0103'],
    expected: `
test.fsql:1:86: error[E0103]: expected a string, found \`clicks\`
  |
1 | CREATE SOURCE clicks (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL) FROM KAFKA TOPIC clicks EVENT TIME ts;
  |                                                                                      ^^^^^^
  = hint: a Kafka topic is a string: TOPIC 'clicks'`,
  },
  {
    name: 'E0103 KAFKA without TOPIC',
    input: `CREATE SOURCE clicks (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL) FROM KAFKA 'clicks' EVENT TIME ts;`,
    codes: ['E0103'],
    expected: `
test.fsql:1:80: error[E0103]: expected TOPIC, found \`'clicks'\`
  |
1 | CREATE SOURCE clicks (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL) FROM KAFKA 'clicks' EVENT TIME ts;
  |                                                                                ^^^^^^^^`,
  },
  {
    name: 'E0113 topic name with a space',
    input: `CREATE SOURCE clicks (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL) FROM KAFKA TOPIC 'user clicks' EVENT TIME ts;`,
    codes: ['E0113'],
    expected: `
test.fsql:1:86: error[E0113]: 'user clicks' is not a Kafka topic name
  |
1 | CREATE SOURCE clicks (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL) FROM KAFKA TOPIC 'user clicks' EVENT TIME ts;
  |                                                                                      ^^^^^^^^^^^^^
  = hint: topic names are 1 to 249 letters, digits, \`.\`, \`_\` and \`-\``,
  },
  {
    name: 'E0113 empty topic name',
    input: `CREATE SOURCE clicks (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL) FROM KAFKA TOPIC '' EVENT TIME ts;`,
    codes: ['E0113'],
    expected: `
test.fsql:1:86: error[E0113]: a Kafka topic name cannot be empty
  |
1 | CREATE SOURCE clicks (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL) FROM KAFKA TOPIC '' EVENT TIME ts;
  |                                                                                      ^^
  = hint: name the topic: FROM KAFKA TOPIC 'clicks'`,
  },
  {
    name: 'E0112 RIGHT JOIN',
    input: `CREATE VIEW v AS
  SELECT u.user_id, u.country FROM transactions t RIGHT JOIN users u ON t.user_id = u.user_id;`,
    codes: ['E0112'],
    expected: `
test.fsql:2:51: error[E0112]: RIGHT JOIN is not supported
  |
2 |   SELECT u.user_id, u.country FROM transactions t RIGHT JOIN users u ON t.user_id = u.user_id;
  |                                                   ^^^^^
  = hint: views support JOIN (inner) and LEFT [OUTER] JOIN`,
  },
  {
    name: 'E0112 RIGHT JOIN without aliases',
    input: `CREATE VIEW v AS
  SELECT users.user_id FROM transactions RIGHT JOIN users ON transactions.user_id = users.user_id;`,
    codes: ['E0112'],
    expected: `
test.fsql:2:42: error[E0112]: RIGHT JOIN is not supported
  |
2 |   SELECT users.user_id FROM transactions RIGHT JOIN users ON transactions.user_id = users.user_id;
  |                                          ^^^^^
  = hint: views support JOIN (inner) and LEFT [OUTER] JOIN; quote the name to use it as an alias`,
  },
  {
    name: 'E0112 CROSS JOIN',
    input: `CREATE VIEW v AS SELECT t.txn_id, u.country FROM transactions t CROSS JOIN users u;`,
    codes: ['E0112'],
    expected: `
test.fsql:1:65: error[E0112]: CROSS JOIN is not supported
  |
1 | CREATE VIEW v AS SELECT t.txn_id, u.country FROM transactions t CROSS JOIN users u;
  |                                                                 ^^^^^
  = hint: views support JOIN (inner) and LEFT [OUTER] JOIN`,
  },
  {
    name: 'E0201 misspelt source',
    input: `CREATE FEATURE n ENTITY user FROM transaction AS COUNT(*);`,
    codes: ['E0201'],
    expected: `
test.fsql:1:35: error[E0201]: unknown source or view \`transaction\`
  |
1 | CREATE FEATURE n ENTITY user FROM transaction AS COUNT(*);
  |                                   ^^^^^^^^^^^
  = hint: did you mean \`transactions\`?`,
  },
  {
    name: 'E0201 unknown source, nothing near',
    input: `CREATE FEATURE n ENTITY user FROM orders AS COUNT(*);`,
    codes: ['E0201'],
    expected: `
test.fsql:1:35: error[E0201]: unknown source or view \`orders\`
  |
1 | CREATE FEATURE n ENTITY user FROM orders AS COUNT(*);
  |                                   ^^^^^^`,
  },
  {
    name: 'E0201 misspelt entity',
    input: `CREATE FEATURE n ENTITY usr FROM transactions AS COUNT(*);`,
    codes: ['E0201'],
    expected: `
test.fsql:1:25: error[E0201]: unknown entity \`usr\`
  |
1 | CREATE FEATURE n ENTITY usr FROM transactions AS COUNT(*);
  |                         ^^^
  = hint: did you mean \`user\`?`,
  },
  {
    name: 'E0201 unknown entity, nothing near',
    input: `CREATE FEATURE n ENTITY customer FROM transactions AS COUNT(*);`,
    codes: ['E0201'],
    expected: `
test.fsql:1:25: error[E0201]: unknown entity \`customer\`
  |
1 | CREATE FEATURE n ENTITY customer FROM transactions AS COUNT(*);
  |                         ^^^^^^^^`,
  },
  {
    name: 'E0201 entity is a source',
    input: `CREATE FEATURE n ENTITY users FROM transactions AS COUNT(*);`,
    codes: ['E0201'],
    expected: `
test.fsql:1:25: error[E0201]: unknown entity \`users\`
  |
1 | CREATE FEATURE n ENTITY users FROM transactions AS COUNT(*);
  |                         ^^^^^
  = hint: \`users\` is a source, not an entity; did you mean \`user\`?`,
  },
  {
    name: 'E0201 FROM an entity',
    input: `CREATE FEATURE n ENTITY user FROM user AS COUNT(*);`,
    codes: ['E0201'],
    expected: `
test.fsql:1:35: error[E0201]: unknown source or view \`user\`
  |
1 | CREATE FEATURE n ENTITY user FROM user AS COUNT(*);
  |                                   ^^^^
  = hint: \`user\` is an entity; FROM takes a source or a view`,
  },
  {
    name: 'E0201 misspelt relation in a view',
    input: `CREATE VIEW v AS SELECT txn_id FROM transacions;`,
    codes: ['E0201'],
    expected: `
test.fsql:1:37: error[E0201]: unknown source or view \`transacions\`
  |
1 | CREATE VIEW v AS SELECT txn_id FROM transacions;
  |                                     ^^^^^^^^^^^
  = hint: did you mean \`transactions\`?`,
  },
  {
    name: 'E0201 misspelt feature in a training set',
    input: `CREATE TRAINING SET t LABEL big_spender FEATURES (txn_cuont_7d);`,
    codes: ['E0201'],
    expected: `
test.fsql:1:51: error[E0201]: unknown feature \`txn_cuont_7d\`
  |
1 | CREATE TRAINING SET t LABEL big_spender FEATURES (txn_cuont_7d);
  |                                                   ^^^^^^^^^^^^
  = hint: did you mean \`txn_count_7d\`?`,
  },
  {
    name: 'E0201 misspelt label',
    input: `CREATE TRAINING SET t LABEL big_spendr FEATURES (txn_count_7d);`,
    codes: ['E0201'],
    expected: `
test.fsql:1:29: error[E0201]: unknown label \`big_spendr\`
  |
1 | CREATE TRAINING SET t LABEL big_spendr FEATURES (txn_count_7d);
  |                             ^^^^^^^^^^
  = hint: did you mean \`big_spender\`?`,
  },
  {
    name: 'E0201 a feature used as a label',
    input: `CREATE TRAINING SET t LABEL txn_count_7d FEATURES (txn_count_7d);`,
    codes: ['E0201'],
    expected: `
test.fsql:1:29: error[E0201]: unknown label \`txn_count_7d\`
  |
1 | CREATE TRAINING SET t LABEL txn_count_7d FEATURES (txn_count_7d);
  |                             ^^^^^^^^^^^^
  = hint: \`txn_count_7d\` is a feature, not a label`,
  },
  {
    name: 'E0201 a label used as a feature',
    input: `CREATE TRAINING SET t LABEL big_spender FEATURES (txn_count_7d, big_spender);`,
    codes: ['E0201'],
    expected: `
test.fsql:1:65: error[E0201]: unknown feature \`big_spender\`
  |
1 | CREATE TRAINING SET t LABEL big_spender FEATURES (txn_count_7d, big_spender);
  |                                                                 ^^^^^^^^^^^
  = hint: \`big_spender\` is a label, not a feature`,
  },
  {
    name: 'E0201 unknown source read by several features',
    input: `CREATE FEATURE spend_7d ENTITY user FROM payments AS SUM(amount) WINDOW 7 DAYS;
CREATE FEATURE spend_30d ENTITY user FROM payments AS SUM(amount) WINDOW 30 DAYS;`,
    codes: ['E0201'],
    expected: `
test.fsql:1:42: error[E0201]: unknown source or view \`payments\`
  |
1 | CREATE FEATURE spend_7d ENTITY user FROM payments AS SUM(amount) WINDOW 7 DAYS;
  |                                          ^^^^^^^^
test.fsql:2:43: note: \`payments\` is also used here
  |
2 | CREATE FEATURE spend_30d ENTITY user FROM payments AS SUM(amount) WINDOW 30 DAYS;
  |                                           ^^^^^^^^`,
  },
  {
    name: 'E0202 entity twice',
    input: `CREATE ENTITY User KEY (id TEXT);`,
    codes: ['E0202'],
    expected: `
test.fsql:1:15: error[E0202]: entity \`User\` is defined twice
  |
1 | CREATE ENTITY User KEY (id TEXT);
  |               ^^^^
prelude.fsql:1:15: note: first defined here
  |
1 | CREATE ENTITY user KEY (user_id TEXT);
  |               ^^^^`,
  },
  {
    name: 'E0202 source and view',
    input: `CREATE VIEW users AS SELECT user_id FROM transactions;`,
    codes: ['E0202'],
    expected: `
test.fsql:1:13: error[E0202]: \`users\` is defined twice: as a source and as a view
   |
 1 | CREATE VIEW users AS SELECT user_id FROM transactions;
   |             ^^^^^
prelude.fsql:11:15: note: first defined here as a source
   |
11 | CREATE SOURCE users (user_id TEXT NOT NULL, country TEXT, age INTEGER) FROM TABLE crm.users;
   |               ^^^^^
   = hint: sources and views share one namespace: rename one`,
  },
  {
    name: 'E0202 same version twice',
    input: `CREATE FEATURE txn_count_7d VERSION 1 ENTITY user FROM transactions
  AS COUNT(*) WINDOW 7 DAYS WHERE amount > 0;`,
    codes: ['E0202'],
    expected: `
test.fsql:1:16: error[E0202]: feature \`txn_count_7d\` VERSION 1 is defined twice
   |
 1 | CREATE FEATURE txn_count_7d VERSION 1 ENTITY user FROM transactions
   |                ^^^^^^^^^^^^
prelude.fsql:13:16: note: first defined here
   |
13 | CREATE FEATURE txn_count_7d ENTITY user FROM transactions AS COUNT(*) WINDOW 7 DAYS;
   |                ^^^^^^^^^^^^
   = hint: a (name, version) is immutable: give the new definition VERSION 2`,
  },
  {
    name: 'E0202 across kinds',
    input: `CREATE FEATURE user ENTITY user FROM transactions AS COUNT(*);`,
    codes: ['E0202'],
    expected: `
test.fsql:1:16: error[E0202]: \`user\` is defined twice: as an entity and as a feature
  |
1 | CREATE FEATURE user ENTITY user FROM transactions AS COUNT(*);
  |                ^^^^
prelude.fsql:1:15: note: first defined here as an entity
  |
1 | CREATE ENTITY user KEY (user_id TEXT);
  |               ^^^^
  = hint: entities, sources, views, features, labels and training sets share one namespace: rename one`,
  },
  {
    name: 'E0203 misspelt column',
    input: `CREATE FEATURE a ENTITY user FROM transactions AS AVG(amout);`,
    codes: ['E0203'],
    expected: `
test.fsql:1:55: error[E0203]: unknown column \`amout\` in \`transactions\`
  |
1 | CREATE FEATURE a ENTITY user FROM transactions AS AVG(amout);
  |                                                       ^^^^^
  = hint: did you mean \`amount\`?`,
  },
  {
    name: 'E0203 column prefix',
    input: `CREATE FEATURE a ENTITY user FROM transactions AS AVG(amount_usd);`,
    codes: ['E0203'],
    expected: `
test.fsql:1:55: error[E0203]: unknown column \`amount_usd\` in \`transactions\`
  |
1 | CREATE FEATURE a ENTITY user FROM transactions AS AVG(amount_usd);
  |                                                       ^^^^^^^^^^
  = hint: did you mean \`amount\`?`,
  },
  {
    name: 'E0203 unknown column, nothing near',
    input: `CREATE FEATURE a ENTITY user FROM transactions AS AVG(price);`,
    codes: ['E0203'],
    expected: `
test.fsql:1:55: error[E0203]: unknown column \`price\` in \`transactions\`
  |
1 | CREATE FEATURE a ENTITY user FROM transactions AS AVG(price);
  |                                                       ^^^^^`,
  },
  {
    name: 'E0203 qualified column',
    input: `CREATE VIEW v AS SELECT t.amout FROM transactions t;`,
    codes: ['E0203'],
    expected: `
test.fsql:1:27: error[E0203]: unknown column \`amout\` in \`t\`
  |
1 | CREATE VIEW v AS SELECT t.amout FROM transactions t;
  |                           ^^^^^
  = hint: did you mean \`amount\`?`,
  },
  {
    name: 'E0203 EVENT TIME column',
    input: `CREATE SOURCE logins (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL)
  FROM STREAM EVENT TIME tss;`,
    codes: ['E0203'],
    expected: `
test.fsql:2:26: error[E0203]: EVENT TIME names unknown column \`tss\` of source \`logins\`
  |
2 |   FROM STREAM EVENT TIME tss;
  |                          ^^^
  = hint: did you mean \`ts\`?`,
  },
  {
    name: 'E0203 ON column',
    input: `CREATE FEATURE a ENTITY user ON (usr_id) FROM transactions AS AVG(amount);`,
    codes: ['E0203'],
    expected: `
test.fsql:1:34: error[E0203]: unknown column \`usr_id\` in \`transactions\`
  |
1 | CREATE FEATURE a ENTITY user ON (usr_id) FROM transactions AS AVG(amount);
  |                                  ^^^^^^
  = hint: did you mean \`user_id\`?`,
  },
  {
    name: 'E0203 GROUP BY position',
    input: `CREATE VIEW v AS
  SELECT user_id, COUNT(*) AS n FROM transactions GROUP BY 3;`,
    codes: ['E0203'],
    expected: `
test.fsql:2:60: error[E0203]: GROUP BY 3 does not name a SELECT expression
  |
2 |   SELECT user_id, COUNT(*) AS n FROM transactions GROUP BY 3;
  |                                                            ^
  = hint: the SELECT list has 2 items`,
  },
  {
    name: 'E0203 column missing for several features',
    input: `CREATE FEATURE avg_7d ENTITY user FROM transactions AS AVG(amount_usd) WINDOW 7 DAYS;
CREATE FEATURE max_7d ENTITY user FROM transactions AS MAX(amount_usd) WINDOW 7 DAYS;`,
    codes: ['E0203'],
    expected: `
test.fsql:1:60: error[E0203]: unknown column \`amount_usd\` in \`transactions\`
  |
1 | CREATE FEATURE avg_7d ENTITY user FROM transactions AS AVG(amount_usd) WINDOW 7 DAYS;
  |                                                            ^^^^^^^^^^
test.fsql:2:60: note: \`amount_usd\` is also used here
  |
2 | CREATE FEATURE max_7d ENTITY user FROM transactions AS MAX(amount_usd) WINDOW 7 DAYS;
  |                                                            ^^^^^^^^^^
  = hint: did you mean \`amount\`?`,
  },
  {
    name: 'E0204 ambiguous column',
    input: `CREATE VIEW v AS
  SELECT user_id, country FROM transactions t JOIN users u ON t.user_id = u.user_id;`,
    codes: ['E0204'],
    expected: `
test.fsql:2:10: error[E0204]: column \`user_id\` is ambiguous: it is in \`t\` and \`u\`
  |
2 |   SELECT user_id, country FROM transactions t JOIN users u ON t.user_id = u.user_id;
  |          ^^^^^^^
  = hint: qualify it, e.g. \`t.user_id\``,
  },
  {
    name: 'E0205 key column twice',
    input: `CREATE ENTITY account KEY (account_id TEXT, Account_Id TEXT);`,
    codes: ['E0205'],
    expected: `
test.fsql:1:45: error[E0205]: entity \`account\` has two columns named \`Account_Id\`
  |
1 | CREATE ENTITY account KEY (account_id TEXT, Account_Id TEXT);
  |                                             ^^^^^^^^^^
test.fsql:1:28: note: first defined here
  |
1 | CREATE ENTITY account KEY (account_id TEXT, Account_Id TEXT);
  |                            ^^^^^^^^^^
  = hint: names are case-insensitive; rename one`,
  },
  {
    name: 'E0205 alias twice',
    input: `CREATE VIEW v AS
  SELECT a.txn_id FROM transactions a JOIN users a ON a.user_id = a.user_id;`,
    codes: ['E0205'],
    expected: `
test.fsql:2:50: error[E0205]: \`a\` is used twice in FROM/JOIN
  |
2 |   SELECT a.txn_id FROM transactions a JOIN users a ON a.user_id = a.user_id;
  |                                                  ^
  = hint: give each a different alias, e.g. \`JOIN users a2 ON …\``,
  },
  {
    name: 'E0205 view column twice',
    input: `CREATE VIEW v AS SELECT amount, amount FROM transactions;`,
    codes: ['E0205'],
    expected: `
test.fsql:1:33: error[E0205]: the view has two columns named \`amount\`
  |
1 | CREATE VIEW v AS SELECT amount, amount FROM transactions;
  |                                 ^^^^^^
  = hint: rename one with AS`,
  },
  {
    name: 'E0206 cycle',
    input: `CREATE VIEW a AS SELECT user_id FROM b;
CREATE VIEW b AS SELECT user_id FROM a;`,
    codes: ['E0206', 'E0206'],
    expected: `
test.fsql:1:13: error[E0206]: view \`a\` depends on itself: \`a\` → \`b\` → \`a\`
  |
1 | CREATE VIEW a AS SELECT user_id FROM b;
  |             ^
  = hint: break the cycle: a view cannot read from itself, directly or through other views

test.fsql:2:13: error[E0206]: view \`b\` depends on itself: \`b\` → \`a\` → \`b\`
  |
2 | CREATE VIEW b AS SELECT user_id FROM a;
  |             ^
  = hint: break the cycle: a view cannot read from itself, directly or through other views`,
  },
  {
    name: 'E0206 self',
    input: `CREATE VIEW a AS SELECT user_id FROM a;`,
    codes: ['E0206'],
    expected: `
test.fsql:1:13: error[E0206]: view \`a\` depends on itself: \`a\` → \`a\`
  |
1 | CREATE VIEW a AS SELECT user_id FROM a;
  |             ^
  = hint: break the cycle: a view cannot read from itself, directly or through other views`,
  },
  {
    name: 'E0207 misspelt function',
    input: `CREATE VIEW v AS SELECT LOWR(channel) AS c FROM transactions;`,
    codes: ['E0207'],
    expected: `
test.fsql:1:25: error[E0207]: unknown function \`LOWR\`
  |
1 | CREATE VIEW v AS SELECT LOWR(channel) AS c FROM transactions;
  |                         ^^^^
  = hint: did you mean \`LOWER\`?`,
  },
  {
    name: 'E0207 unknown function',
    input: `CREATE VIEW v AS SELECT DATE_TRUNC('day', created_at) AS d FROM transactions;`,
    codes: ['E0207'],
    expected: `
test.fsql:1:25: error[E0207]: unknown function \`DATE_TRUNC\`
  |
1 | CREATE VIEW v AS SELECT DATE_TRUNC('day', created_at) AS d FROM transactions;
  |                         ^^^^^^^^^^
  = hint: the functions are COALESCE, NULLIF, ABS, ROUND, LOWER, UPPER, LENGTH, SUBSTR, COUNT, SUM, AVG, MIN, MAX`,
  },
  {
    name: 'E0209 unknown version',
    input: `CREATE TRAINING SET t LABEL big_spender FEATURES (txn_count_7d VERSION 2);`,
    codes: ['E0209'],
    expected: `
test.fsql:1:72: error[E0209]: feature \`txn_count_7d\` has no VERSION 2
  |
1 | CREATE TRAINING SET t LABEL big_spender FEATURES (txn_count_7d VERSION 2);
  |                                                                        ^
  = hint: its versions are 1`,
  },
  {
    name: 'E0210 misspelt alias',
    input: `CREATE VIEW v AS SELECT tx.amount FROM transactions t;`,
    codes: ['E0210'],
    expected: `
test.fsql:1:25: error[E0210]: unknown table or alias \`tx\`
  |
1 | CREATE VIEW v AS SELECT tx.amount FROM transactions t;
  |                         ^^
  = hint: did you mean \`t\`?`,
  },
  {
    name: 'E0210 unknown alias before *',
    input: `CREATE VIEW v AS SELECT x.* FROM transactions t;`,
    codes: ['E0210'],
    expected: `
test.fsql:1:25: error[E0210]: unknown table or alias \`x\`
  |
1 | CREATE VIEW v AS SELECT x.* FROM transactions t;
  |                         ^
  = hint: did you mean \`t\`?`,
  },
  {
    name: 'E0211 unnamed view column',
    input: `CREATE VIEW v AS SELECT user_id, amount * 2 FROM transactions;`,
    codes: ['E0211'],
    expected: `
test.fsql:1:34: error[E0211]: this view column has no name
  |
1 | CREATE VIEW v AS SELECT user_id, amount * 2 FROM transactions;
  |                                  ^^^^^^^^^^
  = hint: name it with AS, e.g. \`AS total_amount\``,
  },
  {
    name: 'E0212 untyped view column',
    input: `CREATE VIEW v AS SELECT user_id, NULL AS nothing FROM transactions;`,
    codes: ['E0212'],
    expected: `
test.fsql:1:34: error[E0212]: view column \`nothing\` has no type
  |
1 | CREATE VIEW v AS SELECT user_id, NULL AS nothing FROM transactions;
  |                                  ^^^^
  = hint: give it one: CAST(NULL AS TEXT) AS nothing`,
  },
  {
    name: 'E0301 key column missing',
    input: `CREATE SOURCE logins (account_id TEXT NOT NULL, ts TIMESTAMP NOT NULL)
  FROM STREAM EVENT TIME ts;
CREATE FEATURE logins_7d ENTITY user FROM logins AS COUNT(*) WINDOW 7 DAYS;`,
    codes: ['E0301'],
    expected: `
test.fsql:3:33: error[E0301]: \`logins\` has no column \`user_id\` for the key of entity \`user\`
  |
3 | CREATE FEATURE logins_7d ENTITY user FROM logins AS COUNT(*) WINDOW 7 DAYS;
  |                                 ^^^^
  = hint: map the key to another column with \`ENTITY user ON (column)\``,
  },
  {
    name: 'E0301 key column misspelt',
    input: `CREATE SOURCE logins (userid TEXT NOT NULL, ts TIMESTAMP NOT NULL)
  FROM STREAM EVENT TIME ts;
CREATE FEATURE logins_7d ENTITY user FROM logins AS COUNT(*) WINDOW 7 DAYS;`,
    codes: ['E0301'],
    expected: `
test.fsql:3:33: error[E0301]: \`logins\` has no column \`user_id\` for the key of entity \`user\`
  |
3 | CREATE FEATURE logins_7d ENTITY user FROM logins AS COUNT(*) WINDOW 7 DAYS;
  |                                 ^^^^
  = hint: map the key to another column with \`ENTITY user ON (column)\`; did you mean \`userid\`?`,
  },
  {
    name: 'E0302 key type',
    input: `CREATE SOURCE scores (user_id INTEGER NOT NULL, score DOUBLE) FROM TABLE ml.scores;
CREATE FEATURE score ENTITY user FROM scores AS score;`,
    codes: ['E0302'],
    expected: `
test.fsql:2:29: error[E0302]: column \`user_id\` of \`scores\` is INTEGER, but entity \`user\`'s key \`user_id\` is TEXT
  |
2 | CREATE FEATURE score ENTITY user FROM scores AS score;
  |                             ^^^^
  = hint: CAST it in a view, or declare the column as TEXT`,
  },
  {
    name: 'E0302 key type with ON',
    input: `CREATE SOURCE scores (uid INTEGER NOT NULL, score DOUBLE) FROM TABLE ml.scores;
CREATE FEATURE score ENTITY user ON (uid) FROM scores AS score;`,
    codes: ['E0302'],
    expected: `
test.fsql:2:38: error[E0302]: column \`uid\` of \`scores\` is INTEGER, but entity \`user\`'s key \`user_id\` is TEXT
  |
2 | CREATE FEATURE score ENTITY user ON (uid) FROM scores AS score;
  |                                      ^^^
  = hint: CAST it in a view, or declare the column as TEXT`,
  },
  {
    name: 'E0302 key type read by several features',
    input: `CREATE SOURCE scores (user_id INTEGER NOT NULL, score DOUBLE, risk DOUBLE) FROM TABLE ml.scores;
CREATE FEATURE score ENTITY user FROM scores AS score;
CREATE FEATURE risk ENTITY user FROM scores AS risk;`,
    codes: ['E0302'],
    expected: `
test.fsql:2:29: error[E0302]: column \`user_id\` of \`scores\` is INTEGER, but entity \`user\`'s key \`user_id\` is TEXT
  |
2 | CREATE FEATURE score ENTITY user FROM scores AS score;
  |                             ^^^^
test.fsql:3:28: note: feature \`risk\` reads the key from it too
  |
3 | CREATE FEATURE risk ENTITY user FROM scores AS risk;
  |                            ^^^^
  = hint: CAST it in a view, or declare the column as TEXT`,
  },
  {
    name: 'E0302 key type of the entity',
    input: `CREATE ENTITY card KEY (card_id INTEGER);
CREATE SOURCE cards (card_id TEXT NOT NULL, brand TEXT) FROM TABLE bank.cards;
CREATE SOURCE swipes (card_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL)
  FROM STREAM EVENT TIME ts;
CREATE FEATURE card_brand ENTITY card FROM cards AS brand;
CREATE FEATURE swipes_7d ENTITY card FROM swipes AS COUNT(*) WINDOW 7 DAYS;
CREATE FEATURE spend_7d ENTITY card FROM swipes AS SUM(amount) WINDOW 7 DAYS;`,
    codes: ['E0302'],
    expected: `
test.fsql:1:25: error[E0302]: entity \`card\`'s key \`card_id\` is INTEGER, but every column its features and labels read it from is TEXT
  |
1 | CREATE ENTITY card KEY (card_id INTEGER);
  |                         ^^^^^^^^^^^^^^^
test.fsql:2:22: note: \`card_id\` of \`cards\` is TEXT; feature \`card_brand\` reads the key from it
  |
2 | CREATE SOURCE cards (card_id TEXT NOT NULL, brand TEXT) FROM TABLE bank.cards;
  |                      ^^^^^^^^^^^^
test.fsql:3:23: note: \`card_id\` of \`swipes\` is TEXT; features \`swipes_7d\` and \`spend_7d\` read the key from it
  |
3 | CREATE SOURCE swipes (card_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL)
  |                       ^^^^^^^^^^^^
  = hint: declare the key as TEXT, \`card_id TEXT\`; or make every noted column INTEGER (declare it so, or CAST it in a view)`,
  },
  {
    name: 'E0302 key type in a training set',
    input: `CREATE ENTITY merchant KEY (merchant_id TEXT);
CREATE SOURCE merchants (merchant_id TEXT NOT NULL, category TEXT) FROM TABLE m.merchants;
CREATE FEATURE merchant_category ENTITY merchant FROM merchants AS category;
CREATE SOURCE orders (order_id TEXT NOT NULL, user_id TEXT NOT NULL, merchant_id INTEGER, ts TIMESTAMP NOT NULL)
  FROM STREAM EVENT TIME ts;
CREATE LABEL returned ENTITY user FROM orders AS merchant_id > 3;
CREATE TRAINING SET t LABEL returned FEATURES (merchant_category);`,
    codes: ['E0302'],
    expected: `
test.fsql:7:48: error[E0302]: feature \`merchant_category\` is keyed by entity \`merchant\`, whose key \`merchant_id\` is TEXT, but column \`merchant_id\` of label \`returned\`'s relation \`orders\` is INTEGER
  |
7 | CREATE TRAINING SET t LABEL returned FEATURES (merchant_category);
  |                                                ^^^^^^^^^^^^^^^^^
  = hint: CAST it in a view, or declare the column as TEXT`,
  },
  {
    name: 'E0303 ON arity',
    input: `CREATE FEATURE a ENTITY user ON (user_id, txn_id) FROM transactions AS amount;`,
    codes: ['E0303'],
    expected: `
test.fsql:1:18: error[E0303]: entity \`user\` has 1 key column (user_id), but ON lists 2
  |
1 | CREATE FEATURE a ENTITY user ON (user_id, txn_id) FROM transactions AS amount;
  |                  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  = hint: ON maps relation columns to the entity keys in order`,
  },
  {
    name: 'E0304 EVENT TIME type',
    input: `CREATE SOURCE logins (user_id TEXT NOT NULL, ts TEXT NOT NULL)
  FROM TABLE app.logins EVENT TIME ts;`,
    codes: ['E0304'],
    expected: `
test.fsql:2:36: error[E0304]: EVENT TIME column \`ts\` is TEXT; it must be a TIMESTAMP or DATE
  |
2 |   FROM TABLE app.logins EVENT TIME ts;
  |                                    ^^
  = hint: declare the column as TIMESTAMP, or CAST it in a view`,
  },
  {
    name: 'E0305 stream without EVENT TIME',
    input: `CREATE SOURCE clicks (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL) FROM STREAM;`,
    codes: ['E0305'],
    expected: `
test.fsql:1:74: error[E0305]: stream source \`clicks\` needs an EVENT TIME
  |
1 | CREATE SOURCE clicks (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL) FROM STREAM;
  |                                                                          ^^^^^^
  = hint: events are ordered by time: add EVENT TIME <column>`,
  },
  {
    name: 'E0305 Kafka source without EVENT TIME',
    input: `CREATE SOURCE clicks (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL) FROM KAFKA TOPIC 'clicks';`,
    codes: ['E0305'],
    expected: `
test.fsql:1:74: error[E0305]: Kafka source \`clicks\` needs an EVENT TIME
  |
1 | CREATE SOURCE clicks (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL) FROM KAFKA TOPIC 'clicks';
  |                                                                          ^^^^^^^^^^^^^^^^^^^^
  = hint: events are ordered by time: add EVENT TIME <column>`,
  },
  {
    name: 'E0305 WINDOW over a dimension table',
    input: `CREATE FEATURE n ENTITY user FROM users AS COUNT(*) WINDOW 7 DAYS;`,
    codes: ['E0305'],
    expected: `
test.fsql:1:60: error[E0305]: WINDOW needs a relation with an EVENT TIME, and \`users\` has none
  |
1 | CREATE FEATURE n ENTITY user FROM users AS COUNT(*) WINDOW 7 DAYS;
  |                                                            ^^^^^^
  = hint: declare one: EVENT TIME <column> on \`users\``,
  },
  {
    name: 'E0305 TTL over a dimension table',
    input: `CREATE FEATURE home ENTITY user FROM users AS country TTL 30 DAYS;`,
    codes: ['E0305'],
    expected: `
test.fsql:1:59: error[E0305]: TTL needs a relation with an EVENT TIME, and \`users\` has none
  |
1 | CREATE FEATURE home ENTITY user FROM users AS country TTL 30 DAYS;
  |                                                           ^^^^^^^
  = hint: declare one: EVENT TIME <column> on \`users\``,
  },
  {
    name: 'E0306 label relation lacks a key',
    input: `CREATE ENTITY merchant KEY (merchant_id TEXT);
CREATE SOURCE merchants (merchant_id TEXT NOT NULL, category TEXT) FROM TABLE m.merchants;
CREATE FEATURE merchant_category ENTITY merchant FROM merchants AS category;
CREATE TRAINING SET t LABEL big_spender FEATURES (merchant_category);`,
    codes: ['E0306'],
    expected: `
test.fsql:4:51: error[E0306]: feature \`merchant_category\` is keyed by entity \`merchant\`, but label \`big_spender\`'s relation \`transactions\` has no column \`merchant_id\`
  |
4 | CREATE TRAINING SET t LABEL big_spender FEATURES (merchant_category);
  |                                                   ^^^^^^^^^^^^^^^^^
  = hint: add \`merchant_id\` to \`transactions\` (a view can join it in), or drop the feature`,
  },
  {
    name: 'E0306 for several features',
    input: `CREATE ENTITY merchant KEY (merchant_id TEXT);
CREATE SOURCE merchants (merchant_id TEXT NOT NULL, category TEXT, size INTEGER) FROM TABLE m.merchants;
CREATE FEATURE merchant_category ENTITY merchant FROM merchants AS category;
CREATE FEATURE merchant_size ENTITY merchant FROM merchants AS size;
CREATE TRAINING SET t LABEL big_spender FEATURES (merchant_category, merchant_size);`,
    codes: ['E0306'],
    expected: `
test.fsql:5:51: error[E0306]: feature \`merchant_category\` is keyed by entity \`merchant\`, but label \`big_spender\`'s relation \`transactions\` has no column \`merchant_id\`
  |
5 | CREATE TRAINING SET t LABEL big_spender FEATURES (merchant_category, merchant_size);
  |                                                   ^^^^^^^^^^^^^^^^^
test.fsql:5:70: note: feature \`merchant_size\` is keyed by entity \`merchant\` too
  |
5 | CREATE TRAINING SET t LABEL big_spender FEATURES (merchant_category, merchant_size);
  |                                                                      ^^^^^^^^^^^^^
  = hint: add \`merchant_id\` to \`transactions\` (a view can join it in), or drop the feature`,
  },
  {
    name: 'W0301 nullable EVENT TIME',
    input: `CREATE SOURCE logins (user_id TEXT NOT NULL, ts TIMESTAMP)
  FROM TABLE app.logins EVENT TIME ts;`,
    codes: ['W0301'],
    expected: `
test.fsql:2:36: warning[W0301]: EVENT TIME column \`ts\` is nullable
  |
2 |   FROM TABLE app.logins EVENT TIME ts;
  |                                    ^^
  = hint: declare it \`ts TIMESTAMP NOT NULL\`: a row without a time is never visible to features and labels`,
  },
  {
    name: 'E0401 arithmetic on TEXT',
    input: `CREATE VIEW v AS SELECT user_id, channel + 1 AS x FROM transactions;`,
    codes: ['E0401'],
    expected: `
test.fsql:1:42: error[E0401]: \`+\` needs numbers, found TEXT and INTEGER
  |
1 | CREATE VIEW v AS SELECT user_id, channel + 1 AS x FROM transactions;
  |                                          ^
  = hint: join TEXT values with \`||\``,
  },
  {
    name: 'E0401 TIMESTAMP compared with TEXT',
    input: `CREATE VIEW v AS
  SELECT txn_id FROM transactions WHERE created_at > '2024-03-01';`,
    codes: ['E0401'],
    expected: `
test.fsql:2:52: error[E0401]: cannot compare TIMESTAMP with TEXT
  |
2 |   SELECT txn_id FROM transactions WHERE created_at > '2024-03-01';
  |                                                    ^
  = hint: write a TIMESTAMP literal, e.g. TIMESTAMP '2024-03-01 00:00:00', or CAST the TEXT`,
  },
  {
    name: 'E0401 NOT of a number',
    input: `CREATE VIEW v AS SELECT txn_id FROM transactions WHERE NOT amount;`,
    codes: ['E0401'],
    expected: `
test.fsql:1:56: error[E0401]: NOT needs a BOOLEAN, found DOUBLE
  |
1 | CREATE VIEW v AS SELECT txn_id FROM transactions WHERE NOT amount;
  |                                                        ^^^^^^^^^^`,
  },
  {
    name: 'E0401 IN list',
    input: `CREATE VIEW v AS SELECT txn_id FROM transactions WHERE channel IN ('pos', 3);`,
    codes: ['E0401'],
    expected: `
test.fsql:1:75: error[E0401]: IN list value of type INTEGER cannot be compared with TEXT
  |
1 | CREATE VIEW v AS SELECT txn_id FROM transactions WHERE channel IN ('pos', 3);
  |                                                                           ^`,
  },
  {
    name: 'E0401 EXTRACT from a number',
    input: `CREATE VIEW v AS
  SELECT txn_id, EXTRACT(YEAR FROM amount) AS y FROM transactions;`,
    codes: ['E0401'],
    expected: `
test.fsql:2:36: error[E0401]: EXTRACT needs a DATE or TIMESTAMP, found DOUBLE
  |
2 |   SELECT txn_id, EXTRACT(YEAR FROM amount) AS y FROM transactions;
  |                                    ^^^^^^`,
  },
  {
    name: 'E0401 HOUR of a DATE',
    input: `CREATE SOURCE days (user_id TEXT NOT NULL, day DATE NOT NULL) FROM TABLE x.days;
CREATE VIEW v AS SELECT user_id, EXTRACT(HOUR FROM day) AS h FROM days;`,
    codes: ['E0401'],
    expected: `
test.fsql:2:42: error[E0401]: a DATE has no HOUR
  |
2 | CREATE VIEW v AS SELECT user_id, EXTRACT(HOUR FROM day) AS h FROM days;
  |                                          ^^^^
  = hint: extract it from a TIMESTAMP`,
  },
  {
    name: 'E0401 bare NULL feature',
    input: `CREATE FEATURE nothing ENTITY user FROM transactions AS NULL;`,
    codes: ['E0401'],
    expected: `
test.fsql:1:57: error[E0401]: a feature cannot be a bare NULL
  |
1 | CREATE FEATURE nothing ENTITY user FROM transactions AS NULL;
  |                                                         ^^^^
  = hint: give it a type: CAST(NULL AS DOUBLE)`,
  },
  {
    name: 'E0402 SUM of TEXT',
    input: `CREATE FEATURE f ENTITY user FROM transactions AS SUM(channel);`,
    codes: ['E0402'],
    expected: `
test.fsql:1:55: error[E0402]: SUM needs a number, found TEXT
  |
1 | CREATE FEATURE f ENTITY user FROM transactions AS SUM(channel);
  |                                                       ^^^^^^^`,
  },
  {
    name: 'E0402 MIN of BOOLEAN',
    input: `CREATE FEATURE f ENTITY user FROM transactions AS MIN(amount > 0);`,
    codes: ['E0402'],
    expected: `
test.fsql:1:55: error[E0402]: MIN needs a value that can be ordered, found BOOLEAN
  |
1 | CREATE FEATURE f ENTITY user FROM transactions AS MIN(amount > 0);
  |                                                       ^^^^^^^^^^`,
  },
  {
    name: 'E0403 wrong number of arguments',
    input: `CREATE VIEW v AS SELECT txn_id, ROUND(amount, 2, 3) AS r FROM transactions;`,
    codes: ['E0403'],
    expected: `
test.fsql:1:33: error[E0403]: ROUND takes 1 to 2 arguments, found 3
  |
1 | CREATE VIEW v AS SELECT txn_id, ROUND(amount, 2, 3) AS r FROM transactions;
  |                                 ^^^^^^^^^^^^^^^^^^^
  = hint: write ROUND(number [, digits])`,
  },
  {
    name: 'E0403 argument type',
    input: `CREATE VIEW v AS SELECT txn_id, LOWER(amount) AS r FROM transactions;`,
    codes: ['E0403'],
    expected: `
test.fsql:1:39: error[E0403]: LOWER needs TEXT, found DOUBLE
  |
1 | CREATE VIEW v AS SELECT txn_id, LOWER(amount) AS r FROM transactions;
  |                                       ^^^^^^
  = hint: convert it first: CAST(… AS TEXT)`,
  },
  {
    name: 'E0403 COUNT()',
    input: `CREATE FEATURE f ENTITY user FROM transactions AS COUNT();`,
    codes: ['E0403'],
    expected: `
test.fsql:1:51: error[E0403]: COUNT takes one argument, found 0
  |
1 | CREATE FEATURE f ENTITY user FROM transactions AS COUNT();
  |                                                   ^^^^^^^
  = hint: write COUNT(*) to count rows`,
  },
  {
    name: 'E0403 SUM(*)',
    input: `CREATE FEATURE f ENTITY user FROM transactions AS SUM(*);`,
    codes: ['E0403'],
    expected: `
test.fsql:1:51: error[E0403]: SUM takes a value, not *; only COUNT(*) counts rows
  |
1 | CREATE FEATURE f ENTITY user FROM transactions AS SUM(*);
  |                                                   ^^^^^^
  = hint: write SUM(column)`,
  },
  {
    name: 'E0403 SUM(DISTINCT)',
    input: `CREATE FEATURE f ENTITY user FROM transactions AS SUM(DISTINCT amount);`,
    codes: ['E0403'],
    expected: `
test.fsql:1:51: error[E0403]: DISTINCT is only supported in COUNT(DISTINCT …)
  |
1 | CREATE FEATURE f ENTITY user FROM transactions AS SUM(DISTINCT amount);
  |                                                   ^^^^^^^^^^^^^^^^^^^^`,
  },
  {
    name: 'E0404 ungrouped column',
    input: `CREATE VIEW v AS
  SELECT user_id, channel, COUNT(*) AS n FROM transactions GROUP BY user_id;`,
    codes: ['E0404'],
    expected: `
test.fsql:2:19: error[E0404]: column \`channel\` must appear in GROUP BY or be used in an aggregate
  |
2 |   SELECT user_id, channel, COUNT(*) AS n FROM transactions GROUP BY user_id;
  |                   ^^^^^^^
  = hint: add it to GROUP BY, or aggregate it, e.g. MAX(channel)`,
  },
  {
    name: 'E0404 * in a grouped query',
    input: `CREATE VIEW v AS
  SELECT *, COUNT(*) AS n FROM transactions GROUP BY user_id;`,
    codes: ['E0404'],
    expected: `
test.fsql:2:10: error[E0404]: \`*\` brings in columns \`txn_id\`, \`amount\`, \`channel\` and \`created_at\`, which must appear in GROUP BY or be used in an aggregate
  |
2 |   SELECT *, COUNT(*) AS n FROM transactions GROUP BY user_id;
  |          ^
  = hint: list the grouped columns instead of \`*\``,
  },
  {
    name: 'E0404 aggregate without GROUP BY',
    input: `CREATE VIEW v AS
  SELECT user_id, amount, SUM(amount) AS total, created_at FROM transactions;`,
    codes: ['E0404'],
    expected: `
test.fsql:2:10: error[E0404]: columns \`user_id\`, \`amount\` and \`created_at\` must appear in GROUP BY or be used in an aggregate
  |
2 |   SELECT user_id, amount, SUM(amount) AS total, created_at FROM transactions;
  |          ^^^^^^^
test.fsql:2:19: note: \`amount\` is not grouped or aggregated either
  |
2 |   SELECT user_id, amount, SUM(amount) AS total, created_at FROM transactions;
  |                   ^^^^^^
test.fsql:2:27: note: this aggregate, without GROUP BY, makes the view a single row
  |
2 |   SELECT user_id, amount, SUM(amount) AS total, created_at FROM transactions;
  |                           ^^^^^^^^^^^
test.fsql:2:49: note: \`created_at\` is not grouped or aggregated either
  |
2 |   SELECT user_id, amount, SUM(amount) AS total, created_at FROM transactions;
  |                                                 ^^^^^^^^^^
  = hint: add them to GROUP BY, or aggregate each, e.g. MAX(user_id)`,
  },
  {
    name: 'E0405 aggregate in WHERE',
    input: `CREATE VIEW v AS
  SELECT user_id FROM transactions WHERE SUM(amount) > 10;`,
    codes: ['E0405'],
    expected: `
test.fsql:2:42: error[E0405]: aggregate SUM is not allowed in WHERE (filter groups with HAVING)
  |
2 |   SELECT user_id FROM transactions WHERE SUM(amount) > 10;
  |                                          ^^^^^^^^^^^`,
  },
  {
    name: 'E0405 feature mixing aggregates',
    input: `CREATE FEATURE avg_ticket ENTITY user FROM transactions
  AS SUM(amount) / COUNT(*);`,
    codes: ['E0405'],
    expected: `
test.fsql:2:6: error[E0405]: a feature is either one aggregate (COUNT, SUM, AVG, MIN, MAX) or a scalar expression, not a mix
  |
2 |   AS SUM(amount) / COUNT(*);
  |      ^^^^^^^^^^^^^^^^^^^^^^
  = hint: make it one aggregate of a scalar expression, e.g. AVG(amount) or SUM(amount * 2), or declare each aggregate as a feature of its own`,
  },
  {
    name: 'E0405 nested aggregate',
    input: `CREATE VIEW v AS
  SELECT user_id, MAX(COUNT(*)) AS n FROM transactions GROUP BY user_id;`,
    codes: ['E0405'],
    expected: `
test.fsql:2:23: error[E0405]: aggregate COUNT cannot be nested inside another aggregate
  |
2 |   SELECT user_id, MAX(COUNT(*)) AS n FROM transactions GROUP BY user_id;
  |                       ^^^^^^^^`,
  },
  {
    name: 'E0405 aggregate label',
    input: `CREATE LABEL top ENTITY user FROM transactions AS MAX(amount);`,
    codes: ['E0405'],
    expected: `
test.fsql:1:51: error[E0405]: aggregate MAX is not allowed in a label (a label is one value per row)
  |
1 | CREATE LABEL top ENTITY user FROM transactions AS MAX(amount);
  |                                                   ^^^^^^^^^^^`,
  },
  {
    name: 'E0405 GROUP BY an aggregate',
    input: `CREATE VIEW v AS
  SELECT user_id, COUNT(*) AS n FROM transactions GROUP BY 2;`,
    codes: ['E0405'],
    expected: `
test.fsql:2:60: error[E0405]: GROUP BY 2 refers to an aggregate
  |
2 |   SELECT user_id, COUNT(*) AS n FROM transactions GROUP BY 2;
  |                                                            ^
  = hint: group by the columns the aggregate is computed per, not by the aggregate`,
  },
  {
    name: 'E0406 WHERE not boolean',
    input: `CREATE VIEW v AS SELECT txn_id FROM transactions WHERE amount;`,
    codes: ['E0406'],
    expected: `
test.fsql:1:56: error[E0406]: WHERE needs a BOOLEAN condition, found DOUBLE
  |
1 | CREATE VIEW v AS SELECT txn_id FROM transactions WHERE amount;
  |                                                        ^^^^^^`,
  },
  {
    name: 'E0406 feature WHERE not boolean',
    input: `CREATE FEATURE n ENTITY user FROM transactions
  AS COUNT(*) WHERE channel;`,
    codes: ['E0406'],
    expected: `
test.fsql:2:21: error[E0406]: WHERE needs a BOOLEAN condition, found TEXT
  |
2 |   AS COUNT(*) WHERE channel;
  |                     ^^^^^^^`,
  },
  {
    name: 'E0406 HAVING not boolean',
    input: `CREATE VIEW v AS
  SELECT user_id, COUNT(*) AS n FROM transactions GROUP BY user_id HAVING COUNT(*);`,
    codes: ['E0406'],
    expected: `
test.fsql:2:75: error[E0406]: HAVING needs a BOOLEAN condition, found INTEGER
  |
2 |   SELECT user_id, COUNT(*) AS n FROM transactions GROUP BY user_id HAVING COUNT(*);
  |                                                                           ^^^^^^^^`,
  },
  {
    name: 'E0407 impossible CAST',
    input: `CREATE VIEW v AS
  SELECT txn_id, CAST(created_at AS INTEGER) AS x FROM transactions;`,
    codes: ['E0407'],
    expected: `
test.fsql:2:18: error[E0407]: cannot CAST TIMESTAMP to INTEGER
  |
2 |   SELECT txn_id, CAST(created_at AS INTEGER) AS x FROM transactions;
  |                  ^^^^^^^^^^^^^^^^^^^^^^^^^^^`,
  },
  {
    name: 'E0408 CASE branch types',
    input: `CREATE VIEW v AS
  SELECT txn_id, CASE WHEN amount > 100 THEN 'big' ELSE 0 END AS size FROM transactions;`,
    codes: ['E0408'],
    expected: `
test.fsql:2:57: error[E0408]: CASE results must have one type: found TEXT and INTEGER
  |
2 |   SELECT txn_id, CASE WHEN amount > 100 THEN 'big' ELSE 0 END AS size FROM transactions;
  |                                                         ^
  = hint: CAST the branches to one type`,
  },
  {
    name: 'E0501 FILL MEAN of TEXT',
    input: `CREATE FEATURE last_channel ENTITY user FROM transactions
  AS channel FILL MEAN;`,
    codes: ['E0501'],
    expected: `
test.fsql:2:14: error[E0501]: FILL MEAN needs a numeric feature, and this one is TEXT
  |
2 |   AS channel FILL MEAN;
  |              ^^^^^^^^^
  = hint: use FILL MODE or a literal, e.g. FILL 'unknown'`,
  },
  {
    name: 'E0502 SCALE of TEXT',
    input: `CREATE FEATURE last_channel ENTITY user FROM transactions
  AS channel SCALE STANDARD;`,
    codes: ['E0502'],
    expected: `
test.fsql:2:14: error[E0502]: SCALE STANDARD needs a numeric feature, and this one is TEXT
  |
2 |   AS channel SCALE STANDARD;
  |              ^^^^^^^^^^^^^^
  = hint: encode categories with ONE_HOT`,
  },
  {
    name: 'E0503 ONE_HOT of DOUBLE',
    input: `CREATE FEATURE last_amount ENTITY user FROM transactions
  AS amount ONE_HOT TOP 5;`,
    codes: ['E0503'],
    expected: `
test.fsql:2:13: error[E0503]: ONE_HOT needs a categorical feature (TEXT, INTEGER or BOOLEAN), and this one is DOUBLE
  |
2 |   AS amount ONE_HOT TOP 5;
  |             ^^^^^^^^^^^^^
  = hint: scale numbers with SCALE`,
  },
  {
    name: 'E0504 SCALE and ONE_HOT',
    input: `CREATE FEATURE n ENTITY user FROM transactions
  AS COUNT(*) SCALE LOG ONE_HOT TOP 3;`,
    codes: ['E0504'],
    expected: `
test.fsql:2:25: error[E0504]: a feature can have SCALE or ONE_HOT, not both
  |
2 |   AS COUNT(*) SCALE LOG ONE_HOT TOP 3;
  |                         ^^^^^^^^^^^^^
  = hint: SCALE is for numbers, ONE_HOT for categories: keep one`,
  },
  {
    name: 'E0505 FILL NULL',
    input: `CREATE FEATURE last_channel ENTITY user FROM transactions
  AS channel FILL NULL;`,
    codes: ['E0505'],
    expected: `
test.fsql:2:14: error[E0505]: FILL NULL leaves missing values missing
  |
2 |   AS channel FILL NULL;
  |              ^^^^^^^^^
  = hint: remove the FILL clause, or fill with a value`,
  },
  {
    name: 'E0505 FILL value type',
    input: `CREATE FEATURE last_channel ENTITY user FROM transactions
  AS channel FILL 0;`,
    codes: ['E0505'],
    expected: `
test.fsql:2:19: error[E0505]: FILL value 0 is INTEGER, but the feature is TEXT
  |
2 |   AS channel FILL 0;
  |                   ^`,
  },
  {
    name: 'E0505 FILL DOUBLE into INTEGER',
    input: `CREATE FEATURE n ENTITY user FROM transactions
  AS COUNT(*) FILL 0.5;`,
    codes: ['E0505'],
    expected: `
test.fsql:2:20: error[E0505]: FILL value 0.5 is DOUBLE, but the feature is INTEGER
  |
2 |   AS COUNT(*) FILL 0.5;
  |                    ^^^
  = hint: use a whole number`,
  },
  {
    name: 'E0506 WINDOW on a latest-value feature',
    input: `CREATE FEATURE last_channel ENTITY user FROM transactions
  AS channel WINDOW 7 DAYS;`,
    codes: ['E0506'],
    expected: `
test.fsql:2:21: error[E0506]: WINDOW applies to aggregate features
  |
2 |   AS channel WINDOW 7 DAYS;
  |                     ^^^^^^
  = hint: a scalar feature takes the latest value; limit its age with TTL instead`,
  },
  {
    name: 'E0506 TTL on an aggregate',
    input: `CREATE FEATURE n ENTITY user FROM transactions
  AS COUNT(*) TTL 7 DAYS;`,
    codes: ['E0506'],
    expected: `
test.fsql:2:19: error[E0506]: TTL applies to latest-value features, not aggregates
  |
2 |   AS COUNT(*) TTL 7 DAYS;
  |                   ^^^^^^
  = hint: limit an aggregate to recent rows with WINDOW`,
  },
  {
    name: 'E0507 ONE_HOT value type',
    input: `CREATE FEATURE last_channel ENTITY user FROM transactions
  AS channel ONE_HOT ('pos', 1);`,
    codes: ['E0507'],
    expected: `
test.fsql:2:30: error[E0507]: ONE_HOT value 1 is INTEGER, but the feature is TEXT
  |
2 |   AS channel ONE_HOT ('pos', 1);
  |                              ^`,
  },
  {
    name: 'E0507 ONE_HOT value twice',
    input: `CREATE FEATURE last_channel ENTITY user FROM transactions
  AS channel ONE_HOT ('pos', 'atm', 'pos');`,
    codes: ['E0507'],
    expected: `
test.fsql:2:37: error[E0507]: ONE_HOT lists 'pos' twice
  |
2 |   AS channel ONE_HOT ('pos', 'atm', 'pos');
  |                                     ^^^^^
test.fsql:2:23: note: first listed here
  |
2 |   AS channel ONE_HOT ('pos', 'atm', 'pos');
  |                       ^^^^^`,
  },
  {
    name: 'E0508 ONE_HOT column names collide',
    input: `CREATE FEATURE last_channel ENTITY user FROM transactions
  AS channel ONE_HOT ('card-present', 'card_present');`,
    codes: ['E0508'],
    expected: `
test.fsql:2:39: error[E0508]: ONE_HOT values 'card-present' and 'card_present' give the same column name \`last_channel__card_present\`
  |
2 |   AS channel ONE_HOT ('card-present', 'card_present');
  |                                       ^^^^^^^^^^^^^^
test.fsql:2:23: note: \`last_channel__card_present\` first comes from here
  |
2 |   AS channel ONE_HOT ('card-present', 'card_present');
  |                       ^^^^^^^^^^^^^^
  = hint: column names keep letters, digits and \`_\` and ignore case; drop or merge one of the values`,
  },
  {
    name: 'E0603 feature listed twice',
    input: `CREATE TRAINING SET t LABEL big_spender FEATURES (txn_count_7d, TXN_COUNT_7D);`,
    codes: ['E0603'],
    expected: `
test.fsql:1:65: error[E0603]: feature \`TXN_COUNT_7D\` is listed twice
  |
1 | CREATE TRAINING SET t LABEL big_spender FEATURES (txn_count_7d, TXN_COUNT_7D);
  |                                                                 ^^^^^^^^^^^^
test.fsql:1:51: note: first listed here
  |
1 | CREATE TRAINING SET t LABEL big_spender FEATURES (txn_count_7d, TXN_COUNT_7D);
  |                                                   ^^^^^^^^^^^^
  = hint: a training set has one column per feature; list each once`,
  },
  {
    name: 'E0604 feature named like a key',
    input: `CREATE FEATURE user_id ENTITY user FROM transactions AS COUNT(*);
CREATE TRAINING SET t LABEL big_spender FEATURES (user_id);`,
    codes: ['E0604'],
    expected: `
test.fsql:2:51: error[E0604]: training set \`t\` would have two columns named \`user_id\`: the key of entity \`user\` and feature \`user_id\`
  |
2 | CREATE TRAINING SET t LABEL big_spender FEATURES (user_id);
  |                                                   ^^^^^^^
  = hint: rename feature \`user_id\``,
  },
  {
    name: 'E0604 feature named like the label time',
    input: `CREATE FEATURE created_at ENTITY user FROM transactions AS MAX(created_at);
CREATE TRAINING SET t LABEL big_spender FEATURES (created_at);`,
    codes: ['E0604'],
    expected: `
test.fsql:2:51: error[E0604]: training set \`t\` would have two columns named \`created_at\`: the label time and feature \`created_at\`
  |
2 | CREATE TRAINING SET t LABEL big_spender FEATURES (created_at);
  |                                                   ^^^^^^^^^^
  = hint: rename feature \`created_at\``,
  },
  {
    name: 'E0604 one-hot column collides',
    input: `CREATE FEATURE c ENTITY user FROM transactions AS channel ONE_HOT ('pos', 'atm');
CREATE FEATURE c__pos ENTITY user FROM transactions AS COUNT(*);
CREATE TRAINING SET t LABEL big_spender FEATURES (c, c__pos);`,
    codes: ['E0604'],
    expected: `
test.fsql:3:54: error[E0604]: training set \`t\` would have two columns named \`c__pos\`: feature \`c\` and feature \`c__pos\`
  |
3 | CREATE TRAINING SET t LABEL big_spender FEATURES (c, c__pos);
  |                                                      ^^^^^^
  = hint: rename one of them`,
  },
  {
    name: 'no cascade: a source that does not parse',
    input: `CREATE SOURCE cards (card_id TEXT NOT NULL, user_id TEXT);
CREATE FEATURE n_cards ENTITY user FROM cards AS COUNT(*);`,
    codes: ['E0103'],
    expected: `
test.fsql:1:58: error[E0103]: expected FROM, found \`;\`
  |
1 | CREATE SOURCE cards (card_id TEXT NOT NULL, user_id TEXT);
  |                                                          ^`,
  },
  {
    name: 'no cascade: a statement with a lexical error',
    input: `CREATE FEATURE spend ENTITY user FROM transactions
  AS SUM(amount) DESCRIPTION 'spend;
CREATE TRAINING SET t LABEL big_spender FEATURES (spend);`,
    codes: ['E0102'],
    expected: `
test.fsql:2:30: error[E0102]: unterminated string literal
  |
2 |   AS SUM(amount) DESCRIPTION 'spend;
  |                              ^
  = hint: close the string with \`'\`; write \`''\` for a quote inside it`,
  },
  {
    name: 'no cascade: a view with an error',
    input: `CREATE VIEW v EVENT TIME created_at AS
  SELECT user_id, amout, created_at FROM transactions;
CREATE FEATURE f ENTITY user FROM v AS SUM(amount) WINDOW 7 DAYS;`,
    codes: ['E0203'],
    expected: `
test.fsql:2:19: error[E0203]: unknown column \`amout\` in \`transactions\`
  |
2 |   SELECT user_id, amout, created_at FROM transactions;
  |                   ^^^^^
  = hint: did you mean \`amount\`?`,
  },
  {
    name: 'no cascade: a view over a source that does not parse',
    input: `CREATE SOURCE clicks (user_id TEXT NOT NULL, n INTEGER, ts TIMESTAMP NOT NULL) FROM;
CREATE VIEW click_counts EVENT TIME ts AS SELECT user_id, n, ts FROM clicks;
CREATE FEATURE clicks_7d ENTITY user FROM click_counts AS SUM(n) WINDOW 7 DAYS;`,
    codes: ['E0103'],
    expected: `
test.fsql:1:84: error[E0103]: expected FILE 'path', TABLE name, STREAM or KAFKA TOPIC 'name', found \`;\`
  |
1 | CREATE SOURCE clicks (user_id TEXT NOT NULL, n INTEGER, ts TIMESTAMP NOT NULL) FROM;
  |                                                                                    ^`,
  },
  {
    name: 'no cascade: a column of a view with an error',
    input: `CREATE VIEW v EVENT TIME created_at AS
  SELECT user_id, amout, created_at FROM transactions;
CREATE VIEW w EVENT TIME created_at AS SELECT * FROM v;
CREATE FEATURE f ENTITY user FROM w AS SUM(amout) WINDOW 7 DAYS;`,
    codes: ['E0203'],
    expected: `
test.fsql:2:19: error[E0203]: unknown column \`amout\` in \`transactions\`
  |
2 |   SELECT user_id, amout, created_at FROM transactions;
  |                   ^^^^^
  = hint: did you mean \`amount\`?`,
  },
  {
    name: 'no cascade: views in a cycle',
    input: `CREATE VIEW a AS SELECT user_id, amount FROM b;
CREATE VIEW b AS SELECT user_id, amount FROM a;
CREATE FEATURE f ENTITY user FROM a AS SUM(amount);`,
    codes: ['E0206', 'E0206'],
    expected: `
test.fsql:1:13: error[E0206]: view \`a\` depends on itself: \`a\` → \`b\` → \`a\`
  |
1 | CREATE VIEW a AS SELECT user_id, amount FROM b;
  |             ^
  = hint: break the cycle: a view cannot read from itself, directly or through other views

test.fsql:2:13: error[E0206]: view \`b\` depends on itself: \`b\` → \`a\` → \`b\`
  |
2 | CREATE VIEW b AS SELECT user_id, amount FROM a;
  |             ^
  = hint: break the cycle: a view cannot read from itself, directly or through other views`,
  },
  {
    name: 'no cascade: a feature with an error',
    input: `CREATE FEATURE f ENTITY user FROM transactions AS SUM(channel);
CREATE TRAINING SET t LABEL big_spender FEATURES (f);`,
    codes: ['E0402'],
    expected: `
test.fsql:1:55: error[E0402]: SUM needs a number, found TEXT
  |
1 | CREATE FEATURE f ENTITY user FROM transactions AS SUM(channel);
  |                                                       ^^^^^^^`,
  },
  {
    name: 'no cascade: a feature and a label of one name',
    input: `CREATE FEATURE big_spender ENTITY user FROM transactions AS SUM(amount);
CREATE TRAINING SET t LABEL big_spender FEATURES (big_spender);`,
    codes: ['E0202'],
    expected: `
test.fsql:1:16: error[E0202]: \`big_spender\` is defined twice: as a label and as a feature
   |
 1 | CREATE FEATURE big_spender ENTITY user FROM transactions AS SUM(amount);
   |                ^^^^^^^^^^^
prelude.fsql:15:14: note: first defined here as a label
   |
15 | CREATE LABEL big_spender ENTITY user FROM transactions AS amount > 1000;
   |              ^^^^^^^^^^^
   = hint: entities, sources, views, features, labels and training sets share one namespace: rename one`,
  },
  // Availability (AVAILABLE, AS OF < t) and leakage lints (W07xx): each lint with a case that must not warn.
  {
    name: 'E0307 AVAILABLE AT END OF DAY on a TIMESTAMP',
    input: `CREATE SOURCE logins (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL)
  FROM TABLE app.logins EVENT TIME ts AVAILABLE AT END OF DAY;`,
    codes: ['E0307'],
    expected: `
test.fsql:2:39: error[E0307]: AVAILABLE AT END OF DAY needs a DATE event time, and \`ts\` is TIMESTAMP
  |
2 |   FROM TABLE app.logins EVENT TIME ts AVAILABLE AT END OF DAY;
  |                                       ^^^^^^^^^^^^^^^^^^^^^^^
  = hint: say how long after its event time a row becomes available: AVAILABLE AFTER <duration>, e.g. AVAILABLE AFTER 6 HOURS`,
  },
  {
    name: 'E0305 AVAILABLE without an EVENT TIME',
    input: `CREATE SOURCE tiers (user_id TEXT NOT NULL, tier TEXT)
  FROM TABLE crm.tiers AVAILABLE AFTER 1 DAY;`,
    codes: ['E0305'],
    expected: `
test.fsql:2:24: error[E0305]: AVAILABLE needs an EVENT TIME, and \`tiers\` has none
  |
2 |   FROM TABLE crm.tiers AVAILABLE AFTER 1 DAY;
  |                        ^^^^^^^^^^^^^^^^^^^^^
  = hint: declare one: EVENT TIME <column> on \`tiers\` (rows of a relation without one are always visible)`,
  },
  {
    name: 'E0305 AS OF < t over a dimension',
    input: `CREATE FEATURE age ENTITY user FROM users AS age AS OF < t;`,
    codes: ['E0305'],
    expected: `
test.fsql:1:50: error[E0305]: AS OF < t needs a relation with an EVENT TIME, and \`users\` has none
  |
1 | CREATE FEATURE age ENTITY user FROM users AS age AS OF < t;
  |                                                  ^^^^^^^^^
  = hint: declare one: EVENT TIME <column> on \`users\`, or drop AS OF (a relation without one has no time to compare)`,
  },
  {
    name: 'E0103 AS OF < something else than t',
    input: `CREATE FEATURE spend ENTITY user FROM transactions AS SUM(amount) AS OF < now;`,
    codes: ['E0103'],
    expected: `
test.fsql:1:75: error[E0103]: expected \`t\` (the time a feature is asked for), found \`now\`
  |
1 | CREATE FEATURE spend ENTITY user FROM transactions AS SUM(amount) AS OF < now;
  |                                                                           ^^^
  = hint: write \`AS OF < t\` (rows strictly before the time asked) or \`AS OF <= t\` (the default)`,
  },
  {
    name: 'W0701 a feature reads the label column from the label relation',
    input: `CREATE FEATURE spend_7d ENTITY user FROM transactions AS SUM(amount) WINDOW 7 DAYS;

CREATE TRAINING SET spenders LABEL big_spender FEATURES (txn_count_7d, spend_7d);`,
    codes: ['W0701'],
    expected: `
test.fsql:3:72: warning[W0701]: feature \`spend_7d\` reads \`amount\` from \`transactions\`, the relation label \`big_spender\` is computed from: at a label's time it sees the label's own row
  |
3 | CREATE TRAINING SET spenders LABEL big_spender FEATURES (txn_count_7d, spend_7d);
  |                                                                        ^^^^^^^^
  = hint: add \`AS OF < t\` to feature \`spend_7d\` so that it only sees rows before the label's time, or compute it from a column that is known before the label`,
  },
  {
    name: 'W0701 (not): the same feature AS OF < t',
    input: `CREATE FEATURE spend_7d ENTITY user FROM transactions AS SUM(amount) WINDOW 7 DAYS AS OF < t;

CREATE TRAINING SET spenders LABEL big_spender FEATURES (txn_count_7d, spend_7d);`,
    codes: [],
    expected: ``,
  },
  {
    name: 'W0701 (not): the label relation is available only after its event time, so a label does not see its own row',
    input: `CREATE VIEW settled EVENT TIME created_at AVAILABLE AFTER 1 HOUR AS SELECT user_id, amount, created_at FROM transactions;
CREATE VIEW settled_again EVENT TIME created_at AS SELECT user_id, amount, created_at FROM settled;
CREATE LABEL big_settled ENTITY user FROM settled_again AS amount > 1000;
CREATE FEATURE settled_spend_7d ENTITY user FROM settled_again AS SUM(amount) WINDOW 7 DAYS;
CREATE TRAINING SET settled_spenders LABEL big_settled FEATURES (settled_spend_7d);`,
    codes: [],
    expected: ``,
  },
  {
    name: 'W0702 a view joins a dimension to events',
    input: `CREATE VIEW txn_country EVENT TIME created_at AS
SELECT t.user_id, t.amount, t.created_at, u.country
FROM transactions t
JOIN users u ON t.user_id = u.user_id;`,
    codes: ['W0702'],
    expected: `
test.fsql:4:6: warning[W0702]: view \`txn_country\` joins \`users\`, which has no EVENT TIME, to rows that have one: a past row sees \`users\` as it is today
  |
4 | JOIN users u ON t.user_id = u.user_id;
  |      ^^^^^
  = hint: if \`users\` changes over time, give it an EVENT TIME (a valid-from or updated-at column) and read it with features of its own instead of joining it in; if it never changes, this is safe`,
  },
  {
    name: 'W0702 (not): a view joins two event relations',
    input: `CREATE SOURCE refunds (txn_id TEXT NOT NULL, refunded_at TIMESTAMP NOT NULL)
  FROM TABLE app.refunds EVENT TIME refunded_at;

CREATE VIEW refunded EVENT TIME created_at AS
SELECT t.user_id, t.created_at, r.refunded_at
FROM transactions t
LEFT JOIN refunds r ON r.txn_id = t.txn_id;`,
    codes: [],
    expected: ``,
  },
  {
    name: 'W0703 a DATE event time read by a window shorter than a day',
    input: `CREATE SOURCE daily_visits (user_id TEXT NOT NULL, day DATE NOT NULL, visits INTEGER)
  FROM TABLE app.daily_visits EVENT TIME day;

CREATE FEATURE visits_6h ENTITY user FROM daily_visits AS SUM(visits) WINDOW 6 HOURS;`,
    codes: ['W0703'],
    expected: `
test.fsql:4:78: warning[W0703]: WINDOW 6 HOURS is shorter than a day, but \`daily_visits\`'s event time \`day\` is a DATE, visible from the start of its day
  |
4 | CREATE FEATURE visits_6h ENTITY user FROM daily_visits AS SUM(visits) WINDOW 6 HOURS;
  |                                                                              ^^^^^^^
  = hint: a day's row counts from its midnight, before the day has happened: say when it is complete with \`AVAILABLE AT END OF DAY\` on \`daily_visits\`, or use a window of whole days`,
  },
  {
    name: 'W0703 a DATE event time read for TIMESTAMP labels',
    input: `CREATE SOURCE daily_visits (user_id TEXT NOT NULL, day DATE NOT NULL, visits INTEGER)
  FROM TABLE app.daily_visits EVENT TIME day;

CREATE FEATURE visits_7d ENTITY user FROM daily_visits AS SUM(visits) WINDOW 7 DAYS;

CREATE TRAINING SET visitors LABEL big_spender FEATURES (visits_7d);`,
    codes: ['W0703'],
    expected: `
test.fsql:6:58: warning[W0703]: feature \`visits_7d\` reads \`daily_visits\`, whose event time \`day\` is a DATE, for labels at a TIMESTAMP: a label during a day sees that whole day's row
  |
6 | CREATE TRAINING SET visitors LABEL big_spender FEATURES (visits_7d);
  |                                                          ^^^^^^^^^
  = hint: a day's row counts from its midnight: say when it is complete with \`AVAILABLE AT END OF DAY\` (or \`AVAILABLE AFTER <duration>\`) on \`daily_visits\``,
  },
  {
    name: 'W0703 (not): the same, AVAILABLE AT END OF DAY',
    input: `CREATE SOURCE daily_visits (user_id TEXT NOT NULL, day DATE NOT NULL, visits INTEGER)
  FROM TABLE app.daily_visits EVENT TIME day AVAILABLE AT END OF DAY;

CREATE FEATURE visits_6h ENTITY user FROM daily_visits AS SUM(visits) WINDOW 6 HOURS;

CREATE FEATURE visits_7d ENTITY user FROM daily_visits AS SUM(visits) WINDOW 7 DAYS;

CREATE TRAINING SET visitors LABEL big_spender FEATURES (visits_6h, visits_7d);`,
    codes: [],
    expected: ``,
  },
];

describe('the prelude', () => {
  it('is clean', () => {
    expect(run('').rendered).toBe('');
  });
});

describe('every diagnostic code, rendered', () => {
  it.each(CASES)('$name', ({ input, codes, expected }) => {
    const { codes: actual, rendered } = run(input);
    expect(actual).toEqual(codes);
    expect(rendered).toBe(expected.replace(/^\n/, ''));
  });

  // The nesting limit (src/syntax/limits.ts) owns its code and wording; this checks where it points, and that nothing follows from it.
  it(`${NESTING.code} expression nested too deeply`, () => {
    const parens = `${'('.repeat(MAX_NESTING + 1)}amount${')'.repeat(MAX_NESTING + 1)}`;
    const input = `CREATE FEATURE f ENTITY user FROM transactions\n  AS ${parens};\nCREATE TRAINING SET t LABEL big_spender FEATURES (f);`;
    const { codes, rendered } = run(input);
    expect(codes).toEqual([NESTING.code]);
    expect(rendered).toBe(
      [
        `test.fsql:2:${6 + MAX_NESTING}: error[${NESTING.code}]: ${NESTING.message}`,
        '  |',
        // A line over 160 characters is shown as a window: 40 characters before the span, an ellipsis at each cut.
        `2 | …${'('.repeat(40)}${parens.slice(MAX_NESTING, MAX_NESTING + 41)}…`,
        `  | ${' '.repeat(41)}^`,
        `  = hint: ${NESTING.hint}`,
      ].join('\n'),
    );
  });
});

/** Every code the compiler front end can emit: the quoted codes in src/syntax and src/check. */
function emittedCodes(): string[] {
  const codes = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/'([EW]0\d{3})'/g)) codes.add(m[1]!);
    }
  };
  walk('src/syntax');
  walk('src/check');
  return [...codes].sort();
}

describe('coverage', () => {
  it('has a case for every code the compiler emits', () => {
    const covered = new Set([...CASES.flatMap((c) => c.codes), NESTING.code]);
    expect(emittedCodes().filter((c) => !covered.has(c))).toEqual([]);
  });

  it('documents every code in docs/errors.md', () => {
    const doc = readFileSync('docs/errors.md', 'utf8');
    expect(emittedCodes().filter((c) => !new RegExp(`^#+ ${c}\\b`, 'm').test(doc))).toEqual([]);
  });
});

describe('docs/errors.md', () => {
  const doc = readFileSync('docs/errors.md', 'utf8');
  /** Each `### CODE: title` section's examples: a sql block followed directly by its text block. */
  const examples = doc
    .split(/^### /m)
    .slice(1)
    .flatMap((section) =>
      [...section.matchAll(/```sql\n([\s\S]*?)\n```\n\n```text\n([\s\S]*?)\n```/g)].map((m) => ({ code: section.slice(0, 5), input: m[1]!, output: m[2]! })),
    );

  it('shows the prelude its examples are checked with', () => {
    expect(doc).toContain(`\`\`\`sql\n${PRELUDE.trimEnd()}\n\`\`\``);
  });

  it('has examples', () => {
    expect(examples.length).toBeGreaterThan(50);
  });

  it.each(examples)('$code: the example prints what the page shows', ({ code, input, output }) => {
    const { codes, rendered } = run(input);
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.every((c) => c === code)).toBe(true);
    expect(rendered).toBe(output);
  });
});

describe('did you mean', () => {
  const hintOf = (input: string) => {
    const { result } = run(input);
    expect(result.diagnostics).toHaveLength(1);
    return result.diagnostics[0]!.hint;
  };

  it.each([
    ['a column', 'CREATE FEATURE a ENTITY user FROM transactions AS AVG(amout);', 'did you mean `amount`?'],
    ['a column, by prefix', 'CREATE FEATURE a ENTITY user FROM transactions AS AVG(amount_usd);', 'did you mean `amount`?'],
    ['a column, in another case', 'CREATE FEATURE a ENTITY user FROM transactions AS AVG(AMOUT);', 'did you mean `amount`?'],
    ['a source', 'CREATE FEATURE n ENTITY user FROM transaction AS COUNT(*);', 'did you mean `transactions`?'],
    ['an entity', 'CREATE FEATURE n ENTITY usr FROM transactions AS COUNT(*);', 'did you mean `user`?'],
    ['a feature in a training set', 'CREATE TRAINING SET t LABEL big_spender FEATURES (txn_cuont_7d);', 'did you mean `txn_count_7d`?'],
    ['a label', 'CREATE TRAINING SET t LABEL big_spendr FEATURES (txn_count_7d);', 'did you mean `big_spender`?'],
    ['a function', 'CREATE VIEW v AS SELECT LOWR(channel) AS c FROM transactions;', 'did you mean `LOWER`?'],
    ['an alias', 'CREATE VIEW v AS SELECT tx.amount FROM transactions t;', 'did you mean `t`?'],
    ['a type', 'CREATE ENTITY card KEY (card_id TXET);', 'did you mean `TEXT`?'],
    ['a type, by prefix', 'CREATE ENTITY card KEY (card_id INTEGR);', 'did you mean `INTEGER`?'],
    ['a duration unit', 'CREATE FEATURE n ENTITY user FROM transactions AS COUNT(*) WINDOW 7 DAYZ;', 'did you mean `DAYS`?'],
    ['a FILL method', 'CREATE FEATURE a ENTITY user FROM transactions AS AVG(amount) FILL MEDAIN;', 'did you mean `MEDIAN`?'],
    ['a SCALE method', 'CREATE FEATURE a ENTITY user FROM transactions AS AVG(amount) SCALE MINMX;', 'did you mean `MINMAX`?'],
    ['a file format', "CREATE SOURCE c (a TEXT) FROM FILE 'c.csv' FORMAT PARQET;", 'did you mean `PARQUET`?'],
    ['a date part', 'CREATE VIEW v AS SELECT EXTRACT(YEARR FROM created_at) AS y FROM transactions;', 'did you mean `YEAR`?'],
    ['a clause', 'CREATE FEATURE n ENTITY user FROM transactions AS COUNT(*) WINDOWS 7 DAYS;', 'did you mean `WINDOW`?'],
    ['a keyword', 'CREATE FEATURE n ENTITY user FROM transactions AS COUNT(*) WINDOW 7 DAYS DESCRIPTON \'n\';', 'did you mean `DESCRIPTION`?'],
  ])('%s', (_what, input, hint) => {
    expect(hintOf(input)).toBe(hint);
  });

  it.each([
    ['a column', 'CREATE FEATURE a ENTITY user FROM transactions AS AVG(price);', undefined],
    ['a short column name', 'CREATE FEATURE a ENTITY user FROM transactions AS AVG(amt);', undefined],
    ['a source', 'CREATE FEATURE n ENTITY user FROM orders AS COUNT(*);', undefined],
    ['an entity', 'CREATE FEATURE n ENTITY customer FROM transactions AS COUNT(*);', undefined],
    ['a feature', 'CREATE TRAINING SET t LABEL big_spender FEATURES (lifetime_value);', undefined],
    ['a function', 'CREATE VIEW v AS SELECT DATE_TRUNC(created_at) AS d FROM transactions;', 'the functions are COALESCE, NULLIF, ABS, ROUND, LOWER, UPPER, LENGTH, SUBSTR, COUNT, SUM, AVG, MIN, MAX'],
    ['a type', 'CREATE ENTITY card KEY (card_id BLOB);', 'the types are BOOLEAN, INTEGER, DOUBLE, TEXT, DATE and TIMESTAMP'],
    ['a duration unit', 'CREATE FEATURE n ENTITY user FROM transactions AS COUNT(*) WINDOW 90 MINS;', 'durations are written like `30 SECONDS`, `15 MINUTES`, `6 HOURS`, `7 DAYS` or `2 WEEKS`'],
    ['a FILL method', 'CREATE FEATURE a ENTITY user FROM transactions AS AVG(amount) FILL LATEST;', "FILL takes MEAN, MEDIAN, MODE, ZERO or a literal value such as 0 or 'unknown'"],
  ])('no suggestion for %s too far from every candidate', (_what, input, hint) => {
    expect(hintOf(input)).toBe(hint);
  });

  it('does not suggest DATE for DATETIME', () => {
    expect(hintOf('CREATE SOURCE s (ts DATETIME) FROM TABLE x.s;')).toBe('fsql has no DATETIME; write TIMESTAMP');
  });
});

describe('a project of several files', () => {
  const entities = { path: 'entities.fsql', text: 'CREATE ENTITY user KEY (user_id TEXT);\n' };
  const sources = {
    path: 'sources.fsql',
    text: "CREATE SOURCE transactions (user_id TEXT NOT NULL, amount DOUBLE, created_at TIMESTAMP NOT NULL)\n  FROM FILE 'data/transactions.csv' EVENT TIME created_at;\n",
  };
  const features = {
    path: 'features/spend.fsql',
    // AS OF < t: the spend before the labelled transaction (with it, the feature would read the label's own amount, W0701).
    text: 'CREATE TRAINING SET spenders LABEL big FEATURES (spend_7d);\nCREATE LABEL big ENTITY user FROM transactions AS amount > 1000;\nCREATE FEATURE spend_7d ENTITY user FROM transactions AS SUM(amount) WINDOW 7 DAYS AS OF < t FILL ZERO;\n',
  };

  it('resolves names across files, in any order', () => {
    for (const files of [
      [entities, sources, features],
      [features, sources, entities],
      [sources, features, entities],
    ]) {
      const { result } = checkFiles(files);
      expect(result.diagnostics).toEqual([]);
      expect(Object.keys(result.catalog.trainingSets)).toEqual(['spenders']);
    }
  });

  it('points a duplicate in a second file at the first', () => {
    const again = { path: 'more/user.fsql', text: '-- the same entity, again\nCREATE ENTITY User KEY (user_id TEXT);\n' };
    const { codes, rendered } = checkFiles([entities, sources, features, again]);
    expect(codes).toEqual(['E0202']);
    expect(rendered).toBe(
      [
        'more/user.fsql:2:15: error[E0202]: entity `User` is defined twice',
        '  |',
        '2 | CREATE ENTITY User KEY (user_id TEXT);',
        '  |               ^^^^',
        'entities.fsql:1:15: note: first defined here',
        '  |',
        '1 | CREATE ENTITY user KEY (user_id TEXT);',
        '  |               ^^^^',
      ].join('\n'),
    );
  });

  it('reports an error in the file that has it, and nothing in the files that use the broken object', () => {
    const broken = { path: 'sources.fsql', text: sources.text.replace('created_at TIMESTAMP NOT NULL)', 'created_at TIMESTAMP NOT NULL') };
    const { codes, rendered } = checkFiles([entities, broken, features]);
    expect(codes).toEqual(['E0103']);
    expect(rendered).toBe(
      [
        "sources.fsql:2:3: error[E0103]: expected ')', found `FROM`",
        '  |',
        "2 |   FROM FILE 'data/transactions.csv' EVENT TIME created_at;",
        '  |   ^^^^',
      ].join('\n'),
    );
  });
});

/** The payments example's only diagnostics: its view joins the dimensions `users` and `merchants` to transactions (W0702). */
const PAYMENTS_WARNINGS = ['W0702 examples/payments/views.fsql:32:11', 'W0702 examples/payments/views.fsql:33:11'];

describe('the payments example', () => {
  it('checks with no errors, and warns of the dimensions its view joins to events', () => {
    const files = readProjectFiles('examples/payments');
    expect(files.length).toBeGreaterThan(0);
    expect(check(files).diagnostics.map((d) => `${d.code} ${d.span.file}:${d.span.line}:${d.span.col}`)).toEqual(PAYMENTS_WARNINGS);
  });
});

describe('fsql check', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function project(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'fsql-diagnostics-'));
    dirs.push(dir);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  }

  async function fsql(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const io: Io = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: process.cwd(), color: false };
    const code = await main(argv, io);
    return { code, stdout, stderr };
  }

  const BROKEN = {
    'entities.fsql': 'CREATE ENTITY user KEY (user_id TEXT);\n',
    'features.fsql':
      "CREATE SOURCE transactions (user_id TEXT NOT NULL, amount DOUBLE, created_at TIMESTAMP NOT NULL)\n  FROM FILE 'data/transactions.csv' EVENT TIME created_at;\nCREATE FEATURE spend_7d ENTITY user FROM transactoins AS SUM(amount) WINDOW 7 DAYS;\n",
  };

  it('exits 0 on the payments example', async () => {
    const { code, stdout, stderr } = await fsql('check', 'examples/payments');
    expect(stderr.match(/warning\[W\d+\]/g)).toEqual(['warning[W0702]', 'warning[W0702]']);
    expect(stdout).toMatch(/^ok — \d+ files: .* \(2 warnings\)$/m);
    expect(code).toBe(0);
    // --deny-warnings: the same warnings fail the check (CI).
    expect((await fsql('check', 'examples/payments', '--deny-warnings')).code).toBe(1);
  });

  it('exits 1 on a broken project and prints the rendered diagnostics', async () => {
    const dir = project(BROKEN);
    const { code, stdout, stderr } = await fsql('check', dir);
    const file = join(dir, 'features.fsql');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      [
        `${file}:3:42: error[E0201]: unknown source or view \`transactoins\``,
        '  |',
        '3 | CREATE FEATURE spend_7d ENTITY user FROM transactoins AS SUM(amount) WINDOW 7 DAYS;',
        '  |                                          ^^^^^^^^^^^^',
        '  = hint: did you mean `transactions`?',
        '',
        '1 error in 2 files',
        '',
      ].join('\n'),
    );
  });

  it('exits 0 when there are only warnings', async () => {
    const dir = project({ 'logins.fsql': 'CREATE SOURCE logins (user_id TEXT NOT NULL, ts TIMESTAMP) FROM TABLE app.logins EVENT TIME ts;\n' });
    const { code, stdout, stderr } = await fsql('check', dir);
    expect(stderr).toContain('warning[W0301]');
    expect(stdout).toMatch(/^ok — 1 file: .* \(1 warning\)\n$/);
    expect(code).toBe(0);
  });

  it('prints parseable JSON with --format json', async () => {
    const dir = project({ ...BROKEN, 'more.fsql': 'CREATE ENTITY User KEY (user_id TEXT);\n' });
    const { code, stdout, stderr } = await fsql('check', dir, '--format', 'json');
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const out = JSON.parse(stdout) as { files: number; errors: number; warnings: number; diagnostics: Record<string, unknown>[] };
    expect(out).toEqual({
      files: 3,
      errors: 2,
      warnings: 0,
      diagnostics: [
        {
          code: 'E0201',
          severity: 'error',
          message: 'unknown source or view `transactoins`',
          file: join(dir, 'features.fsql'),
          line: 3,
          column: 42,
          endLine: 3,
          endColumn: 53,
          hint: 'did you mean `transactions`?',
        },
        {
          code: 'E0202',
          severity: 'error',
          message: 'entity `User` is defined twice',
          file: join(dir, 'more.fsql'),
          line: 1,
          column: 15,
          endLine: 1,
          endColumn: 18,
          related: [{ message: 'first defined here', file: join(dir, 'entities.fsql'), line: 1, column: 15 }],
        },
      ],
    });
  });

  it('prints an empty diagnostics list as JSON for a clean project', async () => {
    const dir = project({ 'p.fsql': 'CREATE ENTITY user KEY (user_id TEXT);\n' });
    const { code, stdout } = await fsql('check', dir, '--format', 'json');
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { errors: number; warnings: number; diagnostics: unknown[] };
    expect(out).toMatchObject({ errors: 0, warnings: 0, diagnostics: [] });
    expect((await fsql('check', dir, '--deny-warnings')).code).toBe(0);
  });
});
