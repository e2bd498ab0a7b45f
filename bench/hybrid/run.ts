/**
 * bench/hybrid, part 1: GetComponent through the catalog server reading
 * from a Redis replica (storage.type hybrid) against the same server on the
 * memory store, in alternating rounds of one run (goal: >= 0.9x the
 * memory store's requests/s). Part 2, replica lag under writes, is lag.ts.
 *
 * Servers (bench/hybrid/server-process.ts, each its own process pinned to
 * core 0 with `taskset -c 0`): "memory" and "redis-replica", both seeded
 * with the bench/unary catalog. The load generator (bench/unary's: gRPC over
 * node:http2, answers not decoded) is another process on core 1. Two modes:
 *   steady  no writes: after the priming pass the Manager's per-revision
 *           resolution cache answers most reads on both servers;
 *   churn   a write every --churn-ms on both servers empties that cache, so
 *           the replica server reads Redis for nearly every request.
 * Rounds alternate memory, redis-replica, memory, ...; medians are reported,
 * ratios are medians of per-round ratios. Redis EVALSHA calls per request
 * come from INFO commandstats around a pass of exactly 2,000 calls to the
 * replica server (the Redis may be shared: other clients' scripts, and the
 * applier's for churn writes, count too, so it is an upper bound).
 *
 *   npx tsx bench/hybrid/run.ts [--components 10000] [--rounds 3] [--duration-ms 2500]
 *     [--warmup-ms 500] [--concurrency 32] [--churn-ms 20] [--modes steady,churn] [--summary file.json]
 */
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import type { LoadJob, LoadResult } from "../unary/load-generator.js";
import {
  NodeLoadGenerator,
  type PinnedServer,
  SERVER_NODE_FLAGS,
  startPinnedServer,
  stopPinnedServer,
} from "../unary/pinned.js";
import { fmt, median, ratio, table } from "../unary/stats.js";
import { dropRedisPrefix } from "./redis-keys.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const { values: args } = parseArgs({
  options: {
    components: { type: "string", default: "10000" },
    rounds: { type: "string", default: "3" },
    "duration-ms": { type: "string", default: "2500" },
    "warmup-ms": { type: "string", default: "500" },
    concurrency: { type: "string", default: "32" },
    "churn-ms": { type: "string", default: "20" },
    modes: { type: "string", default: "steady,churn" },
    "redis-url": { type: "string", default: process.env.NESTOR_TEST_REDIS_URL ?? "redis://127.0.0.1:6379" },
    summary: { type: "string" },
  },
});
const components = Number(args.components);
const rounds = Number(args.rounds);
const SERVER_CORE = "0";
const LOAD_CORE = cpus().length > 1 ? "1" : "0";
const redisUrl = args["redis-url"]!;
/** Calls of the counting pass (Redis scripts per request). */
const COUNTED = 2_000;

function startServer(kind: string, churnMs: number, keyPrefix: string): Promise<PinnedServer> {
  const extra = kind === "redis-replica" ? [redisUrl, keyPrefix] : [];
  const args = [kind, String(components), String(churnMs), ...extra];
  return startPinnedServer(kind, SERVER_CORE, join(here, "server-process.ts"), args, { nodeFlags: SERVER_NODE_FLAGS });
}

/** EVALSHA calls Redis has served so far (INFO commandstats). */
async function evalshaCalls(redis: Redis): Promise<number> {
  const info = await redis.info("commandstats");
  return Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

export interface HybridRow {
  mode: string;
  server: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerRequest: number;
  rpsRatio: number;
  redisCallsPerRequest: number;
  errors: number;
}

async function runMode(mode: string, load: NodeLoadGenerator, redis: Redis): Promise<HybridRow[]> {
  const churnMs = mode === "churn" ? Number(args["churn-ms"]) : 0;
  const keyPrefix = `nestor-bench-hybrid:${randomBytes(4).toString("hex")}:`;
  const servers = [
    await startServer("memory", churnMs, keyPrefix),
    await startServer("redis-replica", churnMs, keyPrefix),
  ];
  try {
    const job = (server: PinnedServer): LoadJob => ({
      url: server.url,
      serverPid: server.pid,
      loadCore: LOAD_CORE,
      protocol: "grpc",
      scenario: "get-exact",
      concurrency: Number(args.concurrency),
      warmupMs: Number(args["warmup-ms"]),
      durationMs: Number(args["duration-ms"]),
      components,
    });
    for (const server of servers) await load.run({ ...job(server), count: components });
    // Redis scripts per request: a counted pass of exactly COUNTED calls against the replica server.
    const before = await evalshaCalls(redis);
    await load.run({ ...job(servers[1]!), count: COUNTED });
    const redisCallsPerRequest = ((await evalshaCalls(redis)) - before) / COUNTED;
    const results = new Map<string, LoadResult[]>(servers.map((s) => [s.kind, []]));
    for (let round = 0; round < rounds; round++) {
      for (const server of servers) {
        const result = await load.run(job(server));
        if (result.errors > 0)
          console.warn(`${mode} ${server.kind}: ${result.errors} errors, first: ${result.firstError}`);
        results.get(server.kind)!.push(result);
      }
    }
    const memory = results.get("memory")!;
    return servers.map((server) => {
      const rs = results.get(server.kind)!;
      return {
        mode,
        server: server.kind,
        rps: median(rs.map((r) => r.rps)),
        p50Ms: median(rs.map((r) => r.p50Ms)),
        p99Ms: median(rs.map((r) => r.p99Ms)),
        cpuUsPerRequest: median(rs.map((r) => r.cpuUsPerRequest)),
        rpsRatio: median(rs.map((r, i) => r.rps / memory[i]!.rps)),
        redisCallsPerRequest: server.kind === "redis-replica" ? redisCallsPerRequest : 0,
        errors: rs.reduce((n, r) => n + r.errors, 0),
      };
    });
  } finally {
    for (const server of servers) await stopPinnedServer(server);
    await dropRedisPrefix(redisUrl, keyPrefix);
  }
}

async function main(): Promise<void> {
  console.log(
    `bench/hybrid: GetComponent (exact version) on ${components} components x 10 versions, gRPC; servers pinned to ` +
      `core ${SERVER_CORE}, load generator (node:http2, answers not decoded) on core ${LOAD_CORE}; ` +
      `${rounds} alternating rounds of ` +
      `${args["duration-ms"]} ms after ${args["warmup-ms"]} ms warm-up, concurrency ${args.concurrency}; ` +
      `Redis at ${new URL(redisUrl).host}; churn mode writes every ${args["churn-ms"]} ms`,
  );
  const redis = new Redis(redisUrl);
  const load = new NodeLoadGenerator(LOAD_CORE);
  const rows: HybridRow[] = [];
  try {
    for (const mode of args.modes!.split(",")) rows.push(...(await runMode(mode, load, redis)));
  } finally {
    load.close();
    redis.disconnect();
  }
  console.log(
    table(
      ["mode", "server", "req/s", "x memory", "p50 ms", "p99 ms", "CPU us/req", "Redis calls/req"],
      rows.map((r) => [
        r.mode,
        r.server,
        fmt(r.rps),
        ratio(r.rpsRatio),
        fmt(r.p50Ms, 2),
        fmt(r.p99Ms, 2),
        fmt(r.cpuUsPerRequest, 1),
        r.server === "redis-replica" ? fmt(r.redisCallsPerRequest, 2) : "-",
      ]),
    ),
  );
  if (args.summary) await writeFile(args.summary, JSON.stringify({ rows, components }, null, 2));
}

await main();
