/**
 * `fsql lsp` over stdio, as an editor drives it: diagnostics (the same as
 * `fsql check --format json`), hover, definition, references, completion,
 * rename and formatting, on the example project and on projects a user would
 * write (keywords as names, quoted names, several files). Every expected value
 * is worked out by hand from the project text, or checked with the CLI in a
 * separate process (`fsql check`, `fsql fmt`).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompletionItem, Hover, Location, Range, TextEdit, WorkspaceEdit } from 'vscode-languageserver/node';
import { asCheckJson, checkJson, copyProject, FSQL, ROOT, startClient, writeProject, type Client } from './client.js';

const PAYMENTS = join(ROOT, 'examples', 'payments');
const FILES = ['entities.fsql', 'features/card.fsql', 'features/merchant.fsql', 'features/user_profile.fsql', 'features/user_spend.fsql', 'sources.fsql', 'training.fsql', 'views.fsql'];

/** Applies LSP edits to a text (from the last to the first, as an editor does). */
function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const offset = (p: { line: number; character: number }): number => {
    let at = 0;
    for (let i = 0; i < p.line; i++) at = text.indexOf('\n', at) + 1;
    return at + p.character;
  };
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

function rangeText(text: string, r: Range): string {
  const lines = text.split('\n');
  if (r.start.line !== r.end.line) throw new Error('multi-line range');
  return lines[r.start.line]!.slice(r.start.character, r.end.character);
}

function hoverText(h: Hover | null): string {
  if (!h) return '';
  const c = h.contents as { value: string };
  return c.value;
}

function fileOf(client: Client, uri: string): string {
  return relative(client.root, fileURLToPath(uri));
}

/** The server's diagnostics of every file, in `fsql check --format json`'s shape and order. */
function serverAsCheck(client: Client, files: readonly string[]) {
  const pathOf = (uri: string) => fileOf(client, uri);
  return files.flatMap((f) => (client.diagnostics(f) ?? []).map((d) => asCheckJson(d, f, pathOf)));
}

/** The errors `fsql check --format json` reports (warnings, such as a join of a dimension, aside). */
function errors(result: { diagnostics: { severity: string }[] }) {
  return result.diagnostics.filter((d) => d.severity === 'error');
}

function sortLike<T extends { file: string; line: number; column: number; code: string }>(ds: T[]): T[] {
  return [...ds].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column || (a.code < b.code ? -1 : 1));
}

