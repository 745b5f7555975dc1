/**
 * Memory of a training set streamed over HTTP (`POST /v1/training-sets/{name}`):
 * a generated project with N label rows (default 1M; `--rows 5000000` for the
 * issue's 5M) is applied, served by `fsql serve` in its own process, and the
 * set is read as Arrow IPC by a client that reads as fast as it can (`--slow`:
 * one that pauses, so the server must wait on backpressure). The server's
 * resident memory (VmRSS, sampled every 50 ms) is reported before and at its
 * peak during the stream, next to the bytes of the set: a server that held the
 * set would grow by a multiple of them; a streaming one by a small constant.
 *
 *   npx tsx bench/training-stream.ts [--rows N] [--slow] [--engine sqlite|duckdb]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** tsx's loader by URL: the project runs in a temporary folder, where `tsx` does not resolve. */
const TSX = new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : dflt;
};
const ROWS = Number(opt('--rows', '1000000'));
const ENGINE = opt('--engine', 'sqlite');
const SLOW = args.includes('--slow');
const USERS = 50_000;

const rss = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
};
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;

async function writeCsv(path: string, header: string, n: number, row: (i: number) => string): Promise<void> {
  const out = createWriteStream(path);
  out.write(`${header}\n`);
  for (let i = 0; i < n; i++) if (!out.write(`${row(i)}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

function fsql(dir: string, ...argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src/cli/bin.ts'), ...argv], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`fsql ${argv.join(' ')} exited ${code}`))));
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fsql-stream-bench-'));
  try {
    const base = Date.UTC(2024, 0, 1) / 1000;
    const ts = (s: number) => new Date((base + s) * 1000).toISOString().slice(0, 19).replace('T', ' ');
    writeFileSync(
      join(dir, 'project.fsql'),
      `CREATE ENTITY user KEY (user_id TEXT);
CREATE SOURCE events (user_id TEXT NOT NULL, amount DOUBLE, channel TEXT, ts TIMESTAMP NOT NULL) FROM FILE 'events.csv' EVENT TIME ts;
CREATE SOURCE labels (user_id TEXT NOT NULL, ts TIMESTAMP NOT NULL, y BOOLEAN) FROM FILE 'labels.csv' EVENT TIME ts;
CREATE FEATURE last_amount ENTITY user FROM events AS amount FILL MEAN SCALE STANDARD;
CREATE FEATURE last_channel ENTITY user FROM events AS channel ONE_HOT ('pos', 'web', 'atm');
CREATE LABEL y ENTITY user FROM labels AS y;
CREATE TRAINING SET big LABEL y FEATURES (last_amount, last_channel);
`,
    );
    writeFileSync(join(dir, 'fsql.json'), JSON.stringify({ offline: { engine: ENGINE } }));
    await writeCsv(join(dir, 'events.csv'), 'user_id,amount,channel,ts', USERS * 4, (i) => `u${i % USERS},${(i % 997) / 10},${['pos', 'web', 'atm'][i % 3]},${ts(i * 7)}`);
    await writeCsv(join(dir, 'labels.csv'), 'user_id,ts,y', ROWS, (i) => `u${(i * 7919) % USERS},${ts(i * 3 + 1)},${i % 11 === 0}`);
    const t0 = performance.now();
    await fsql(dir, 'apply', '--quiet');
    console.log(`applied ${ROWS.toLocaleString()} label rows (${ENGINE}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const server = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src/cli/bin.ts'), 'serve', '--port', String(port)], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    try {
      const url = `http://127.0.0.1:${port}`;
      for (let i = 0; ; i++) {
        try {
          if ((await fetch(`${url}/health`)).ok) break;
        } catch {
          // not yet
        }
        if (i > 600) throw new Error('the server did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
      // Warm: one small request, so the baseline includes what any request loads.
      await (await fetch(`${url}/v1/registry/objects`)).text();
      const before = rss(server.pid!);
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rss(server.pid!))), 50);
      const started = performance.now();
      const res = await fetch(`${url}/v1/training-sets/big`, { method: 'POST' });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      let bytes = 0;
      const reader = res.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.length;
        if (SLOW && bytes % (8 << 20) < value.length) await new Promise((r) => setTimeout(r, 200));
      }
      clearInterval(sampler);
      peak = Math.max(peak, rss(server.pid!));
      const seconds = (performance.now() - started) / 1000;
      const grew = peak - before;
      console.log(
        JSON.stringify(
          {
            rows: ROWS,
            engine: ENGINE,
            slowClient: SLOW,
            arrowBytes: bytes,
            seconds: Number(seconds.toFixed(1)),
            rssBefore: before,
            rssPeak: peak,
            rssGrowth: grew,
            growthToData: Number((grew / bytes).toFixed(3)),
            peakToData: Number((peak / bytes).toFixed(3)),
          },
          null,
          2,
        ),
      );
      console.log(`streamed ${ROWS.toLocaleString()} rows, ${mib(bytes)} of Arrow IPC, in ${seconds.toFixed(1)} s; server RSS ${mib(before)} → peak ${mib(peak)} (+${mib(grew)}: ${(grew / bytes).toFixed(2)}× the data)`);
    } finally {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
