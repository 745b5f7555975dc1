// The TextMate grammar (grammar/fsql.tmLanguage.json), run through the same
// engine VS Code uses (vscode-textmate + the oniguruma wasm build).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import vsctm from 'vscode-textmate';
import type { IGrammar, StateStack } from 'vscode-textmate';
import oniguruma from 'vscode-oniguruma';
import { beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const grammarPath = path.join(repoRoot, 'grammar', 'fsql.tmLanguage.json');
const wasmPath = path.join(repoRoot, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm');

// ---------------------------------------------------------------------------
// Helpers

interface Token {
  /** 0-based line number */
  line: number;
  /** offset of the token's first character in the whole text */
  offset: number;
  text: string;
  scopes: string[];
}

let grammar: IGrammar;

async function loadGrammar(): Promise<IGrammar> {
  await oniguruma.loadWASM(fs.readFileSync(wasmPath));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) =>
      scopeName === 'source.fsql'
        ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath)
        : null,
  });
  const loaded = await registry.loadGrammar('source.fsql');
  if (!loaded) throw new Error('source.fsql did not load');
  return loaded;
}

/** Tokenizes a whole text the way an editor does: line by line, carrying the state. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let state: StateStack = vsctm.INITIAL;
  let lineStart = 0;
  text.split('\n').forEach((rawLine, line) => {
    const lineText = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const result = grammar.tokenizeLine(lineText, state);
    for (const t of result.tokens) {
      tokens.push({
        line,
        offset: lineStart + t.startIndex,
        text: lineText.slice(t.startIndex, t.endIndex),
        scopes: t.scopes,
      });
    }
    state = result.ruleStack;
    lineStart += rawLine.length + 1;
  });
  return tokens;
}

function tokenAt(tokens: Token[], offset: number): Token | undefined {
  return tokens.find((t) => t.offset <= offset && offset < t.offset + t.text.length);
}

function describeTokens(tokens: Token[]): string {
  return tokens.map((t) => `${JSON.stringify(t.text)}: ${t.scopes.join(' ')}`).join('\n  ');
}

/**
 * `the(text, needle, { after })` picks the first occurrence of `needle` in
 * `text` (after the first occurrence of `after`, when given) and checks the
 * scopes of every non-blank character in it.
 */
function inText(text: string) {
  const tokens = tokenize(text);
  return (needle: string, options: { after?: string } = {}) => {
    let from = 0;
    if (options.after !== undefined) {
      const anchor = text.indexOf(options.after);
      expect(anchor, `anchor ${JSON.stringify(options.after)} not in the text`).toBeGreaterThanOrEqual(0);
      from = anchor + options.after.length;
    }
    const start = text.indexOf(needle, from);
    expect(start, `${JSON.stringify(needle)} not in the text`).toBeGreaterThanOrEqual(0);
    const covering: Token[] = [];
    for (let i = start; i < start + needle.length; i++) {
      if (/\s/.test(text[i] ?? '')) continue;
      const token = tokenAt(tokens, i);
      expect(token, `no token at offset ${i}`).toBeDefined();
      if (token && !covering.includes(token)) covering.push(token);
    }
    const label = `${JSON.stringify(needle)}${options.after ? ` after ${JSON.stringify(options.after)}` : ''}`;
    const has = (prefix: string) => (t: Token) => t.scopes.some((s) => s.startsWith(prefix));
    return {
      /** every token of the needle has a scope starting with `prefix` */
      is(prefix: string): void {
        expect(covering.every(has(prefix)), `${label} should be ${prefix}:\n  ${describeTokens(covering)}`).toBe(true);
      },
      /** no token of the needle has a scope starting with `prefix` */
      isNot(prefix: string): void {
        expect(covering.some(has(prefix)), `${label} should not be ${prefix}:\n  ${describeTokens(covering)}`).toBe(false);
      },
    };
  };
}

/**
 * Problems a well-formed file must not show: a non-blank character that no
 * rule claimed (only the root scope), or anything scoped `invalid`.
 */