describe('fsql lsp on the example project', () => {
  let client: Client;
  beforeAll(async () => {
    client = await startClient(copyProject(PAYMENTS));
    await client.settled(FILES);
  }, 60000);
  afterAll(() => client.close());

  it('publishes the diagnostics of fsql check for the example project: no errors', async () => {
    const check = (await checkJson(client.root)).diagnostics;
    expect(check.filter((d) => d.severity === 'error')).toEqual([]);
    expect(sortLike(serverAsCheck(client, FILES))).toEqual(sortLike(check));
  });

  it('reports a misspelt column as you type, with the hint and code of fsql check', async () => {
    const path = 'features/user_spend.fsql';
    const original = client.text(path);
    await client.open(path);
    const typo = original.replace('AS SUM(amount)', 'AS SUM(amout)');
    const ds = await client.change(path, typo);
    writeFileSync(join(client.root, path), typo);
    expect(ds).toHaveLength(1);
    expect(ds[0]!.code).toBe('E0203');
    expect((ds[0]!.data as { hint: string }).hint).toBe('did you mean `amount`?');
    const at = client.positionOf(path, 'amout');
    expect(ds[0]!.range).toEqual({ start: at, end: { line: at.line, character: at.character + 'amout'.length } });
    const check = (await checkJson(client.root)).diagnostics;
    expect(sortLike(serverAsCheck(client, FILES))).toEqual(sortLike(check));
    // Fixed again: the diagnostic goes away.
    expect(await client.change(path, original)).toEqual([]);
    writeFileSync(join(client.root, path), original);
  });

  it('reports a duplicate across files with related information at the first declaration', async () => {
    const path = 'features/card.fsql';
    const original = client.text(path);
    await client.open(path);
    const dup = `${original}\nCREATE FEATURE spend_30d ENTITY user FROM transactions AS SUM(amount) WINDOW 30 DAYS;\n`;
    const ds = await client.change(path, dup);
    writeFileSync(join(client.root, path), dup);
    try {
      // card.fsql comes before user_spend.fsql: the one in user_spend.fsql is the duplicate.
      await new Promise<void>((r) => setTimeout(r, 300));
      const spend = client.diagnostics('features/user_spend.fsql')!;
      expect(ds).toEqual([]);
      expect(spend.map((d) => d.code)).toEqual(['E0202']);
      expect(spend[0]!.relatedInformation).toEqual([{ location: { uri: client.uri(path), range: expect.anything() }, message: 'first defined here' }]);
      expect(rangeText(dup, spend[0]!.relatedInformation![0]!.location.range)).toBe('spend_30d');
      const check = (await checkJson(client.root)).diagnostics;
      expect(sortLike(serverAsCheck(client, FILES))).toEqual(sortLike(check));
    } finally {
      await client.change(path, original);
      writeFileSync(join(client.root, path), original);
    }
  });

  it('hovers a feature with its definition, entity and output; a column with its type; an expression with its type', async () => {
    await client.open('training.fsql');
    const feature = hoverText(await client.request('textDocument/hover', { textDocument: { uri: client.uri('training.fsql') }, position: client.positionOf('training.fsql', 'spend_30d,', 2) }));
    expect(feature).toContain('**feature** `spend_30d` VERSION 1 — entity `user` from `transactions`');
    expect(feature).toContain("AS SUM(amount)\n  WHERE status = 'approved'");
    expect(feature).toContain('- `spend_30d` DOUBLE');
    const path = 'features/user_spend.fsql';
    await client.open(path);
    const column = hoverText(await client.request('textDocument/hover', { textDocument: { uri: client.uri(path) }, position: client.positionOf(path, 'SUM(amount)', 5) }));
    expect(column).toBe('**column** `amount` `DOUBLE` (may be NULL) — of source `transactions`');
    const status = hoverText(await client.request('textDocument/hover', { textDocument: { uri: client.uri(path) }, position: client.positionOf(path, "status = 'approved'", 1) }));
    expect(status).toContain('`status` `TEXT` NOT NULL');
    const sum = hoverText(await client.request('textDocument/hover', { textDocument: { uri: client.uri(path) }, position: client.positionOf(path, 'SUM(amount)', 1) }));
    expect(sum).toBe('expression: `DOUBLE` (may be NULL)');
    const comparison = hoverText(await client.request('textDocument/hover', { textDocument: { uri: client.uri(path) }, position: client.positionOf(path, "status = 'approved'", 7) }));
    expect(comparison).toBe('expression: `BOOLEAN` NOT NULL');
  });

  it('goes to the definition of a feature, a relation, an entity, a label and a column, across files', async () => {
    const def = async (path: string, needle: string, delta = 1, occurrence = 1): Promise<{ file: string; text: string }[]> => {
      const locations = await client.request<Location[]>('textDocument/definition', { textDocument: { uri: client.uri(path) }, position: client.positionOf(path, needle, delta, occurrence) });
      return locations.map((l) => ({ file: fileOf(client, l.uri), text: rangeText(readFileSync(join(client.root, fileOf(client, l.uri)), 'utf8'), l.range) }));
    };
    expect(await def('training.fsql', 'spend_30d,')).toEqual([{ file: 'features/user_spend.fsql', text: 'spend_30d' }]);
    expect(await def('features/user_spend.fsql', 'FROM transactions', 6)).toEqual([{ file: 'sources.fsql', text: 'transactions' }]);
    expect(await def('features/user_spend.fsql', 'ENTITY user', 8)).toEqual([{ file: 'entities.fsql', text: 'user' }]);
    expect(await def('training.fsql', 'LABEL is_fraud', 7, 2)).toEqual([{ file: 'training.fsql', text: 'is_fraud' }]);
    // avg_amount_7d VERSION 2 goes to version 2's statement (line 34), not version 1's.
    const v2 = await client.request<Location[]>('textDocument/definition', { textDocument: { uri: client.uri('training.fsql') }, position: client.positionOf('training.fsql', 'avg_amount_7d VERSION 2', 1) });
    expect(v2.map((l) => [fileOf(client, l.uri), l.range.start.line + 1])).toEqual([['features/user_spend.fsql', 34]]);
    // A column in a feature goes to the source's column; through a view's alias to the view's SELECT item.
    expect(await def('features/user_spend.fsql', 'SUM(amount)', 5)).toEqual([{ file: 'sources.fsql', text: 'amount' }]);
    expect(await def('views.fsql', 'm.category', 3)).toEqual([{ file: 'sources.fsql', text: 'category' }]);
  });

  it('finds every reference of a source across files', async () => {
    const refs = await client.request<Location[]>('textDocument/references', {
      textDocument: { uri: client.uri('sources.fsql') },
      position: client.positionOf('sources.fsql', 'CREATE SOURCE transactions', 15),
      context: { includeDeclaration: true },
    });
    const files = new Set(refs.map((l) => fileOf(client, l.uri)));
    expect([...files].sort()).toEqual(['features/card.fsql', 'features/user_spend.fsql', 'sources.fsql', 'views.fsql']);
    for (const l of refs) expect(rangeText(readFileSync(join(client.root, fileOf(client, l.uri)), 'utf8'), l.range).toLowerCase()).toBe('transactions');
    // Every textual use of the name as a relation: FROM transactions in features and views, and the declaration.
    const expected = FILES.reduce((n, f) => n + (readFileSync(join(client.root, f), 'utf8').match(/(?:FROM|SOURCE) transactions\b/g)?.length ?? 0), 0);
    expect(refs).toHaveLength(expected);
  });

  it('completes statements, clauses, relations, columns, entities, features and versions', async () => {
    const path = 'scratch.fsql';
    const labels = async (text: string): Promise<string[]> => {
      await client.open(path, text);
      const items = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: client.uri(path) }, position: client.positionOf(path, '|') });
      return items.map((i) => i.label);
    };
    expect(await labels('|')).toEqual(['CREATE ENTITY', 'CREATE SOURCE', 'CREATE VIEW', 'CREATE FEATURE', 'CREATE LABEL', 'CREATE TRAINING SET']);
    const relations = await labels('CREATE FEATURE f ENTITY user FROM |');
    expect(relations).toEqual(expect.arrayContaining(['transactions', 'users', 'merchants', 'enriched_transactions', 'user_daily_spend']));
    expect(relations).not.toContain('user');
    expect(await labels('CREATE FEATURE f ENTITY |')).toEqual(['user', 'merchant', 'card']);
    // Where a source's rows come from, and a Kafka source's clause words.
    expect(await labels('CREATE SOURCE s (a TEXT, ts TIMESTAMP) FROM |')).toEqual(['FILE', 'TABLE', 'STREAM', 'KAFKA']);
    expect(await labels('CREATE SOURCE s (a TEXT, ts TIMESTAMP) FROM KAFKA |')).toEqual(['TOPIC']);
    expect(await labels("CREATE SOURCE s (a TEXT, ts TIMESTAMP) FROM KAFKA TOPIC 's' FORMAT |")).toEqual(['JSON']);
    expect(await labels("CREATE SOURCE s (a TEXT, ts TIMESTAMP) FROM FILE 's.csv' FORMAT |")).toEqual(['CSV', 'PARQUET', 'JSONL']);
    const columns = await labels('CREATE FEATURE f ENTITY user FROM users AS |');
    expect(columns.slice(0, 5)).toEqual(['user_id', 'country', 'signup_date', 'age', 'is_premium']);
    // FROM after AS (clauses in any order): the columns of that relation.
    expect((await labels('CREATE FEATURE f ENTITY merchant ON (id) AS | FROM merchants;')).slice(0, 2)).toEqual(['id', 'name']);
    const clauses = await labels('CREATE FEATURE f ENTITY user FROM users AS age |');
    expect(clauses).toEqual(expect.arrayContaining(['WHERE', 'WINDOW', 'TTL', 'FILL', 'SCALE', 'ONE_HOT', 'DESCRIPTION']));
    expect(clauses).not.toContain('ENTITY');
    expect(await labels('CREATE FEATURE f ENTITY user FROM users AS age FILL |')).toEqual(['MEAN', 'MEDIAN', 'MODE', 'ZERO']);
    expect(await labels('CREATE FEATURE f ENTITY user FROM users AS age SCALE |')).toEqual(['STANDARD', 'MINMAX', 'ROBUST', 'LOG']);
    const features = await labels('CREATE TRAINING SET t LABEL is_fraud FEATURES (spend_30d, |');
    expect(features).toEqual(expect.arrayContaining(['spend_30d', 'avg_amount_7d', 'merchant_category', 'card_min_amount_24h']));
    expect(await labels('CREATE TRAINING SET t LABEL is_fraud FEATURES (avg_amount_7d VERSION |')).toEqual(['1', '2']);
    expect(await labels('CREATE TRAINING SET t LABEL |')).toEqual(['is_fraud', 'fraud_loss', 'merchant_terminated']);
    expect(await labels('CREATE FEATURE avg_amount_7d VERSION |')).toEqual(['3']);
    // In a view: the columns of an alias after `alias.`.
    expect((await labels('CREATE VIEW v AS SELECT m.| FROM transactions t JOIN merchants m ON t.merchant_id = m.id;')).slice(0, 3)).toEqual(['id', 'name', 'category']);
    await client.change(path, '');
  });

  it('renames a feature across files, and the project still checks', async () => {
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', {
      textDocument: { uri: client.uri('training.fsql') },
      position: client.positionOf('training.fsql', 'merchant_category,', 3),
      newName: 'merchant_sector',
    });
    const changes = edit.changes!;
    expect(Object.keys(changes).map((u) => fileOf(client, u)).sort()).toEqual(['features/merchant.fsql', 'training.fsql']);
    expect(changes[client.uri('training.fsql')]).toHaveLength(2); // both training sets
    const copy = copyProject(client.root);
    for (const [uri, edits] of Object.entries(changes)) {
      const f = join(copy, fileOf(client, uri));
      writeFileSync(f, applyEdits(readFileSync(f, 'utf8'), edits));
    }
    expect(errors(await checkJson(copy))).toEqual([]);
    expect(readFileSync(join(copy, 'training.fsql'), 'utf8')).toContain('FEATURES (merchant_sector, merchant_chargebacks_30d)');
  });

  it('renames a source column where views and features read it, and the project still checks', async () => {
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', {
      textDocument: { uri: client.uri('sources.fsql') },
      position: client.positionOf('sources.fsql', 'channel     TEXT', 1),
      newName: 'sales_channel',
    });
    const copy = copyProject(client.root);
    for (const [uri, edits] of Object.entries(edit.changes!)) {
      const f = join(copy, fileOf(client, uri));
      writeFileSync(f, applyEdits(readFileSync(f, 'utf8'), edits));
    }
    expect(errors(await checkJson(copy))).toEqual([]);
    const views = readFileSync(join(copy, 'views.fsql'), 'utf8');
    expect(views).toContain('t.sales_channel,');
    expect(views).not.toMatch(/\bchannel\b/);
  });

  it('renames a view', async () => {
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', {
      textDocument: { uri: client.uri('features/user_profile.fsql') },
      position: client.positionOf('features/user_profile.fsql', 'FROM enriched_transactions', 6),
      newName: 'enriched_txns',
    });
    const copy = copyProject(client.root);
    for (const [uri, edits] of Object.entries(edit.changes!)) {
      const f = join(copy, fileOf(client, uri));
      writeFileSync(f, applyEdits(readFileSync(f, 'utf8'), edits));
    }
    expect(errors(await checkJson(copy))).toEqual([]);
    expect(readFileSync(join(copy, 'views.fsql'), 'utf8')).toContain('CREATE VIEW enriched_txns EVENT TIME created_at');
    expect(readFileSync(join(copy, 'features/user_profile.fsql'), 'utf8')).toContain('ENTITY user FROM enriched_txns');
  });

  it('renames a view column declared by a bare `t.amount` with AS, keeping what it reads', async () => {
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', {
      textDocument: { uri: client.uri('features/user_profile.fsql') },
      position: client.positionOf('features/user_profile.fsql', 'SUM(amount)', 5),
      newName: 'txn_amount',
    });
    expect(Object.keys(edit.changes!).map((u) => fileOf(client, u)).sort()).toEqual(['features/user_profile.fsql', 'views.fsql']);
    const copy = copyProject(client.root);
    for (const [uri, edits] of Object.entries(edit.changes!)) {
      const f = join(copy, fileOf(client, uri));
      writeFileSync(f, applyEdits(readFileSync(f, 'utf8'), edits));
    }
    expect(errors(await checkJson(copy))).toEqual([]);
    expect(readFileSync(join(copy, 'views.fsql'), 'utf8')).toContain('  t.amount AS txn_amount,\n');
    expect(readFileSync(join(copy, 'features/user_profile.fsql'), 'utf8')).toContain('AS SUM(txn_amount)\n  WHERE is_cross_border');
    expect(readFileSync(join(copy, 'sources.fsql'), 'utf8')).toBe(readFileSync(join(client.root, 'sources.fsql'), 'utf8'));
  });

  it('formats a document exactly as fsql fmt does', async () => {
    const path = 'features/messy.fsql';
    const messy = "create feature   messy_f entity user from transactions as   count(*) window 7 days;\n-- a comment\ncreate feature messy_g entity user from transactions as max(amount) window 1 day fill 0.0;";
    writeFileSync(join(client.root, path), messy);
    await client.open(path, messy);
    const edits = await client.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri: client.uri(path) }, options: { tabSize: 2, insertSpaces: true } });
    const formatted = applyEdits(messy, edits);
    const copy = copyProject(client.root);
    execFileSync(process.execPath, [...FSQL, 'fmt', path], { cwd: copy });
    expect(formatted).toBe(readFileSync(join(copy, path), 'utf8'));
    expect(formatted).not.toBe(messy);
    // A formatted document needs no edit.
    await client.change(path, formatted);
    expect(await client.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri: client.uri(path) }, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
  });

  it('lists the statements of a file as document symbols, and gives semantic tokens for names', async () => {
    const symbols = await client.request<{ name: string; children: { name: string }[] }[]>('textDocument/documentSymbol', { textDocument: { uri: client.uri('entities.fsql') } });
    expect(symbols.map((s) => [s.name, s.children.map((c) => c.name)])).toEqual([
      ['user', ['user_id']],
      ['merchant', ['merchant_id']],
      ['card', ['card_id']],
    ]);
    const tokens = await client.request<{ data: number[] }>('textDocument/semanticTokens/full', { textDocument: { uri: client.uri('entities.fsql') } });
    // Six names: three entities (type 0, declaration) and three key columns (type 7, declaration).
    const quintuples = [];
    for (let i = 0; i < tokens.data.length; i += 5) quintuples.push(tokens.data.slice(i, i + 5));
    expect(quintuples.map((q) => [q[3], q[4]])).toEqual([
      [0, 1],
      [7, 1],
      [0, 1],
      [7, 1],
      [0, 1],
      [7, 1],
    ]);
  });
});

