/**
 * How long the embedded store takes to open a large catalog (cold start).
 * Generates a write-ahead log of N versions (default 100,000: 10,000
 * components x 10 versions, plus some updates) through the memory store, so
 * the records and events are exactly what a server would have written; then
 * times openEmbeddedStore on it, then again after compaction (snapshot +
 * short log). The memory store's bulk generation time is printed alongside
 * as a same-run baseline.
 *
 *   npx tsx bench/embedded/cold-start.ts [versions] [versionsPerComponent]
 *   (KEEP_DATA_DIR=1 keeps the generated data directory for profiling)
 */
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { silentLogger } from "../../src/logging/index.js";
import { openEmbeddedStore, WAL_FILE } from "../../src/storage/embedded/catalog.js";
import { encodeWrite } from "../../src/storage/embedded/wal.js";
import { MemoryCatalogStore } from "../../src/storage/memory/catalog.js";
import type { NewComponentRecord } from "../../src/storage/records.js";

const totalVersions = Number(process.argv[2] ?? 100_000);
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

    const openStart = performance.now();
    const store = await openEmbeddedStore({ dataDir, fsync: true }, silentLogger);
    const openMs = performance.now() - openStart;
    const firstReadStart = performance.now();
    const page = await store.list({
      filter: { includeDeprecated: false, provider: "aws" },
      allVersions: false,
      orderBy: { field: "updateTime", descending: true },
      pageSize: 100,
    });
    const firstReadMs = performance.now() - firstReadStart;

    const compactStart = performance.now();
    await store.compact((await store.revisionBounds()).current - 1000);
    const compactMs = performance.now() - compactStart;
    await store.close();
    const reopenStart = performance.now();
    const reopened = await openEmbeddedStore({ dataDir, fsync: true }, silentLogger);
    const reopenMs = performance.now() - reopenStart;
    await reopened.close();

    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    console.log(
      JSON.stringify(
        {
          versions: totalVersions,
          events,
          logMiB: Number(mb(logBytes)),
          baselineMemoryStoreBuildMs: Math.round(generateMs),
          openFromLogMs: Math.round(openMs),
          firstListPageMs: Number(firstReadMs.toFixed(2)),
          firstPageItems: page.items.length,
          compactMs: Math.round(compactMs),
          openFromSnapshotMs: Math.round(reopenMs),
          heapUsedMiB: Number(mb(process.memoryUsage().heapUsed)),
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

await main();
