import { describe, expect, it } from 'vitest';
import { checkText } from '../../src/check/project.js';
import { planMaterialize } from '../../src/plan/build.js';

describe('materialize plans', () => {
  it('give two versions of one feature distinct columns', () => {
    const { catalog, diagnostics } = checkText(`
CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE tx (user_id TEXT NOT NULL, amount DOUBLE, ts TIMESTAMP NOT NULL) FROM STREAM EVENT TIME ts;
CREATE FEATURE spend ENTITY user FROM tx AS SUM(amount) WINDOW 1 DAY;
CREATE FEATURE spend VERSION 2 ENTITY user FROM tx AS SUM(amount) WINDOW 7 DAYS;
CREATE FEATURE n ENTITY user FROM tx AS COUNT(*);`);
    expect(diagnostics).toEqual([]);
    const plan = planMaterialize(catalog, 'user', () => undefined, {
      features: [
        { name: 'spend', version: 1 },
        { name: 'spend', version: 2 },
        { name: 'n', version: 1 },
      ],
    });
    expect(plan.transforms.flatMap((t) => t.outputs.map((o) => o.name))).toEqual(['spend__v1', 'spend__v2', 'n']);
    // By default only the highest version of each feature is served.
    expect(planMaterialize(catalog, 'user', () => undefined).transforms.map((t) => t.outputs[0]!.name)).toEqual(['spend', 'n']);
  });
});