function coverageProblems(text: string): string[] {
  const tokens = tokenize(text);
  const problems: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (/\s/.test(ch)) continue;
    const token = tokenAt(tokens, i);
    const where = () => {
      const before = text.slice(0, i);
      const line = before.split('\n').length;
      return `line ${line}, column ${i - before.lastIndexOf('\n')}`;
    };
    if (!token) problems.push(`${where()}: ${JSON.stringify(ch)} is in no token`);
    else if (token.scopes.length < 2) problems.push(`${where()}: ${JSON.stringify(ch)} only has ${token.scopes.join(' ')}`);
  }
  for (const t of tokens) {
    if (t.scopes.some((s) => s.startsWith('invalid'))) {
      problems.push(`line ${t.line + 1}: ${JSON.stringify(t.text)} is ${t.scopes.join(' ')}`);
    }
  }
  return problems;
}

function fsqlFilesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...fsqlFilesUnder(full));
    else if (entry.isFile() && entry.name.endsWith('.fsql')) found.push(full);
  }
  return found.sort();
}

// ---------------------------------------------------------------------------
// A representative project, every statement kind in it.

const SAMPLE = `-- comment: a small fraud project
/* block comment
   over two lines */
CREATE ENTITY user KEY (user_id TEXT) DESCRIPTION 'A customer''s account';

CREATE SOURCE transactions (
  txn_id TEXT NOT NULL, user_id TEXT NOT NULL, merchant VARCHAR,
  amount DOUBLE, created_at TIMESTAMP NOT NULL, "odd ""name""" INTEGER,
  date DATE, version INT, key TEXT
) FROM FILE 'data/transactions--2024.csv' FORMAT CSV
  EVENT TIME created_at;

create source users (user_id text not null, country string, signup date)
  from table crm.users;

CREATE SOURCE clicks (user_id TEXT NOT NULL, page TEXT, ts TIMESTAMP NOT NULL)
  FROM STREAM EVENT TIME ts;

CREATE SOURCE taps (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL)
  FROM KAFKA TOPIC 'app.taps' FORMAT JSON EVENT TIME ts;

CREATE VIEW big_txn EVENT TIME created_at AS
  SELECT DISTINCT t.user_id, t.amount * 1.5e-2 AS fee, t.created_at, u.country,
         CASE WHEN t.amount >= 100.25 THEN 'big' ELSE 'small' END AS size,
         CAST(t.amount AS BIGINT) AS whole, EXTRACT(YEAR FROM t.created_at) AS yr,
         LOWER(u.country) || '-' || t.merchant AS tag
  FROM transactions t LEFT JOIN users u ON t.user_id = u.user_id
  WHERE t.amount > 100 AND u.country IS NOT NULL AND t.merchant NOT LIKE 'test%'
  GROUP BY t.user_id HAVING COUNT(*) BETWEEN 1 AND 10;

CREATE FEATURE avg_amount_7d VERSION 2
  ENTITY user FROM transactions
  AS AVG(amount) WINDOW 7 DAYS
  FILL MEDIAN SCALE STANDARD
  DESCRIPTION 'Mean spend over the last week' OWNER 'risk' TAGS ('spend', 'money');

CREATE FEATURE last_merchant ENTITY user FROM transactions
  AS merchant TTL 30 DAYS ONE_HOT TOP 10;

CREATE FEATURE country ENTITY user ON (user_id) FROM users
  AS country ONE_HOT ('US', 'DE', 'FR');

CREATE FEATURE big_count ENTITY user FROM big_txn
  AS COUNT(DISTINCT merchant) WHERE amount > 0 WINDOW 24 HOURS FILL 0 SCALE LOG;

CREATE LABEL is_fraud VERSION 1 ENTITY user FROM fraud_reports
  AS COALESCE(confirmed, FALSE) WHERE reviewed = TRUE;

CREATE TRAINING SET fraud_model VERSION 1
  LABEL is_fraud
  FEATURES (avg_amount_7d VERSION 2, last_merchant, country, big_count)
  SAMPLE 20 PERCENT SEED 7;
`;

