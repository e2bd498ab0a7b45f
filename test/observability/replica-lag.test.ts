/**
 * A hybrid store's replica lag on the admin listener: the appliers set
 * nestor_replica_lag_revisions and nestor_replica_lag_seconds for each
 * replica, labelled with its configured name.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type CatalogServer, startCatalogServer } from "../../src/app.js";
import { silentLogger } from "../../src/logging/index.js";
import { sampleComponent, tempDir, testConfig } from "../api/harness.js";
import { TEST_REDIS_URL } from "../storage/cache-modes.js";
import { dropRedisPrefix } from "../storage/hybrid.harness.js";
import { freePort } from "../support/ports.js";
import { grpcClient } from "../watch/backends.js";

describe("replica lag metrics", () => {
  const dataDir = tempDir("nestor-lag-metrics-");
  const keyPrefix = `nestor-lag-metrics:${randomBytes(4).toString("hex")}:`;
  let server: CatalogServer;
  let metricsUrl: string;
  beforeAll(async () => {
    const adminPort = await freePort();
    metricsUrl = `http://127.0.0.1:${adminPort}/metrics`;
    server = await startCatalogServer(
      testConfig((c) => {
        c.server.admin = { host: "127.0.0.1", port: adminPort };
        c.storage.type = "hybrid";
        c.storage.primary = "embedded";
        c.storage.embedded = { ...c.storage.embedded, dataDir: dataDir.path, fsync: false };
        c.storage.replicas = [{ type: "redis", name: "fast" }];
        c.storage.redis = { url: TEST_REDIS_URL, keyPrefix, timeoutMs: 2_000 };
      }),
      silentLogger,
    );
  });
  afterAll(async () => {
    await server?.shutdown();
    await dropRedisPrefix(keyPrefix);
    dataDir.remove();
  });

  it("exposes each replica's lag in revisions and seconds under its name", async () => {
    const { client, close } = grpcClient(server.url);
    try {
      const created = await client.createComponent({
        component: sampleComponent({ name: "lag-metric", version: "1.0.0" }),
      });
      await client.getComponent({ name: "lag-metric", version: "1.0.0", minRevision: created.revision });
    } finally {
      close();
    }
    await vi.waitFor(
      async () => {
        const text = await (await fetch(metricsUrl)).text();
        expect(text).toMatch(/^nestor_replica_lag_revisions\{replica="fast"\} 0$/m);
        expect(text).toMatch(/^nestor_replica_lag_seconds\{replica="fast"\} 0$/m);
      },
      { timeout: 20_000, interval: 50 },
    );
  });
});
