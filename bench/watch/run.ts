/**
 * bench/watch: WatchEvents fan-out on one server process (memory store).
 *
 *   npx tsx bench/watch/run.ts [--streams 1000,5000,10000] [--per-connection 100]
 *                              [--trials 20] [--burst 200] [--flat-seconds 60]
 *
 * For each stream count: a fresh `nestor-catalog serve` process, a load
 * generator process (load.ts) opening the streams over ~100 per HTTP/2
 * connection on loopback, then
 *   - server RSS per idle stream: (RSS with the streams open − RSS before) / streams;
 *   - one event, `trials` times: writer's ack → delivery on the last stream (p50/p99
 *     over trials), and per-stream delivery (p50/p99 over every stream of every trial);
 *   - a burst of `burst` events written back to back: delivered events/s
 *     (streams × events / time from the first write to the last delivery);
 *   - RSS flatness: server RSS sampled while one event a second is published
 *     for `flat-seconds` (largest stream count only).
 * Then, in this process, the serialise-once baseline: encoding one response
 * per stream the old way (toBinary of the full message) against the way
 * WatchEvents does it now (pre-encoded event bytes).
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import * as net from "node:net";
import { parseArgs } from "node:util";
import { create, toBinary, type UnknownField } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CatalogService, WatchEventsResponseSchema } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { EventSchema } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import { eventToWire } from "../../src/api/convert.js";
import type { CatalogEvent } from "../../src/storage/records.js";
import type { RevisionStats } from "./load.js";

const { values } = parseArgs({
  options: {
    streams: { type: "string", default: "1000,5000,10000" },
    "per-connection": { type: "string", default: "100" },
    trials: { type: "string", default: "20" },
    burst: { type: "string", default: "200" },
    "flat-seconds": { type: "string", default: "60" },
  },
});
const streamCounts = values.streams.split(",").map(Number);
const perConnection = Number(values["per-connection"]);
const trials = Number(values.trials);
const burst = Number(values.burst);
const flatSeconds = Number(values["flat-seconds"]);
const repoRoot = new URL("../../", import.meta.url).pathname;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function startServer(): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "serve"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      NESTOR_STORAGE_TYPE: "memory",
      NESTOR_SERVER_PORT: String(port),
      NESTOR_LOGGING_LEVEL: "warn",
      NESTOR_EVENTS_PROGRESS_INTERVAL_MS: "10000",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const client = createClient(CatalogService, createGrpcTransport({ baseUrl: url }));
  for (;;) {
    try {
      await client.listComponents({ pageSize: 1 });
      return { url, process: child };
    } catch {
      await sleep(100);
    }
  }
}

class LoadGenerator {
  private readonly child = fork(new URL("./load.ts", import.meta.url).pathname, [], { execArgv: ["--import", "tsx"] });

  private ask<T>(command: object, reply: string): Promise<T> {
    return new Promise((resolve) => {
      const onMessage = (message: { type: string }) => {
        if (message.type !== reply) return;
        this.child.off("message", onMessage);
        resolve(message as T);
      };
      this.child.on("message", onMessage);
      this.child.send(command);
    });
  }

  open(url: string, streams: number) {
    return this.ask<{ streams: number; failures: number }>({ type: "open", url, streams, perConnection }, "opened");
  }

  delivered(revisions: number[], keepTimes: boolean) {
    return this.ask<{ stats: RevisionStats[]; failures: number }>({ type: "await", revisions, keepTimes }, "delivered");
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.send({ type: "close" });
    await exited;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const ms = (value: number) => value.toFixed(1);

interface Row {
  streams: number;
  opened: number;
  rssPerStreamKiB: number;
  lastP50: number;
  lastP99: number;
  streamP50: number;
  streamP99: number;
  eventsPerSecond: number;
  flat?: string;
}

async function runOne(streams: number, measureFlatness: boolean): Promise<Row> {
  const server = await startServer();
  const pid = server.process.pid!;
  const client = createClient(CatalogService, createGrpcTransport({ baseUrl: server.url }));
  const name = "bench-watch";
  const component = {
    name,
    version: "1.0.0",
    provider: "aws",
    category: "database",
    description: "bench",
    deployment: { engine: "terraform", engineVersion: "1.6", config: {} },
  };
  await client.createComponent({ component });
  await sleep(1_000);
  const rssBefore = rssKiB(pid);
  const load = new LoadGenerator();
  const { streams: opened } = await load.open(server.url, streams);
  await sleep(3_000);
  const rssIdle = rssKiB(pid);

  const update = async (description: string) =>
    client.updateComponent({ component: { name, version: "1.0.0", description }, updateMask: { paths: ["description"] } });

  const lastLatencies: number[] = [];
  const perStream: number[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const reply = await update(`trial ${trial}`);
    const acked = now();
    const [stats] = (await load.delivered([Number(reply.revision)], true)).stats;
    lastLatencies.push(stats!.last - acked);
    for (const t of stats!.times ?? []) perStream.push(t - acked);
    await sleep(100);
  }

  const burstStart = now();
  const revisions: number[] = [];
  // Back to back, 8 in flight: the writer is not the bottleneck being measured.
  for (let i = 0; i < burst; i += 8) {
    const replies = await Promise.all(Array.from({ length: Math.min(8, burst - i) }, (_, k) => update(`burst ${i + k}`)));
    revisions.push(...replies.map((r) => Number(r.revision)));
  }
  const burstStats = (await load.delivered(revisions, false)).stats;
  const burstEnd = Math.max(...burstStats.map((s) => s.last));
  const delivered = burstStats.reduce((sum, s) => sum + s.count, 0);
  const eventsPerSecond = delivered / ((burstEnd - burstStart) / 1000);

  let flat: string | undefined;
  if (measureFlatness) {
    const samples: number[] = [];
    for (let second = 0; second < flatSeconds; second++) {
      const reply = await update(`flat ${second}`);
      await load.delivered([Number(reply.revision)], false);
      if (second % 5 === 0) samples.push(rssKiB(pid));
      await sleep(1_000);
    }
    samples.push(rssKiB(pid));
    const mib = (kib: number) => (kib / 1024).toFixed(0);
    flat = `${flatSeconds}s: first ${mib(samples[0]!)} MiB, min ${mib(Math.min(...samples))}, max ${mib(Math.max(...samples))}, last ${mib(samples.at(-1)!)}`;
  }

  await load.close();
  server.process.kill("SIGTERM");
  await new Promise((resolve) => server.process.once("exit", resolve));
  lastLatencies.sort((a, b) => a - b);
  perStream.sort((a, b) => a - b);
  return {
    streams,
    opened,
    rssPerStreamKiB: (rssIdle - rssBefore) / opened,
    lastP50: percentile(lastLatencies, 50),
    lastP99: percentile(lastLatencies, 99),
    streamP50: percentile(perStream, 50),
    streamP99: percentile(perStream, 99),
    eventsPerSecond,
    ...(flat ? { flat } : {}),
  };
}

/** Encoding N responses carrying one event: per stream (before) against pre-encoded bytes (now). */
function serialiseOnceBaseline(streams: number): { perStreamMs: number; preEncodedMs: number } {
  const event: CatalogEvent = {
    revision: 42,
    type: "updated",
    time: new Date().toISOString(),
    actor: "bench",
    component: {
      createActor: "bench",
      updateActor: "bench",
      name: "aws-rds-mysql",
      version: "1.2.0",
      provider: "aws",
      category: "database",
      description: "A MySQL database on Amazon RDS",
      labels: { team: "platform", tier: "gold" },
      deprecation: { deprecated: false, message: "" },
      inputs: Array.from({ length: 8 }, (_, i) => ({
        name: `input_${i}`,
        type: "string" as const,
        description: "an input",
        required: i === 0,
        sensitive: false,
        validation: { maxLength: 63, pattern: "[a-z]+" },
      })),
      outputs: [{ name: "endpoint", type: "string", description: "endpoint", sensitive: false }],
      deployment: { engine: "terraform", engineVersion: ">= 1.6", config: { module: { source: "git::https://example.com/rds.git" } } },
      contentDigest: "sha256:00",
      createTime: new Date().toISOString(),
      updateTime: new Date().toISOString(),
      createRevision: 1,
      updateRevision: 42,
    },
  };
  const rounds = 5;
  let start = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (let s = 0; s < streams; s++) {
      toBinary(WatchEventsResponseSchema, create(WatchEventsResponseSchema, { events: [eventToWire(event)], revision: 42n }));
    }
  }
  const perStreamMs = (performance.now() - start) / rounds;
  start = performance.now();
  for (let r = 0; r < rounds; r++) {
    const data = new BinaryWriter().bytes(toBinary(EventSchema, eventToWire(event))).finish();
    const field: UnknownField = { no: 1, wireType: WireType.LengthDelimited, data };
    for (let s = 0; s < streams; s++) {
      const response = create(WatchEventsResponseSchema, { revision: 42n });
      response.$unknown = [field];
      toBinary(WatchEventsResponseSchema, response);
    }
  }
  const preEncodedMs = (performance.now() - start) / rounds;
  return { perStreamMs, preEncodedMs };
}

