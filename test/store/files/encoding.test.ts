// Text files must be UTF-8 and JSON strings Unicode text: a byte that is not
// UTF-8, or a lone UTF-16 surrogate (`"\ud800"`), is refused with its line —
// never stored as U+FFFD, a value other than the file's. JSON numbers and
// booleans are not TEXT (their literal text is gone after JSON.parse).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import '../../support/fast-check-seed.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnInfo, ScalarType } from '../../../src/check/catalog.js';
import { readEventsFile } from '../../../src/cli/runtime-commands.js';
import { readSourceFile } from '../../../src/store/files/read.js';
import { firstInvalidUtf8, InvalidUtf8, Utf8Check, utf8Problem } from '../../../src/store/files/utf8.js';
import { BadValue, parseJson } from '../../../src/store/files/values.js';

const col = (name: string, type: ScalarType, nullable = true): ColumnInfo => ({ name, type, nullable });

let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fsql-encoding-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(bytes: Buffer, ext: string): string {
  const path = join(dir, `f${++n}.${ext}`);
  writeFileSync(path, bytes);
  return path;
}

/** Bytes: text parts as UTF-8, numbers as raw bytes. */
const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

/** Whether a byte sequence is UTF-8, by the standard's own decoder (the independent judge). */
function decodes(b: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

describe('UTF-8 validation', () => {
  it('firstInvalidUtf8 agrees with a fatal TextDecoder, and the prefix before the bad byte decodes', () => {
    // Bytes biased towards the interesting ones: lead bytes, continuations, overlongs, surrogates, > U+10FFFF.
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x41, 0x0a, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xa0, 0xef, 0xf0, 0xf4, 0x90, 0xf5, 0xff));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 24 }), (arr) => {
        const b = Uint8Array.from(arr);
        const at = firstInvalidUtf8(b);
        expect(at === -1).toBe(decodes(b));
        if (at >= 0) expect(decodes(b.subarray(0, at))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('Utf8Check passes UTF-8 through whatever the chunking, and stops at the first bad byte with its line', async () => {
    const text = 'a,b\n€1,😀\nå,ü\n';
    const good = Buffer.from(text, 'utf8');
    const run = async (data: Buffer, cuts: number[]) => {
      const source = new PassThrough();
      const check = new Utf8Check();
      const out: Buffer[] = [];
      check.on('data', (c: Buffer) => out.push(c));
      const done = new Promise<Buffer | InvalidUtf8>((resolve) => {
        check.on('end', () => resolve(Buffer.concat(out)));
        check.on('error', (e) => resolve(e as InvalidUtf8));
      });
      source.pipe(check);
      let from = 0;
      for (const c of [...cuts.filter((x) => x > 0 && x < data.length).sort((x, y) => x - y), data.length]) {
        source.write(data.subarray(from, c));
        from = c;
      }
      source.end();
      return done;
    };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: good.length }), { maxLength: 6 }), async (cuts) => {
        expect(await run(good, cuts)).toEqual(good);
        // A 0xff in line 3, and a character cut short at the end of the file.
        const bad = await run(bytes('a,b\n€1,😀\n', [0xff], 'x\n'), cuts);
        expect(bad).toBeInstanceOf(InvalidUtf8);
        expect([(bad as InvalidUtf8).line, (bad as InvalidUtf8).byte]).toEqual([3, Buffer.from('a,b\n€1,😀\n').length + 1]);
        const cut = await run(bytes('a\n€', [0xe2, 0x82]), cuts);
        expect([(cut as InvalidUtf8).line, (cut as InvalidUtf8).value]).toEqual([2, undefined]);
      }),
      { numRuns: 200 },
    );
    expect(utf8Problem(good)).toBeUndefined();
    expect(utf8Problem(bytes('x\ny', [0xc3, 0x28]))).toMatchObject({ line: 2, byte: 4, value: 0xc3 });
  });

  it('a CSV file with a byte that is not UTF-8 is refused with its line (not read as U+FFFD)', async () => {
    const path = file(bytes('user_id,name\nu1,ok\nu2,caf', [0xe9], '\nu3,fine\n'), 'csv');
    const result = await readSourceFile(path, 'CSV', [col('user_id', 'TEXT'), col('name', 'TEXT')]);
    expect('errors' in result && result.errors).toEqual([{ file: path, line: 3, reason: expect.stringMatching(/^the file is not valid UTF-8: byte 26 \(0xe9\) on line 3/) }]);
  });

  it('a JSONL file with a byte that is not UTF-8 is refused with its line', async () => {
    const path = file(bytes('{"s": "a"}\n{"s": "b', [0xc0, 0xaf], '"}\n'), 'jsonl');
    const result = await readSourceFile(path, 'JSONL', [col('s', 'TEXT')]);
    expect('errors' in result && result.errors).toEqual([{ file: path, line: 2, reason: expect.stringMatching(/^the file is not valid UTF-8: byte 20 \(0xc0\) on line 2/) }]);
  });

  it('valid multi-byte text across the 1 MiB read chunks is read as written', async () => {
    const line = 'ü€😀'.repeat(1000);
    const rows = Array.from({ length: 200 }, (_, i) => ({ s: `${i}${line}` }));
    const path = file(Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n'), 'utf8'), 'jsonl');
    const result = await readSourceFile(path, 'JSONL', [col('s', 'TEXT')]);
    expect('rows' in result && result.rows).toEqual(rows);
    const csv = file(Buffer.from(`s\n${rows.map((r) => r.s).join('\n')}\n`, 'utf8'), 'csv');
    const fromCsv = await readSourceFile(csv, 'CSV', [col('s', 'TEXT')]);
    expect('rows' in fromCsv && fromCsv.rows).toEqual(rows);
  });

  it('a JSON string with a lone surrogate is refused for every type, in JSONL with its row and line', async () => {
    for (const type of ['TEXT', 'INTEGER', 'DATE'] as const) {
      const v = parseJson(type, 'a\ud800b');
      expect(v).toBeInstanceOf(BadValue);
      expect((v as BadValue).reason).toBe("'a\\ud800b' holds a lone UTF-16 surrogate (an unpaired \\uD800–\\uDFFF escape): not Unicode text");
    }
    // A pair is one character, and fine.
    expect(parseJson('TEXT', '\ud83d\ude00')).toBe('😀');
    const path = file(Buffer.from('{"s": "ok"}\n{"s": "\\udc00x"}\n', 'utf8'), 'jsonl');
    const result = await readSourceFile(path, 'JSONL', [col('s', 'TEXT')]);
    expect('errors' in result && result.errors).toEqual([{ file: path, row: 2, line: 2, column: 's', reason: expect.stringContaining('lone UTF-16 surrogate') }]);
  });
});

