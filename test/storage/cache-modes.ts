/**
 * The cache modes every backend's contract run is repeated with (issue:
 * "each with no cache, an in-process LRU cache and the Redis cache"). The
 * no-cache run is each backend's own *.contract.test.ts; these wrap a store
 * in the LRU and in Redis under a fresh key prefix.
 */
import { randomBytes } from "node:crypto";
import { silentLogger } from "../../src/logging/index.js";
import { LruCache } from "../../src/storage/cache/lru.js";
import { withCache } from "../../src/storage/cached.js";
import { RedisCache } from "../../src/storage/redis/cache.js";
import type { CatalogStore } from "../../src/storage/store.js";

export const TEST_REDIS_URL = process.env.NESTOR_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const TTL = { ttlSeconds: 60 };

export interface CacheMode {
  name: "lru" | "redis";
  wrap(store: CatalogStore): Promise<CatalogStore>;
}

export const CACHE_MODES: readonly CacheMode[] = [
  {
    name: "lru",
    wrap: async (store) => withCache(store, new LruCache({ maxEntries: 10_000 }), TTL, silentLogger),
  },
  {
    name: "redis",
    wrap: async (store) => {
      const keyPrefix = `nestor-contract:${randomBytes(4).toString("hex")}:`;
      const cache = new RedisCache({ url: TEST_REDIS_URL, keyPrefix, timeoutMs: 1_000 }, silentLogger);
      if (!(await cache.waitUntilReady())) throw new Error(`redis at ${TEST_REDIS_URL} is not answering`);
      return withCache(store, cache, TTL, silentLogger);
    },
  },
];
