/**
 * `npm run bench`: runs every benchmark in bench/ and prints one summary table.
 *   bench/unary            catalog server vs a bare Connect-Node server
 *   bench/storage          backends vs bare pg / mysql2 / ioredis clients
 *   bench/embedded         embedded store cold start on 100,000 versions
 *   bench/hybrid           GetComponent from a Redis replica vs the memory store; replica lag under writes
 * Each runs in its own process; unary and storage hand their rows back as
 * JSON (--summary). Arguments after `--` are not used; set BENCH_QUICK=1 for
 * a small smoke run.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { HybridRow } from "./hybrid/run.js";
import type { StorageRow } from "./storage/run.js";
import type { UnaryRow } from "./unary/run.js";
import { fmt, ratio, table } from "./unary/stats.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const quick = process.env.BENCH_QUICK === "1";
const dir = mkdtempSync(join(tmpdir(), "nestor-bench-"));

function run(script: string, args: string[]): boolean {
  console.log(`\n==> ${script} ${args.join(" ")}`);
  const result = spawnSync(process.execPath, ["--import", "tsx", join(root, script), ...args], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0) console.error(`${script} exited with ${result.status}`);
  return result.status === 0;
}

function runCapturing(script: string, args: string[]): string | undefined {
  console.log(`\n==> ${script} ${args.join(" ")}`);
  const result = spawnSync(process.execPath, ["--import", "tsx", join(root, script), ...args], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  process.stdout.write(result.stdout ?? "");
  return result.status === 0 ? result.stdout : undefined;
}

const load = (await import("node:child_process")).execSync("cat /proc/loadavg", { encoding: "utf8" }).trim();
const loadAtStart = load.split(" ").slice(0, 3).join(" ");
const cpu = `${cpus().length} x ${cpus()[0]?.model ?? "?"}`;
const machine = `${cpu}, Node ${process.version}, load average at start ${loadAtStart}`;

const unaryFile = join(dir, "unary.json");
const storageFile = join(dir, "storage.json");
run(
  "bench/unary/run.ts",
  quick
    ? ["--components", "500", "--rounds", "1", "--duration-ms", "800", "--fixed-load-ms", "800", "--summary", unaryFile]
    : ["--compiled", "--rounds", "5", "--duration-ms", "2000", "--warmup-ms", "500", "--summary", unaryFile],
);
run(
  "bench/storage/run.ts",
  quick
    ? ["--components", "300", "--duration-ms", "500", "--dynamo-components", "5", "--summary", storageFile]
    : ["--summary", storageFile],
);
const coldStartOut = runCapturing("bench/embedded/cold-start.ts", quick ? ["5000"] : []);
const hybridFile = join(dir, "hybrid.json");
run(
  "bench/hybrid/run.ts",
  quick
    ? ["--components", "500", "--rounds", "1", "--duration-ms", "800", "--summary", hybridFile]
    : ["--summary", hybridFile],
);
const lagFiles = { postgres: join(dir, "lag-postgres.json"), dynamodb: join(dir, "lag-dynamodb.json") };
run("bench/hybrid/lag.ts", [
  "--primary",
  "postgres",
  ...(quick ? ["--seconds", "3"] : []),
  "--summary",
  lagFiles.postgres,
]);
// moto takes tens of writes per second, not 200: the DynamoDB row measures lag at the rate moto sustains.
run("bench/hybrid/lag.ts", [
  "--primary",
  "dynamodb",
  "--rate",
  "20",
  ...(quick ? ["--seconds", "3"] : []),
  "--summary",
  lagFiles.dynamodb,
]);

const rows: string[][] = [];
const readJson = <T>(file: string): T | undefined => {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
};
const unary = readJson<{
  rows: UnaryRow[];
  coldStart?: { spawnToListeningMs: number; spawnToFirstAnswerMs: number };
  components: number;
}>(unaryFile);
/** The targets docs/performance.md states: exact and latest gets, then constraint gets and list pages. */
const strict = (row: UnaryRow) => row.scenario === "get-exact" || row.scenario === "get-latest";
const target = (row: UnaryRow) => `${strict(row) ? "≥0.9x req/s, ≤1.15x CPU" : "≥0.8x req/s"}, p99 at 70% load ≤1.2x`;
const met = (row: UnaryRow) =>
  (strict(row) ? row.rpsRatio >= 0.9 && row.cpuRatio <= 1.15 : row.rpsRatio >= 0.8) && row.fixedP99Ratio <= 1.2;
