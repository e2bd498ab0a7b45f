/**
 * A catalog server process on the embedded store that a test stops and
 * starts again: the same port (restartablePort) and the same data directory,
 * so clients reconnect to the same URL and find every event written before.
 */
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { sampleComponent, uniqueName } from "../api/harness.js";
import { restartablePort } from "./ports.js";
import { type ServerProcess, spawnServer } from "./server-process.js";

export class RestartableCatalog {
  private running: ServerProcess | undefined;

  private constructor(private readonly env: Record<string, string>) {}

  static async create(dataDir: string, env: Record<string, string> = {}): Promise<RestartableCatalog> {
    return new RestartableCatalog({
      NESTOR_SERVER_PORT: String(await restartablePort()),
      NESTOR_STORAGE_TYPE: "embedded",
      NESTOR_STORAGE_EMBEDDED_DATA_DIR: dataDir,
      ...env,
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.env.NESTOR_SERVER_PORT}`;
  }

  async start(): Promise<void> {
    this.running = await spawnServer(this.env);
  }

  /** SIGTERM: the server drains (ending its streams) and exits. */
  async stop(): Promise<void> {
    await this.running?.stop();
    this.running = undefined;
  }

  /** Publishes `count` new components through the API; the revision of the last. */
  async publish(count: number, prefix = "restart"): Promise<number> {
    // A client per call: connections to a stopped server are gone.
    const client = createClient(CatalogService, createConnectTransport({ baseUrl: this.url, httpVersion: "1.1" }));
    let revision = 0n;
    for (let i = 0; i < count; i++) {
      revision = (await client.createComponent({ component: sampleComponent({ name: uniqueName(prefix) }) })).revision;
    }
    return Number(revision);
  }
}
