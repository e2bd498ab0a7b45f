/**
 * One server under a fixed load, with V8's `--trace-gc-nvp`: what each full
 * collection costs and how the calls around it fare. The check behind
 * docs/performance.md, "Full collections".
 *
 *   npx tsx bench/unary/full-collections.ts [--server memory] [--rps 2500] [--seconds 100]
 *     [--scenario get-exact] [--protocol grpc] [--components 10000] [--node-flags="--heap-growing-percent=100"]
 *
 * The server (bare | memory | embedded, as bench/unary/run.ts starts them, compiled) is pinned to core 0 with
 * SERVER_NODE_FLAGS, the load generator to core 1; the server is primed with one read of every component, then
 * runs the load for --seconds after 1 s of warm-up. Prints the p50/p99/p99.9/max of every call, one line per
 * full collection inside the window (its pause, the pause's largest parts, the main thread's incremental
 * marking, the helper threads' marking time, the heap before and after), the scavenges' pauses and the bytes they
 * promoted to the old generation (what brings the next full collection), how fast the heap grew from the first
 * scavenge in the window to the last (the heap after each; a full collection in between blurs it), and each
 * second of the window in which calls were slower than the p99 (how many, the slowest). A second's worth of calls
 * is counted by completion order, so those seconds line up with the collections' times only roughly.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeEmbeddedLog } from "./catalog-data.js";
import type { LoadJob, Protocol, Scenario } from "./load-generator.js";
import { NodeLoadGenerator, SERVER_NODE_FLAGS, startPinnedServer, stopPinnedServer } from "./pinned.js";
import { fmt, loadAverage, percentile, runtime } from "./stats.js";

const { values: args } = parseArgs({
  options: {
    server: { type: "string", default: "memory" },
    rps: { type: "string", default: "2500" },
    seconds: { type: "string", default: "100" },
    scenario: { type: "string", default: "get-exact" },
    protocol: { type: "string", default: "grpc" },
    components: { type: "string", default: "10000" },
    "node-flags": { type: "string", default: "" },
  },
});
const components = Number(args.components);
const rps = Number(args.rps);

/** The `--trace-gc-nvp` fields printed for each full collection (ms, or bytes for the sizes). */
const FIELDS = [
  "pause",
  "clear.external_string_table",
  "sweep.old",
  "evacuate",
  "mark",
  "incremental",
  "background.mark",
  "start_object_size",
  "end_object_size",
] as const;

/** A `--trace-gc-nvp` line's name=value fields. */
function nvpFields(line: string): Map<string, string> {
  return new Map(line.split(" ").map((field) => field.split("=") as [string, string]));
}

function describe(values: Map<string, string>): string {
  return FIELDS.map((key) => {
    const value = Number(values.get(key));
    return key.endsWith("_size") ? `${key}=${fmt(value / 1e6)} MB` : `${key}=${fmt(value, 1)}`;
  }).join(" ");
}

