/**
 * A real Prometheus server (Debian's package, scripts/services/prometheus.sh)
 * scrapes the catalog's admin listener; after a few calls its HTTP API must
 * report grpc_server_handled_total for those methods and codes with the
 * values the calls produced.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type CatalogServer, startCatalogServer } from "../../src/app.js";
import { silentLogger } from "../../src/logging/index.js";
import { expectConnectError, repoRoot, sampleComponent, testConfig } from "../api/harness.js";
import { protocolClients } from "../security/helpers.js";
import { freePort } from "../support/ports.js";

interface QueryResult {
  status: string;
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

describe("Prometheus scraping the admin listener", () => {
  const dir = mkdtempSync(join(tmpdir(), "nestor-prometheus-"));
  let server: CatalogServer;
  let prometheus: ChildProcess;
  let prometheusUrl: string;
  let output = "";

  beforeAll(async () => {
    const bin = execFileSync("bash", [`${repoRoot}scripts/services/prometheus.sh`], { encoding: "utf8" }).trim();
    const adminPort = await freePort();
    server = await startCatalogServer(
      testConfig((c) => {
        c.server.admin = { host: "127.0.0.1", port: adminPort };
      }),
      silentLogger,
    );
    const config = join(dir, "prometheus.yml");
    writeFileSync(
      config,
      `global: { scrape_interval: 1s, evaluation_interval: 1s }\n` +
        "scrape_configs:\n  - job_name: nestor-catalog\n" +
        `    static_configs: [ { targets: ["127.0.0.1:${adminPort}"] } ]\n`,
    );
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      `${bin}/prometheus`,
      [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    prometheus.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    prometheus.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await vi.waitFor(
      async () => {
        const response = await fetch(`${prometheusUrl}/-/ready`);
        if (response.status !== 200) throw new Error(`prometheus not ready (${response.status}):\n${output}`);
      },
      { timeout: 30_000, interval: 200 },
    );
  }, 180_000);

  afterAll(async () => {
    prometheus?.kill("SIGTERM");
    await server?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const query = async (promql: string): Promise<Map<string, number>> => {
    const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as QueryResult;
    expect(body.status, output).toBe("success");
    return new Map(body.data.result.map((r) => [r.metric.grpc_code ?? "", Number(r.value[1])]));
  };

  it("reports grpc_server_handled_total with the values the calls produced", async () => {
    const { clients, close } = protocolClients(server.url);
    try {
      for (const protocol of ["grpc", "connect"] as const) {
        await clients[protocol].createComponent({ component: sampleComponent({ name: `scraped-${protocol}` }) });
        await expectConnectError(clients[protocol].getComponent({ name: "Not A Name" }), Code.InvalidArgument);
        await expectConnectError(clients[protocol].getComponent({ name: "scraped-absent" }), Code.NotFound);
      }
      await clients.grpc.getComponent({ name: "scraped-grpc" });
    } finally {
      close();
    }
    const get = 'grpc_server_handled_total{job="nestor-catalog",grpc_method="GetComponent"}';
    await expect
      .poll(async () => Object.fromEntries(await query(get)), { timeout: 30_000, interval: 500 })
      .toEqual({ OK: 1, InvalidArgument: 2, NotFound: 2 });
    const create = await query('grpc_server_handled_total{job="nestor-catalog",grpc_method="CreateComponent"}');
    expect(Object.fromEntries(create)).toEqual({ OK: 2 });
    const up = await query('up{job="nestor-catalog"}');
    expect([...up.values()]).toEqual([1]);
  }, 60_000);
});
