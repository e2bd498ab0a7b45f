/**
 * bench/unary: the catalog server's unary hot path against a bare
 * Connect-Node server, measured side by side in the same run.
 *
 * Servers (each its own process, pinned to core 0 with `taskset -c 0`):
 *   bare      bench/unary/bare-server.ts: same transport, pre-built responses
 *   memory    the real server (src/app.ts) on a pre-seeded memory store
 *   embedded  the real server on the embedded store, opened from a log on disk
 *   control   a second bare server, not in the default list: its ratios to the bare server are the run's own
 *             noise, what two identical servers differ by (`--servers bare,control,memory,embedded`)
 * The load generator is another process pinned to core 1 (bench/unary/load-generator.ts:
 * raw HTTP/2 and HTTP/1.1 calls that do not decode answers, so that the server's core, not the client's, sets
 * the rate; the table shows both cores' busy shares). Rounds alternate
 * bare, memory, embedded, bare, ... (>= 3 each); medians are reported, and
 * each ratio is the median of per-round ratios to the bare run of that round.
 * Every server runs with SERVER_NODE_FLAGS (pinned.ts says why).
 * Also: the embedded server's cold start on the catalog (spawn -> first answer).
 *
 * Before the rounds of each scenario and protocol every server is primed:
 * each component is read once the way the scenario reads it (unmeasured),
 * so the rounds measure the steady state processors see, in which the
 * catalog answers a record it has answered before from its wire-form cache
 * (src/api/wire-cache.ts). `--cold` skips this: the first round then
 * also pays for converting and encoding each record on its first read.
 *
 *   npx tsx bench/unary/run.ts [--components 10000] [--rounds 3] [--duration-ms 2500]
 *     [--warmup-ms 500] [--concurrency 32] [--scenarios get-exact,...] [--protocols grpc,connect]
 *     [--summary file.json]   (the rows for bench/run-all.ts)
 *     [--profile-dir dir]     (node --cpu-prof of every server process)
 *     [--compiled]            the catalog servers run dist/ (built first when stale), as in production
 *     [--cold]                no priming pass (see below)
 *     [--no-connect-gzip]     the Connect client accepts no compressed responses (connect-es accepts gzip
 *                             by default, and both servers then gzip JSON over 1 KiB)
 *     [--catalog-node-flags="--max-semi-space-size=32"]  Node/V8 flags for the catalog servers only
 *     [--bare-node-flags="--external-memory-accounted-in-global-limit"]  and for the bare server only (the
 *                             catalog sets that one itself: src/heap-tuning.ts)
 *     [--grpc-client ghz]     gRPC load from ghz instead (go install github.com/bojand/ghz/cmd/ghz@v0.120.0), as a
 *                             cross-check: it decodes every answer, and on list pages its core is the limit
 *     [--fixed-load 0.7]      after the rounds at full speed, the same rounds at this fraction of the bare
 *                             server's median requests/s (offered load, open loop), for each server's p99 at
 *                             that load (0: skip)
 *     [--fixed-load-ms 20000] the length of each of those rounds; a server's p99 is that of all its rounds'
 *                             calls together (100 s of calls at the defaults). A full collection of the
 *                             catalog's heap comes about once in 90 s of 2,500 gRPC gets/s and stalls its core
 *                             for 200-500 ms; in 30 s of calls such a stall sets the p99 when it falls inside and
 *                             is missing when it does not. 100 s hold about one of the catalog's collection
 *                             cycles and some thirty of the bare server's (docs/performance.md, "Full
 *                             collections")
 */
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { ensureBuilt } from "./build.js";
import { componentName, EXACT_VERSION, VERSIONS, writeEmbeddedLog } from "./catalog-data.js";
import { findGhz, GHZ_VERSION, runGhzJob } from "./ghz.js";
import type { LoadJob, LoadResult, Protocol, Scenario } from "./load-generator.js";
import {
  isBareKind,
  NodeLoadGenerator,
  type PinnedServer,
  SERVER_NODE_FLAGS,
  startPinnedServer,
  stopPinnedServer,
} from "./pinned.js";
import { fmt, loadAverage, median, percent, percentile, ratio, runtime, table } from "./stats.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const { values: args } = parseArgs({
  options: {
    components: { type: "string", default: "10000" },
    rounds: { type: "string", default: "3" },
    "duration-ms": { type: "string", default: "2500" },
    "warmup-ms": { type: "string", default: "500" },
    concurrency: { type: "string", default: "32" },
    scenarios: { type: "string", default: "get-exact,get-latest,get-constraint,list-filtered" },
    protocols: { type: "string", default: "grpc,connect" },
    servers: { type: "string", default: "bare,memory,embedded" },
    /** gRPC load from the "node" generator (raw HTTP/2) or "ghz" (a cross-check); Connect always uses node. */
    "grpc-client": { type: "string", default: "node" },
    summary: { type: "string" },
    /** Write a V8 CPU profile of every server (node --cpu-prof) into this directory. */
    "profile-dir": { type: "string" },
    /** Catalog servers from dist/ (npm run build), as production runs them, instead of transpiled by tsx. */
    compiled: { type: "boolean", default: false },
    /** Skip the priming pass: round 1 then includes each record's first read. */
    cold: { type: "boolean", default: false },
    "fixed-load": { type: "string", default: "0.7" },
    "fixed-load-ms": { type: "string", default: "20000" },
    "no-connect-gzip": { type: "boolean", default: false },
    /** Extra Node/V8 flags for the catalog servers (not the bare one), space-separated, e.g. "--trace-gc". */
    "catalog-node-flags": { type: "string", default: "" },
    /** Extra Node/V8 flags for the bare server only. */
    "bare-node-flags": { type: "string", default: "" },
  },
});
const components = Number(args.components);
const rounds = Number(args.rounds);
const scenarios = args.scenarios!.split(",") as Scenario[];
const protocols = args.protocols!.split(",") as Protocol[];
const serverKinds = args.servers!.split(",");
const SERVER_CORE = "0";
const LOAD_CORE = cpus().length > 1 ? "1" : "0";
const ghz = args["grpc-client"] === "ghz" ? findGhz() : undefined;

