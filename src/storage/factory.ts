/**
 * The one place that knows every backend: builds the configured CatalogStore
 * (wrapped in the configured cache), applies a backend's migrations, and
 * opens the Git sync state shared by replicas on the catalog's database.
 * Adding a backend adds one case to each switch below (see README.md beside
 * this file, "Adding a backend").
 */
import { primaryIdentity, type ReplicaSettings, replicaSettings } from "../config/hybrid-rules.js";
import type { CacheConfig, StorageConfig } from "../config/schema.js";
import type { Logger } from "../logging/index.js";
import { LruCache } from "./cache/lru.js";
import { withCache } from "./cached.js";
import { openDynamoStore } from "./dynamodb/catalog.js";
import { migrateDynamoDb } from "./dynamodb/migrations.js";
import { DynamoSyncStateStore } from "./dynamodb/sync-state.js";
import { openEmbeddedStore } from "./embedded/catalog.js";
import type { ReplicaLagListener } from "./hybrid/applier.js";
import { LazyReplica } from "./hybrid/lazy-replica.js";
import { HybridCatalogStore } from "./hybrid/store.js";
import { MemoryCatalogStore } from "./memory/catalog.js";
import { openMysqlStore } from "./mysql/catalog.js";
import { migrateMysql } from "./mysql/migrate.js";
import { mysqlReplicaWhere, openMysqlReplica } from "./mysql/replica.js";
import { MysqlSyncStateStore } from "./mysql/sync-state.js";
import { openPostgresStore } from "./postgres/catalog.js";
import { migratePostgres } from "./postgres/migrate.js";
import { openPostgresReplica, postgresReplicaWhere } from "./postgres/replica.js";
import { PostgresSyncStateStore } from "./postgres/sync-state.js";
import { RedisCache } from "./redis/cache.js";
import { openRedisReplica, redisReplicaWhere } from "./redis/replica.js";
import type { Cache, CatalogStore, ReplicaStore, SharedSyncState } from "./store.js";

/** What the storage layer tells the layers above while it runs. */
export interface OpenStoreOptions {
  /** Told of each read the cache serves (true) or passes to the store (false). */
  onCacheLookup?: (hit: boolean) => void;
  /** A hybrid store's replica lag changed (for metrics). */
  onReplicaLag?: ReplicaLagListener;
}

export async function openStore(
  storage: StorageConfig,
  cache: CacheConfig,
  logger: Logger,
  options: OpenStoreOptions = {},
): Promise<CatalogStore> {
  const log = logger.child({ component: "storage", backend: storage.type });
  const store = await openBackend(storage, log, options);
  return withConfiguredCache(store, cache, log, options.onCacheLookup);
}

function openBackend(storage: StorageConfig, logger: Logger, hooks: OpenStoreOptions): Promise<CatalogStore> {
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
      return openHybridStore(storage, logger, hooks);
  }
}

/** The primary (storage.primary with its own section), then every replica behind its applier. */
async function openHybridStore(storage: StorageConfig, logger: Logger, hooks: OpenStoreOptions): Promise<CatalogStore> {
  const primary = await openBackend({ ...storage, type: storage.primary }, logger.child({ role: "primary" }), hooks);
  const replicas = replicaSettings(storage).map((settings) => ({
    name: settings.name,
    replica: openReplica(settings, logger.child({ replica: settings.name })),
  }));
  try {
    return await HybridCatalogStore.open(primary, replicas, {
      primaryIdentity: primaryIdentity(storage),
      readWaitMs: storage.hybrid.readWaitMs,
      readFallback: storage.hybrid.readFallback,
      logger: logger.child({ component: "storage.hybrid" }),
      ...(hooks.onReplicaLag !== undefined ? { onLag: hooks.onReplicaLag } : {}),
    });
  } catch (err) {
    await Promise.allSettled(replicas.map(({ replica }) => replica.close()));
    await primary.close();
    throw err;
  }
}

/** A replica, opened on first use (a replica that is down at start does not stop the catalog). */
function openReplica(settings: ReplicaSettings, logger: Logger): ReplicaStore {
  switch (settings.type) {
    case "postgres":
      return new LazyReplica("postgres", postgresReplicaWhere(settings.config), () =>
        openPostgresReplica(settings.config, logger),
      );
    case "mysql":
      return new LazyReplica("mysql", mysqlReplicaWhere(settings.config), () =>
        openMysqlReplica(settings.config, logger),
      );
    case "redis":
      return new LazyReplica("redis", redisReplicaWhere(settings.config), () =>
        openRedisReplica(settings.config, logger),
      );
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
    case "hybrid":
      return migrateHybrid(storage, logger);
    case "memory":
    case "embedded":
      return `storage.type ${storage.type} needs no migrations`;
  }
}

/** The primary's migrations, then each SQL replica's. */
async function migrateHybrid(storage: StorageConfig, logger: Logger): Promise<string> {
  const done = [await migrateStore({ ...storage, type: storage.primary }, logger)];
  for (const replica of replicaSettings(storage)) {
    if (replica.type === "postgres") {
      const result = await migratePostgres(replica.config, logger);
      done.push(`replica ${replica.name}: postgres ${describeMigrations(result)}`);
    } else if (replica.type === "mysql") {
      const result = await migrateMysql(replica.config, logger);
      done.push(`replica ${replica.name}: mysql ${describeMigrations(result)}`);
    }
  }
  return done.join("; ");
}

function describeMigrations(result: { applied: string[]; present: string[] }): string {
  return result.applied.length > 0
    ? `applied ${result.applied.join(", ")}`
    : `schema up to date (${result.present.length} migrations)`;
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
    case "hybrid":
      return openSharedSyncState<Status>({ ...storage, type: storage.primary }, logger);
    case "memory":
    case "embedded":
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
