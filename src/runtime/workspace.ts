/**
 * A project opened for work: its config, registry, offline engine and online
 * store, opened lazily and closed together. Commands and the server hold one
 * Workspace each; every operation that uses the offline engine runs through
 * `exclusive`, one at a time (an engine transaction takes in every call made
 * meanwhile, so two must never interleave).
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { engineBackend, engineBackends } from '../engine/backends.js';
import type { Engine, EngineTarget } from '../engine/engine.js';
import { EngineBusyError, quoteIdentifier, quoteString } from '../engine/engine.js';
import { openEngine } from '../engine/open.js';
import { versionKey } from '../check/catalog.js';
import type { FittedLookup } from '../plan/build.js';
import type { FittedParameters } from '../plan/fitted.js';
import { onlineStoreBackend } from '../store/online/backends.js';
import { OnlineStoreError, type OnlineStore } from '../store/online/store.js';
import { Registry, registryPath } from '../store/registry/registry.js';
import { ProjectNotFoundError } from '../project/files.js';
import { loadConfig, STATE_DIR, type ProjectConfig } from './config.js';
import { RuntimeError } from './errors.js';
import { verifyFilesInPlace } from './files-in-place.js';
import { registeredCatalog, type RegisteredCatalog } from './registered-catalog.js';

export interface OpenOptions {
  /** Overrides the config's offline engine. */
  readonly engine?: EngineTarget;
  /**
   * Create the registry (`.fsql/registry.db`) when the project has none: for
   * `fsql apply` only. Without it, a project never applied is refused.
   */
  readonly create?: boolean;
}

/** `dir` as a shell word (quoted when it needs to be), for messages that show a command to run. */
function shellWord(dir: string): string {
  return /^[\w@%+=:,./-]+$/.test(dir) ? dir : `'${dir.replaceAll("'", "'\\''")}'`;
}

/**
 * Refuses what is not a project to work on, creating nothing: a folder that
 * does not exist or is a file (ProjectNotFoundError), and, unless `create`,
 * a project never applied (RuntimeError `nothing_registered`). `Workspace.open`
 * runs it; so do the CLI commands that read the registry without a Workspace.
 */
export function checkProjectFolder(dir: string, create: boolean, registry?: ProjectConfig['registry']): void {
  const abs = resolve(dir);
  let folder: boolean;
  try {
    folder = statSync(abs).isDirectory();
  } catch {
    throw new ProjectNotFoundError(`no such project folder: ${abs} (give the folder that holds the project's .fsql files; \`fsql init DIR\` creates a new project)`);
  }
  if (!folder) throw new ProjectNotFoundError(`not a project folder: ${abs} is a file (give the folder that holds the project's .fsql files)`);
  // A shared registry (PostgreSQL) is not a file of the project: another checkout may have applied.
  if (registry?.shared) return;
  const file = registry?.location ?? registryPath(abs);
  if (!existsSync(file)) {
    if (create) return;
    throw new RuntimeError('nothing_registered', `nothing applied yet: run \`fsql apply ${shellWord(abs)}\` first (there is no ${file})`);
  }
  if (!isSqliteFile(file)) {
    throw new RuntimeError(
      'cannot_open',
      `${file} is not an fsql registry (not a SQLite database): move it away and run \`fsql apply ${shellWord(abs)}\` to register the project again`,
    );
  }
}