interface ServerProcess extends PinnedServer {
  spawnToReadyMs: number;
}

/** A benchmark server from this folder, pinned to the server core (with --cpu-prof when asked). */
async function startServer(kind: string, arg: string): Promise<ServerProcess> {
  const started = performance.now();
  const prof = args["profile-dir"] ? ["--cpu-prof", "--cpu-prof-dir", args["profile-dir"]] : [];
  const extra = args[isBareKind(kind) ? "bare-node-flags" : "catalog-node-flags"]!.split(" ").filter(Boolean);
  const server = await startPinnedServer(kind, SERVER_CORE, join(here, "server-process.ts"), [kind, arg], {
    nodeFlags: [...prof, ...SERVER_NODE_FLAGS, ...extra],
    env: { BENCH_COMPILED: args.compiled ? "1" : "0" },
  });
  return { ...server, spawnToReadyMs: performance.now() - started };
}

/** Spawn -> first successful GetComponent, for the embedded cold start. */
async function timeToServing(dataDir: string): Promise<{ spawnToListeningMs: number; spawnToFirstAnswerMs: number }> {
  const started = performance.now();
  const server = await startServer("embedded", dataDir);
  const sessions = new Http2SessionManager(server.url);
  const client = createClient(CatalogService, createGrpcTransport({ baseUrl: server.url, sessionManager: sessions }));
  await client.getComponent({ name: componentName(components - 1), version: EXACT_VERSION });
  const firstAnswer = performance.now() - started;
  sessions.abort();
  await stopPinnedServer(server);
  return { spawnToListeningMs: Math.round(server.spawnToReadyMs), spawnToFirstAnswerMs: Math.round(firstAnswer) };
}

/** gRPC load from ghz when asked for and installed, else (and for Connect) the node generator. */
class LoadGenerator {
  private readonly node = new NodeLoadGenerator(LOAD_CORE);

  run(job: LoadJob): Promise<LoadResult> {
    if (ghz && job.protocol === "grpc") return runGhzJob(ghz, job);
    return this.node.run(job);
  }

  close(): void {
    this.node.close();
  }
}

export interface UnaryRow {
  scenario: Scenario;
  protocol: Protocol;
  server: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerRequest: number;
  rpsRatio: number;
  p50Ratio: number;
  p99Ratio: number;
  cpuRatio: number;
  /** At full speed: the share of the time the server's core and the load generator's core were busy. */
  serverBusy: number;
  loadBusy: number;
  /**
   * p99 at the fixed offered load (--fixed-load times the bare server's requests/s): of every call in the
   * server's fixed-load rounds together, and its ratio to the bare server's, taken the same way; and the median
   * of per-round ratios (from the generator's own p99 per round) beside it.
   */
  fixedLoadRps: number;
  fixedP99Ms: number;
  fixedP99Ratio: number;
  fixedP99RoundRatio: number;
  errors: number;
}

