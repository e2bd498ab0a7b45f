/**
 * How long the embedded store takes to open a large catalog (cold start).
 * Generates a write-ahead log of N versions (default 100,000: 10,000
 * components x 10 versions, plus some updates) through the memory store, so
 * the records and events are exactly what a server would have written; then
 * times openEmbeddedStore on it in a fresh process (a real cold start), then
 * compacts, then times a fresh open again (snapshot + short log). The
 * memory store's time to build the same catalog through its write path is
 * printed alongside as a same-run baseline.
 *
 * Then the whole server, the way it runs in production: `node
 * dist/src/main.js serve --storage embedded` (compiled by `npm run build`,
 * which this runs first when dist/ is older than src/), timed from spawn to
 * listening and to the first GetComponent answered, from the log and from
 * the snapshot; and the same under tsx (`node --import tsx src/main.ts`),
 * which also transpiles every module at start, for comparison.
 *
 * Memory beside each cold start: the server's RSS once it has answered
 * (the lower of two samples a second apart), less an empty server's, per
 * stored version (`rssKiBPerVersion`); and in the open-only child, RSS after
 * a full collection less its RSS before opening, per version.
 *
 *   npx tsx bench/embedded/cold-start.ts [versions] [versionsPerComponent]
 *     [--data unary]   the bench/unary catalog instead (its records are larger: 163 MiB for 100,000)
 *     [--no-tsx]       time only the compiled server
 *     [--server-prof DIR]  node --cpu-prof of the compiled servers into DIR
 *   (KEEP_DATA_DIR=1 keeps the generated data directory for profiling)
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { silentLogger } from "../../src/logging/index.js";
import { openEmbeddedStore, WAL_FILE } from "../../src/storage/embedded/catalog.js";
import { encodeWrite } from "../../src/storage/embedded/wal.js";
import { MemoryCatalogStore } from "../../src/storage/memory/catalog.js";
import type { NewComponentRecord } from "../../src/storage/records.js";
import { compiledMain, ensureBuilt } from "../unary/build.js";
import { writeEmbeddedLog } from "../unary/catalog-data.js";
import { processCpuMicros } from "../unary/stats.js";

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    open: { type: "string" },
    compact: { type: "string" },
    data: { type: "string", default: "cold-start" },
    "no-tsx": { type: "boolean", default: false },
    "server-prof": { type: "string" },
  },
});
const totalVersions = Number(positionals[0] ?? 100_000);
const perComponent = Number(positionals[1] ?? 10);
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

function recordFor(name: string, version: string, i: number): NewComponentRecord {
  return {
    name,
    version,
    provider: ["aws", "gcp", "azure"][i % 3] as string,
    category: ["database", "network", "compute", "storage"][i % 4] as string,
    description: `${name} ${version}: a managed component used by the cold start benchmark`,
    labels: { team: `team-${i % 17}`, tier: i % 2 === 0 ? "gold" : "silver" },
    deprecation: { deprecated: false, message: "" },
    inputs: Array.from({ length: 5 }, (_, k) => ({
      name: `input_${k}`,
      type: "string" as const,
      description: `input ${k}`,
      required: k === 0,
      sensitive: false,
      validation: { maxLength: 64 },
    })),
    outputs: [{ name: "id", type: "string" as const, description: "resource id", sensitive: false }],
    deployment: { engine: "terraform", engineVersion: "1.6.0", config: { module: `modules/${name}` } },
    contentDigest: `sha256:${i.toString(16).padStart(64, "0")}`,
  };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), "nestor-cold-start-"));
  try {
    const generateStart = performance.now();
    if (options.data === "unary") {
      if (totalVersions % 10 !== 0) throw new Error("--data unary writes 10 versions per component");
      await writeEmbeddedLog(dataDir, totalVersions / 10);
    } else await writeColdStartLog(dataDir);
    const generateMs = performance.now() - generateStart;
    const events = await countEvents(dataDir);
    const logBytes = (await stat(join(dataDir, WAL_FILE))).size;
    const lookup =
      options.data === "unary"
        ? { name: `component-${String(totalVersions / 10 - 1).padStart(6, "0")}`, version: "1.3.0" }
        : { name: nameOf(totalVersions - 1), version: `1.${(totalVersions - 1) % perComponent}.0` };

    // Each open runs in a fresh process: a cold start, not a warm heap that already holds the catalog.
    const emptyDir = await mkdtemp(join(tmpdir(), "nestor-cold-start-empty-"));
    const emptyServer = await serverColdStart(
      [compiledMainArgs()].flat(),
      emptyDir,
      { name: "none", version: "1.0.0" },
      0,
    );
    await rm(emptyDir, { recursive: true, force: true });
    emptyRssMiB = emptyServer.rssMiB;
    const fromLog = openInChild(dataDir, "open");
    const serverFromLog = await serverColdStarts(dataDir, lookup, "log");
    const compacted = openInChild(dataDir, "compact");
    const fromSnapshot = openInChild(dataDir, "open");
    const serverFromSnapshot = await serverColdStarts(dataDir, lookup, "snapshot");

    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    console.log(
      JSON.stringify(
        {
          versions: totalVersions,
          data: options.data,
          emptyServerRssMiB: emptyRssMiB,
          events,
          logMiB: Number(mb(logBytes)),
          generateMs: Math.round(generateMs),
          openFromLog: fromLog,
          serverFromLog,
          compaction: compacted,
          openFromSnapshot: fromSnapshot,
          serverFromSnapshot,
        },
        null,
        2,
      ),
    );
  } finally {
    if (process.env.KEEP_DATA_DIR) console.log(`kept ${dataDir}`);
    else await rm(dataDir, { recursive: true, force: true });
  }
}

function nameOf(i: number): string {
  return `component-${String(Math.floor(i / perComponent)).padStart(6, "0")}`;
}

async function countEvents(dataDir: string): Promise<number> {
  const { scanWal } = await import("../../src/storage/embedded/wal.js");
  let events = 0;
  await scanWal(join(dataDir, WAL_FILE), (write) => {
    events += write.length;
  });
  return events;
}

/** The cold-start catalog: every 10th version also updated once, through the memory store's write path. */
async function writeColdStartLog(dataDir: string): Promise<void> {
  {
    const memory = new MemoryCatalogStore();
    const log = await open(join(dataDir, WAL_FILE), "w");
    const chunk: Buffer[] = [];
    const flush = async () => {
      await log.write(Buffer.concat(chunk.splice(0)));
    };
    const ms = Date.parse("2030-01-01T00:00:00Z");
    for (let i = 0; i < totalVersions; i++) {
      const name = nameOf(i);
      const version = `1.${i % perComponent}.0`;
      const meta = { actor: "bench", time: new Date(ms + i * 1000).toISOString() };
      chunk.push(encodeWrite([await memory.insertVersion(recordFor(name, version, i), meta)]));
      if (i % 10 === 9) {
        const update = await memory.updateVersion(name, version, { description: "updated" }, meta);
        chunk.push(encodeWrite([update]));
      }
      if (chunk.length >= 5000) await flush();
    }
    await flush();
    await log.close();
    await memory.close();
  }
}

