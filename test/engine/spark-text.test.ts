/**
 * The text handling of the Spark engine that needs no server: statements
 * split at top-level `;`, DELETE / UPDATE taken apart for the table rewrite
 * Spark's file tables need, `sc://` URLs, and the server's error text made
 * readable. (The engine itself runs in the integration tier:
 * test/conformance/spark.integration.ts.)
 */
import { describe, expect, it } from 'vitest';
import { cleanSparkMessage, parseSparkUrl } from '../../src/engine/spark/client.js';
import { rowRewrite, splitStatements } from '../../src/engine/spark.js';

describe('splitStatements', () => {
  it('splits at semicolons outside quotes, backticks and comments', () => {
    expect(splitStatements("CREATE TABLE a (x STRING);\n INSERT INTO a VALUES ('a;b'); -- c;d\nSELECT `x;y` FROM a;")).toEqual(["CREATE TABLE a (x STRING)", "INSERT INTO a VALUES ('a;b')", '-- c;d\nSELECT `x;y` FROM a']);
    expect(splitStatements("SELECT 'it\\'s;' AS s; /* ; */ SELECT 2")).toEqual(["SELECT 'it\\'s;' AS s", '/* ; */ SELECT 2']);
    expect(splitStatements(' ; ;')).toEqual([]);
  });
});

describe('rowRewrite', () => {
  it('takes DELETE and UPDATE apart', () => {
    expect(rowRewrite('DELETE FROM "__fsql_views"')).toEqual({ kind: 'delete', table: ['__fsql_views'], where: undefined });
    expect(rowRewrite(`DELETE FROM "fsql"."__fsql_loads" WHERE source = 'a b'`)).toEqual({ kind: 'delete', table: ['fsql', '__fsql_loads'], where: "source = 'a b'" });
    expect(rowRewrite(`UPDATE "t" SET columns = '[1, 2]', n = f(a, b) WHERE source = 'x'`)).toEqual({
      kind: 'update',
      table: ['t'],
      set: [
        { column: 'columns', value: "'[1, 2]'" },
        { column: 'n', value: 'f(a, b)' },
      ],
      where: "source = 'x'",
    });
    expect(rowRewrite('UPDATE `a``b` SET x = x + 1')).toEqual({ kind: 'update', table: ['a`b'], set: [{ column: 'x', value: 'x + 1' }], where: undefined });
  });

  it('leaves every other statement alone', () => {
    expect(rowRewrite('SELECT * FROM t')).toBeUndefined();
    expect(rowRewrite('INSERT INTO t VALUES (1)')).toBeUndefined();
    expect(rowRewrite('CREATE TABLE deleted (x BIGINT)')).toBeUndefined();
  });
});

describe('parseSparkUrl', () => {
  it('reads sc://host:port and its parameters', () => {
    expect(parseSparkUrl('sc://127.0.0.1:55002')).toEqual({ host: '127.0.0.1', port: 55002, params: {} });
    expect(parseSparkUrl('sc://spark.example/;user_id=ana;use_ssl=true')).toEqual({ host: 'spark.example', port: 15002, params: { user_id: 'ana', use_ssl: 'true' } });
    expect(() => parseSparkUrl('postgres://x')).toThrow(/not a Spark Connect URL/);
  });
});

describe('cleanSparkMessage', () => {
  it('keeps the message and its error class, drops the plan and the JVM stack trace', () => {
    const details = [
      '[TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found. SQLSTATE: 42P01; line 1 pos 14;',
      "'Project [*]",
      "+- 'UnresolvedRelation [nope], [], false",
      '',
      'JVM stacktrace:',
      'org.apache.spark.sql.catalyst.ExtendedAnalysisException: …',
      '\tat org.apache.spark.sql.catalyst.analysis.package$AnalysisErrorAt.tableNotFound(package.scala:91)',
    ].join('\n');
    expect(cleanSparkMessage(details)).toEqual({ message: '[TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found. SQLSTATE: 42P01; line 1 pos 14;', errorClass: 'TABLE_OR_VIEW_NOT_FOUND' });
    expect(cleanSparkMessage('org.apache.spark.SparkException: something broke\n\tat x.y(Z.java:1)')).toEqual({ message: 'something broke' });
  });
});
