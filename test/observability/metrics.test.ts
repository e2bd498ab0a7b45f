/**
 * Prometheus metrics on the admin listener of a real server: RPC metrics in
 * go-grpc-prometheus names for every protocol, catalog metrics, bounded
 * label values under hostile names, and an exposition `promtool check
 * metrics` accepts.
 */
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { promisify } from "node:util";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Health } from "../../gen/ts/src/grpc/health/v1/health_pb.js";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { generateApiKey, hashApiKey } from "../../src/api/auth/index.js";
import { type CatalogServer, startCatalogServer } from "../../src/app.js";
import { DEFAULT_SYNC_REPOSITORY } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { expectConnectError, repoRoot, sampleComponent, testConfig } from "../api/harness.js";
import { PROTOCOLS, protocolClients } from "../security/helpers.js";
import { freePort } from "../support/ports.js";
import { definition, definitionYaml, GitFixture, tempDir } from "../sync/git-fixture.js";

const run = promisify(execFile);

/** The samples of `name` in a text exposition, as label objects with values. */
function samples(text: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
  const out: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    out.push({ labels, value: Number(match[3]) });
  }
  return out;
}

function sampleValue(text: string, name: string, labels: Record<string, string>): number {
  const found = samples(text, name).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found.reduce((sum, s) => sum + s.value, 0);
}

