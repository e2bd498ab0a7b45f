/**
 * The storage contract over the memory store wrapped in each cache mode: the
 * cache must not change a single observable answer. Redis is the one at
 * NESTOR_TEST_REDIS_URL (scripts/services/redis.sh), under a fresh prefix.
 */
import { randomBytes } from "node:crypto";
import { silentLogger } from "../../src/logging/index.js";
import { LruCache } from "../../src/storage/cache/lru.js";
import { withCache } from "../../src/storage/cached.js";
import { MemoryCatalogStore } from "../../src/storage/memory/index.js";
import { RedisCache } from "../../src/storage/redis/cache.js";
import { defineStoreContract } from "./contract.js";

const REDIS_URL = process.env.NESTOR_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const TTL = { ttlSeconds: 60 };

defineStoreContract("memory+lru", {
  open: async () => withCache(new MemoryCatalogStore(), new LruCache({ maxEntries: 10_000 }), TTL, silentLogger),
});

defineStoreContract("memory+redis", {
  open: async () => {
    const keyPrefix = `nestor-contract:${randomBytes(4).toString("hex")}:`;
    const cache = new RedisCache({ url: REDIS_URL, keyPrefix, timeoutMs: 1_000 }, silentLogger);
    if (!(await cache.waitUntilReady())) throw new Error(`redis at ${REDIS_URL} is not answering`);
    return withCache(new MemoryCatalogStore(), cache, TTL, silentLogger);
  },
});
