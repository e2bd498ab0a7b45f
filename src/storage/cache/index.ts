/**
 * Caching for the composition root: builds the configured Cache and wraps a
 * store with it. `cache.type: none` leaves the store as it is.
 */
import type { CacheConfig } from "../../config/schema.js";
import type { Logger } from "../../logging/index.js";
import { withCache } from "../cached.js";
import { RedisCache } from "../redis/cache.js";
import type { Cache, CatalogStore } from "../store.js";
import { LruCache } from "./lru.js";

export { type CachedCatalogStore, type CacheOptions, withCache } from "../cached.js";
export { RedisCache } from "../redis/cache.js";
export { LruCache } from "./lru.js";

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
export function withConfiguredCache(store: CatalogStore, config: CacheConfig, logger: Logger): CatalogStore {
  const cache = createCache(config, logger);
  return cache === undefined ? store : withCache(store, cache, { ttlSeconds: config.ttlSeconds }, logger);
}
