/**
 * One bench/hybrid server in its own process (the orchestrator pins it to a
 * core with taskset). Prints one JSON line {url, pid} on stdout once it
 * serves (and, for a replica, once the replica has applied the whole seeded
 * catalog), then runs until SIGTERM.
 *
 *   node --import tsx bench/hybrid/server-process.ts memory <components> <churnMs>
 *   node --import tsx bench/hybrid/server-process.ts redis-replica <components> <churnMs> <redisUrl> <keyPrefix>
 *
 * memory: the catalog server on a seeded memory store. redis-replica: the
 * same server on a hybrid store whose primary is that seeded memory store
 * and whose one replica is Redis, so every read request reads Redis.
 * churnMs > 0: the server updates a component no read asks for every churnMs
 * (the same on both), which empties the Manager's per-revision resolution
 * cache, so reads go to the store (the replica) instead of that cache.
 */
import { startCatalogServer } from "../../src/app.js";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { createLogger } from "../../src/logging/index.js";
import { HybridCatalogStore } from "../../src/storage/hybrid/store.js";
import { MemoryCatalogStore } from "../../src/storage/memory/catalog.js";
import { openRedisReplica } from "../../src/storage/redis/replica.js";
import type { CatalogStore } from "../../src/storage/store.js";
import { benchRecord, metaFor, seedThroughStore } from "../unary/catalog-data.js";

const [kind, componentsArg, churnArg, redisUrl, keyPrefix] = process.argv.slice(2);
const components = Number(componentsArg ?? 10_000);
const churnMs = Number(churnArg ?? 0);

async function main(): Promise<void> {
  // The production logger at its default level: per-call lines are debug, so they are built but not written.
  const logger = createLogger({ level: "info", format: "json", write: () => {} });
  const primary = new MemoryCatalogStore();
  await seedThroughStore(primary, components);
  let store: CatalogStore = primary;
  if (kind === "redis-replica" && redisUrl !== undefined && keyPrefix !== undefined) {
    const replica = await openRedisReplica({ url: redisUrl, keyPrefix, timeoutMs: 5_000 }, logger);
    const hybrid = await HybridCatalogStore.open(primary, [{ name: "redis", replica }], {
      primaryIdentity: "memory:bench-hybrid",
      readWaitMs: 600_000,
      readFallback: "fail",
      logger,
    });
    await hybrid.readAt((await primary.revisionBounds()).current);
    store = hybrid;
  } else if (kind !== "memory") {
    throw new Error(
      "usage: server-process.ts memory <components> <churnMs> | " +
        "redis-replica <components> <churnMs> <redisUrl> <keyPrefix>",
    );
  }
  const config = structuredClone(DEFAULT_CONFIG);
  config.server.port = 0;
  config.server.shutdownGraceMs = 500;
  const server = await startCatalogServer(config, logger, { store });
  const stopChurn = churn(store);
  process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);
  process.once("SIGTERM", () => {
    stopChurn();
    void server.shutdown().finally(() => process.exit(0));
  });
}

/** Updates one component outside the read set every churnMs; returns its stop. */
function churn(store: CatalogStore): () => void {
  if (churnMs <= 0) return () => {};
  const record = benchRecord(components, "1.0.0");
  let sequence = 0;
  const ready = store.insertVersion(record, metaFor(0));
  const timer = setInterval(() => {
    sequence += 1;
    void ready
      .then(() => store.updateVersion(record.name, "1.0.0", { description: `churn ${sequence}` }, metaFor(sequence)))
      .catch(() => undefined);
  }, churnMs);
  return () => clearInterval(timer);
}

await main();