let emptyRssMiB = 0;

function compiledMainArgs(): string[] {
  ensureBuilt();
  return [compiledMain];
}

/** Resident set size of a process, from /proc (Linux), in MiB. */
function rssMiBOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return kib / 1024;
  } catch {
    return Number.NaN;
  }
}

interface ServerColdStart {
  /** Spawn to the "listening" log line. */
  listeningMs: number;
  /** Spawn to the first GetComponent answered (the store is open before the port is). */
  firstAnswerMs: number;
  /** The server's CPU time (user + system) up to its first answer: what wall time would be on an idle machine. */
  cpuToFirstAnswerMs: number;
  /** RSS once it has answered: the lower of two samples a second apart. */
  rssMiB: number;
  /** (rssMiB - an empty server's) per stored version. */
  rssKiBPerVersion?: number;
}

/** The production server (compiled) and, unless --no-tsx, the same under tsx, each from spawn to first answer. */
async function serverColdStarts(
  dataDir: string,
  lookup: { name: string; version: string },
  from: string,
): Promise<Record<string, ServerColdStart>> {
  ensureBuilt();
  const compiled = [compiledMain];
  const prof = options["server-prof"]
    ? ["--cpu-prof", "--cpu-prof-dir", options["server-prof"], "--cpu-prof-name", `server-${from}.cpuprofile`]
    : [];
  const result: Record<string, ServerColdStart> = {
    compiled: await serverColdStart([...prof, ...compiled], dataDir, lookup, totalVersions),
  };
  if (!options["no-tsx"])
    result.tsx = await serverColdStart(
      ["--import", "tsx", join(repoRoot, "src/main.ts")],
      dataDir,
      lookup,
      totalVersions,
    );
  return result;
}

