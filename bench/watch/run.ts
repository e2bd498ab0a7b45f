/**
 * bench/watch: WatchEvents fan-out on one server process (memory store).
 *
 *   npx tsx bench/watch/run.ts [--streams 1000,5000,10000] [--per-connection 100]
 *                              [--workers N] [--trials 20] [--burst 200]
 *                              [--duration 300 --rate 1 --sample-seconds 10]
 *                              [--server-cpus 0 --load-cpus 1] [--server-prof DIR]
 *                              [--server catalog|bare|http2] [--client node|go]
 *                              [--server-node-options=--max-old-space-size=1024] [--retention-events 500]
 *                              [--protocol grpc|sse]
 *
 * For each stream count: a fresh `nestor-catalog serve` process and N
 * load-generator worker processes (load.ts; default one per 2,500 streams),
 * each opening its share of the streams over its own HTTP/2 connections
 * (~100 streams each) on loopback, then
 *   - server RSS per idle stream: (RSS with the streams open − RSS before) / streams;
 *   - one event, `trials` times: writer's ack → delivery on the last stream (p50/p99
 *     over trials), and per-stream delivery (p50/p99 over every stream of every trial);
 *     also from the write's start (just before UpdateComponent is sent): write → ack
 *     and write → last stream. The catalog answers the writer first and fans the event
 *     out on the next turn of its event loop (src/catalog/watch.ts), so write → ack
 *     does not grow with the number of streams and ack → last stream is the fan-out's
 *     own time; write → last stream is the end-to-end figure (it includes the
 *     writer's round trip);
 *   - a burst of `burst` events written back to back: delivered events/s
 *     (streams × events / time from the first write to the last delivery);
 *   - with --duration: RSS flatness at the largest stream count, server RSS
 *     sampled every `sample-seconds` while `rate` events a second are
 *     published and delivered: first/last/min/max and the least-squares slope.
 * --client picks the load generator: `node` (default) forks load.ts workers
 * (Connect-ES clients); `go` builds bench/watch/load-go once per run (`go
 * build`, so needs a Go toolchain) and spawns that binary per worker instead,
 * speaking the same commands as JSON lines on stdin/stdout. At 10,000
 * streams the Node workers are themselves the latency bottleneck (even the
 * node:http2 floor shows seconds from ack to the last stream), so the Go
 * client is the one that shows the server's own latency; one Go process holds
 * every stream (default 1 worker; --workers still applies).
 * Times are on the host's monotonic clock (process.hrtime, CLOCK_MONOTONIC),
 * shared by the writer here and every worker. --server-cpus / --load-cpus pin the server
 * and the workers with taskset (this process runs where it was started).
 * --server-prof writes a V8 CPU profile of the server (--cpu-prof) into DIR.
 * --server bare runs bare-server.ts instead of the catalog: a bare
 * Connect-Node server fanning out the same pre-encoded event, the floor the
 * catalog's numbers are compared with; --server http2 runs http2-server.ts,
 * gRPC framed by hand on node:http2 (no Connect), the transport's floor.
 * With --duration the server also runs with --trace-gc, and the heap left
 * after each full (mark-compact) collection is reported beside RSS: RSS
 * saw-tooths with V8's heap growth, the heap after a full collection is
 * what the process actually keeps; bench/watch/heap-probe.mjs is preloaded
 * to show, at each minute's RSS floor, which V8 space holds the committed
 * memory and how much lies outside the JS heap. --server-node-options adds
 * Node/V8 flags to the server (a heap cap, say) to compare runs;
 * --retention-events bounds the server's event log (compacted once a minute)
 * so that a long run measures the server, not the log it keeps.
 * --protocol sse follows GET /v1/events (Server-Sent Events, src/api/sse-events.ts)
 * instead of WatchEvents: one HTTP/1.1 connection per stream (--per-connection does
 * not apply), Node workers only (load.ts parses the stream with eventsource-parser),
 * the catalog only; the same columns, so its rows stand beside the gRPC streams'.
 * Then, in this process, the serialise-once baseline (--baseline): encoding
 * one response per stream the old way (toBinary of the full message) against
 * the way WatchEvents does it now (pre-encoded event bytes).
 */
