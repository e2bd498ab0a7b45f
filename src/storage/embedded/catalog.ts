/**
 * The embedded backend: the in-process catalog made durable in a data
 * directory. Each write is appended to a write-ahead log (one append per
 * write, fsync'd when configured) before it is applied in memory; opening
 * replays snapshot + log. Compaction writes a snapshot of the current
 * records and rewrites the log without the compacted events.
 *
 *   <dataDir>/catalog.wal        write-ahead log (see wal.ts)
 *   <dataDir>/catalog.snapshot   written by compaction (see snapshot.ts)
 *   <dataDir>/LOCK               owner pid (see lock.ts)
 */
import { type FileHandle, mkdir, open, rm, truncate } from "node:fs/promises";
import { join, resolve } from "node:path";
import { DEFAULT_CONFIG, type EmbeddedConfig } from "../../config/schema.js";
import { CatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import { CatalogState } from "../inprocess/state.js";
import { InProcessCatalogStore, type WriteBound } from "../inprocess/store.js";
import type { CatalogEvent } from "../records.js";
import { chunkLines, replaceFile, writeFully } from "./files.js";
import { acquireDirLock, type DirLock } from "./lock.js";
import { readSnapshot, writeSnapshot } from "./snapshot.js";
import { corruption, encodeWrite, scanWal, walLines } from "./wal.js";
import { withYoungGenerationHeld } from "./young-generation.js";

export const WAL_FILE = "catalog.wal";
export const SNAPSHOT_FILE = "catalog.snapshot";
export const TIMEOUT_CONFIG_KEY = "storage.embedded.timeoutMs";
/** The write bound when the config leaves it out (DEFAULT_CONFIG always has it). */
const DEFAULT_TIMEOUT_MS = DEFAULT_CONFIG.storage.embedded.timeoutMs;

export interface EmbeddedFiles {
  dir: string;
  fsync: boolean;
  lock: DirLock;
  log: FileHandle;
  /** Bytes of the log that hold complete writes; a failed append is cut back to it. */
  logSize: number;
}

export class EmbeddedCatalogStore extends InProcessCatalogStore {
  readonly kind = "embedded";

  constructor(
    state: CatalogState,
    logger: Logger,
    private readonly files: EmbeddedFiles,
    bound: WriteBound = { timeoutMs: DEFAULT_TIMEOUT_MS, configKey: TIMEOUT_CONFIG_KEY },
  ) {
    super(state, logger, bound);
  }

  get dataDir(): string {
    return this.files.dir;
  }

  protected describe(): string {
    return `data dir ${this.files.dir}`;
  }

  protected async persist(events: readonly CatalogEvent[]): Promise<void> {
    const data = encodeWrite(events);
    try {
      await writeFully(this.files.log, data);
      if (this.files.fsync) await this.files.log.datasync();
      this.files.logSize += data.length;
    } catch (err) {
      await this.cutBackAfterFailedAppend(err);
      throw CatalogError.unavailable(`embedded store (${this.describe()})`, err);
    }
  }

  protected async persistCompaction(throughRevision: number): Promise<void> {
    const { dir, fsync } = this.files;
    await writeSnapshot(
      join(dir, SNAPSHOT_FILE),
      {
        revision: this.state.revision,
        compacted: throughRevision,
        slots: this.state.slots(),
        count: this.state.versionCount,
        policies: this.state.registry.policies(),
        consumers: [...this.state.registry.consumers()],
      },
      { dir, fsync },
    );
    // The snapshot alone is already a consistent state: recovery skips log events it covers.
    const kept = this.state.eventsAfter(throughRevision).map((event) => this.eventOf(event));
    const walPath = join(dir, WAL_FILE);
    await this.files.log.close();
    try {
      this.files.logSize = await replaceFile(walPath, chunkLines(kept.flatMap((e) => walLines([e]))), { dir, fsync });
    } finally {
      this.files.log = await this.reopenLog(walPath);
    }
  }

  protected async release(): Promise<void> {
    try {
      await this.files.log.close();
    } finally {
      await this.files.lock.release();
    }
  }

  private async reopenLog(walPath: string): Promise<FileHandle> {
    try {
      return await open(walPath, "a");
    } catch (err) {
      this.failure = `the write-ahead log ${walPath} could not be reopened: ${String(err)}`;
      throw err;
    }
  }

  /** A half-written append must not stay in the log, or the next write would follow garbage. */
  private async cutBackAfterFailedAppend(cause: unknown): Promise<void> {
    try {
      await this.files.log.truncate(this.files.logSize);
    } catch (err) {
      this.failure = `a failed append (${String(cause)}) could not be cut back (${String(err)}); restart to recover`;
      this.logger.error("embedded store cannot write safely any more", { dir: this.files.dir, err });
    }
  }
}

/** Embedded settings; timeoutMs may be left out by code that opens a store directly (benchmarks, tests). */
export type EmbeddedStoreOptions = Omit<EmbeddedConfig, "timeoutMs"> & Partial<Pick<EmbeddedConfig, "timeoutMs">>;

export async function openEmbeddedStore(config: EmbeddedStoreOptions, logger: Logger): Promise<EmbeddedCatalogStore> {
  const dir = resolve(config.dataDir);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new CatalogError("FAILED_PRECONDITION", `cannot create the data directory ${dir}: ${String(err)}`, [], {
      cause: err,
    });
  }
  const lock = await acquireDirLock(dir, logger);
  try {
    await rm(join(dir, `${SNAPSHOT_FILE}.tmp`), { force: true });
    await rm(join(dir, `${WAL_FILE}.tmp`), { force: true });
    const walPath = join(dir, WAL_FILE);
    const { state, logSize } = await withYoungGenerationHeld(() => recover(dir, walPath, logger));
    const log = await open(walPath, "a");
    logger.info("embedded store open", { dir, revision: state.revision, compacted: state.compacted });
    const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new EmbeddedCatalogStore(
      state,
      logger,
      { dir, fsync: config.fsync, lock, log, logSize },
      { timeoutMs, configKey: TIMEOUT_CONFIG_KEY },
    );
  } catch (err) {
    await lock.release();
    throw err;
  }
}

