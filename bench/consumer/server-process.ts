/**
 * A catalog server on an empty memory store in its own process, for the
 * consumer-contract benchmarks: the load runs in the parent, so the two do
 * not share an event loop. Prints one JSON line {url, pid} once it serves,
 * then runs until SIGTERM.
 */
import { startCatalogServer } from "../../src/app.js";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { createLogger } from "../../src/logging/index.js";

const logger = createLogger({ level: "info", format: "json", write: () => {} });
const config = structuredClone(DEFAULT_CONFIG);
config.server.port = 0;
config.server.shutdownGraceMs = 500;
config.storage.type = "memory";
const server = await startCatalogServer(config, logger);
process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);
process.once("SIGTERM", () => {
  void server.shutdown().finally(() => process.exit(0));
});
