import { describe, expect, it } from 'vitest';
import { checkText } from '../../src/check/project.js';

const BASE = `
CREATE ENTITY customer KEY (customer_id TEXT);
CREATE ENTITY customer_merchant KEY (customer_id TEXT, merchant_id TEXT);
CREATE SOURCE tx (customer_id TEXT NOT NULL, merchant_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE SOURCE lab (customer_id TEXT NOT NULL, buyer TEXT, merchant_id TEXT, ts TIMESTAMP NOT NULL, y BOOLEAN) FROM STREAM EVENT TIME ts;
CREATE FEATURE c_sum ENTITY customer FROM tx AS SUM(amount) WINDOW 7 DAYS;
CREATE FEATURE cm_cnt ENTITY customer_merchant FROM tx AS COUNT(*) WINDOW 7 DAYS;
`;

describe('training-set key columns', () => {
  it('entities whose keys share a name share the column when they read the same label column', () => {
    const r = checkText(`${BASE}
CREATE LABEL y ENTITY customer FROM lab AS y;
CREATE TRAINING SET t LABEL y FEATURES (c_sum, cm_cnt);`);
    expect(r.diagnostics).toEqual([]);
    expect(r.catalog.trainingSets['t']![0]!.features.map((f) => f.labelColumns)).toEqual([['customer_id'], ['customer_id', 'merchant_id']]);
  });

  it('is a collision when the label reads its key from another column (ON)', () => {
    const r = checkText(`${BASE}
CREATE LABEL y ENTITY customer ON (buyer) FROM lab AS y;
CREATE TRAINING SET t LABEL y FEATURES (c_sum, cm_cnt);`);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['E0604']);
    expect(r.diagnostics[0]!.message).toBe(
      'training set `t` would have two columns named `customer_id`: the key of entity `customer` (from `buyer`) and the key of entity `customer_merchant`',
    );
  });
});
