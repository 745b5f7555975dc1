// Leakage warnings through the commands: `fsql apply` and `fsql plan` print the checker's warnings and
// those the offline data shows (W07xx, docs/errors.md); `--deny-warnings` makes them fail check, plan
// and apply (apply refuses a project whose files warn before changing anything).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsql, tempDir, writeFiles } from '../runtime/support.js';

const PROJECT = `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE ev (user_id TEXT NOT NULL, v DOUBLE, ts TIMESTAMP NOT NULL) FROM FILE 'data/ev.csv' EVENT TIME ts;
CREATE SOURCE lab (user_id TEXT NOT NULL, y DOUBLE, ts TIMESTAMP NOT NULL) FROM FILE 'data/lab.csv' EVENT TIME ts;
CREATE FEATURE s30 ENTITY user FROM ev AS SUM(v) WINDOW 30 DAYS FILL MEAN;
CREATE LABEL y ENTITY user FROM lab AS y;
CREATE TRAINING SET t LABEL y FEATURES (s30);
`;

const DATA = {
  'data/ev.csv': 'user_id,v,ts\nu1,1,2024-01-10 00:00:00\nu1,2,2024-01-15 10:00:00\nu2,2,2024-01-20 10:00:00\n',
  'data/lab.csv': 'user_id,y,ts\nu1,1,2024-01-01 12:00:00\nu1,1,2024-01-12 12:00:00\nu2,0,2024-01-16 12:00:00\n',
};

describe('leakage warnings in apply and plan', () => {
  it('apply and plan print the data-dependent warnings; --deny-warnings fails them', async () => {
    const { dir, cleanup } = tempDir('fsql-leakage-');
    try {
      writeFiles(dir, { 'p.fsql': PROJECT, ...DATA });
      const applied = await fsql('apply', dir, '-q');
      expect(applied.code).toBe(0);
      const codes = (text: string) => [...text.matchAll(/^(\S+:\d+:\d+): warning\[(W\d+)\]/gm)].map((m) => `${m[2]} ${m[1]!.slice(dir.length + 1)}`);
      const expected = ['W0711 p.fsql:4:57', 'W0713 p.fsql:6:29', 'W0712 p.fsql:6:41'];
      expect(codes(applied.stderr)).toEqual(expected);
      const plan = await fsql('plan', dir);
      expect(plan.code).toBe(0);
      expect(codes(plan.stderr)).toEqual(expected);
      const denied = await fsql('plan', dir, '--deny-warnings');
      expect(denied.code).toBe(1);
      expect(denied.stderr).toContain('3 warnings, and --deny-warnings fails the plan');
      expect((await fsql('check', dir, '--deny-warnings')).code).toBe(0); // the files alone do not warn
      const again = await fsql('apply', dir, '-q', '--deny-warnings');
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('3 warnings, and --deny-warnings fails the apply (it was applied)');
    } finally {
      cleanup();
    }
  }, 60_000);

  it('apply --deny-warnings refuses a project whose files warn, and changes nothing', async () => {
    const { dir, cleanup } = tempDir('fsql-leakage-');
    try {
      // W0701: s reads the label's own column from the label's relation.
      writeFiles(dir, {
        'p.fsql': PROJECT.replace('FROM ev AS SUM(v) WINDOW 30 DAYS FILL MEAN', 'FROM lab AS SUM(y) WINDOW 30 DAYS'),
        ...DATA,
      });
      const check = await fsql('check', dir, '--deny-warnings');
      expect(check.code).toBe(1);
      expect(check.stderr).toMatch(/p\.fsql:6:41: warning\[W0701\]/);
      const refused = await fsql('apply', dir, '--deny-warnings');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/warning\[W0701\]/);
      expect(refused.stderr).toContain('1 warning, and --deny-warnings refuses to apply: nothing was changed');
      expect(existsSync(join(dir, '.fsql'))).toBe(false);
    } finally {
      cleanup();
    }
  }, 60_000);
});
