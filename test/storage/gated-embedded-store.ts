/**
 * An embedded store on a real data directory whose log's fsync the test
 * controls: while the gate is held, each datasync waits until the test lets
 * it go through (`open`) or fail (`fail`), so a "stuck fsync" is made on
 * purpose instead of hoped for with sleeps.
 */
import { type FileHandle, open } from "node:fs/promises";
import { join } from "node:path";
import { type Logger, silentLogger } from "../../src/logging/index.js";
import { EmbeddedCatalogStore, TIMEOUT_CONFIG_KEY, WAL_FILE } from "../../src/storage/embedded/catalog.js";
import { acquireDirLock } from "../../src/storage/embedded/lock.js";
import { CatalogState } from "../../src/storage/inprocess/state.js";

export class FsyncGate {
  private held: { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } | undefined;
  private waiting: { count: number; resolve: () => void }[] = [];
  /** How many datasyncs have reached the gate. */
  arrived = 0;

  /** From now on, datasyncs wait for `open` or `fail`. */
  hold(): void {
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined);
    this.held = { promise, resolve, reject };
  }

  /** Resolves once `count` datasyncs in all have reached the gate. */
  reached(count = 1): Promise<void> {
    if (this.arrived >= count) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiting.push({ count, resolve }));
  }

  /** Lets waiting (and later) datasyncs through. */
  open(): void {
    this.held?.resolve();
    this.held = undefined;
  }

  /** Fails the waiting datasyncs with `err`; later ones go through. */
  fail(err: unknown): void {
    this.held?.reject(err);
    this.held = undefined;
  }

  async pass(sync: () => Promise<void>): Promise<void> {
    this.arrived += 1;
    for (const waiter of this.waiting.filter((w) => w.count <= this.arrived)) waiter.resolve();
    this.waiting = this.waiting.filter((w) => w.count > this.arrived);
    if (this.held) await this.held.promise;
    await sync();
  }
}

/** The log handle with its datasync routed through `gate`. */
function gatedHandle(handle: FileHandle, gate: FsyncGate): FileHandle {
  return new Proxy(handle, {
    get(target, property) {
      if (property === "datasync") return () => gate.pass(() => target.datasync());
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Opens a fresh embedded store in the empty directory `dir`, fsync on, writes bounded by `timeoutMs`. */
export async function openGatedEmbeddedStore(
  dir: string,
  timeoutMs: number,
  logger: Logger = silentLogger,
): Promise<{ store: EmbeddedCatalogStore; gate: FsyncGate }> {
  const gate = new FsyncGate();
  const lock = await acquireDirLock(dir, logger);
  const log = gatedHandle(await open(join(dir, WAL_FILE), "a"), gate);
  const store = new EmbeddedCatalogStore(
    new CatalogState(),
    logger,
    { dir, fsync: true, lock, log, logSize: 0 },
    { timeoutMs, configKey: TIMEOUT_CONFIG_KEY },
  );
  return { store, gate };
}