import { type ChildProcess, execFileSync, fork, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { create, toBinary, type UnknownField } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CatalogService, WatchEventsResponseSchema } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { EventSchema } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import { eventToWire } from "../../src/api/convert.js";
import type { CatalogEvent } from "../../src/storage/records.js";
import { freePort } from "../../test/support/ports.js";
import type { RevisionStats, WorkerCommand } from "./load.js";

const { values } = parseArgs({
  options: {
    streams: { type: "string", default: "1000,5000,10000" },
    "per-connection": { type: "string", default: "100" },
    workers: { type: "string", default: "0" },
    trials: { type: "string", default: "20" },
    burst: { type: "string", default: "200" },
    duration: { type: "string", default: "0" },
    rate: { type: "string", default: "1" },
    "sample-seconds": { type: "string", default: "10" },
    "server-cpus": { type: "string", default: "" },
    "load-cpus": { type: "string", default: "" },
    "server-prof": { type: "string", default: "" },
    /**
     * events.retentionMaxEvents for the server (0, the product's default, keeps every event: the memory
     * store's log then grows by each event, ~1 KiB, which a long flatness run sees as live heap growth).
     */
    "retention-events": { type: "string", default: "0" },
    /** Extra Node/V8 flags for the server process, e.g. "--max-old-space-size=1024". */
    "server-node-options": { type: "string", default: "" },
    baseline: { type: "boolean", default: false },
    /**
     * "catalog" (nestor-catalog serve on the memory store), "bare" (bare-server.ts: Connect-Node, the framework's
     * floor) or "http2" (http2-server.ts: gRPC framed by hand on node:http2, the transport's floor).
     */
    server: { type: "string", default: "catalog" },
    /** "node" (load.ts, forked) or "go" (bench/watch/load-go, built once and spawned): the load generator's workers. */
    client: { type: "string", default: "node" },
    /** "grpc" (WatchEvents over HTTP/2) or "sse" (GET /v1/events over HTTP/1.1, one connection per stream). */
    protocol: { type: "string", default: "grpc" },
  },
});
/**
 * The catalog runs compiled (dist/, built at the start of the run), as production and the Dockerfile run it:
 * under tsx every closure carries a `name` property esbuild's keepNames adds, ~256 bytes each, a sixth of an
 * idle watch's heap. The floors are a few closures each and stay under tsx.
 */
const SERVER_SCRIPTS: Record<string, (port: number) => string[]> = {
  catalog: () => ["dist/src/main.js", "serve"],
  bare: (port) => ["bench/watch/bare-server.ts", String(port)],
  http2: (port) => ["bench/watch/http2-server.ts", String(port)],
};
const SERVER_LABELS: Record<string, string> = {
  catalog: "catalog, memory store",
  bare: "bare Connect-Node baseline, bench/watch/bare-server.ts",
  http2: "gRPC on bare node:http2, bench/watch/http2-server.ts",
};
const serverScript = SERVER_SCRIPTS[values.server];
if (!serverScript)
  throw new Error(`--server must be one of ${Object.keys(SERVER_SCRIPTS).join(", ")}, not ${values.server}`);
if (values.client !== "node" && values.client !== "go")
  throw new Error(`--client must be node or go, not ${values.client}`);
if (values.protocol !== "grpc" && values.protocol !== "sse")
  throw new Error(`--protocol must be grpc or sse, not ${values.protocol}`);
const protocol = values.protocol;
if (protocol === "sse" && (values.client !== "node" || values.server !== "catalog"))
  throw new Error("--protocol sse runs with --client node and --server catalog only");
