/**
 * Builds the configured CatalogStore, wrapped in the configured cache. The
 * only place that knows every backend.
 */
import type { CacheConfig, StorageConfig } from "../config/schema.js";
import type { Logger } from "../logging/index.js";
import { withConfiguredCache } from "./cache/index.js";
import { openDynamoStore } from "./dynamodb/catalog.js";
import { migrateDynamoDb } from "./dynamodb/migrations.js";
import { openEmbeddedStore } from "./embedded/catalog.js";
import { MemoryCatalogStore } from "./memory/catalog.js";
import { openPostgresStore } from "./postgres/catalog.js";
import { migratePostgres } from "./postgres/migrations.js";
import type { CatalogStore } from "./store.js";

export async function openStore(storage: StorageConfig, cache: CacheConfig, logger: Logger): Promise<CatalogStore> {
  const log = logger.child({ component: "storage", backend: storage.type });
  const store = await openBackend(storage, log);
  return withConfiguredCache(store, cache, log);
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
    case "memory":
    case "embedded":
      return `storage.type ${storage.type} needs no migrations`;
  }
}
