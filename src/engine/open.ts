/**
 * Opens the offline engine of a target, through its registered backend
 * (backends.ts): the engines' native modules load only when that target is
 * opened, so using one never requires the other.
 */
import { engineBackend } from './backends.js';
import type { Engine, EngineOptions, EngineTarget } from './engine.js';

/** Opens an engine on a database file, or in memory when `path` is omitted or `:memory:`. */
export async function openEngine(target: EngineTarget, path = ':memory:', options: EngineOptions = {}): Promise<Engine> {
  return engineBackend(target).open(path, options);
}
