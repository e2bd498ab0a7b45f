/**
 * Git sync at scale: a generated repository of N component files (default
 * 10,000, one definition each), synced into a memory store.
 *
 * Measured in one run, side by side:
 *   - plain `git clone` of the repository, then reading every file of the
 *     clone (the baseline the initial sync is held to: within 3x of it);
 *   - the initial sync (clone into the cache, parse, validate, publish all);
 *   - plain `git fetch` of a commit that changes one file;
 *   - the incremental sync of that commit (target: under 1 s).
 *
 *   npx tsx bench/sync/sync.ts [files]
 *
 * SYNC_BENCH_LOG=1 writes the sync's own log lines (clone, start, progress
 * every 1,000 files, finish) to stderr with timestamps, to see its phases.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { systemClock } from "../../src/catalog/clock.js";
import { Manager } from "../../src/catalog/manager.js";
import { GitSync, InProcessSyncStateStore } from "../../src/catalog/sync/index.js";
import { DEFAULT_SYNC_REPOSITORY } from "../../src/config/schema.js";
import { createLogger, silentLogger } from "../../src/logging/index.js";
import { MemoryCatalogStore } from "../../src/storage/memory/index.js";
import { definitionText } from "./definition-text.js";

const files = Number(process.argv[2] ?? 10_000);
const root = mkdtempSync(join(tmpdir(), "nestor-sync-bench-"));
const origin = join(root, "origin");

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=Bench", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false", "-c", "gc.auto=0", ...args], {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
}

function time<T>(run: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = run();
  return { ms: performance.now() - start, value };
}

async function timeAsync<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await run();
  return { ms: performance.now() - start, value };
}

function readTree(dir: string): number {
  let count = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === ".git") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) count += readTree(path);
    else {
      readFileSync(path, "utf8");
      count++;
    }
  }
  return count;
}

async function main(): Promise<void> {
  process.stderr.write(`generating ${files} definition files in ${origin}\n`);
  mkdirSync(join(origin, "components"), { recursive: true });
  git(origin, "init", "-q", "-b", "main");
  for (let i = 0; i < files; i++) {
    const dir = join(origin, "components", `group-${i % 100}`);
    if (i < 100) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `component-${String(i).padStart(5, "0")}.yaml`), definitionText(i, "1.0.0"));
  }
  git(origin, "add", "-A");
  git(origin, "commit", "-q", "-m", "generated components");

  const clone = join(root, "plain-clone");
  const cloneTime = time(() => git(root, "clone", "-q", "--branch", "main", origin, clone));
  const readTime = time(() => readTree(clone));

  const store = new MemoryCatalogStore();
  const sync = new GitSync({
    config: {
      repositories: [{ ...DEFAULT_SYNC_REPOSITORY, name: "bench", url: origin, pollIntervalMs: 0 }],
      cacheDir: join(root, "cache"),
      leaseTtlMs: 60_000,
    },
    manager: new Manager(store, systemClock, silentLogger),
    state: new InProcessSyncStateStore(),
    clock: systemClock,
    logger: process.env.SYNC_BENCH_LOG === "1" ? createLogger({ level: "info", format: "text" }) : silentLogger,
  });
  const initial = await timeAsync(() => sync.syncNow("bench"));
  if (initial.value.state !== "succeeded" || initial.value.counts.created !== files) {
    throw new Error(`initial sync did not publish every file: ${JSON.stringify(initial.value)}`);
  }

  const changed = join(origin, "components", "group-7", "component-00007.yaml");
  writeFileSync(changed, definitionText(7, "1.0.1"));
  git(origin, "commit", "-q", "-am", "component-00007 1.0.1");
  const fetchTime = time(() => git(clone, "fetch", "-q", "origin"));
  const incremental = await timeAsync(() => sync.syncNow("bench"));
  if (incremental.value.counts.created !== 1 || incremental.value.fullScan) {
    throw new Error(`incremental sync did not publish exactly one file: ${JSON.stringify(incremental.value)}`);
  }
  await sync.close();

  const baseline = cloneTime.ms + readTime.ms;
  const rows: Array<[string, number, number]> = [
    ["git clone (plain)", cloneTime.ms, files],
    ["read every file of the clone", readTime.ms, readTime.value],
    ["initial sync (clone + parse + publish)", initial.ms, files],
    ["git fetch (plain, one changed file)", fetchTime.ms, 1],
    ["incremental sync (one changed file)", incremental.ms, 1],
  ];
  const pad = (text: string, width: number) => text.padEnd(width);
  process.stdout.write(`\nGit sync benchmark: ${files} component files, node ${process.version}\n\n`);
  process.stdout.write(`| ${pad("operation", 40)} | ${pad("time (ms)", 10)} | ${pad("files", 6)} | ${pad("files/s", 8)} |\n`);
  process.stdout.write(`| ${"-".repeat(40)} | ${"-".repeat(10)} | ${"-".repeat(6)} | ${"-".repeat(8)} |\n`);
  for (const [label, ms, count] of rows) {
    process.stdout.write(`| ${pad(label, 40)} | ${pad(ms.toFixed(0), 10)} | ${pad(String(count), 6)} | ${pad(((count / ms) * 1000).toFixed(0), 8)} |\n`);
  }
  const ratio = initial.ms / baseline;
  process.stdout.write(
    `\ninitial sync / (clone + read): ${ratio.toFixed(2)}x (target <= 3x: ${ratio <= 3 ? "met" : "NOT met"})\n` +
      `incremental sync: ${incremental.ms.toFixed(0)} ms (target < 1000 ms: ${incremental.ms < 1000 ? "met" : "NOT met"})\n`,
  );
  removeRoot();
}

/** git may still be writing in the background (auto gc); retry, and never fail the run over cleanup. */
function removeRoot(): void {
  try {
    rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch (err) {
    process.stderr.write(`could not remove ${root}: ${String(err)}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  removeRoot();
  process.exit(1);
});