// ---------------------------------------------------------------------------

beforeAll(async () => {
  grammar = await loadGrammar();
});

describe('grammar file', () => {
  it('is a source.fsql grammar for .fsql files', () => {
    const raw = JSON.parse(fs.readFileSync(grammarPath, 'utf8')) as { scopeName: string; fileTypes: string[] };
    expect(raw.scopeName).toBe('source.fsql');
    expect(raw.fileTypes).toEqual(['fsql']);
  });
});

describe('highlighting the sample project', () => {
  const the = (needle: string, options?: { after?: string }) => inText(SAMPLE)(needle, options);

  it('comments', () => {
    the('-- comment: a small fraud project').is('comment.line.double-dash.fsql');
    the('/* block comment').is('comment.block.fsql');
    the('over two lines */').is('comment.block.fsql');
    the('CREATE', { after: 'over two lines */' }).isNot('comment');
  });

  it('strings, with doubled quotes inside', () => {
    the("'A customer''s account'").is('string.quoted.single.fsql');
    the("''", { after: "'A customer" }).is('constant.character.escape');
    the("'Mean spend over the last week'").is('string.quoted.single.fsql');
    the("'test%'").is('string.quoted.single.fsql');
  });

  it('a -- inside a string is not a comment', () => {
    the("'data/transactions--2024.csv'").is('string.quoted.single.fsql');
    the('--2024', { after: 'data/transactions' }).isNot('comment');
    the('FORMAT', { after: 'transactions--2024' }).is('keyword');
  });

  it('quoted identifiers', () => {
    the('"odd ""name"""').is('variable.other.quoted.fsql');
    the('INTEGER', { after: '"odd ""name"""' }).is('storage.type.fsql');
  });

  it('numbers: integers, decimals, exponents', () => {
    the('1.5e-2').is('constant.numeric.fsql');
    the('100.25').is('constant.numeric.fsql');
    the('100', { after: 'WHERE t.amount > ' }).is('constant.numeric.fsql');
    the('2', { after: 'avg_amount_7d VERSION ' }).is('constant.numeric.fsql');
  });

  it('TRUE, FALSE, NULL', () => {
    the('FALSE').is('constant.language.fsql');
    the('TRUE').is('constant.language.fsql');
    the('NULL', { after: 'u.country IS NOT' }).is('constant.language.fsql');
  });

  it('statement keywords', () => {
    for (const word of ['CREATE', 'ENTITY', 'KEY', 'DESCRIPTION', 'SOURCE', 'FROM', 'FILE', 'FORMAT', 'EVENT TIME']) {
      the(word).is('keyword');
    }
    the('VIEW').is('keyword');
    the('AS', { after: 'CREATE VIEW big_txn EVENT TIME created_at' }).is('keyword');
    the('STREAM').is('keyword');
    the('KAFKA').is('keyword');
    the('TOPIC').is('keyword');
    the('JSON').is('support.constant.format.fsql');
    for (const word of ['FEATURE', 'VERSION', 'WINDOW', 'FILL', 'SCALE', 'OWNER', 'TAGS']) {
      the(word, { after: 'CREATE FEATURE avg_amount_7d' }).is('keyword');
    }
    for (const word of ['TTL', 'ONE_HOT', 'TOP']) the(word, { after: 'CREATE FEATURE last_merchant' }).is('keyword');
    the('ON', { after: 'CREATE FEATURE country ENTITY user' }).is('keyword');
    the('LABEL').is('keyword');
    for (const word of ['TRAINING SET', 'LABEL', 'FEATURES', 'SAMPLE', 'PERCENT', 'SEED']) {
      the(word, { after: 'WHERE reviewed = TRUE;' }).is('keyword');
    }
    the('NOT NULL', { after: 'txn_id TEXT' }).is('keyword');
  });

  it('keywords are case-insensitive', () => {
    the('create source').is('keyword');
    the('not null', { after: 'create source users' }).is('keyword');
    the('from table').is('keyword');
    the('text', { after: 'create source users (user_id' }).is('storage.type.fsql');
    the('date', { after: 'signup' }).is('storage.type.fsql');
  });

  it('SQL query keywords in a view', () => {
    for (const word of ['SELECT', 'DISTINCT', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'CAST', 'EXTRACT']) {
      the(word, { after: 'CREATE VIEW' }).is('keyword');
    }
    for (const word of ['LEFT', 'JOIN', 'ON', 'WHERE', 'AND', 'IS', 'NOT', 'LIKE', 'GROUP BY', 'HAVING', 'BETWEEN']) {
      the(word, { after: 'FROM transactions t' }).is('keyword');
    }
    the('AS', { after: 'CAST(t.amount' }).is('keyword');
  });

  it('type names', () => {
    for (const type of ['TEXT', 'VARCHAR', 'DOUBLE', 'TIMESTAMP', 'INTEGER', 'DATE', 'INT']) {
      the(type, { after: 'CREATE SOURCE transactions' }).is('storage.type.fsql');
    }
    the('string').is('storage.type.fsql');
    the('BIGINT').is('storage.type.fsql');
  });

  it('duration units after a number', () => {
    the('7', { after: 'WINDOW' }).is('constant.numeric.fsql');
    the('DAYS').is('keyword.other.unit.fsql');
    the('HOURS').is('keyword.other.unit.fsql');
    the('DAYS', { after: 'TTL 30' }).is('keyword.other.unit.fsql');
  });

  it('transform arguments', () => {
    for (const arg of ['MEDIAN', 'STANDARD', 'LOG']) the(arg).is('support.constant.fsql');
    the('0', { after: 'WINDOW 24 HOURS FILL ' }).is('constant.numeric.fsql');
    the('0', { after: 'WINDOW 24 HOURS FILL ' }).isNot('support.constant');
  });

  it('functions before a parenthesis', () => {
    for (const fn of ['AVG', 'COUNT', 'COALESCE', 'LOWER']) the(fn).is('support.function');
  });

  it('operators', () => {
    for (const op of ['*', '>=', '||', ' = ']) the(op, { after: 'CREATE VIEW' }).is('keyword.operator');
    the('>', { after: 'WHERE amount' }).is('keyword.operator');
  });

  it('the name after CREATE <kind> is the name being defined', () => {
    the('user', { after: 'CREATE ENTITY' }).is('entity.name');
    the('transactions', { after: 'CREATE SOURCE' }).is('entity.name');
    the('users', { after: 'create source' }).is('entity.name');
    the('big_txn', { after: 'CREATE VIEW' }).is('entity.name');
    the('avg_amount_7d', { after: 'CREATE FEATURE' }).is('entity.name');
    the('is_fraud', { after: 'CREATE LABEL' }).is('entity.name');
    the('fraud_model', { after: 'CREATE TRAINING SET' }).is('entity.name');
    the('user', { after: 'avg_amount_7d VERSION 2\n  ENTITY' }).isNot('entity.name');
    the('avg_amount_7d', { after: 'FEATURES (' }).isNot('entity.name');
  });

  it('soft keywords used as column names are names', () => {
    the('date', { after: 'CREATE SOURCE transactions' }).is('variable');
    the('version', { after: 'CREATE SOURCE transactions' }).is('variable');
    the('key', { after: 'CREATE SOURCE transactions' }).is('variable');
    the('version', { after: 'CREATE SOURCE transactions' }).isNot('keyword');
    the('size', { after: 'END AS' }).is('variable');
  });

  it('claims every character and flags nothing as invalid', () => {
    expect(coverageProblems(SAMPLE)).toEqual([]);
  });
});