const rows: Row[] = [];
for (const [index, streams] of streamCounts.entries()) {
  process.stderr.write(`bench/watch: ${streams} streams...\n`);
  rows.push(await runOne(streams, index === streamCounts.length - 1 && flatSeconds > 0));
}

console.log(`\nWatchEvents fan-out, one server process (memory store), ${perConnection} streams per HTTP/2 connection, loopback`);
console.log(`one-event latency over ${trials} trials; burst of ${burst} events\n`);
console.log("| streams | opened | RSS/idle stream | ack→last stream p50 | p99 | ack→each stream p50 | p99 | burst delivered events/s |");
console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) {
  console.log(
    `| ${r.streams} | ${r.opened} | ${r.rssPerStreamKiB.toFixed(1)} KiB | ${ms(r.lastP50)} ms | ${ms(r.lastP99)} ms | ${ms(r.streamP50)} ms | ${ms(r.streamP99)} ms | ${Math.round(r.eventsPerSecond)} |`,
  );
}
for (const r of rows) if (r.flat) console.log(`\nServer RSS at ${r.streams} streams, one event a second for ${r.flat}`);

console.log("\nSerialise once: encoding one response carrying one event for every stream (this process)\n");
console.log("| streams | per stream (before) | pre-encoded (now) |");
console.log("| ---: | ---: | ---: |");
for (const streams of streamCounts) {
  const { perStreamMs, preEncodedMs } = serialiseOnceBaseline(streams);
  console.log(`| ${streams} | ${ms(perStreamMs)} ms | ${ms(preEncodedMs)} ms |`);
}