async function main(): Promise<void> {
  if (args.compiled) ensureBuilt();
  const dataDir = await mkdtemp(join(tmpdir(), "nestor-bench-unary-"));
  const servers: ServerProcess[] = [];
  const load = new LoadGenerator();
  try {
    const grpcLoad = ghz
      ? `ghz ${GHZ_VERSION} (${ghz}, --cpus 1, one connection)`
      : "node:http2, one session, answers not decoded";
    console.log(
      `bench/unary: ${components} components x ${VERSIONS.length} versions; servers pinned to core ${SERVER_CORE} ` +
        `(taskset -c ${SERVER_CORE}), load generator pinned to core ${LOAD_CORE} (taskset -c ${LOAD_CORE}); ` +
        `${rounds} alternating rounds, concurrency ${args.concurrency}, ` +
        `${args["duration-ms"]} ms per round after ${args["warmup-ms"]} ms warm-up, ` +
        `rounds at ${args["fixed-load"]} of the bare server's rate ${args["fixed-load-ms"]} ms each` +
        `${args.cold ? " (no priming)" : ", each server primed with one read of every component per scenario"}; ` +
        `gRPC load: ${grpcLoad}; Connect load: node:http, JSON over HTTP/1.1, answers not decoded` +
        `${args["no-connect-gzip"] ? ", accepting no gzip" : ""}; ` +
        `catalog servers ${args.compiled ? "compiled (dist/)" : "transpiled by tsx"}` +
        `${args["catalog-node-flags"] ? ` with ${args["catalog-node-flags"]}` : ""}` +
        `${args["bare-node-flags"] ? `; bare server with ${args["bare-node-flags"]}` : ""}`,
    );
    console.log(`before the bench: ${loadAverage(1.5)}; ${runtime()}`);
    let coldStart: Awaited<ReturnType<typeof timeToServing>> | undefined;
    if (serverKinds.includes("embedded")) {
      const t = performance.now();
      await writeEmbeddedLog(dataDir, components);
      const logMiB = (await stat(join(dataDir, "catalog.wal"))).size / 1024 / 1024;
      console.log(
        `embedded log written: ${(components * VERSIONS.length).toLocaleString()} versions, ` +
          `${logMiB.toFixed(1)} MiB, ${Math.round(performance.now() - t)} ms`,
      );
      coldStart = await timeToServing(dataDir);
      console.log(
        `embedded cold start: listening after ${coldStart.spawnToListeningMs} ms, ` +
          `first answer after ${coldStart.spawnToFirstAnswerMs} ms (from spawn)`,
      );
    }
    for (const kind of serverKinds) {
      servers.push(await startServer(kind, kind === "embedded" ? dataDir : String(components)));
    }
    const rows: UnaryRow[] = [];
    for (const scenario of scenarios) {
      for (const protocol of protocols) {
        const perServer = new Map<string, LoadResult[]>(servers.map((s) => [s.kind, []]));
        const job = (server: ServerProcess): LoadJob => ({
          url: server.url,
          serverPid: server.pid,
          loadCore: LOAD_CORE,
          protocol,
          scenario,
          concurrency: Number(args.concurrency),
          warmupMs: Number(args["warmup-ms"]),
          durationMs: Number(args["duration-ms"]),
          components,
          connectGzip: !args["no-connect-gzip"],
        });
        if (!args.cold) {
          for (const server of servers) {
            // The list scenario repeats one request: a few calls warm it.
            const primed = await load.run({ ...job(server), count: scenario === "list-filtered" ? 200 : components });
            if (primed.errors > 0)
              console.warn(
                `${server.kind} ${scenario} ${protocol} priming: ${primed.errors} errors, first: ${primed.firstError}`,
              );
          }
        }
        for (let round = 0; round < rounds; round++) {
          for (const server of servers) {
            const result = await load.run(job(server));
            if (result.errors > 0)
              console.warn(
                `${server.kind} ${scenario} ${protocol}: ${result.errors} errors, first: ${result.firstError}`,
              );
            perServer.get(server.kind)!.push(result);
          }
        }
        const bare = perServer.get("bare");
        const fixed = await fixedLoadRounds(servers, job, bare, load);
        const bareFixed = fixed.results.get("bare") ?? [];
        const bareFixedP99 = pooledP99(bareFixed);
        for (const server of servers) {
          const results = perServer.get(server.kind)!;
          const atFixed = fixed.results.get(server.kind) ?? [];
          const fixedP99Ms = pooledP99(atFixed);
          const roundRatio = (pick: (r: LoadResult) => number) =>
            bare ? median(results.map((r, i) => pick(r) / pick(bare[i]!))) : Number.NaN;
          rows.push({
            scenario,
            protocol,
            server: server.kind,
            rps: median(results.map((r) => r.rps)),
            p50Ms: median(results.map((r) => r.p50Ms)),
            p99Ms: median(results.map((r) => r.p99Ms)),
            cpuUsPerRequest: median(results.map((r) => r.cpuUsPerRequest)),
            rpsRatio: roundRatio((r) => r.rps),
            p50Ratio: roundRatio((r) => r.p50Ms),
            p99Ratio: roundRatio((r) => r.p99Ms),
            cpuRatio: roundRatio((r) => r.cpuUsPerRequest),
            serverBusy: median(results.map((r) => (r.cpuUsPerRequest * r.rps) / 1e6)),
            loadBusy: median(results.map((r) => r.loadCoreBusy)),
            fixedLoadRps: fixed.rps,
            fixedP99Ms,
            fixedP99Ratio: fixedP99Ms / bareFixedP99,
            fixedP99RoundRatio: median(atFixed.map((r, i) => r.p99Ms / (bareFixed[i]?.p99Ms ?? Number.NaN))),
            errors: [...results, ...atFixed].reduce((n, r) => n + r.errors, 0),
          });
        }
        const last = rows.slice(-servers.length);
        console.log(
          `${scenario} ${protocol}: ${loadAverage()} (the bench's own two pinned processes make about 2)\n` +
            last
              .map(
                (r) =>
                  `${scenario} ${protocol} ${r.server}: ${fmt(r.rps)} req/s (${ratio(r.rpsRatio)}), ` +
                  `cpu ${fmt(r.cpuUsPerRequest, 1)} us (${ratio(r.cpuRatio)}), ` +
                  `busy: server ${percent(r.serverBusy)}, load generator ${percent(r.loadBusy)}, ` +
                  `p99 at ${fmt(r.fixedLoadRps)} req/s offered ${fmt(r.fixedP99Ms, 2)} ms ` +
                  `(${ratio(r.fixedP99Ratio)}; median of rounds ${ratio(r.fixedP99RoundRatio)})`,
              )
              .join("\n"),
        );
      }
    }
    console.log(`\n${loadAverage()}`);
    console.log(
      table(
        [
          "scenario",
          "protocol",
          "server",
          "req/s",
          "x bare",
          "p50 ms",
          "x bare",
          "p99 ms",
          "x bare",
          "CPU us/req",
          "x bare",
          "server busy",
          "load busy",
          "offered req/s",
          "p99 ms at offered",
          "x bare",
          "rounds x bare",
        ],
        rows.map((r) => [
          r.scenario,
          r.protocol,
          r.server,
          fmt(r.rps),
          ratio(r.rpsRatio),
          fmt(r.p50Ms, 2),
          ratio(r.p50Ratio),
          fmt(r.p99Ms, 2),
          ratio(r.p99Ratio),
          fmt(r.cpuUsPerRequest, 1),
          ratio(r.cpuRatio),
          percent(r.serverBusy),
          percent(r.loadBusy),
          fmt(r.fixedLoadRps),
          fmt(r.fixedP99Ms, 2),
          ratio(r.fixedP99Ratio),
          ratio(r.fixedP99RoundRatio),
        ]),
      ),
    );
    if (args.summary) await writeFile(args.summary, JSON.stringify({ rows, coldStart, components }, null, 2));
  } finally {
    load.close();
    for (const server of servers) await stopPinnedServer(server);
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * The rounds again at a fixed offered load: --fixed-load times the bare server's median requests/s of the
 * full-speed rounds, alternating servers as those do. Nothing without a bare server or with --fixed-load 0.
 */
async function fixedLoadRounds(
  servers: readonly ServerProcess[],
  job: (server: ServerProcess) => LoadJob,
  bare: readonly LoadResult[] | undefined,
  load: LoadGenerator,
): Promise<{ rps: number; results: Map<string, LoadResult[]> }> {
  const fraction = Number(args["fixed-load"]);
  const results = new Map<string, LoadResult[]>();
  if (bare === undefined || !(fraction > 0)) return { rps: Number.NaN, results };
  const rps = fraction * median(bare.map((r) => r.rps));
  for (let round = 0; round < rounds; round++) {
    for (const server of servers) {
      const result = await load.run({
        ...job(server),
        rps,
        durationMs: Number(args["fixed-load-ms"]),
        keepLatencies: true,
      });
      if (result.errors > 0) console.warn(`${server.kind} at ${fmt(rps)} req/s: ${result.errors} errors`);
      results.set(server.kind, [...(results.get(server.kind) ?? []), result]);
    }
  }
  return { rps, results };
}

/**
 * The p99 of every call in a server's rounds together. The rounds alternate servers, so drift on the machine
 * falls on all of them alike; a round's own p99 is one or two pauses, and a ratio of two of those mostly noise.
 * NaN when the generator kept no latencies (ghz).
 */
function pooledP99(results: readonly LoadResult[]): number {
  if (results.length === 0 || results.some((r) => r.latenciesMs === undefined)) return Number.NaN;
  return percentile(Float64Array.from(results.flatMap((r) => r.latenciesMs!)).sort(), 99);
}

await main();