if (values.server === "catalog") {
  process.stderr.write("bench/watch: building dist/ (npm run build)...\n");
  execFileSync("npm", ["run", "--silent", "build"], {
    cwd: new URL("../../", import.meta.url).pathname,
    stdio: "inherit",
  });
}
const streamCounts = values.streams.split(",").map(Number);
/** Streams per connection: HTTP/1.1 carries one event stream per connection. */
const perConnection = protocol === "sse" ? 1 : Number(values["per-connection"]);
const trials = Number(values.trials);
const burst = Number(values.burst);
const durationSeconds = Number(values.duration);
const rate = Number(values.rate);
const sampleSeconds = Number(values["sample-seconds"]);
const repoRoot = new URL("../../", import.meta.url).pathname;
const epoch = process.hrtime.bigint();
const now = () => Number(process.hrtime.bigint() - epoch) / 1e6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Node workers are single-threaded, ~2,500 streams each; one Go process uses every core. */
const workersFor = (streams: number) =>
  Number(values.workers) || (values.client === "go" ? 1 : Math.max(1, Math.ceil(streams / 2_500)));

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

function pin(pid: number, cpus: string): void {
  if (cpus !== "") execFileSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { stdio: "ignore" });
}

/** Heap used after each full collection, from the server's --trace-gc lines. */
/** One line of bench/watch/heap-probe.mjs: bytes; spaces maps V8's space name to [committed, used]. */
interface HeapProbe {
  atMs: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  spaces: Record<string, [number, number]>;
}

interface FullGc {
  atMs: number;
  heapMiB: number;
  /** The heap V8 keeps committed after the collection (the number in brackets). */
  committedMiB: number;
  /** V8 isolate: the main thread's, or a worker's (tsx runs its loader in one). */
  isolate: string;
}

async function startServer(
  traceGc: boolean,
): Promise<{ url: string; process: ChildProcess; fullGcs: FullGc[]; probes: HeapProbe[] }> {
  const port = await freePort();
  const prof = values["server-prof"] ? ["--cpu-prof", "--cpu-prof-dir", values["server-prof"]] : [];
  const compiled = values.server === "catalog";
  const extra = values["server-node-options"].split(/\s+/).filter((flag) => flag !== "");
  const nodeArgs = [
    ...prof,
    ...extra,
    ...(traceGc ? ["--trace-gc", "--import", "./bench/watch/heap-probe.mjs"] : []),
    ...(compiled ? [] : ["--import", "tsx"]),
  ];
  const script = serverScript(port);
  const child = spawn(process.execPath, [...nodeArgs, ...script], {
    cwd: repoRoot,
    env: {
      ...process.env,
      NESTOR_STORAGE_TYPE: "memory",
      NESTOR_SERVER_PORT: String(port),
      NESTOR_LOGGING_LEVEL: "warn",
      NESTOR_EVENTS_PROGRESS_INTERVAL_MS: "10000",
      NESTOR_EVENTS_RETENTION_MAX_EVENTS: values["retention-events"],
      NESTOR_BENCH_HEAP_PROBE_MS: traceGc ? String(sampleSeconds * 1000) : "0",
    },
    stdio: ["ignore", traceGc ? "pipe" : "inherit", "inherit"],
  });
  const fullGcs: FullGc[] = [];
  const probes: HeapProbe[] = [];
  if (traceGc) {
    // e.g. "[123:0x5f]   81234 ms: Mark-Compact 950.1 (1012.3) -> 901.7 (1003.1) MB, ..."
    const line = /^\[\d+:(0x[0-9a-f]+)\].*?Mark-Compact.*? [\d.]+ \([\d.]+\) -> ([\d.]+) \(([\d.]+)\) MB/;
    createInterface({ input: child.stdout! }).on("line", (text) => {
      const match = line.exec(text);
      if (match)
        fullGcs.push({ atMs: now(), heapMiB: Number(match[2]), committedMiB: Number(match[3]), isolate: match[1]! });
      else if (text.startsWith("heap-probe "))
        probes.push({ atMs: now(), ...(JSON.parse(text.slice(11)) as Omit<HeapProbe, "atMs">) });
      else if (!/: (Scavenge|Mark-Compact|Mark-sweep)/.test(text)) process.stdout.write(`${text}\n`);
    });
  }
  pin(child.pid!, values["server-cpus"]);
  const url = `http://127.0.0.1:${port}`;
  const client = createClient(CatalogService, createGrpcTransport({ baseUrl: url }));
  for (;;) {
    try {
      await client.listComponents({ pageSize: 1 });
      return { url, process: child, fullGcs, probes };
    } catch {
      await sleep(100);
    }
  }
}