async function serverColdStart(
  nodeArgs: string[],
  dataDir: string,
  lookup: { name: string; version: string },
  versions: number,
): Promise<ServerColdStart> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...nodeArgs, "serve", "--storage", "embedded", "--data-dir", dataDir, "--port", "0"],
    {
      cwd: repoRoot,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, NODE_ENV: "production", NESTOR_LOGGING_LEVEL: "info", NESTOR_LOGGING_FORMAT: "json" },
    },
  );
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      for (let newline = buffered.indexOf("\n"); newline !== -1; newline = buffered.indexOf("\n")) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          const parsed = JSON.parse(line) as { msg?: string; url?: string };
          if (parsed.msg === "listening" && parsed.url) resolve(parsed.url);
        } catch {
          // not a log line
        }
      }
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code} before listening`)));
  });
  const listeningMs = performance.now() - started;
  const sessions = new Http2SessionManager(url);
  const client = createClient(CatalogService, createGrpcTransport({ baseUrl: url, sessionManager: sessions }));
  await client.getComponent(lookup).catch((err: unknown) => {
    if (versions > 0) throw err;
  });
  const firstAnswerMs = performance.now() - started;
  const cpuToFirstAnswerMs = processCpuMicros(child.pid!) / 1000;
  const firstRss = rssMiBOf(child.pid!);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const rssMiB = Math.min(firstRss, rssMiBOf(child.pid!));
  sessions.abort();
  child.kill("SIGTERM");
  await exited;
  const timing: ServerColdStart = {
    listeningMs: Math.round(listeningMs),
    firstAnswerMs: Math.round(firstAnswerMs),
    cpuToFirstAnswerMs: Math.round(cpuToFirstAnswerMs),
    rssMiB: Math.round(rssMiB),
  };
  if (versions > 0) timing.rssKiBPerVersion = Number((((rssMiB - emptyRssMiB) * 1024) / versions).toFixed(2));
  return timing;
}

interface OpenTiming {
  /** Wall time; on a busy machine it exceeds openCpuMs by the time spent waiting for a core. */
  openMs: number;
  openCpuMs: number;
  firstListPageMs: number;
  compactMs?: number;
  heapUsedMiB: number;
  /** RSS after opening and a full collection, less the RSS before opening. */
  rssDeltaMiB: number;
  /** rssDeltaMiB per stored version (set by the parent, which knows the count). */
  rssKiBPerVersion?: number;
}

function openInChild(dataDir: string, mode: "open" | "compact"): OpenTiming {
  const args = ["--expose-gc", "--import", "tsx", fileURLToPath(import.meta.url), `--${mode}`, dataDir];
  const child = spawnSync(process.execPath, args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (child.status !== 0) throw new Error(`${mode} run failed with status ${child.status}`);
  const timing = JSON.parse(child.stdout) as OpenTiming;
  timing.rssKiBPerVersion = Number(((timing.rssDeltaMiB * 1024) / totalVersions).toFixed(2));
  return timing;
}

/** The child side: open the store, read one page, optionally compact, report timings. */
async function timeOpen(dataDir: string, compact: boolean): Promise<void> {
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  const rssBefore = process.memoryUsage().rss;
  const openStart = performance.now();
  const cpuStart = process.cpuUsage();
  const store = await openEmbeddedStore({ dataDir, fsync: true }, silentLogger);
  const openMs = performance.now() - openStart;
  const cpu = process.cpuUsage(cpuStart);
  const readStart = performance.now();
  await store.list({
    filter: { includeDeprecated: false, provider: "aws" },
    allVersions: false,
    orderBy: { field: "updateTime", descending: true },
    pageSize: 100,
  });
  const firstListPageMs = Number((performance.now() - readStart).toFixed(2));
  collect?.();
  const timing: OpenTiming = {
    rssDeltaMiB: Number(((process.memoryUsage().rss - rssBefore) / 1024 / 1024).toFixed(1)),
    openMs: Math.round(openMs),
    openCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    firstListPageMs,
    heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 1024 / 1024),
  };
  if (compact) {
    const compactStart = performance.now();
    await store.compact((await store.revisionBounds()).current - 1000);
    timing.compactMs = Math.round(performance.now() - compactStart);
  }
  await store.close();
  process.stdout.write(JSON.stringify(timing));
}

if (options.open) await timeOpen(options.open, false);
else if (options.compact) await timeOpen(options.compact, true);
else await main();