for (const row of unary?.rows ?? []) {
  if (row.server === "bare") continue;
  rows.push([
    "unary",
    `${row.scenario} ${row.protocol} ${row.server}`,
    `${fmt(row.rps)} req/s (${ratio(row.rpsRatio)})`,
    `${fmt(row.p50Ms, 1)} / ${fmt(row.p99Ms, 1)} ms (${ratio(row.p50Ratio)} / ${ratio(row.p99Ratio)}); ` +
      `p99 at ${fmt(row.fixedLoadRps)}/s ${fmt(row.fixedP99Ms, 1)} ms (${ratio(row.fixedP99Ratio)})`,
    `${fmt(row.cpuUsPerRequest)} us (${ratio(row.cpuRatio)})`,
    target(row),
    met(row) ? "yes" : "NO",
  ]);
}
if (unary?.coldStart) {
  const ms = unary.coldStart.spawnToFirstAnswerMs;
  rows.push([
    "unary",
    `embedded server cold start, ${fmt(unary.components * 10)} versions`,
    "",
    `${fmt(ms)} ms spawn -> first answer`,
    "",
    "< 5000 ms",
    ms < 5000 ? "yes" : "NO",
  ]);
}
const storage = readJson<{ rows: StorageRow[] }>(storageFile);
for (const row of storage?.rows ?? []) {
  let goal = "";
  let ok = "";
  if (row.baseline && row.op === "store-get-exact") {
    // PostgreSQL's exact get is held to 1.1x its bare SELECT (the shared SQL layer's budget), the others to 1.5x.
    const limit = row.backend === "postgres" ? 1.1 : 1.5;
    goal = `≤${limit}x baseline p50`;
    ok = (row.p50Ratio ?? Infinity) <= limit ? "yes" : "NO";
  }
  if ((row.backend === "postgres" || row.backend === "mysql") && row.op === "list-page") {
    goal = "p99 < 20 ms";
    ok = row.p99Ms < 20 ? "yes" : "NO";
  }
  const versusBaseline = row.p50Ratio ? ` (p50 ${ratio(row.p50Ratio)} ${row.baseline})` : "";
  rows.push([
    "storage",
    `${row.backend} ${row.op} (${fmt(row.catalog)} versions)`,
    `${fmt(row.opsPerSec)} ops/s`,
    `${fmt(row.p50Ms, 3)} / ${fmt(row.p99Ms, 3)} ms${versusBaseline}`,
    "",
    goal,
    ok,
  ]);
}
if (coldStartOut) {
  const start = coldStartOut.indexOf("{");
  try {
    const cold = JSON.parse(coldStartOut.slice(start, coldStartOut.lastIndexOf("}") + 1)) as {
      versions: number;
      openFromLog: { openMs: number };
      openFromSnapshot: { openMs: number };
    };
    rows.push([
      "embedded",
      `store open from log, ${fmt(cold.versions)} versions`,
      "",
      `${fmt(cold.openFromLog.openMs)} ms`,
      "",
      "< 5000 ms",
      cold.openFromLog.openMs < 5000 ? "yes" : "NO",
    ]);
    rows.push([
      "embedded",
      `store open from snapshot, ${fmt(cold.versions)} versions`,
      "",
      `${fmt(cold.openFromSnapshot.openMs)} ms`,
      "",
      "< 5000 ms",
      cold.openFromSnapshot.openMs < 5000 ? "yes" : "NO",
    ]);
  } catch {
    rows.push(["embedded", "cold start", "", "(output not parsed)", "", "", ""]);
  }
}
const hybrid = readJson<{ rows: HybridRow[] }>(hybridFile);
for (const row of hybrid?.rows ?? []) {
  if (row.server !== "redis-replica") continue;
  rows.push([
    "hybrid",
    `GetComponent from a Redis replica, ${row.mode} (${fmt(row.redisCallsPerRequest, 2)} Redis calls/req)`,
    `${fmt(row.rps)} req/s (${ratio(row.rpsRatio)} memory)`,
    `${fmt(row.p50Ms, 1)} / ${fmt(row.p99Ms, 1)} ms`,
    `${fmt(row.cpuUsPerRequest)} us`,
    "≥0.9x memory req/s",
    row.rpsRatio >= 0.9 ? "yes" : "NO",
  ]);
}
for (const [primary, file] of Object.entries(lagFiles)) {
  const lag = readJson<{ writes: number; writesPerSecond: number; lagP50Ms: number; lagP99Ms: number }>(file);
  if (lag === undefined) continue;
  const limit = primary === "postgres" ? 100 : 1_100;
  rows.push([
    "hybrid",
    `replica lag, ${primary} primary -> Redis, commit -> visible`,
    `${fmt(lag.writesPerSecond, 1)} writes/s`,
    `${fmt(lag.lagP50Ms, 1)} / ${fmt(lag.lagP99Ms, 1)} ms`,
    "",
    `p99 < ${limit} ms`,
    lag.lagP99Ms < limit ? "yes" : "NO",
  ]);
}
console.log(`\n==> summary (${machine})\n`);
console.log(
  table(["bench", "case", "throughput (x baseline)", "p50 / p99", "server CPU/req (x bare)", "target", "met"], rows),
);
rmSync(dir, { recursive: true, force: true });
