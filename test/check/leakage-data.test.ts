// The leakage lints that need the data (W0711–W0713, src/runtime/leakage.ts), rendered as `fsql plan`
// and `fsql apply` print them: each with a project and data that trigger it, at its exact line and
// column, and the same project with data (or a definition) that does not. docs/errors.md shows the
// same outputs. Both embedded engines run the COUNT / MIN / MAX queries.
import { describe, expect, it } from 'vitest';
import { checkProject, type ProjectFile } from '../../src/check/project.js';
import { renderDiagnostics } from '../../src/diagnostics/render.js';
import type { EngineTarget, Row } from '../../src/engine/engine.js';
import { openEngine } from '../../src/engine/open.js';
import { loadProject } from '../../src/runtime/run-plan.js';
import { dataLeakageLints, type DataLintOptions } from '../../src/runtime/leakage.js';

const us = (t: string) => Date.parse(`${t.replace(' ', 'T')}Z`) * 1000;

const SCHEMA: ProjectFile = {
  path: 'schema.fsql',
  text: `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE events (user_id TEXT NOT NULL, v DOUBLE, ts TIMESTAMP NOT NULL) FROM TABLE app.events EVENT TIME ts;
CREATE SOURCE lab (user_id TEXT NOT NULL, y DOUBLE, ts TIMESTAMP NOT NULL) FROM TABLE app.lab EVENT TIME ts;
`,
};

/** Events from 2024-01-10 to 2024-01-20 10:00: 250 hours of history at the default fit time (the newest event). */
const EVENTS: Row[] = [
  { user_id: 'u1', v: 1, ts: us('2024-01-10 00:00:00') },
  { user_id: 'u1', v: 2, ts: us('2024-01-15 10:00:00') },
  { user_id: 'u2', v: 2, ts: us('2024-01-20 10:00:00') },
];

const labels = (...times: string[]): Row[] => times.map((t, i) => ({ user_id: i % 2 ? 'u2' : 'u1', y: i, ts: us(t) }));

async function lints(target: EngineTarget, text: string, lab: Row[], options: DataLintOptions = {}): Promise<string> {
  const files = [SCHEMA, { path: 'p.fsql', text }];
  const checked = checkProject(files);
  expect(checked.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const engine = await openEngine(target);
  try {
    await loadProject(engine, checked.catalog, { events: EVENTS, lab });
    const found = await dataLeakageLints(engine, checked, options);
    return renderDiagnostics(found, (p) => files.find((f) => f.path === p)?.text);
  } finally {
    await engine.close();
  }
}

const TRAINING = `CREATE ENTITY customer KEY (user_id TEXT);
CREATE FEATURE s1 ENTITY user FROM events AS SUM(v) WINDOW 1 DAY;
CREATE FEATURE x ENTITY customer FROM events AS COUNT(*);
CREATE FEATURE y_seen ENTITY customer FROM lab AS COUNT(*);
CREATE FEATURE spend_7d ENTITY user FROM events AS SUM(v) WINDOW 7 DAYS FILL MEAN;
CREATE LABEL y ENTITY user FROM lab AS y;
CREATE TRAINING SET t LABEL y FEATURES (s1, spend_7d);
`;

describe.each(['sqlite', 'duckdb'] as const)('data-dependent leakage lints (%s)', (target) => {
  it('W0711: a WINDOW longer than the history at the fit time', async () => {
    expect(await lints(target, 'CREATE FEATURE spend_30d ENTITY user FROM events AS SUM(v) WINDOW 30 DAYS FILL MEAN;\n', [])).toBe(
      [
        'p.fsql:1:67: warning[W0711]: WINDOW 30 DAYS is longer than the 250 HOURS of `events` history at the fit time (2024-01-10 00:00:00 to 2024-01-20 10:00:00): the feature is computed from windows cut short by the start of the data, for the fit and for early labels',
        '  |',
        '1 | CREATE FEATURE spend_30d ENTITY user FROM events AS SUM(v) WINDOW 30 DAYS FILL MEAN;',
        '  |                                                                   ^^^^^^^',
        '  = hint: shorten the WINDOW to at most the history there is, or load older data of `events` (or fit later, with `fsql apply --fit-at` on a new VERSION)',
      ].join('\n'),
    );
    // Not: a window within the history; a TTL too, measured the same way.
    expect(await lints(target, 'CREATE FEATURE spend_7d ENTITY user FROM events AS SUM(v) WINDOW 7 DAYS FILL MEAN;\n', [])).toBe('');
    expect(await lints(target, 'CREATE FEATURE last_v ENTITY user FROM events AS v TTL 3 DAYS;\n', [])).toBe('');
    expect(await lints(target, 'CREATE FEATURE last_v ENTITY user FROM events AS v TTL 11 DAYS;\n', [])).toMatch(/^p\.fsql:1:56: warning\[W0711\]: TTL 11 DAYS is longer than the 250 HOURS/);
    // The fit time registered for the version decides, not the newest event.
    expect(await lints(target, 'CREATE FEATURE spend_7d ENTITY user FROM events AS SUM(v) WINDOW 7 DAYS FILL MEAN;\n', [], { fittedAt: () => us('2024-01-12 00:00:00') })).toMatch(
      /^p\.fsql:1:66: warning\[W0711\]: WINDOW 7 DAYS is longer than the 2 DAYS of `events` history/,
    );
  });

  it('W0712 and W0713: fitted after most label times; label rows before every feature relation starts', async () => {
    const text = TRAINING.split('\n').filter((l) => !/customer/.test(l)).join('\n');
    expect(await lints(target, text, labels('2024-01-01 12:00:00', '2024-01-12 12:00:00', '2024-01-16 12:00:00'))).toBe(
      [
        "p.fsql:4:29: warning[W0713]: 1 of training set `t`'s 3 label rows (33%) are before the first row of any of its features' relations (2024-01-10 00:00:00): their features are all empty",
        '  |',
        '4 | CREATE TRAINING SET t LABEL y FEATURES (s1, spend_7d);',
        '  |                             ^',
        "  = hint: load the features' older data, or leave those labels out (a WHERE on label `y`, e.g. on `ts` >= TIMESTAMP '2024-01-10 00:00:00')",
        '',
        "p.fsql:4:45: warning[W0712]: feature `spend_7d` VERSION 1 is fitted at 2024-01-20 10:00:00, after 100% of training set `t`'s label rows (3 of 3): its fitted statistics come from those labels' future",
        '  |',
        '4 | CREATE TRAINING SET t LABEL y FEATURES (s1, spend_7d);',
        '  |                                             ^^^^^^^^',
        "  = hint: fit a new VERSION before most label times, e.g. `fsql apply --fit-at '<a time before your training labels>'`, or train on labels after 2024-01-20 10:00:00",
      ].join('\n'),
    );
    // Not: labels after the fit and after the first events.
    expect(await lints(target, text, labels('2024-01-21 00:00:00', '2024-01-22 00:00:00', '2024-01-12 00:00:00'))).toBe('');
    // Not W0712 when at most half the label rows are before the fit time (2 of 4 here).
    expect(await lints(target, text, labels('2024-01-11 00:00:00', '2024-01-12 00:00:00', '2024-01-21 00:00:00', '2024-01-22 00:00:00'))).toBe('');
    // A label's WHERE decides which rows count: only the late ones are label rows here.
    expect(await lints(target, text.replace('AS y;', 'AS y WHERE ts > TIMESTAMP \'2024-01-20 12:00:00\';'), labels('2024-01-01 12:00:00', '2024-01-21 00:00:00'))).toBe('');
  });
});
