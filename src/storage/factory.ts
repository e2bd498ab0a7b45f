/**
 * The one place that knows every backend: builds the configured CatalogStore
 * (wrapped in the configured cache), applies a backend's migrations, and
 * opens the Git sync state shared by replicas on the catalog's database.
 * Adding a backend adds one case to each switch below (see README.md beside
 * this file, "Adding a backend").
 */
import type { CacheConfig, StorageConfig } from "../config/schema.js";
import { CatalogError } from "../errors/index.js";
import type { Logger } from "../logging/index.js";
import { LruCache } from "./cache/lru.js";
import { withCache } from "./cached.js";
import { openDynamoStore } from "./dynamodb/catalog.js";
import { migrateDynamoDb } from "./dynamodb/migrations.js";
import { DynamoSyncStateStore } from "./dynamodb/sync-state.js";
import { openEmbeddedStore } from "./embedded/catalog.js";
import { MemoryCatalogStore } from "./memory/catalog.js";
import { openMysqlStore } from "./mysql/catalog.js";
import { migrateMysql } from "./mysql/migrate.js";
import { MysqlSyncStateStore } from "./mysql/sync-state.js";
import { openPostgresStore } from "./postgres/catalog.js";
import { migratePostgres } from "./postgres/migrate.js";
import { PostgresSyncStateStore } from "./postgres/sync-state.js";
import { RedisCache } from "./redis/cache.js";
import type { Cache, CatalogStore, SharedSyncState } from "./store.js";

export interface OpenStoreOptions {
  /** Told of each read the cache serves (true) or passes to the store (false). */
  onCacheLookup?: (hit: boolean) => void;
}

export async function openStore(
  storage: StorageConfig,
  cache: CacheConfig,
  logger: Logger,
  options: OpenStoreOptions = {},
): Promise<CatalogStore> {
  const log = logger.child({ component: "storage", backend: storage.type });
  const store = await openBackend(storage, log);
  return withConfiguredCache(store, cache, log, options.onCacheLookup);
}

function openBackend(storage: StorageConfig, logger: Logger): Promise<CatalogStore> {
  switch (storage.type) {
    case "memory":
      return Promise.resolve(new MemoryCatalogStore());
    case "embedded":
      return openEmbeddedStore(storage.embedded, logger);
    case "postgres":
      return openPostgresStore(storage.postgres, logger);
    case "dynamodb":
      return openDynamoStore(storage.dynamodb, logger);
    case "mysql":
      return openMysqlStore(storage.mysql, logger);
    case "hybrid":
      throw new CatalogError("FAILED_PRECONDITION", "storage.type hybrid cannot be opened yet: its store is not built");
  }
}

/** Applies pending schema migrations for backends that have them; says what was done. */
export async function migrateStore(storage: StorageConfig, logger: Logger): Promise<string> {
  switch (storage.type) {
    case "postgres": {
      const result = await migratePostgres(storage.postgres, logger);
      return result.applied.length > 0
        ? `postgres: applied ${result.applied.join(", ")}`
        : `postgres: schema up to date (${result.present.length} migrations)`;
    }
    case "dynamodb": {
      const result = await migrateDynamoDb(storage.dynamodb, logger);
      return (
        `dynamodb: table ${storage.dynamodb.tableName} ${result.tableCreated ? "created" : "exists"}` +
        (result.indexesCreated.length > 0 ? `, indexes created: ${result.indexesCreated.join(", ")}` : "")
      );
    }
    case "mysql": {
      const result = await migrateMysql(storage.mysql, logger);
      return result.applied.length > 0
        ? `mysql: applied ${result.applied.join(", ")}`
        : `mysql: schema up to date (${result.present.length} migrations)`;
    }
    case "memory":
    case "embedded":
    case "hybrid":
      return `storage.type ${storage.type} needs no migrations`;
  }
}

/**
 * The Git sync lease and status store shared by every replica on the
 * catalog's database; undefined for the in-process backends (memory,
 * embedded), which serve one replica by nature.
 */
export async function openSharedSyncState<Status extends { repository: string }>(
  storage: StorageConfig,
  logger: Logger,
): Promise<SharedSyncState<Status> | undefined> {
  switch (storage.type) {
    case "postgres":
      return PostgresSyncStateStore.open<Status>(storage.postgres, logger);
    case "dynamodb":
      return DynamoSyncStateStore.open<Status>(storage.dynamodb, logger);
    case "mysql":
      return MysqlSyncStateStore.open<Status>(storage.mysql, logger);
    case "memory":
    case "embedded":
    case "hybrid":
      return undefined;
  }
}

/** The Cache `config` asks for, or undefined for `type: none`. */
export function createCache(config: CacheConfig, logger: Logger): Cache | undefined {
  switch (config.type) {
    case "none":
      return undefined;
    case "memory":
      return new LruCache({ maxEntries: config.memory.maxEntries });
    case "redis":
      return new RedisCache(config.redis, logger.child({ cache: "redis" }));
  }
}

/** `store` behind the configured cache; closing the result closes both. */
export function withConfiguredCache(
  store: CatalogStore,
  config: CacheConfig,
  logger: Logger,
  onLookup?: (hit: boolean) => void,
): CatalogStore {
  const cache = createCache(config, logger);
  if (cache === undefined) return store;
  return withCache(store, cache, { ttlSeconds: config.ttlSeconds, ...(onLookup ? { onLookup } : {}) }, logger);
}