describe("metrics on the admin listener", () => {
  let server: CatalogServer;
  let adminUrl: string;
  const repo = new GitFixture();
  const cacheDir = tempDir("nestor-metrics-git-");
  beforeAll(async () => {
    repo.write(
      "components/db.yaml",
      definitionYaml(definition({ name: "synced-db" }), definition({ name: "synced-cache" })),
    );
    repo.commit("two definitions");
    const adminPort = await freePort();
    adminUrl = `http://127.0.0.1:${adminPort}/metrics`;
    server = await startCatalogServer(
      testConfig((c) => {
        c.server.admin = { host: "127.0.0.1", port: adminPort };
        c.sync.cacheDir = cacheDir;
        c.sync.repositories = [{ ...DEFAULT_SYNC_REPOSITORY, name: "platform", url: repo.dir, pollIntervalMs: 0 }];
      }),
      silentLogger,
    );
  });
  afterAll(async () => {
    await server?.shutdown();
    repo.cleanup();
    rmSync(cacheDir, { recursive: true, force: true });
  });
  const scrape = async () => {
    const response = await fetch(adminUrl);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };

  it("counts calls on every protocol by method and code, and times unary calls only", async () => {
    const { clients, close } = protocolClients(server.url);
    try {
      for (const protocol of PROTOCOLS) {
        await clients[protocol].createComponent({ component: sampleComponent({ name: `metrics-${protocol}` }) });
        await clients[protocol].getComponent({ name: `metrics-${protocol}`, version: "1.0.0" });
        await expectConnectError(
          clients[protocol].getComponent({ name: "metrics-absent", version: "1.0.0" }),
          Code.NotFound,
        );
      }
    } finally {
      close();
    }
    const text = await scrape();
    const get = { grpc_type: "unary", grpc_service: "nestor.catalog.v1.CatalogService", grpc_method: "GetComponent" };
    expect(sampleValue(text, "grpc_server_started_total", get)).toBe(6);
    expect(sampleValue(text, "grpc_server_handled_total", { ...get, grpc_code: "OK" })).toBe(3);
    expect(sampleValue(text, "grpc_server_handled_total", { ...get, grpc_code: "NotFound" })).toBe(3);
    expect(sampleValue(text, "grpc_server_msg_received_total", get)).toBe(6);
    expect(sampleValue(text, "grpc_server_msg_sent_total", get)).toBe(3);
    expect(sampleValue(text, "grpc_server_handling_seconds_count", get)).toBe(6);
    const create = { ...get, grpc_method: "CreateComponent" };
    expect(sampleValue(text, "grpc_server_handled_total", { ...create, grpc_code: "OK" })).toBe(3);
    // Every write so far is an insert (three here, the rest from the Git sync at start): one revision each. The
    // gauge is the event feed's head, which follows the store's commits (and the sync may still be writing).
    await vi.waitFor(async () => {
      const revision = (await server.store.revisionBounds()).current;
      const settled = await scrape();
      expect(sampleValue(settled, "nestor_catalog_revision", {})).toBe(revision);
      const inserts = { backend: "memory", operation: "insertVersion" };
      expect(sampleValue(settled, "nestor_store_operation_seconds_count", inserts)).toBe(revision);
    });
    expect(sampleValue(text, "nestor_health_serving", { service: "nestor.catalog.v1.CatalogService/writes" })).toBe(1);
  });

  it("counts a server stream's messages and records its code when it ends, with no latency histogram", async () => {
    const client = createClient(Health, createGrpcTransport({ baseUrl: server.url }));
    const controller = new AbortController();
    for await (const _ of client.watch({ service: "" }, { signal: controller.signal })) break;
    const watch = { grpc_type: "server_stream", grpc_service: "grpc.health.v1.Health", grpc_method: "Watch" };
    await expect.poll(async () => sampleValue(await scrape(), "grpc_server_handled_total", watch)).toBe(1);
    const text = await scrape();
    expect(sampleValue(text, "grpc_server_msg_sent_total", watch)).toBe(1);
    expect(samples(text, "grpc_server_handling_seconds_count").filter((s) => s.labels.grpc_method === "Watch")).toEqual(
      [],
    );
  });

  it("counts open watch streams, events sent and how far behind each batch was", async () => {
    const client = createClient(CatalogService, createGrpcTransport({ baseUrl: server.url }));
    const controller = new AbortController();
    const stream = client.watchEvents({ startRevision: 0n, resume: true }, { signal: controller.signal });
    const head = (await server.store.revisionBounds()).current;
    let seen = 0;
    let openWhileWatching = 0;
    for await (const message of stream) {
      if (seen === 0) openWhileWatching = sampleValue(await scrape(), "nestor_watch_streams_open", {});
      seen += message.events.length;
      if (message.revision >= BigInt(head)) break;
    }
    expect(openWhileWatching).toBe(1);
    const text = await scrape();
    expect(sampleValue(text, "nestor_watch_events_sent_total", {})).toBeGreaterThanOrEqual(seen);
    expect(sampleValue(text, "nestor_watch_lag_revisions_count", {})).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => sampleValue(await scrape(), "nestor_watch_streams_open", {})).toBe(0);
  });

  it("keeps the series count fixed when callers send hostile names", async () => {
    const { clients, close } = protocolClients(server.url);
    // Process metrics (GC kinds, handle types) come and go on their own; the catalog's series must not.
    const catalogSeries = async () =>
      (await scrape()).split("\n").filter((line) => /^(grpc|nestor)_/.test(line)).length;
    const hostile = (i: number) => [`x${i}`, `${"a".repeat(64)}${i}`, `\u00e9${i}`, `../../${i}`, `{label="${i}"}`];
    const round = async (i: number) => {
      for (const name of hostile(i)) {
        await clients.grpc.getComponent({ name, version: "1.0.0" }).catch(() => undefined);
        await clients.connect
          .listComponents({ filter: { provider: name, labels: { [name]: name } } })
          .catch(() => undefined);
      }
    };
    try {
      await round(0);
      const before = await catalogSeries();
      for (let i = 1; i <= 40; i++) await round(i);
      const text = await scrape();
      expect(text).not.toContain("x39");
      expect(await catalogSeries()).toBe(before);
    } finally {
      close();
    }
  });

  it("serves an exposition promtool accepts", async () => {
    const bin = (await run("bash", [`${repoRoot}scripts/services/prometheus.sh`])).stdout.trim();
    const text = await scrape();
    const check = run(`${bin}/promtool`, ["check", "metrics"], { maxBuffer: 16 * 1024 * 1024 });
    check.child.stdin?.end(text);
    const { stdout, stderr } = await check.catch((err: { stdout: string; stderr: string }) => err);
    // promtool lints help texts and names; it reports nothing for a clean exposition.
    expect(`${stdout}${stderr}`.trim()).toBe("");
  }, 120_000);

  it("counts Git sync runs by result, with the files read and the time of the last success", async () => {
    repo.write("components/extra.yaml", definitionYaml(definition({ name: "synced-extra" })));
    repo.commit("one more");
    const run = await server.sync.syncNow("platform");
    expect(run.state).toBe("succeeded");
    const text = await scrape();
    expect(
      sampleValue(text, "nestor_sync_runs_total", { repository: "platform", result: "success" }),
    ).toBeGreaterThanOrEqual(1);
    expect(sampleValue(text, "nestor_sync_files", { repository: "platform" })).toBe(1);
    const last = sampleValue(text, "nestor_sync_last_success_timestamp_seconds", { repository: "platform" });
    expect(last).toBe(Date.parse(run.endTime!) / 1000);
  });

  it("answers 404 for anything but GET /metrics", async () => {
    const response = await fetch(adminUrl.replace("/metrics", "/debug"));
    expect(response.status).toBe(404);
  });
});

