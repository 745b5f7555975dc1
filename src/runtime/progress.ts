/**
 * What a long runtime operation (an apply) reports as it goes: plain data,
 * one event per step of work done. The runtime never writes to a terminal;
 * the caller renders the events (src/cli/progress.ts) or ignores them.
 */

export interface ProgressEvent {
  /** The step, for people: `loading transactions`, `fitting`, `computing statistics`. An event of another step ends this one. */
  readonly step: string;
  /** Units done so far. */
  readonly done: number;
  /** The step's total, when it is known up front. */
  readonly total?: number;
  /** What `done` counts, singular: `row`, `feature version`. */
  readonly unit: string;
  /** When the total of units is not known up front (a CSV or JSONL file): bytes of the input read so far, of its size. */
  readonly bytes?: { readonly done: number; readonly total: number };
  /** The step's last event. */
  readonly end?: boolean;
}

export type OnProgress = (event: ProgressEvent) => void;
