/**
 * `fsql consume [path]`: consumes the project's Kafka sources (docs/kafka.md)
 * until SIGINT / SIGTERM — or, with `--until-caught-up`, until every
 * partition is stored up to the high watermark it had when checked. Progress
 * on stderr: events stored, dead letters, the rate and the total lag.
 */
import type { EngineTarget } from '../engine/engine.js';
import { RuntimeError } from '../runtime/errors.js';
import { KafkaIngestor } from '../runtime/kafka.js';
import { reportRuntimeError, withWorkspace, type RuntimeIo } from './runtime-commands.js';

const plural = (n: number, word: string): string => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

export interface ConsumeCommandOptions {
  readonly engine?: EngineTarget;
  readonly sources?: readonly string[];
  /** Stop once every partition's lag is 0. */
  readonly untilCaughtUp?: boolean;
  /** Resolves when consuming should stop (default: SIGINT or SIGTERM). */
  readonly until?: Promise<unknown>;
  /** Progress lines at most this often (ms; default 2000). */
  readonly progressEveryMs?: number;
}

export async function runConsume(path: string, options: ConsumeCommandOptions, io: RuntimeIo): Promise<number> {
  return withWorkspace(path, io, { ...(options.engine ? { engine: options.engine } : {}) }, async (ws) => {
    const started = performance.now();
    let shownAt = started;
    let shownEvents = 0;
    let events = 0;
    let dead = 0;
    let ingestor: KafkaIngestor;
    const line = (final: boolean): void => {
      const now = performance.now();
      const status = ingestor.status();
      const lag = status.partitions.reduce((n, p) => n + (p.lag ?? 0), 0);
      const seconds = (now - (final ? started : shownAt)) / 1000;
      const rate = seconds > 0 ? Math.round((events - (final ? 0 : shownEvents)) / seconds) : 0;
      io.stderr(`consume: ${plural(events, 'event')} stored, ${plural(dead, 'dead letter')}, ${rate.toLocaleString('en-US')} events/s${final ? ` over ${seconds.toFixed(1)} s` : ''}, lag ${lag}\n`);
      shownAt = now;
      shownEvents = events;
    };
    try {
      ingestor = new KafkaIngestor(ws, {
        ...(options.sources ? { sources: options.sources } : {}),
        onBatch: (r) => {
          events += r.stored;
          dead += r.deadLetters.length;
          for (const d of r.deadLetters) io.stderr(`consume: dead letter ${r.topic}[${r.partition}]@${d.offset} for ${r.source}: ${d.reason}\n`);
        },
        onLog: (l) => io.stderr(`${l}\n`),
      });
      await ingestor.start();
    } catch (e) {
      if (e instanceof RuntimeError) return reportRuntimeError(e, io);
      throw e;
    }
    const names = ingestor.consumed.map((s) => `${s.name} ← '${s.origin.kind === 'stream' ? s.origin.kafka?.topic : ''}'`).join(', ');
    io.stderr(`consume: ${names} from ${ingestor.settings.brokers.join(',')} (group ${ingestor.settings.groupId})\n`);
    const every = options.progressEveryMs ?? 2000;
    const timer = setInterval(() => line(false), every);
    try {
      if (options.untilCaughtUp) {
        for (;;) {
          if (ingestor.status().state === 'failed') break;
          if (await ingestor.caughtUp()) break;
          await new Promise((r) => setTimeout(r, 200));
        }
      } else {
        await (options.until ??
          new Promise<void>((resolve) => {
            process.once('SIGINT', () => resolve());
            process.once('SIGTERM', () => resolve());
          }));
      }
    } finally {
      clearInterval(timer);
      await ingestor.stop();
    }
    line(true);
    const status = ingestor.status();
    if (status.state === 'failed') {
      io.stderr(`fsql consume: the Kafka consumer failed: ${status.error}\n`);
      return 1;
    }
    return 0;
  });
}