async function main(): Promise<void> {
  console.log(`before: ${loadAverage(1.5)}; ${runtime()}`);
  const dataDir = await mkdtemp(join(tmpdir(), "nestor-full-collections-"));
  if (args.server === "embedded") await writeEmbeddedLog(dataDir, components);
  const arg = args.server === "embedded" ? dataDir : String(components);
  const script = fileURLToPath(new URL("./server-process.ts", import.meta.url));
  const nodeFlags = [...SERVER_NODE_FLAGS, "--trace-gc-nvp", ...args["node-flags"]!.split(" ").filter(Boolean)];
  const started = performance.now();
  const collections: string[] = [];
  const scavenges = { count: 0, promoted: 0, pauseMs: 0 };
  /** Seconds from spawn and heap bytes after it, of the first and the last scavenge in the window. */
  let firstScavenge: { at: number; bytes: number } | undefined;
  let lastScavenge: { at: number; bytes: number } | undefined;
  let windowStart = Number.POSITIVE_INFINITY;
  const onLine = (text: string) => {
    const at = (performance.now() - started) / 1000;
    if (at < windowStart) return;
    const fields = nvpFields(text);
    const kind = fields.get("gc");
    if (kind === "mc" || kind === "ms") collections.push(`${fmt(at, 1)} s ${describe(fields)}`);
    if (kind === "s") {
      scavenges.count++;
      scavenges.promoted += Number(fields.get("promoted") ?? 0);
      scavenges.pauseMs += Number(fields.get("pause") ?? 0);
      lastScavenge = { at, bytes: Number(fields.get("end_object_size")) };
      firstScavenge ??= lastScavenge;
    }
  };
  const server = await startPinnedServer(args.server!, "0", script, [args.server!, arg], {
    nodeFlags,
    env: { BENCH_COMPILED: "1" },
    onLine,
  });
  const { url, pid } = server;
  const load = new NodeLoadGenerator("1");
  try {
    const job: LoadJob = {
      url,
      serverPid: pid,
      loadCore: "1",
      protocol: args.protocol as Protocol,
      scenario: args.scenario as Scenario,
      concurrency: 32,
      warmupMs: 500,
      durationMs: 2000,
      components,
    };
    await load.run({ ...job, count: args.scenario === "list-filtered" ? 200 : components });
    windowStart = (performance.now() - started) / 1000;
    const durationMs = Number(args.seconds) * 1000;
    const result = await load.run({ ...job, warmupMs: 1000, durationMs, rps, keepLatencies: true });
    const latencies = result.latenciesMs ?? [];
    const sorted = Float64Array.from(latencies).sort();
    const p99 = percentile(sorted, 99);
    console.log(
      `${args.server} ${args.protocol} ${args.scenario} at ${fmt(result.rps)}/s for ${args.seconds} s` +
        `${args["node-flags"] ? ` with ${args["node-flags"]}` : ""}: ${fmt(sorted.length)} calls, ` +
        `p50 ${fmt(percentile(sorted, 50), 1)} ms, p99 ${fmt(p99, 1)} ms, ` +
        `p99.9 ${fmt(percentile(sorted, 99.9), 1)} ms, max ${fmt(sorted.at(-1) ?? Number.NaN, 1)} ms; ` +
        `CPU ${fmt(result.cpuUsPerRequest)} us per call`,
    );
    console.log(`full collections (seconds from spawn; the window began ${fmt(windowStart + 1, 1)} s after it):`);
    for (const collection of collections) console.log(`  ${collection}`);
    console.log(
      `scavenges: ${scavenges.count}, ${fmt(scavenges.pauseMs)} ms of pauses, ` +
        `${fmt(scavenges.promoted / 1e6, 1)} MB promoted (${fmt(scavenges.promoted / sorted.length)} bytes per call)`,
    );
    if (firstScavenge && lastScavenge && lastScavenge !== firstScavenge) {
      const { at: from, bytes: before } = firstScavenge;
      const { at: to, bytes: after } = lastScavenge;
      console.log(
        `heap after scavenges: ${fmt(before / 1e6, 1)} MB at ${fmt(from, 1)} s, ${fmt(after / 1e6, 1)} MB at ` +
          `${fmt(to, 1)} s: ${fmt((after - before) / 1e6 / (to - from), 2)} MB/s`,
      );
    }
    const slow = new Map<number, { calls: number; maxMs: number }>();
    latencies.forEach((ms, i) => {
      if (ms <= p99) return;
      const second = Math.floor(i / rps);
      const entry = slow.get(second) ?? { calls: 0, maxMs: 0 };
      entry.calls++;
      entry.maxMs = Math.max(entry.maxMs, ms);
      slow.set(second, entry);
    });
    const seconds = [...slow].map(([s, e]) => `${fmt(windowStart + 1 + s)} s: ${e.calls} (${fmt(e.maxMs)} ms)`);
    console.log(`seconds with calls over the p99 (from spawn): ${seconds.join(", ")}`);
    console.log(`after: ${loadAverage()}`);
  } finally {
    load.close();
    await stopPinnedServer(server);
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
