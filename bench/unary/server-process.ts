/**
 * One benchmark server in its own process (the orchestrator pins it to a
 * core with taskset). Prints one JSON line {url, pid, readyMs} on stdout
 * once it serves, then runs until SIGTERM.
 *
 *   node --import tsx bench/unary/server-process.ts bare | control
 *   node --import tsx bench/unary/server-process.ts memory <components>
 *   node --import tsx bench/unary/server-process.ts embedded <dataDir>
 *
 * With BENCH_COMPILED=1 the catalog server's modules come from dist/ (what
 * `npm run build` emits and production runs) instead of being transpiled
 * by tsx; the bare server is this file's own few lines either way. A
 * "control" server is a second bare one (bench/unary/run.ts says why).
 */
import { performance } from "node:perf_hooks";
import type * as App from "../../src/app.js";
import type * as Schema from "../../src/config/schema.js";
import type * as Logging from "../../src/logging/index.js";
import type * as Embedded from "../../src/storage/embedded/catalog.js";
import type * as Memory from "../../src/storage/memory/catalog.js";
import type { CatalogStore } from "../../src/storage/store.js";
import { startBareServer } from "./bare-server.js";
import { seedThroughStore } from "./catalog-data.js";
import { isBareKind } from "./pinned.js";

const [kind, arg] = process.argv.slice(2);
const root = process.env.BENCH_COMPILED === "1" ? "../../dist/src" : "../../src";
const { startCatalogServer } = (await import(`${root}/app.js`)) as typeof App;
const { DEFAULT_CONFIG } = (await import(`${root}/config/schema.js`)) as typeof Schema;
const { createLogger } = (await import(`${root}/logging/index.js`)) as typeof Logging;
const { openEmbeddedStore } = (await import(`${root}/storage/embedded/catalog.js`)) as typeof Embedded;
const { MemoryCatalogStore } = (await import(`${root}/storage/memory/catalog.js`)) as typeof Memory;

async function main(): Promise<void> {
  if (isBareKind(kind ?? "")) {
    const server = await startBareServer();
    ready(server.url);
    process.once("SIGTERM", () => {
      server.close();
      process.exit(0);
    });
    return;
  }
  // The production logger at its default level: per-call lines are debug, so they are built but not written.
  const logger = createLogger({ level: "info", format: "json", write: () => {} });
  let store: CatalogStore;
  if (kind === "memory") {
    const memory = new MemoryCatalogStore();
    await seedThroughStore(memory, Number(arg ?? 10_000));
    store = memory;
  } else if (kind === "embedded" && arg) {
    store = await openEmbeddedStore({ dataDir: arg, fsync: true }, logger);
  } else {
    throw new Error(`usage: server-process.ts bare | control | memory <components> | embedded <dataDir>`);
  }
  const config = structuredClone(DEFAULT_CONFIG);
  config.server.port = 0;
  config.server.shutdownGraceMs = 500;
  config.storage.type = kind;
  config.events.retentionMaxEvents = 0;
  const server = await startCatalogServer(config, logger, { store });
  ready(server.url);
  process.once("SIGTERM", () => {
    void server.shutdown().finally(() => process.exit(0));
  });
}

function ready(url: string): void {
  process.stdout.write(`${JSON.stringify({ url, pid: process.pid, readyMs: Math.round(performance.now()) })}\n`);
}

await main();
