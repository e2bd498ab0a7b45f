/**
 * For tests of the caching wrapper only: a memory store that counts reads,
 * can hold a read after it has read the data (to replay the race of a slow
 * read against a write deterministically), and can drop onCommit wake-ups
 * (as the contract allows across processes).
 */
import { MemoryCatalogStore } from "../../src/storage/memory/index.js";
import type { ComponentRecord } from "../../src/storage/records.js";

export interface PausedRead {
  /** Resolves when the held read has read the store and is waiting. */
  reached: Promise<void>;
  /** Lets the held read return what it read. */
  release(): void;
}

export class InstrumentedMemoryStore extends MemoryCatalogStore {
  readonly reads = { getVersion: 0, listVersions: 0 };
  /** While true, onCommit listeners are not woken. */
  wakeupsLost = false;
  private pending: { arrived: () => void; gate: Promise<void> } | undefined;

  /** Holds the next getVersion or listVersions between reading the data and returning it. */
  pauseNextRead(): PausedRead {
    let arrived!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    this.pending = { arrived, gate };
    return { reached, release };
  }

  override async getVersion(name: string, version: string): Promise<ComponentRecord | undefined> {
    this.reads.getVersion += 1;
    const record = await super.getVersion(name, version);
    await this.holdIfPaused();
    return record;
  }

  override async listVersions(name: string): Promise<ComponentRecord[]> {
    this.reads.listVersions += 1;
    const records = await super.listVersions(name);
    await this.holdIfPaused();
    return records;
  }

  override onCommit(listener: (revision: number) => void): () => void {
    return super.onCommit((revision) => {
      if (!this.wakeupsLost) listener(revision);
    });
  }

  private async holdIfPaused(): Promise<void> {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    pending.arrived();
    await pending.gate;
  }
}
