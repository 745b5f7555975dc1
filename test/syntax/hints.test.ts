import { describe, expect, it } from 'vitest';
import { parseFile } from '../../src/syntax/parse.js';

const hintOf = (text: string) => {
  const d = parseFile(text, 'x.fsql').diagnostics;
  expect(d.map((x) => x.code)).toEqual(['E0103']);
  return d[0]!.hint;
};

describe('syntax hints for clauses written in another order', () => {
  it('EVENT TIME before FROM in a source', () => {
    expect(hintOf("CREATE SOURCE s (a TEXT, ts TIMESTAMP NOT NULL) EVENT TIME ts FROM FILE 'x.csv';")).toBe(
      'FROM comes right after the columns: CREATE SOURCE name (columns) FROM FILE … | TABLE … | STREAM | KAFKA TOPIC …, then EVENT TIME and the rest',
    );
  });
  it('FROM before ENTITY in a feature or label', () => {
    expect(hintOf('CREATE FEATURE f FROM t ENTITY user AS a;')).toBe('name the entity before the relation: … ENTITY entity FROM relation AS …');
    expect(hintOf('CREATE LABEL y FROM t ENTITY user AS a;')).toBe('name the entity before the relation: … ENTITY entity FROM relation AS …');
  });
  it('FEATURES before LABEL in a training set', () => {
    expect(hintOf('CREATE TRAINING SET t FEATURES (a) LABEL y;')).toBe('a training set names its label first: CREATE TRAINING SET name LABEL label FEATURES (…)');
  });
  it('an INTERVAL literal as a duration', () => {
    expect(hintOf("CREATE FEATURE f ENTITY user FROM t AS COUNT(*) WINDOW INTERVAL '7 days';")).toBe('durations are written without INTERVAL, like `7 DAYS` or `12 HOURS`');
  });
});
