/**
 * The memory backend: the in-process catalog with nothing to persist. For
 * unit tests and throwaway development servers; everything is lost on exit.
 */
import { type Logger, silentLogger } from "../../logging/index.js";
import { CatalogState } from "../inprocess/state.js";
import { InProcessCatalogStore } from "../inprocess/store.js";
import type { CatalogEvent } from "../records.js";

export class MemoryCatalogStore extends InProcessCatalogStore {
  readonly kind = "memory";

  constructor(logger: Logger = silentLogger) {
    super(new CatalogState(), logger);
  }

  protected async persist(_events: readonly CatalogEvent[]): Promise<void> {}

  protected async persistCompaction(_throughRevision: number): Promise<void> {}

  protected async release(): Promise<void> {}

  protected describe(): string {
    return "in-process memory";
  }
}