describe('fsql lsp on projects a user would write', () => {
  const files = {
    'model/entities.fsql': 'CREATE ENTITY "order" KEY ("order id" TEXT);\nCREATE ENTITY customer KEY (customer_id TEXT);\n',
    'model/sources.fsql':
      'CREATE SOURCE orders (\n  "order id" TEXT NOT NULL,\n  customer_id TEXT NOT NULL,\n  date DATE,\n  version INTEGER,\n  window DOUBLE,\n  placed_at TIMESTAMP NOT NULL\n)\n  FROM FILE \'orders.csv\'\n  EVENT TIME placed_at;\n',
    'features/orders.fsql':
      'CREATE FEATURE order_version ENTITY "order" FROM orders AS version;\n\nCREATE FEATURE customer_window_sum ENTITY customer FROM orders AS SUM(window) WINDOW 30 DAYS;\n\nCREATE FEATURE order_day ENTITY "order" FROM orders AS date;\n',
    'training.fsql': 'CREATE LABEL late ENTITY customer FROM orders AS version > 1;\n\nCREATE TRAINING SET t LABEL late FEATURES (customer_window_sum);\n',
  };
  const paths = Object.keys(files);
  let client: Client;
  beforeAll(async () => {
    client = await startClient(writeProject(files));
    await client.settled(paths);
  }, 60000);
  afterAll(() => client.close());

  it('checks clean, like fsql check', async () => {
    expect(errors(await checkJson(client.root))).toEqual([]);
    for (const p of paths) expect(client.diagnostics(p)!.filter((d) => d.severity === 1)).toEqual([]);
  });

  it('resolves keywords used as column names and quoted names across files', async () => {
    const path = 'features/orders.fsql';
    const at = async (needle: string, delta: number, occurrence = 1) =>
      (await client.request<Location[]>('textDocument/definition', { textDocument: { uri: client.uri(path) }, position: client.positionOf(path, needle, delta, occurrence) })).map((l) => [
        fileOf(client, l.uri),
        rangeText(readFileSync(join(client.root, fileOf(client, l.uri)), 'utf8'), l.range),
      ]);
    expect(await at('AS version', 4)).toEqual([['model/sources.fsql', 'version']]);
    expect(await at('SUM(window)', 5)).toEqual([['model/sources.fsql', 'window']]);
    expect(await at('AS date', 4)).toEqual([['model/sources.fsql', 'date']]);
    expect(await at('ENTITY "order"', 8)).toEqual([['model/entities.fsql', '"order"']]);
    const hover = hoverText(await client.request('textDocument/hover', { textDocument: { uri: client.uri(path) }, position: client.positionOf(path, 'AS date', 4) }));
    expect(hover).toBe('**column** `date` `DATE` (may be NULL) — of source `orders`');
  });

  it('completes quoted names with their quotes', async () => {
    const path = 'scratch.fsql';
    await client.open(path, 'CREATE FEATURE x ENTITY "order" FROM orders AS |');
    const items = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: client.uri(path) }, position: client.positionOf(path, '|') });
    const order = items.find((i) => i.label === 'order id')!;
    expect(order.insertText).toBe('"order id"');
    const version = items.find((i) => i.label === 'version')!;
    expect(version.insertText).toBeUndefined();
    await client.change(path, '');
  });

  it('renames a column to a name that needs quotes, and a reserved word; the project still checks', async () => {
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', {
      textDocument: { uri: client.uri('features/orders.fsql') },
      position: client.positionOf('features/orders.fsql', 'SUM(window)', 5),
      newName: 'select',
    });
    const changes = edit.changes!;
    expect(Object.keys(changes).map((u) => fileOf(client, u)).sort()).toEqual(['features/orders.fsql', 'model/sources.fsql']);
    const copy = copyProject(client.root);
    for (const [uri, edits] of Object.entries(changes)) {
      expect(edits.every((e) => e.newText === '"select"')).toBe(true);
      const f = join(copy, fileOf(client, uri));
      writeFileSync(f, applyEdits(readFileSync(f, 'utf8'), edits));
    }
    expect(errors(await checkJson(copy))).toEqual([]);
  });

  it('refuses to rename a column an entity finds by name, saying what to do', async () => {
    await expect(
      client.request('textDocument/rename', {
        textDocument: { uri: client.uri('model/sources.fsql') },
        position: client.positionOf('model/sources.fsql', 'customer_id TEXT', 2),
        newName: 'cust',
      }),
    ).rejects.toThrow(/finds entity `customer`'s key `customer_id` by name in `orders`/);
  });

  it('sees a file created on disk (watched files) and its diagnostics in the other files', async () => {
    const path = 'features/more.fsql';
    writeFileSync(join(client.root, path), 'CREATE FEATURE customer_window_sum ENTITY customer FROM orders AS COUNT(*) WINDOW 7 DAYS;\n');
    const next = client.nextDiagnostics('features/orders.fsql');
    client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: client.uri(path), type: 1 }] });
    const ds = await next;
    // features/more.fsql sorts before features/orders.fsql: the one in orders.fsql is the duplicate.
    expect(ds.map((d) => d.code)).toEqual(['E0202']);
    const check = (await checkJson(client.root)).diagnostics;
    expect(check.map((d) => [d.code, d.file, d.line])).toEqual([['E0202', 'features/orders.fsql', 3]]);
  });
});

