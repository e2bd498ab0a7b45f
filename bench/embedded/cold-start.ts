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
 *   npx tsx bench/embedded/cold-start.ts [versions] [versionsPerComponent]
 *   (KEEP_DATA_DIR=1 keeps the generated data directory for profiling)
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { silentLogger } from "../../src/logging/index.js";
import { openEmbeddedStore, WAL_FILE } from "../../src/storage/embedded/catalog.js";
import { encodeWrite } from "../../src/storage/embedded/wal.js";
import { MemoryCatalogStore } from "../../src/storage/memory/catalog.js";
import type { NewComponentRecord } from "../../src/storage/records.js";

const totalVersions = Number(process.argv[2]?.startsWith("--") ? 0 : (process.argv[2] ?? 100_000));
const perComponent = Number(process.argv[3] ?? 10);

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
    const memory = new MemoryCatalogStore();
    const log = await open(join(dataDir, WAL_FILE), "w");
    const chunk: Buffer[] = [];
    const flush = async () => {
      await log.write(Buffer.concat(chunk.splice(0)));
    };
    const ms = Date.parse("2030-01-01T00:00:00Z");
    for (let i = 0; i < totalVersions; i++) {
      const name = `component-${String(Math.floor(i / perComponent)).padStart(6, "0")}`;
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
    const generateMs = performance.now() - generateStart;
    const events = (await memory.revisionBounds()).current;
    const logBytes = (await stat(join(dataDir, WAL_FILE))).size;

    // Each open runs in a fresh process: a cold start, not a warm heap that already holds the catalog.
    const fromLog = openInChild(dataDir, "open");
    const compacted = openInChild(dataDir, "compact");
    const fromSnapshot = openInChild(dataDir, "open");

    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    console.log(
      JSON.stringify(
        {
          versions: totalVersions,
          events,
          logMiB: Number(mb(logBytes)),
          baselineMemoryStoreBuildMs: Math.round(generateMs),
          openFromLog: fromLog,
          compaction: compacted,
          openFromSnapshot: fromSnapshot,
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

interface OpenTiming {
  /** Wall time; on a busy machine it exceeds openCpuMs by the time spent waiting for a core. */
  openMs: number;
  openCpuMs: number;
  firstListPageMs: number;
  compactMs?: number;
  heapUsedMiB: number;
}

function openInChild(dataDir: string, mode: "open" | "compact"): OpenTiming {
  const child = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), `--${mode}`, dataDir], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (child.status !== 0) throw new Error(`${mode} run failed with status ${child.status}`);
  return JSON.parse(child.stdout) as OpenTiming;
}

/** The child side: open the store, read one page, optionally compact, report timings. */
async function timeOpen(dataDir: string, compact: boolean): Promise<void> {
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
  const timing: OpenTiming = {
    openMs: Math.round(openMs),
    openCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    firstListPageMs: Number((performance.now() - readStart).toFixed(2)),
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

const [flag, dir] = process.argv.slice(2);
if ((flag === "--open" || flag === "--compact") && dir) await timeOpen(dir, flag === "--compact");
else await main();
