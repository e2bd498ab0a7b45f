/**
 * RedisCache and the read-through wrapper against real redis-server
 * processes: the shared one at NESTOR_TEST_REDIS_URL (scripts/services/redis.sh
 * starts it) and, for outages, private servers this file starts and stops.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createLogger, type Logger, silentLogger } from "../../src/logging/index.js";
import { withCache } from "../../src/storage/cached.js";
import { RedisCache } from "../../src/storage/redis/cache.js";
import { PrivateRedis } from "../support/servers/private-redis.js";
import { defineCachedStoreBehaviour } from "./cached-store-behaviour.js";
import { metaClock, newRecord, uniqueName } from "./fixtures.js";
import { InstrumentedMemoryStore } from "./instrumented-memory-store.js";

const REDIS_URL = process.env.NESTOR_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const runPrefix = `nestor-test:${randomBytes(4).toString("hex")}:`;
const meta = metaClock();

const caches: RedisCache[] = [];
function sharedRedisCache(logger: Logger = silentLogger, url = REDIS_URL, timeoutMs = 1_000): RedisCache {
  const cache = new RedisCache({ url, keyPrefix: runPrefix, timeoutMs }, logger);
  caches.push(cache);
  return cache;
}

async function readyCache(url = REDIS_URL, logger: Logger = silentLogger, timeoutMs = 1_000): Promise<RedisCache> {
  const cache = sharedRedisCache(logger, url, timeoutMs);
  if (!(await cache.waitUntilReady())) throw new Error(`redis at ${url} is not answering`);
  return cache;
}

afterAll(async () => {
  await Promise.all(caches.map((cache) => cache.close()));
  const admin = new Redis(REDIS_URL);
  const keys = await admin.keys(`${runPrefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  admin.disconnect();
});

/** Log lines written through the one logger, parsed back, for asserting what was logged. */
function capturingLogger(): { logger: Logger; lines: Array<{ level: string; msg: string }> } {
  const lines: Array<{ level: string; msg: string }> = [];
  const logger = createLogger({ level: "debug", format: "json", write: (line) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe("RedisCache", () => {
  it("returns what was set, misses what was not, and forgets what was deleted", async () => {
    const cache = await readyCache();
    await cache.set("a", "1", 60);
    await cache.set("b", "2", 60);

    expect(await cache.get("a")).toBe("1");
    expect(await cache.get("never-set")).toBeUndefined();

    await cache.delete(["a", "never-set"]);
    expect(await cache.get("a")).toBeUndefined();
    expect(await cache.get("b")).toBe("2");
  });

  it("keeps its keys under the configured prefix", async () => {
    const cache = await readyCache();
    await cache.set("prefixed", "x", 60);

    const admin = new Redis(REDIS_URL);
    try {
      expect(await admin.get(`${runPrefix}prefixed`)).toBe("x");
      expect(await admin.get("prefixed")).toBeNull();
    } finally {
      admin.disconnect();
    }
  });

  it("expires a value after its TTL", async () => {
    const cache = await readyCache();
    await cache.set("short-lived", "x", 1);
    expect(await cache.get("short-lived")).toBe("x");

    await vi.waitFor(async () => expect(await cache.get("short-lived")).toBeUndefined(), {
      timeout: 10_000,
      interval: 100,
    });
  });
});

defineCachedStoreBehaviour("Redis", () => readyCache());

describe("withCache over one Redis shared by two replicas", () => {
  it("never serves a write one replica acknowledged stale from the other, even without commit wake-ups", async () => {
    const store = new InstrumentedMemoryStore();
    const replicaA = withCache(store, await readyCache(), { ttlSeconds: 60 }, silentLogger);
    const replicaB = withCache(store, await readyCache(), { ttlSeconds: 60 }, silentLogger);
    await replicaA.cacheCaughtUp();
    await replicaB.cacheCaughtUp();
    const name = uniqueName("shared");
    await replicaA.insertVersion(newRecord(name, "1.0.0"), meta());
    expect((await replicaB.getVersion(name, "1.0.0"))?.description).toBe(newRecord(name, "1.0.0").description);
    expect((await replicaB.listVersions(name)).map((r) => r.version)).toEqual(["1.0.0"]);
    const readsBefore = store.reads.getVersion;
    expect((await replicaB.getVersion(name, "1.0.0"))?.description).toBe(newRecord(name, "1.0.0").description);
    expect(store.reads.getVersion).toBe(readsBefore);

    store.wakeupsLost = true;
    await replicaA.updateVersion(name, "1.0.0", { description: "from A" }, meta());
    await replicaA.insertVersion(newRecord(name, "2.0.0"), meta());

    expect((await replicaB.getVersion(name, "1.0.0"))?.description).toBe("from A");
    expect((await replicaB.listVersions(name)).map((r) => r.version)).toEqual(["2.0.0", "1.0.0"]);
  });
});

describe("withCache when Redis goes away", () => {
  const redis = new PrivateRedis();
  beforeAll(() => redis.start());
  afterEach(async () => {
    await redis.start().catch(() => undefined);
  });
  afterAll(() => redis.remove());

  it("keeps answering from the store, warns once, and caches again once Redis is back", async () => {
    const { logger, lines } = capturingLogger();
    const store = new InstrumentedMemoryStore();
    const cached = withCache(store, await readyCache(redis.url, logger, 300), { ttlSeconds: 60 }, silentLogger);
    await cached.cacheCaughtUp();
    const name = uniqueName("outage");
    await cached.insertVersion(newRecord(name, "1.0.0"), meta());
    await cached.getVersion(name, "1.0.0");
    await cached.getVersion(name, "1.0.0");
    expect(store.reads.getVersion).toBe(1);

    await redis.stop();
    for (let i = 0; i < 5; i++) {
      expect((await cached.getVersion(name, "1.0.0"))?.version).toBe("1.0.0");
    }
    await cached.updateVersion(name, "1.0.0", { description: "during the outage" }, meta());
    expect((await cached.getVersion(name, "1.0.0"))?.description).toBe("during the outage");
    expect(store.reads.getVersion).toBe(7);
    const warnings = () => lines.filter((line) => line.level === "warn");
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.msg).toMatch(/redis cache unavailable/);

    await redis.start();
    await vi.waitFor(
      () => expect(lines.some((line) => line.level === "info" && /reachable again/.test(line.msg))).toBe(true),
      {
        timeout: 15_000,
        interval: 50,
      },
    );
    expect((await cached.getVersion(name, "1.0.0"))?.description).toBe("during the outage");
    expect((await cached.getVersion(name, "1.0.0"))?.description).toBe("during the outage");
    expect(store.reads.getVersion).toBe(8);
    expect(warnings()).toHaveLength(1);
  });

  it("applies a delete that failed during the outage once Redis is back with its old data", async () => {
    const cache = await readyCache(redis.url, silentLogger, 300);
    await cache.set("survivor", "stale", 60);

    await redis.stop();
    await cache.delete(["survivor"]);
    expect(await cache.get("survivor")).toBeUndefined();
    await redis.start();

    const admin = new Redis(redis.url);
    try {
      await vi.waitFor(async () => expect(await admin.exists(`${runPrefix}survivor`)).toBe(0), {
        timeout: 15_000,
        interval: 50,
      });
      expect(await cache.get("survivor")).toBeUndefined();
    } finally {
      admin.disconnect();
    }
  });

  it("starts caching once a Redis that was down at start comes up", async () => {
    await redis.stop();
    const { logger, lines } = capturingLogger();
    const store = new InstrumentedMemoryStore();
    const cached = withCache(store, sharedRedisCache(logger, redis.url, 300), { ttlSeconds: 60 }, silentLogger);
    await cached.cacheCaughtUp();
    const name = uniqueName("late");
    await cached.insertVersion(newRecord(name, "1.0.0"), meta());
    expect((await cached.getVersion(name, "1.0.0"))?.version).toBe("1.0.0");

    await redis.start();
    await vi.waitFor(() => expect(lines.some((line) => line.level === "info")).toBe(true), {
      timeout: 15_000,
      interval: 50,
    });
    const readsBefore = store.reads.getVersion;
    await cached.getVersion(name, "1.0.0");
    await cached.getVersion(name, "1.0.0");
    expect(store.reads.getVersion).toBe(readsBefore + 1);
    expect(lines.filter((line) => line.level === "warn")).toHaveLength(1);
  });
});