describe('fsql ingest FILE', () => {
  it('refuses an events file that is not UTF-8, with its line, before anything is stored', () => {
    const path = file(bytes('{"s": "a"}\n{"s": "', [0xff, 0xfe], '"}\n'), 'jsonl');
    expect(readEventsFile(path)).toEqual({ error: `${path}: line 2: the file is not valid UTF-8: byte 19 (0xff) on line 2 — save the file as UTF-8; nothing was stored` });
    const good = file(bytes('\uFEFF{"s": "ü"}\n'), 'jsonl');
    expect(readEventsFile(good)).toEqual({ records: [{ s: 'ü' }], lines: [1] });
  });
});

describe('JSON values for TEXT', () => {
  it('refuses numbers and booleans (12345678901234567891 and …92 would be one key), keeps strings as written', () => {
    for (const v of [12345678901234567891, 12345678901234567892, 1.5, 0, true, false]) {
      expect(parseJson('TEXT', v)).toBeInstanceOf(BadValue);
    }
    expect(parseJson('TEXT', '12345678901234567891')).toBe('12345678901234567891');
    expect(parseJson('TEXT', '1.50')).toBe('1.50');
    // INTEGER keeps reading digits given as a string, and numbers.
    expect(parseJson('INTEGER', '42')).toBe(42);
    expect(parseJson('INTEGER', 42)).toBe(42);
  });
});
