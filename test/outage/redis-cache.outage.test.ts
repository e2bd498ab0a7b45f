/**
 * The outage drill (drill.ts) with Redis as the cache in front of the
 * embedded store: a private redis-server is SIGKILLed under load. The catalog
 * can do without its cache, so no call may fail and health stays SERVING.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { tempDir } from "../api/harness.js";
import { PrivateRedis } from "../support/servers/private-redis.js";
import { runOutageDrill } from "./drill.js";

describe("outage drill: redis as cache", () => {
  const redis = new PrivateRedis();
  const dataDir = tempDir("nestor-drill-redis-");
  beforeAll(() => redis.start());
  afterAll(async () => {
    await redis.remove();
    dataDir.remove();
  });

  it("stays up and answers every call from the store while the cache is down", async () => {
    await runOutageDrill(
      {
        env: {
          NESTOR_STORAGE_TYPE: "embedded",
          NESTOR_STORAGE_EMBEDDED_DATA_DIR: dataDir.path,
          NESTOR_STORAGE_EMBEDDED_FSYNC: "false",
          NESTOR_CACHE_TYPE: "redis",
          NESTOR_CACHE_REDIS_URL: redis.url,
          NESTOR_CACHE_REDIS_TIMEOUT_MS: "500",
        },
        kill: () => redis.kill(),
        start: () => redis.start(),
      },
      { dependencyTimeoutMs: 500, duringOutage: "unaffected" },
    );
  }, 180_000);
});