describe('robustness', () => {
  it('soft keywords elsewhere do not derail the statement', () => {
    const the = inText(
      'CREATE FEATURE f ENTITY user FROM ev AS version WHERE key <> \'x\' AND window > 1 WINDOW 2 WEEKS;',
    );
    the('version').is('variable');
    the('key').isNot('keyword.other');
    the('window').isNot('keyword.other');
    the('WINDOW', { after: 'window > 1' }).is('keyword');
    the('WEEKS').is('keyword.other.unit.fsql');
  });

  it('AVAILABLE AFTER / AT END OF DAY and AS OF < t are keywords; the same words stay names elsewhere', () => {
    const the = inText(
      'CREATE SOURCE s (at TEXT, of DATE) FROM STREAM EVENT TIME of AVAILABLE AT END OF DAY;\n' +
        'CREATE VIEW v EVENT TIME ts AVAILABLE AFTER 6 HOURS AS SELECT available, after FROM x;\n' +
        'CREATE FEATURE f ENTITY user FROM s AS COUNT(*) WINDOW 2 DAYS AS OF < t;',
    );
    for (const word of ['AVAILABLE', 'AT', 'END', 'OF', 'DAY']) the(word, { after: 'EVENT TIME of' }).is('keyword');
    the('AFTER').is('keyword');
    the('HOURS').is('keyword.other.unit.fsql');
    the('available').isNot('keyword.other');
    the('after').isNot('keyword.other');
    the('at').isNot('keyword.other');
    the('OF', { after: 'WINDOW 2 DAYS AS' }).is('keyword.other.fsql');
    the('t', { after: 'AS OF <' }).is('variable.language');
  });

  it('the name may be on the line after CREATE <kind>', () => {
    const the = inText('CREATE FEATURE -- the name follows\n  spend_30d ENTITY user FROM t AS SUM(x) WINDOW 30 DAYS;');
    the('spend_30d').is('entity.name');
    the('-- the name follows').is('comment');
  });

  it('an unterminated block comment runs to the end of the file without crashing', () => {
    const text = 'CREATE ENTITY u KEY (id TEXT); /* not closed\nCREATE FEATURE f ENTITY u FROM s AS x;\n';
    expect(() => tokenize(text)).not.toThrow();
    const the = inText(text);
    the('CREATE', { after: 'not closed' }).is('comment.block');
    the('CREATE ENTITY').is('keyword');
  });

  it('an unterminated string or quoted identifier does not crash', () => {
    expect(() => tokenize("CREATE ENTITY u DESCRIPTION 'open\nstill open;\n")).not.toThrow();
    const the = inText('CREATE ENTITY "open KEY (id TEXT);\nCREATE SOURCE s (a TEXT) FROM STREAM;');
    the('CREATE SOURCE').is('keyword');
  });

  it('characters outside the language are flagged, not swallowed', () => {
    inText('CREATE FEATURE f ENTITY u FROM s AS x @ 1;')('@').is('invalid');
  });

  it('any input tokenizes without throwing, every character in some token', () => {
    const alphabet = fc.constantFrom(
      ...`abcXYZ_019 \t\n'"-/*;,.()<>=!|+%@#$éSELECT CREATE FEATURE FILL SCALE WINDOW DAYS`.split(''),
      'CREATE ', 'FEATURE ', 'SELECT ', 'FILL ', 'SCALE ', 'EVENT TIME ', '7 DAYS', '--', '/*', '*/', "''", '""',
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }).map((parts) => parts.join('')), (text) => {
        const tokens = tokenize(text);
        for (let i = 0; i < text.length; i++) {
          if (text[i] !== '\n' && text[i] !== '\r' && !tokenAt(tokens, i)) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });
});

describe('examples/**/*.fsql', () => {
  const files = fsqlFilesUnder(path.join(repoRoot, 'examples'));
  it('finds the example projects', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(path.relative(repoRoot, file), () => {
      const text = fs.readFileSync(file, 'utf8');
      expect(() => tokenize(text)).not.toThrow();
      expect(coverageProblems(text)).toEqual([]);
    });
  }
});