describe('fsql lsp hover after apply', () => {
  it('shows the fitted parameters and statistics the registry holds', async () => {
    const dir = copyProject(PAYMENTS);
    cpSync(join(PAYMENTS, 'data'), join(dir, 'data'), { recursive: true });
    execFileSync(process.execPath, [...FSQL, 'apply', '.', '--quiet'], { cwd: dir, stdio: 'pipe' });
    const described = JSON.parse(
      execFileSync(process.execPath, [...FSQL, 'describe', 'avg_amount_7d', '.', '--version', '2', '--format', 'json'], { cwd: dir, encoding: 'utf8' }),
    ) as { fitted_parameters?: { count: number; median: number }; fittedParameters?: { count: number; median: number } };
    const fitted = described.fitted_parameters ?? described.fittedParameters!;
    const client = await startClient(dir);
    try {
      await client.settled(FILES);
      const h = hoverText(
        await client.request('textDocument/hover', { textDocument: { uri: client.uri('training.fsql') }, position: client.positionOf('training.fsql', 'avg_amount_7d VERSION 2', 1) }),
      );
      expect(h).toContain(`**fitted parameters** (over ${fitted.count} values)`);
      expect(h).toContain(`median ${Number.isInteger(fitted.median) ? fitted.median : fitted.median.toPrecision(6).replace(/\.?0+$/, '')}`);
      expect(h).toContain('**statistics**: ');
    } finally {
      await client.close();
    }
  }, 120000);
});