/**
 * Rebuilds the catalog from the snapshot (if any) and the log, both read a
 * chunk at a time and applied as they are read, cutting off a torn tail.
 */
async function recover(
  dir: string,
  walPath: string,
  logger: Logger,
): Promise<{ state: CatalogState; logSize: number }> {
  const state = new CatalogState();
  state.beginBulkLoad();
  const snapshot = (await readSnapshot(join(dir, SNAPSHOT_FILE), {
    header: (header) => state.beginSnapshot(header.revision, header.compacted, header.sorted),
    slot: (slot) => state.restoreSlot(slot),
    policy: (policy) => state.registry.setPolicy(policy),
    consumer: (consumer) => state.registry.putConsumer(consumer),
  })) ?? { revision: 0, compacted: 0 };
  // A crash between writing the snapshot and rewriting the log leaves events the snapshot compacted.
  let last = snapshot.compacted;
  let count = 0;
  const wal = await scanWal(walPath, (events) => {
    for (const event of events) {
      if (event.revision <= snapshot.compacted) continue;
      count += 1;
      if (count === 1 && event.revision !== snapshot.compacted + 1) {
        throw corruption(
          walPath,
          1,
          `the log starts at revision ${event.revision}, expected ${snapshot.compacted + 1}`,
        );
      }
      if (event.revision <= snapshot.revision) state.restoreEvent(event);
      else state.apply(event);
      last = event.revision;
    }
  });
  if (last < snapshot.revision) {
    throw corruption(walPath, count, `the log ends at revision ${last}, before the snapshot's ${snapshot.revision}`);
  }
  if (wal.tornTail) {
    logger.warn("cutting off a torn tail of the embedded store's log (a write interrupted by a crash)", {
      file: walPath,
      ...wal.tornTail,
    });
    await truncate(walPath, wal.validBytes);
  }
  state.endBulkLoad();
  return { state, logSize: wal.validBytes };
}
