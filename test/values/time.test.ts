/**
 * Dates and times are converted between text and epoch days / microseconds in
 * one place (src/values/time.ts). Every expected value here is computed
 * independently: by JavaScript's Date set through setUTCFullYear (which has
 * no two-digit-year mapping), never by the module under test.
 */
import fc from 'fast-check';
import '../support/fast-check-seed.js';
import { describe, expect, it } from 'vitest';
import { checkText } from '../../src/check/project.js';
import { openEngine } from '../../src/engine/open.js';
import { parseDate, parseTimestamp } from '../../src/store/files/values.js';
import { planView } from '../../src/plan/build.js';
import { targetNames, type TargetName } from '../../src/sql/dialect.js';
import { dialectFor } from '../../src/sql/dialects/index.js';
import { lowerView } from '../../src/sql/lower-plan.js';
import { SqlPrinter } from '../../src/sql/print.js';
import { parseDateLiteral, parseTimestampLiteral } from '../../src/syntax/time-literals.js';
import { civilDays, dateText, MICROS_PER_DAY, parseDateText, parseTimestampText, timestampText } from '../../src/values/time.js';

const MS_PER_DAY = 86_400_000;

/** Epoch days of (y, m, d) by JavaScript's Date, with the year set exactly (no 0–99 → 1900s mapping). */
function dateDays(y: number, m: number, d: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  date.setUTCHours(0, 0, 0, 0);
  return date.getTime() / MS_PER_DAY;
}

/** `YYYY-MM-DD` of epoch days, by JavaScript's Date (years 0–9999). */
function dateOf(days: number): string {
  const date = new Date(days * MS_PER_DAY);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** Whether (y, m, d) is a real day, by JavaScript's Date. */
function realDay(y: number, m: number, d: number): boolean {
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

const FIRST = dateDays(0, 1, 1); // 0000-01-01
const LAST = dateDays(9999, 12, 31);
const aDay = fc.integer({ min: FIRST, max: LAST });

describe('days ↔ civil dates', () => {
  it('worked examples', () => {
    expect(parseDateText('1970-01-01')).toBe(0);
    expect(parseDateText('2000-03-01')).toBe(11_017);
    expect(parseDateText('0050-01-01')).toBe(-701_265);
    expect(dateText(-701_265)).toBe('0050-01-01');
    expect(parseDateText('0000-02-29')).toBe(-719_469); // year 0 is a leap year (proleptic Gregorian)
    expect(parseDateText('1900-02-29')).toBeUndefined();
    expect(parseDateText('2024-02-31')).toBeUndefined();
    expect(parseTimestampText('0001-01-01 00:00:00.5')).toBe(-719_162 * MICROS_PER_DAY + 500_000);
    expect(timestampText(-1)).toBe('1969-12-31 23:59:59.999999');
    expect(timestampText(1_500_000, 'T', 'six')).toBe('1970-01-01T00:00:01.500000');
  });

  it('every day of years 0000–9999: text → days → text round-trips and agrees with Date', () => {
    fc.assert(
      fc.property(aDay, (days) => {
        const text = dateText(days);
        expect(text).toBe(dateOf(days));
        expect(parseDateText(text)).toBe(days);
        const [y, m, d] = text.split('-').map(Number) as [number, number, number];
        expect(civilDays(y, m, d)).toBe(days);
        // The language's literals and the data files read the same text to the same day.
        expect(parseDateLiteral(text)).toBe(text);
        expect(parseDate(text)).toBe(days);
      }),
      { numRuns: 3000 },
    );
  });

  it('timestamps: text → micros → text round-trips and agrees with Date', () => {
    fc.assert(
      fc.property(aDay, fc.integer({ min: 0, max: MICROS_PER_DAY - 1 }), (days, inDay) => {
        const micros = days * MICROS_PER_DAY + inDay;
        const text = timestampText(micros);
        const ms = Math.floor(micros / 1000);
        const iso = new Date(ms).toISOString(); // ±YYYYYY for years outside 0–9999 does not happen here
        expect(text.slice(0, 19)).toBe(`${iso.slice(0, 10)} ${iso.slice(11, 19)}`);
        expect(parseTimestampText(text)).toBe(micros);
        if (Number.isSafeInteger(micros)) expect(parseTimestamp(text)).toBe(micros);
        expect(parseTimestampLiteral(text)).toBe(text);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses the days no calendar has, as Date does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }), (y, m, d) => {
        const text = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
        const real = realDay(y, m, d);
        expect(parseDateText(text) !== undefined).toBe(real);
        expect(parseDateLiteral(text) !== undefined).toBe(real);
        expect(civilDays(y, m, d) !== undefined).toBe(real);
        if (real) expect(parseDateText(text)).toBe(dateDays(y, m, d));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('DATE and TIMESTAMP literals in compiled SQL', () => {
  const project = `CREATE SOURCE s (d DATE, t TIMESTAMP) FROM TABLE s;
CREATE VIEW v AS SELECT d, t, DATE '0050-01-01' AS early, TIMESTAMP '0099-12-31 23:59:59.5' AS late FROM s WHERE d >= DATE '0050-01-01';
`;

  function viewSql(target: TargetName): string {
    const r = checkText(project, 'dates.fsql');
    expect(r.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
    return new SqlPrinter(dialectFor(target)).statement(lowerView(planView(r.catalog, 'v')));
  }

  it.each(targetNames.filter((t) => t !== 'sqlite'))('%s prints DATE 0050-01-01 and TIMESTAMP 0099-12-31', (target) => {
    const sql = viewSql(target);
    expect(sql).toContain(`'0050-01-01'`);
    expect(sql).toContain(`'0099-12-31 23:59:59.500000'`);
    expect(sql).not.toContain('1950');
    expect(sql).not.toContain('1999');
  });

  it('sqlite writes the epoch days of 0050-01-01, which SQLite itself reads back as 0050-01-01', async () => {
    const sql = viewSql('sqlite');
    expect(sql).toContain(String(dateDays(50, 1, 1)));
    const engine = await openEngine('sqlite');
    try {
      const rows = await engine.query(`SELECT date(${dateDays(50, 1, 1)} * 86400, 'unixepoch') AS d`);
      expect(rows[0]!['d']).toBe('0050-01-01');
    } finally {
      await engine.close();
    }
  });

  it('duckdb reads its DATE literal as the day of 0050-01-01', async () => {
    const engine = await openEngine('duckdb');
    try {
      await engine.createTable('s', [
        { name: 'd', type: 'DATE', nullable: true },
        { name: 't', type: 'TIMESTAMP', nullable: true },
      ]);
      await engine.insertRows('s', [{ name: 'd', type: 'DATE', nullable: true }, { name: 't', type: 'TIMESTAMP', nullable: true }], [{ d: dateDays(60, 1, 1), t: 0 }]);
      await engine.execute(viewSql('duckdb'));
      const rows = await engine.query('SELECT early, late FROM v', [
        { name: 'early', type: 'DATE' },
        { name: 'late', type: 'TIMESTAMP' },
      ]);
      expect(rows).toEqual([{ early: dateDays(50, 1, 1), late: dateDays(99, 12, 31) * MICROS_PER_DAY + 86_399_500_000 }]);
    } finally {
      await engine.close();
    }
  });
});
