/**
 * The load generator, in its own process (pinned by the orchestrator to a
 * different core from the servers). Takes jobs over IPC: for one server,
 * protocol and scenario it runs a warm-up, then keeps `concurrency` calls in
 * flight for `durationMs`, and answers with requests/s, p50/p99 and the
 * server's CPU time over the measured window (/proc/<pid>/stat,
 * utime + stime, read just before and just after it).
 *
 * Clients are Connect-ES: gRPC over HTTP/2 (one session), and the Connect
 * protocol with JSON over HTTP/1.1 (keep-alive sockets, one per call in flight).
 */
import { performance } from "node:perf_hooks";
import { type Client, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { CONSTRAINT, componentName, EXACT_VERSION, FILTER_PROVIDER } from "./catalog-data.js";
import { processCpuMicros, summarize } from "./stats.js";

export type Protocol = "grpc" | "connect";
export type Scenario = "get-exact" | "get-latest" | "get-constraint" | "list-filtered";

export interface LoadJob {
  url: string;
  serverPid: number;
  protocol: Protocol;
  scenario: Scenario;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  components: number;
  /**
   * Offered load in calls per second, all workers together (open-loop: each call has a scheduled start, and its
   * latency counts from that time, so a server that falls behind is charged for the queue). Unset: as fast as
   * the server answers.
   */
  rps?: number;
  /** Connect only: whether the client accepts gzip responses (true, connect-es's default, unless set false). */
  connectGzip?: boolean;
  /**
   * Instead of a timed run: exactly this many calls, unmeasured (the priming pass; with `components` calls the
   * stride visits every component once).
   */
  count?: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerRequest: number;
  firstError?: string;
}

type CatalogClient = Client<typeof CatalogService>;
const clients = new Map<string, { client: CatalogClient; close(): void }>();

function clientFor(url: string, protocol: Protocol, connectGzip = true): CatalogClient {
  const key = `${protocol} ${url} ${connectGzip}`;
  let entry = clients.get(key);
  if (!entry) {
    if (protocol === "grpc") {
      const sessions = new Http2SessionManager(url);
      entry = {
        client: createClient(CatalogService, createGrpcTransport({ baseUrl: url, sessionManager: sessions })),
        close: () => sessions.abort(),
      };
    } else {
      const transport = createConnectTransport({
        baseUrl: url,
        httpVersion: "1.1",
        useBinaryFormat: false,
        ...(connectGzip ? {} : { acceptCompression: [] }),
      });
      entry = { client: createClient(CatalogService, transport), close: () => {} };
    }
    clients.set(key, entry);
  }
  return entry.client;
}

function callFor(client: CatalogClient, scenario: Scenario, components: number): () => Promise<unknown> {
  let next = 0;
  // A different component on every call (stride through the catalog), so no answer is hot by accident.
  const name = () => {
    next = (next + 7919) % components;
    return componentName(next);
  };
  switch (scenario) {
    case "get-exact":
      return () => client.getComponent({ name: name(), version: EXACT_VERSION });
    case "get-latest":
      return () => client.getComponent({ name: name(), version: "" });
    case "get-constraint":
      return () => client.getComponent({ name: name(), version: CONSTRAINT });
    case "list-filtered":
      return () => client.listComponents({ filter: { provider: FILTER_PROVIDER }, pageSize: 50 });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function drive(
  call: () => Promise<unknown>,
  concurrency: number,
  durationMs: number,
  record: boolean,
  count = Infinity,
  rps?: number,
) {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let started = 0;
  const begin = performance.now();
  const deadline = begin + durationMs;
  const worker = async () => {
    while (performance.now() < deadline && started < count) {
      const slot = started++;
      let start = performance.now();
      if (rps !== undefined) {
        // The call's scheduled start: latency counts from it even when the worker gets there late.
        const due = begin + (slot * 1000) / rps;
        if (due >= deadline) break;
        if (due > start) await sleep(due - start);
        start = due;
      }
      try {
        await call();
        if (record) latencies.push(performance.now() - start);
      } catch (err) {
        errors++;
        firstError ??= String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, errors, firstError };
}

export async function runJob(job: LoadJob): Promise<LoadResult> {
  const call = callFor(clientFor(job.url, job.protocol, job.connectGzip), job.scenario, job.components);
  if (job.count !== undefined) {
    const { errors, firstError } = await drive(call, job.concurrency, Infinity, false, job.count);
    return {
      requests: job.count - errors,
      errors,
      rps: Number.NaN,
      p50Ms: Number.NaN,
      p99Ms: Number.NaN,
      cpuUsPerRequest: Number.NaN,
      ...(firstError ? { firstError } : {}),
    };
  }
  await drive(call, job.concurrency, job.warmupMs, false, Infinity, job.rps);
  const cpuBefore = processCpuMicros(job.serverPid);
  const started = performance.now();
  const { latencies, errors, firstError } = await drive(call, job.concurrency, job.durationMs, true, Infinity, job.rps);
  const elapsed = performance.now() - started;
  const cpuAfter = processCpuMicros(job.serverPid);
  const summary = summarize(latencies, elapsed);
  return {
    requests: summary.ops,
    errors,
    rps: summary.opsPerSec,
    p50Ms: summary.p50Ms,
    p99Ms: summary.p99Ms,
    cpuUsPerRequest: summary.ops > 0 ? (cpuAfter - cpuBefore) / summary.ops : Number.NaN,
    ...(firstError ? { firstError } : {}),
  };
}

if (process.send) {
  process.on("message", (job: LoadJob) => {
    runJob(job).then(
      (result) => process.send!({ ok: true, result }),
      (err: unknown) => process.send!({ ok: false, error: String(err) }),
    );
  });
  process.send({ ready: true });
}