/** The file starts with SQLite's header (an empty file is a database SQLite will create). */
function isSqliteFile(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const header = Buffer.alloc(16);
    const n = readSync(fd, header, 0, 16, 0);
    return n === 0 || header.toString('latin1') === 'SQLite format 3\0';
  } catch {
    // Unreadable: opening it will say why.
    return true;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A table every `fsql apply` creates in the offline database (src/runtime/apply.ts, LOADS_TABLE). */
const APPLIED_MARK = '__fsql_loads';

export class Workspace {
  private engineOpening: Promise<Engine> | undefined;
  private onlineStore: OnlineStore | undefined;
  private cached: RegisteredCatalog | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly config: ProjectConfig,
    readonly registry: Registry,
    /** Opened by `fsql apply` (`create`): the offline database may be new. */
    private readonly creating: boolean,
    /** The offline engine was chosen by `--engine`, not fsql.json. */
    private readonly engineOverridden: boolean,
  ) {}

  /**
   * Opens the project in `dir` (reads fsql.json). `dir` must be an existing
   * folder, and the project must have been applied (have `.fsql/registry.db`)
   * unless `create` is set; nothing is created otherwise.
   */
  static open(dir: string, options: OpenOptions = {}): Workspace {
    checkProjectFolder(dir, true);
    const config = loadConfig(dir);
    checkProjectFolder(dir, options.create ?? false, config.registry);
    const overridden = options.engine !== undefined && options.engine !== config.offline.engine;
    const c: ProjectConfig = overridden ? loadConfigWithEngine(config, options.engine!) : config;
    // The project's state folder: the file registry made it; a shared registry does not.
    if (options.create) mkdirSync(join(c.dir, STATE_DIR), { recursive: true });
    // Opens in the background: the first registry call waits for it (and says why it could not open).
    return new Workspace(c, Registry.opening(c.registry.location), options.create ?? false, overridden);
  }

  get dir(): string {
    return this.config.dir;
  }

  /**
   * The offline engine (opened on first use, with the config's attached
   * databases). Except for `fsql apply`, the offline database must be one an
   * apply loaded: a RuntimeError `engine_not_applied` otherwise (say
   * `--engine duckdb` on a project applied with SQLite), and nothing is
   * created. A database that cannot be opened (not one, or locked by another
   * process) is a RuntimeError `cannot_open`. Each call first verifies the
   * files that FILE sources read in place (DuckDB): a file changed since
   * apply checked it is a RuntimeError `file_changed` (files-in-place.ts);
   * `unchecked` is for apply itself, which checks them again.
   */
  async engine(options: { readonly unchecked?: boolean } = {}): Promise<Engine> {
    const engine = await this.openEngine();
    if (!options.unchecked) await verifyFilesInPlace(engine, shellWord(this.dir));
    return engine;
  }

  private openEngine(): Promise<Engine> {
    if (this.closed) return Promise.reject(new Error('the workspace is closed'));
    this.engineOpening ??= (async () => {
      const { engine: target, path } = this.config.offline;
      const server = engineBackend(target).location === 'url';
      if (!server && !this.creating && !existsSync(path)) throw this.notApplied();
      let engine: Engine;
      try {
        // A server engine opens its URL (a secret: messages show `path`, the URL without its password).
        engine = await openEngine(target, server ? this.config.offline.url! : path, {
          busyTimeoutMs: this.config.busyTimeoutMs,
          ...(this.config.offline.schema !== undefined ? { schema: this.config.offline.schema } : {}),
        });
      } catch (e) {
        if (server) {
          // `path` is the URL without its password; the driver's message never holds the password either.
          throw new RuntimeError(
            'cannot_open',
            `cannot connect to the ${engineBackend(target).label} offline engine at ${path}: ${(e as Error).message.split('\n')[0]} ` +
              `(is the server running and the URL in "offline" of ${this.config.file ?? 'fsql.json'} right? a password comes from the environment: docs/offline-engines.md)`,
          );
        }
        throw new RuntimeError(
          'cannot_open',
          `cannot open the offline database ${path} with ${target}: ${(e as Error).message.split('\n')[0]} ` +
            `(${engineBackend(target).capabilities.multiProcess ? '' : `a ${engineBackend(target).label} database is opened by one process at a time: stop the other fsql process (fsql serve?), or `}` +
            `if the file is not a ${target} database, fix "offline" in ${this.config.file ?? 'fsql.json'} or move the file away and run \`fsql apply ${shellWord(this.dir)}\`)`,
        );
      }
      try {
        if (!this.creating) {
          try {
            await engine.query(`SELECT 1 FROM ${quoteIdentifier(engine.schema)}.${quoteIdentifier(APPLIED_MARK)} WHERE 1 = 0`);
          } catch {
            throw this.notApplied();
          }
        }
        for (const [schema, attached] of Object.entries(this.config.offline.attach)) {
          await engine.execute(`ATTACH DATABASE ${quoteString(attached)} AS ${quoteIdentifier(schema)}`);
        }
      } catch (e) {
        await engine.close();
        throw e;
      }
      return engine;
    })();
    return this.engineOpening;
  }

  /** The offline database of this engine was never loaded by an apply: say how to load it. */
  private notApplied(): RuntimeError {
    const { engine, path } = this.config.offline;
    const dir = shellWord(this.dir);
    return new RuntimeError(
      'engine_not_applied',
      this.engineOverridden
        ? `the project was never applied with the ${engine} offline engine (fsql apply has not loaded ${path}): run \`fsql apply ${dir} --engine ${engine}\` first, ` +
            `or leave out --engine ${engine} to use the engine in ${this.config.file ?? 'fsql.json'}; to switch for good, set "offline": { "engine": "${engine}" } in fsql.json and run \`fsql apply ${dir}\``
        : `the offline database ${path} was never loaded by fsql apply: run \`fsql apply ${dir}\` first`,
    );
  }

  /** The online store (opened on first use). */
  online(): OnlineStore {
    if (this.closed) throw new Error('the workspace is closed');
    const { store, path, url, keyPrefix } = this.config.online;
    this.onlineStore ??= onlineStoreBackend(store).open(path, { writeTimeoutMs: this.config.busyTimeoutMs, ...(url !== undefined ? { url } : {}), ...(keyPrefix !== undefined ? { keyPrefix } : {}) });
    return this.onlineStore;
  }

  /** The registered objects as a catalog, with every fitted parameter (re-read after each apply, of any process). */
  async catalog(): Promise<RegisteredCatalog> {
    const last = await this.registry.lastApply();
    if (!this.cached || this.cached.applyId !== last) {
      const [rc, fitted] = await Promise.all([registeredCatalog(this.registry), this.registry.allFittedParameters()]);
      this.fittedCache = fitted;
      this.cached = rc;
    }
    return this.cached;
  }

  /** The catalog `catalog()` last read, without reading the registry (undefined before the first). */
  loadedCatalog(): RegisteredCatalog | undefined {
    return this.cached;
  }

  /** The fitted parameters of the registered feature versions, as of the last `catalog()`. */
  private fittedCache: Map<string, FittedParameters> | undefined;

  /**
   * The fitted parameters of registered feature versions, as `catalog()`
   * last read them (plans are built synchronously; every caller awaits
   * `catalog()` first, which re-reads them after an apply or a fit).
   */
  readonly fitted: FittedLookup = (name, version) => {
    if (!this.fittedCache) throw new Error('internal: Workspace.fitted read before Workspace.catalog()');
    return this.fittedCache.get(versionKey(name, version));
  };

  /**
   * Runs `fn` after every operation queued before it, alone. A database that
   * another fsql process kept locked past `busyTimeoutMs` is a RuntimeError
   * `busy` (retry), not a bug.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn).catch((e: unknown) => {
      throw this.busy(e) ?? e;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The `busy` RuntimeError for a lock another process held too long; undefined for any other error. */
  busy(e: unknown): RuntimeError | undefined {
    const fix = `retry once it is done, or give "busyTimeoutMs" in ${this.config.file ?? 'fsql.json'} a longer wait (now ${this.config.busyTimeoutMs} ms)`;
    if (e instanceof EngineBusyError) {
      return new RuntimeError('busy', `busy: another fsql process holds the project's offline database ${e.path} (an apply or an ingest writing to it); ${fix}`);
    }
    if (e instanceof OnlineStoreError && e.code === 'busy') {
      return new RuntimeError('busy', `busy: another fsql process holds the project's online store ${this.config.online.path} (an ingest or a materialize writing to it); ${fix}`);
    }
    if (e instanceof OnlineStoreError && e.code === 'unavailable') return new RuntimeError('cannot_open', e.message);
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
      return new RuntimeError('busy', `busy: another fsql process holds a database of the project (${(e as Error).message}: an apply, an ingest or a registry change); ${fix}`);
    }
    return undefined;
  }

  /** Waits for queued operations, then closes everything opened. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue.catch(() => undefined);
    this.closed = true;
    const engine = this.engineOpening;
    this.engineOpening = undefined;
    if (engine) await (await engine.catch(() => undefined))?.close();
    await this.onlineStore?.close();
    await this.registry.close();
  }
}

function loadConfigWithEngine(config: ProjectConfig, engine: EngineTarget): ProjectConfig {
  if (engineBackend(engine).location === 'url') {
    throw new RuntimeError('cannot_open', `--engine ${engine}: a ${engineBackend(engine).label} offline engine is a server, chosen in fsql.json with its URL: "offline": { "engine": "${engine}", "url": "…" } (docs/offline-engines.md)`);
  }
  // The offline file follows the engine unless the config names one.
  const defaults = engineBackends().filter((b) => b.location === 'file').map((b) => b.defaultFile);
  // From a server engine in fsql.json: the file engine's default file under .fsql/.
  if (engineBackend(config.offline.engine).location === 'url') return { ...config, offline: { engine, path: resolve(config.dir, '.fsql', engineBackend(engine).defaultFile), attach: {} } };
  const own = defaults.find((f) => config.offline.path.endsWith(f));
  const path = own !== undefined ? config.offline.path.slice(0, -own.length) + engineBackend(engine).defaultFile : config.offline.path;
  return { ...config, offline: { ...config.offline, engine, path } };
}
