/**
 * The admin listener: a plain HTTP/1.1 server, apart from the API port, that
 * serves Prometheus' text exposition at GET /metrics (server.admin.host and
 * port; loopback by default, off when the port is 0). Apart so that scraping
 * never competes with the API's connection limits or authentication, and so
 * that it can stay on an address callers cannot reach.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../logging/index.js";
import type { CatalogMetrics } from "../observability/metrics.js";

export interface AdminServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startAdminServer(
  address: { host: string; port: number },
  metrics: CatalogMetrics,
  logger: Logger,
): Promise<AdminServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "").split("?", 1)[0];
    if (path !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) {
      res
        .writeHead(404, { "content-type": "text/plain; charset=utf-8" })
        .end("not found: the admin port serves GET /metrics\n");
      return;
    }
    metrics.exposition().then(
      (text) => {
        res.writeHead(200, { "content-type": metrics.contentType });
        res.end(req.method === "HEAD" ? undefined : text);
      },
      (err: unknown) => {
        logger.error("metrics exposition failed", { err });
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("metrics exposition failed\n");
      },
    );
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const host = bound.address.includes(":") ? `[${bound.address}]` : bound.address;
  const url = `http://${host}:${bound.port}`;
  logger.info("admin listener: metrics at /metrics", { url: `${url}/metrics` });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