/** The Go worker binary, built once per run into a temporary directory (removed at exit). */
function buildGoWorker(): string {
  try {
    execFileSync("go", ["version"], { stdio: "ignore" });
  } catch {
    throw new Error(
      "--client go needs the Go toolchain: `go` was not found on PATH (install Go, or use --client node)",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "watch-load-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const binary = join(dir, "watch-load");
  process.stderr.write("bench/watch: building the Go load generator (bench/watch/load-go)...\n");
  // Built from inside its own module: the repository root has no go.mod.
  execFileSync("go", ["build", "-o", binary, "."], { cwd: join(repoRoot, "bench/watch/load-go"), stdio: "inherit" });
  return binary;
}
const goWorker = values.client === "go" ? buildGoWorker() : undefined;

type WorkerMessage = { type: string };

/**
 * How one worker process is reached: load.ts over Node's IPC channel, the Go
 * binary over JSON lines on stdin/stdout (its stderr is passed through).
 */
interface WorkerTransport {
  readonly child: ChildProcess;
  send(command: WorkerCommand): void;
  onMessage(listener: (message: WorkerMessage) => void): () => void;
}

function nodeTransport(): WorkerTransport {
  const child = fork(new URL("./load.ts", import.meta.url).pathname, [], {
    execArgv: ["--import", "tsx", "--max-old-space-size=2048"],
  });
  return {
    child,
    send: (command) => child.send(command),
    onMessage: (listener) => {
      child.on("message", listener);
      return () => child.off("message", listener);
    },
  };
}

function goTransport(binary: string): WorkerTransport {
  const child = spawn(binary, [], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  return {
    child,
    send: (command) => child.stdin!.write(`${JSON.stringify(command)}\n`),
    onMessage: (listener) => {
      const onLine = (line: string) => listener(JSON.parse(line) as WorkerMessage);
      lines.on("line", onLine);
      return () => lines.off("line", onLine);
    },
  };
}

/** One load-generator worker process (load.ts or load-go, by --client). */
class Worker {
  private readonly transport: WorkerTransport = goWorker ? goTransport(goWorker) : nodeTransport();

  constructor() {
    pin(this.transport.child.pid!, values["load-cpus"]);
  }

  ask<T>(command: WorkerCommand, reply: string): Promise<T> {
    return new Promise((resolve) => {
      const stop = this.transport.onMessage((message) => {
        if (message.type !== reply) return;
        stop();
        resolve(message as T);
      });
      this.transport.send(command);
    });
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.transport.child.once("exit", resolve));
    this.transport.send({ type: "close" } satisfies WorkerCommand);
    await exited;
  }
}

/** The workers as one load generator: streams split evenly, in whole connections. */
class LoadGenerator {
  private readonly workers: Worker[];

  constructor(count: number) {
    this.workers = Array.from({ length: count }, () => new Worker());
  }

  async open(url: string, streams: number): Promise<number> {
    const connections = Math.ceil(streams / perConnection);
    const n = this.workers.length;
    let left = streams;
    const shares = this.workers.map((_, i) => {
      const share = Math.min(left, (Math.floor(connections / n) + (i < connections % n ? 1 : 0)) * perConnection);
      left -= share;
      return share;
    });
    const replies = await Promise.all(
      this.workers.map((worker, i) =>
        worker.ask<{ streams: number }>(
          { type: "open", url, streams: shares[i]!, perConnection, epoch: String(epoch), protocol },
          "opened",
        ),
      ),
    );
    return replies.reduce((sum, r) => sum + r.streams, 0);
  }

  /** Per revision, every worker's deliveries merged: count summed, first/last over all streams. */
  async delivered(revisions: number[], keepTimes: boolean): Promise<RevisionStats[]> {
    const replies = await Promise.all(
      this.workers.map((worker) =>
        worker.ask<{ stats: RevisionStats[] }>({ type: "await", revisions, keepTimes }, "delivered"),
      ),
    );
    return revisions.map((revision, i) => {
      const parts = replies.map((r) => r.stats[i]!);
      return {
        revision,
        count: parts.reduce((sum, p) => sum + p.count, 0),
        first: Math.min(...parts.map((p) => p.first)),
        last: Math.max(...parts.map((p) => p.last)),
        ...(keepTimes ? { times: parts.flatMap((p) => p.times ?? []) } : {}),
      };
    });
  }

  async memoryMiB(): Promise<number[]> {
    const replies = await Promise.all(this.workers.map((w) => w.ask<{ rssKiB: number }>({ type: "memory" }, "memory")));
    return replies.map((r) => Math.round(r.rssKiB / 1024));
  }

  get size(): number {
    return this.workers.length;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const ms = (value: number) => (Number.isNaN(value) ? "–" : value.toFixed(1));
const mib = (kib: number) => (kib / 1024).toFixed(0);

interface Flatness {
  seconds: number;
  published: number;
  samplesKiB: number[];
  slopeKiBPerMin: number;
  lastP50: number;
  lastP99: number;
  workerMiB: number[];
  /** Heap used after each full collection during the run (--trace-gc), with its time in minutes from the start. */
  fullGcs: Array<{ minute: number; heapMiB: number; committedMiB: number }>;
  /** The server's heap probe (heap-probe.mjs) during the run, with its time in minutes from the start. */
  probes: Array<HeapProbe & { minute: number }>;
}

interface Row {
  streams: number;
  opened: number;
  workers: number;
  connections: number;
  rssPerStreamKiB: number;
  lastP50: number;
  lastP99: number;
  streamP50: number;
  streamP99: number;
  /** From just before the UpdateComponent call: its ack (p50), and the last stream's delivery (p50/p99). */
  writeAckP50: number;
  writeLastP50: number;
  writeLastP99: number;
  eventsPerSecond: number;
  workerMiB: number[];
  flat?: Flatness;
}

/** The collections of the isolate with the largest heap: the server's main thread, not tsx's loader thread. */
function mainIsolate(gcs: FullGc[]): FullGc[] {
  const largest = new Map<string, number>();
  for (const gc of gcs) largest.set(gc.isolate, Math.max(largest.get(gc.isolate) ?? 0, gc.heapMiB));
  const main = [...largest.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  return gcs.filter((gc) => gc.isolate === main);
}

/** Least-squares slope of samples taken every `everySeconds`, in KiB per minute. */
function slopePerMinute(samples: number[], everySeconds: number): number {
  return slope(
    samples.map((_, i) => (i * everySeconds) / 60),
    samples,
  );
}

/** Least-squares slope of ys over xs. */
function slope(xs: number[], samples: number[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = samples.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (samples[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}

async function runOne(streams: number, measureFlatness: boolean): Promise<Row> {
  const server = await startServer(measureFlatness);
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
  const load = new LoadGenerator(workersFor(streams));
  const opened = await load.open(server.url, streams);
  await sleep(5_000);
  const rssIdle = rssKiB(pid);

  const update = async (description: string) =>
    client.updateComponent({
      component: { name, version: "1.0.0", description },
      updateMask: { paths: ["description"] },
    });

  const lastLatencies: number[] = [];
  const perStream: number[] = [];
  const writeAck: number[] = [];
  const writeLast: number[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const sent = now();
    const reply = await update(`trial ${trial}`);
    const acked = now();
    const [stats] = await load.delivered([Number(reply.revision)], true);
    lastLatencies.push(stats!.last - acked);
    writeAck.push(acked - sent);
    writeLast.push(stats!.last - sent);
    for (const t of stats!.times ?? []) perStream.push(t - acked);
    await sleep(100);
  }

  let eventsPerSecond = Number.NaN;
  if (burst > 0) {
    const burstStart = now();
    const revisions: number[] = [];
    // Back to back, 8 in flight: the writer is not the bottleneck being measured.
    for (let i = 0; i < burst; i += 8) {
      const replies = await Promise.all(
        Array.from({ length: Math.min(8, burst - i) }, (_, k) => update(`burst ${i + k}`)),
      );
      revisions.push(...replies.map((r) => Number(r.revision)));
    }
    const burstStats = await load.delivered(revisions, false);
    const burstEnd = Math.max(...burstStats.map((s) => s.last));
    const delivered = burstStats.reduce((sum, s) => sum + s.count, 0);
    eventsPerSecond = delivered / ((burstEnd - burstStart) / 1000);
  }

  let flat: Flatness | undefined;
  if (measureFlatness) {
    process.stderr.write(
      `bench/watch: flatness, ${durationSeconds} s at ${rate} events/s, RSS every ${sampleSeconds} s\n`,
    );
    const samples = [rssKiB(pid)];
    const latencies: number[] = [];
    const started = now();
    let nextSample = started + sampleSeconds * 1000;
    let published = 0;
    while (now() - started < durationSeconds * 1000) {
      const due = started + (published * 1000) / rate;
      if (due > now()) await sleep(due - now());
      const reply = await update(`flat ${published}`);
      const acked = now();
      const [stats] = await load.delivered([Number(reply.revision)], false);
      latencies.push(stats!.last - acked);
      published += 1;
      while (now() >= nextSample) {
        samples.push(rssKiB(pid));
        nextSample += sampleSeconds * 1000;
        process.stderr.write(`  ${((now() - started) / 1000).toFixed(0)} s: server RSS ${mib(samples.at(-1)!)} MiB\n`);
      }
    }
    latencies.sort((a, b) => a - b);
    flat = {
      seconds: durationSeconds,
      published,
      samplesKiB: samples,
      slopeKiBPerMin: slopePerMinute(samples, sampleSeconds),
      lastP50: percentile(latencies, 50),
      lastP99: percentile(latencies, 99),
      workerMiB: await load.memoryMiB(),
      fullGcs: mainIsolate(server.fullGcs)
        .filter((gc) => gc.atMs >= started)
        .map((gc) => ({ minute: (gc.atMs - started) / 60_000, heapMiB: gc.heapMiB, committedMiB: gc.committedMiB })),
      probes: server.probes
        .filter((p) => p.atMs >= started)
        .map((p) => ({ ...p, minute: (p.atMs - started) / 60_000 })),
    };
  }

  const workerMiB = await load.memoryMiB();
  const workers = load.size;
  await load.close();
  server.process.kill("SIGTERM");
  await new Promise((resolve) => server.process.once("exit", resolve));
  lastLatencies.sort((a, b) => a - b);
  perStream.sort((a, b) => a - b);
  writeAck.sort((a, b) => a - b);
  writeLast.sort((a, b) => a - b);
  return {
    streams,
    opened,
    workers,
    connections: Math.ceil(streams / perConnection),
    rssPerStreamKiB: (rssIdle - rssBefore) / opened,
    lastP50: percentile(lastLatencies, 50),
    lastP99: percentile(lastLatencies, 99),
    streamP50: percentile(perStream, 50),
    streamP99: percentile(perStream, 99),
    writeAckP50: percentile(writeAck, 50),
    writeLastP50: percentile(writeLast, 50),
    writeLastP99: percentile(writeLast, 99),
    eventsPerSecond,
    workerMiB,
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
      deployment: {
        engine: "terraform",
        engineVersion: ">= 1.6",
        config: { module: { source: "git::https://example.com/rds.git" } },
      },
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
      toBinary(
        WatchEventsResponseSchema,
        create(WatchEventsResponseSchema, { events: [eventToWire(event)], revision: 42n }),
      );
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
  rows.push(await runOne(streams, index === streamCounts.length - 1 && durationSeconds > 0));
  // Each row as soon as it exists, so a long run that is cut short still reports.
  process.stderr.write(`bench/watch: ${JSON.stringify(rows.at(-1))}\n`);
}

const pinning =
  values["server-cpus"] || values["load-cpus"]
    ? `server pinned to CPU ${values["server-cpus"] || "any"}, load workers to CPU ${values["load-cpus"] || "any"}`
    : "nothing pinned";
const fanOut =
  protocol === "sse"
    ? "GET /v1/events (Server-Sent Events) fan-out, one HTTP/1.1 connection per stream"
    : `WatchEvents fan-out, ${perConnection} streams per HTTP/2 connection`;
console.log(`\n${fanOut}, one server process (${SERVER_LABELS[values.server]}), loopback; ${pinning}`);
const nodeClient = protocol === "sse" ? "node:http + eventsource-parser" : "Connect-ES";
const loadLabel =
  values.client === "go"
    ? "Go load generator (bench/watch/load-go, grpc-go)"
    : `Node load generator (bench/watch/load.ts, ${nodeClient})`;
console.log(`${loadLabel}; one-event latency over ${trials} trials; burst of ${burst} events\n`);
const TABLE_COLUMNS = [
  "streams",
  "opened",
  "connections",
  "load workers",
  "RSS/idle stream",
  "ack→last stream p50",
  "p99",
  "ack→each stream p50",
  "p99",
  "write→ack p50",
  "write→last stream p50",
  "p99",
  "burst delivered events/s",
  "worker RSS MiB",
];
console.log(`| ${TABLE_COLUMNS.join(" | ")} |`);
console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) {
  const cells = [
    r.streams,
    r.opened,
    r.connections,
    r.workers,
    `${r.rssPerStreamKiB.toFixed(1)} KiB`,
    `${ms(r.lastP50)} ms`,
    `${ms(r.lastP99)} ms`,
    `${ms(r.streamP50)} ms`,
    `${ms(r.streamP99)} ms`,
    `${ms(r.writeAckP50)} ms`,
    `${ms(r.writeLastP50)} ms`,
    `${ms(r.writeLastP99)} ms`,
    Number.isNaN(r.eventsPerSecond) ? "–" : Math.round(r.eventsPerSecond),
    r.workerMiB.join(", "),
  ];
  console.log(`| ${cells.join(" | ")} |`);
}
// The per-stream figure above also spreads fixed costs over the streams (heap V8 commits under the opening burst
// and keeps, the first sessions); what each further idle stream costs is the slope between two stream counts.
for (let i = 1; i < rows.length; i++) {
  const [a, b] = [rows[i - 1]!, rows[i]!];
  const marginal = (b.rssPerStreamKiB * b.opened - a.rssPerStreamKiB * a.opened) / (b.opened - a.opened);
  console.log(`RSS per further idle stream from ${a.opened} to ${b.opened} streams: ${marginal.toFixed(1)} KiB`);
}
for (const r of rows) {
  const f = r.flat;
  if (!f) continue;
  const s = f.samplesKiB;
  console.log(
    `\nServer RSS at ${r.streams} streams over ${f.seconds} s ` +
      `(${f.published} events at ${rate}/s, sampled every ${sampleSeconds} s): ` +
      `first ${mib(s[0]!)} MiB, last ${mib(s.at(-1)!)} MiB, ` +
      `min ${mib(Math.min(...s))} MiB, max ${mib(Math.max(...s))} MiB, ` +
      `slope ${(f.slopeKiBPerMin / 1024).toFixed(2)} MiB/min; ` +
      `ack→last stream p50 ${ms(f.lastP50)} ms, p99 ${ms(f.lastP99)} ms; ` +
      `worker RSS ${f.workerMiB.join(", ")} MiB`,
  );
  // RSS saw-tooths between major GCs, so the slope over raw samples depends on where the run
  // stops; the floor (lowest sample of each minute, i.e. after a major GC) shows growth.
  const perMinute = Math.max(1, Math.round(60 / sampleSeconds));
  const floors: number[] = [];
  for (let i = 0; i + perMinute <= s.length; i += perMinute) floors.push(Math.min(...s.slice(i, i + perMinute)));
  console.log(`samples (MiB): ${s.map(mib).join(" ")}`);
  console.log(
    `floor per minute (MiB): ${floors.map(mib).join(" ")}; ` +
      `floor slope ${(slopePerMinute(floors, 60) / 1024).toFixed(2)} MiB/min`,
  );
  const gcs = f.fullGcs;
  const heaps = gcs.map((gc) => `${gc.minute.toFixed(1)}m ${gc.heapMiB.toFixed(0)}/${gc.committedMiB.toFixed(0)}`);
  console.log(
    `heap after each full GC, used/committed (MiB, ${gcs.length} collections): ${heaps.join(", ")}; ` +
      `slope ${slope(
        gcs.map((gc) => gc.minute),
        gcs.map((gc) => gc.heapMiB),
      ).toFixed(2)} MiB/min` +
      (gcs.length >= 4 ? `, over the second half ${halfSlope(gcs).toFixed(2)} MiB/min` : ""),
  );
  printProbes(f.probes);
}

/**
 * Where the RSS of each minute's floor sits: the probe with the lowest RSS in
 * each minute, split into V8's spaces (committed) and what lies outside the JS
 * heap (RSS − committed heap; Node's and nghttp2's native memory, malloc's
 * free lists, code). A space that keeps growing while the heap after each
 * full GC stays flat is V8's sizing, not a leak; growth outside the heap is.
 */
function printProbes(probes: Array<HeapProbe & { minute: number }>): void {
  if (probes.length === 0) return;
  const floors = new Map<number, HeapProbe & { minute: number }>();
  for (const p of probes) {
    const minute = Math.floor(p.minute);
    const floor = floors.get(minute);
    if (floor === undefined || p.rss < floor.rss) floors.set(minute, p);
  }
  const shown = ["new_space", "old_space", "code_space", "large_object_space"];
  const toMiB = (bytes: number) => (bytes / 1048576).toFixed(0);
  console.log("\nAt each minute's RSS floor (MiB; V8 spaces committed/used, heap-probe.mjs):\n");
  console.log(
    `| minute | RSS | ${shown.join(" | ")} | all spaces committed | outside the JS heap | external | array buffers |`,
  );
  console.log(`| ---: | ---: | ${shown.map(() => "---:").join(" | ")} | ---: | ---: | ---: | ---: |`);
  for (const [minute, p] of [...floors.entries()].sort((a, b) => a[0] - b[0])) {
    const committed = Object.values(p.spaces).reduce((sum, [size]) => sum + size, 0);
    const cells = shown.map((name) => {
      const [size, used] = p.spaces[name] ?? [0, 0];
      return `${toMiB(size)}/${toMiB(used)}`;
    });
    const outside = toMiB(p.rss - committed);
    console.log(
      `| ${minute} | ${toMiB(p.rss)} | ${cells.join(" | ")} | ${toMiB(committed)} | ${outside} | ` +
        `${toMiB(p.external)} | ${toMiB(p.arrayBuffers)} |`,
    );
  }
}

/** The slope over the later half of the collections: warm-up growth flattens there, a leak does not. */
function halfSlope(gcs: Array<{ minute: number; heapMiB: number }>): number {
  const later = gcs.slice(Math.floor(gcs.length / 2));
  return slope(
    later.map((gc) => gc.minute),
    later.map((gc) => gc.heapMiB),
  );
}

if (values.baseline) {
  console.log("\nSerialise once: encoding one response carrying one event for every stream (this process)\n");
  console.log("| streams | per stream (before) | pre-encoded (now) |");
  console.log("| ---: | ---: | ---: |");
  for (const streams of streamCounts) {
    const { perStreamMs, preEncodedMs } = serialiseOnceBaseline(streams);
    console.log(`| ${streams} | ${ms(perStreamMs)} ms | ${ms(preEncodedMs)} ms |`);
  }
}