describe("metrics of the cache, authentication and limits", () => {
  let server: CatalogServer;
  let adminUrl: string;
  const readerKey = generateApiKey();
  const adminKey = generateApiKey();
  beforeAll(async () => {
    const adminPort = await freePort();
    adminUrl = `http://127.0.0.1:${adminPort}/metrics`;
    server = await startCatalogServer(
      testConfig((c) => {
        c.server.admin = { host: "127.0.0.1", port: adminPort };
        c.cache.type = "memory";
        c.auth.apiKeys = [
          { name: "reader", hash: hashApiKey(readerKey), role: "reader", namePrefixes: [], providers: [] },
          { name: "ops", hash: hashApiKey(adminKey), role: "admin", namePrefixes: [], providers: [] },
        ];
        c.server.limits = { requestsPerSecond: 1, burst: 6, maxStreamsPerIdentity: 1 };
      }),
      silentLogger,
    );
  });
  afterAll(() => server?.shutdown());
  const scrape = async () => (await fetch(adminUrl)).text();

  it("counts cache hits and misses, refusals by reason and limits by scope", async () => {
    const client = createClient(CatalogService, createGrpcTransport({ baseUrl: server.url }));
    await client.createComponent(
      { component: sampleComponent({ name: "cached-one" }) },
      { headers: { authorization: `Bearer ${adminKey}` } },
    );
    const asReader = { headers: { authorization: `Bearer ${readerKey}` } };
    // Selectors the Manager's own resolution cache does not share, so each read reaches the cached store.
    for (const version of ["1.0.0", "=1.0.0", "1.0.0+a", "1.0.0+b"]) {
      await client.getComponent({ name: "cached-one", version }, asReader);
    }
    await expectConnectError(client.getComponent({ name: "cached-one" }), Code.Unauthenticated);
    await expectConnectError(
      client.getComponent({ name: "cached-one" }, { headers: { authorization: "Bearer nck_not-a-key" } }),
      Code.Unauthenticated,
    );
    await expectConnectError(
      client.createComponent({ component: sampleComponent({ name: "not-mine" }) }, asReader),
      Code.PermissionDenied,
    );
    let limited = false;
    for (let i = 0; i < 20 && !limited; i++) {
      limited = await client.getComponent({ name: "cached-one", version: "1.0.0" }, asReader).then(
        () => false,
        () => true,
      );
    }
    expect(limited).toBe(true);
    const text = await scrape();
    expect(sampleValue(text, "nestor_cache_requests_total", { cache: "memory", result: "hit" })).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      sampleValue(text, "nestor_cache_requests_total", { cache: "memory", result: "miss" }),
    ).toBeGreaterThanOrEqual(1);
    expect(sampleValue(text, "nestor_auth_failures_total", { reason: "credentials_missing" })).toBe(1);
    expect(sampleValue(text, "nestor_auth_failures_total", { reason: "credentials_invalid" })).toBe(1);
    expect(sampleValue(text, "nestor_auth_failures_total", { reason: "role" })).toBe(1);
    expect(sampleValue(text, "nestor_rate_limited_total", { scope: "rate" })).toBeGreaterThanOrEqual(1);
  });
});
