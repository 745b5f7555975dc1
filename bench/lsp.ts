/**
 * The `lsp` workload: how long a keystroke in a large project takes to get
 * its diagnostics from `fsql lsp`, against a full check of the same project
 * in the same run.
 *
 * A generated project (generate-project.ts) is written to a temporary folder
 * and `fsql lsp` is started on it as an editor would (a child process, JSON-RPC
 * over stdio). The largest file (1,000 feature statements) is opened, then
 * typed into: each keystroke is an incremental `didChange` of one character
 * (a word typed into a DESCRIPTION, then deleted), at the top, the middle and
 * the end of the file. A keystroke's latency is from sending the change to
 * receiving the diagnostics of that version. The full check is
 * `checkProject` on every file (parse and check), in this process.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { checkProject } from '../src/check/project.js';
import { generateProject } from './generate-project.js';

interface Runner {
  <T>(workload: string, args: Record<string, string>): Promise<{ result: T }>;
}

export interface LspResult {
  readonly features: number;
  readonly fileBytes: number;
  readonly keystrokes: number;
  /** Keystroke → diagnostics, ms, per place in the file. */
  readonly keystroke: { readonly where: string; readonly p50: number; readonly p90: number }[];
  readonly keystrokeP50: number;
  readonly keystrokeP90: number;
  /** `checkProject` of every file, ms (median). */
  readonly fullCheck: number;
  readonly ratio: number;
}

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

export async function measureLsp(args: Record<string, string>): Promise<LspResult> {
  const features = Number(args['features'] ?? '1000');
  const perPlace = Number(args['keystrokes'] ?? '40');
  const project = generateProject(features);
  const dir = mkdtempSync(join(tmpdir(), 'fsql-bench-lsp-'));
  for (const f of project.files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.text);
  }
  // The CLI next to this file: compiled (bench/results/.build/src/cli/bin.js) or the sources under tsx.
  const here = dirname(fileURLToPath(import.meta.url));
  const compiled = import.meta.url.endsWith('.js');
  const bin = join(here, '..', 'src', 'cli', compiled ? 'bin.js' : 'bin.ts');
  const child = spawn(process.execPath, [...(compiled ? [] : ['--import', 'tsx']), bin, 'lsp'], { cwd: dir, stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const waiting = new Map<string, (version: number | undefined) => void>();
  connection.onNotification('textDocument/publishDiagnostics', (p: { uri: string; version?: number }) => {
    const w = waiting.get(`${p.uri}@${p.version}`);
    if (w) {
      waiting.delete(`${p.uri}@${p.version}`);
      w(p.version);
    }
  });
  connection.onRequest('client/registerCapability', () => null);
  connection.listen();
  const root = pathToFileURL(dir).href;
  await connection.sendRequest('initialize', { processId: process.pid, rootUri: root, workspaceFolders: [{ uri: root, name: 'bench' }], capabilities: {} });
  connection.sendNotification('initialized', {});

  const big = project.files.reduce((a, b) => (b.text.length > a.text.length ? b : a));
  const uri = pathToFileURL(join(dir, big.path)).href;
  let version = 1;
  let text = big.text;
  const diagnosed = (v: number): Promise<unknown> => new Promise((resolve) => waiting.set(`${uri}@${v}`, resolve));
  const opened = diagnosed(version);
  connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'fsql', version, text } });
  await opened;
  void opened;

  const positionOf = (offset: number) => {
    const before = text.slice(0, offset);
    const line = before.split('\n').length - 1;
    return { line, character: offset - (before.lastIndexOf('\n') + 1) };
  };
  /** One keystroke at `offset`: insert `ch`, or delete one character when ch is ''; resolves with the latency. */
  const keystroke = async (offset: number, ch: string): Promise<number> => {
    const start = positionOf(offset);
    const end = ch === '' ? positionOf(offset + 1) : start;
    text = text.slice(0, offset) + ch + text.slice(ch === '' ? offset + 1 : offset);
    version++;
    const done = diagnosed(version);
    const t0 = performance.now();
    connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: { start, end }, text: ch }] });
    await done;
    return performance.now() - t0;
  };
  /** Types a word into the DESCRIPTION nearest to a place in the file, then deletes it. */
  const typeAt = async (fraction: number, count: number): Promise<number[]> => {
    const at = text.indexOf("DESCRIPTION '", Math.floor(fraction * text.length));
    const offset = (at < 0 ? text.lastIndexOf("DESCRIPTION '") : at) + "DESCRIPTION '".length;
    const word = 'keystroke latency ';
    const times: number[] = [];
    for (let i = 0; times.length < count; i++) {
      const n = i % (2 * word.length);
      times.push(n < word.length ? await keystroke(offset + n, word[n]!) : await keystroke(offset + (2 * word.length - n - 1), ''));
    }
    return times;
  };

  await typeAt(0.5, 20); // warm-up
  const places = [
    { where: 'top', fraction: 0.02 },
    { where: 'middle', fraction: 0.5 },
    { where: 'end', fraction: 0.98 },
  ];
  const keystroke_ = [];
  const all: number[] = [];
  for (const p of places) {
    const times = await typeAt(p.fraction, perPlace);
    all.push(...times);
    keystroke_.push({ where: p.where, p50: quantile(times, 0.5), p90: quantile(times, 0.9) });
  }
  await connection.sendRequest('shutdown');
  connection.sendNotification('exit');
  await new Promise((r) => child.on('exit', r));
  connection.dispose();
  rmSync(dir, { recursive: true, force: true });

  const checks: number[] = [];
  for (let i = 0; i < 3; i++) checkProject(project.files);
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    checkProject(project.files);
    checks.push(performance.now() - t0);
  }
  const fullCheck = quantile(checks, 0.5);
  const p50 = quantile(all, 0.5);
  return {
    features,
    fileBytes: big.text.length,
    keystrokes: all.length,
    keystroke: keystroke_,
    keystrokeP50: p50,
    keystrokeP90: quantile(all, 0.9),
    fullCheck,
    ratio: p50 / fullCheck,
  };
}

export async function runLspWorkload(options: { readonly quick?: boolean }, run: Runner): Promise<LspResult> {
  const { result } = await run<LspResult>('lsp', { features: '1000', keystrokes: options.quick ? '20' : '60' });
  const f = (x: number) => x.toFixed(1);
  console.log(`project: ${result.features} features; the file typed into: ${(result.fileBytes / 1024).toFixed(0)} KiB, ${result.keystrokes} keystrokes`);
  console.log('where     keystroke → diagnostics p50 / p90 (ms)');
  for (const k of result.keystroke) console.log(`${k.where.padEnd(9)} ${f(k.p50).padStart(8)} / ${f(k.p90)}`);
  console.log(`all       ${f(result.keystrokeP50).padStart(8)} / ${f(result.keystrokeP90)}`);
  console.log(`full check (parse + check of every file): ${f(result.fullCheck)} ms; keystroke p50 ÷ full check = ${result.ratio.toFixed(2)}`);
  console.log(`target: keystroke p50 under 50 ms — ${result.keystrokeP50 < 50 ? 'met' : 'NOT met'}`);
  return result;
}
