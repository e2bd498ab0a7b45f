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
 *   npx tsx bench/sync/sync.ts [files=10000] [rounds=3]
 *
 * The baseline and the initial sync alternate for `rounds` rounds (each
 * round clones afresh and syncs into a fresh cache and store) and the
 * medians are compared: on a shared machine a single clone can take 1 s or
 * 10 s depending on what else runs.
 *
 * SYNC_BENCH_LOG=1 writes the sync's own log lines (clone, start, progress
 * every 1,000 files, finish) to stderr with timestamps, to see its phases.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
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
const rounds = Number(process.argv[3] ?? 3);
// Other work on the machine moves every number here; the report shows how busy it was.
const loadAtStart = loadavg()
  .map((l) => l.toFixed(2))
  .join(", ");
const root = mkdtempSync(join(tmpdir(), "nestor-sync-bench-"));
const origin = join(root, "origin");

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    "git",
    [
      "-c",
      "user.name=Bench",
      "-c",
      "user.email=bench@example.com",
      "-c",
      "commit.gpgsign=false",
      "-c",
      "gc.auto=0",
      ...args,
    ],
    {
      cwd,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
}

/**
 * CPU time (ms) used so far by this process and its waited-for children (git),
 * from /proc/self/stat: on a shared machine it moves far less than wall time.
 */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  const fields = readFileSync("/proc/self/stat", "utf8")
    .replace(/^.*\) /, "")
    .split(" ");
  // After "pid (comm) ", field 3 is state; cutime and cstime are fields 16 and 17 of the whole line (13 and 14 here).
  const childTicks = Number(fields[13]) + Number(fields[14]);
  return (user + system) / 1000 + childTicks * 10;
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

  // Alternating rounds (baseline, then sync) so both see the same machine; medians are the numbers to compare.
  const baselines: number[] = [];
  const syncs: number[] = [];
  const baselineCpu: number[] = [];
  const syncCpu: number[] = [];
  let last: { clone: string; sync: GitSync } | undefined;
  for (let round = 1; round <= rounds; round++) {
    // Earlier rounds stay on disk until the end: deleting 10,000 files right before a clone slowed that clone down.
    if (last) await last.sync.close();
    const dir = join(root, `round-${round}`);
    const clone = join(dir, "plain-clone");
    mkdirSync(dir, { recursive: true });
    const cpuBefore = cpuMs();
    const cloneTime = time(() => git(dir, "clone", "-q", "--branch", "main", origin, clone));
    const readTime = time(() => readTree(clone));
    const cpuBetween = cpuMs();
    if (readTime.value !== files) throw new Error(`the clone has ${readTime.value} files, expected ${files}`);
    const sync = newSync(join(dir, "cache"));
    const initial = await timeAsync(() => sync.syncNow("bench"));
    if (initial.value.state !== "succeeded" || initial.value.counts.created !== files) {
      throw new Error(`initial sync did not publish every file: ${JSON.stringify(initial.value)}`);
    }
    baselines.push(cloneTime.ms + readTime.ms);
    syncs.push(initial.ms);
    baselineCpu.push(cpuBetween - cpuBefore);
    syncCpu.push(cpuMs() - cpuBetween);
    const [roundBaselineCpu, roundSyncCpu] = [baselineCpu.at(-1)!, syncCpu.at(-1)!];
    process.stdout.write(
      `round ${round}: clone ${cloneTime.ms.toFixed(0)} ms + read ${readTime.ms.toFixed(0)} ms; ` +
        `initial sync ${initial.ms.toFixed(0)} ms (${(initial.ms / (cloneTime.ms + readTime.ms)).toFixed(2)}x); ` +
        `CPU ${roundBaselineCpu.toFixed(0)} ms vs ${roundSyncCpu.toFixed(0)} ms ` +
        `(${(roundSyncCpu / roundBaselineCpu).toFixed(2)}x); load ${loadavg()[0]!.toFixed(2)}\n`,
    );
    last = { clone, sync };
  }
  const { clone, sync } = last!;

  const changed = join(origin, "components", "group-7", "component-00007.yaml");
  writeFileSync(changed, definitionText(7, "1.0.1"));
  git(origin, "commit", "-q", "-am", "component-00007 1.0.1");
  const fetchTime = time(() => git(clone, "fetch", "-q", "origin"));
  const incremental = await timeAsync(() => sync.syncNow("bench"));
  if (incremental.value.counts.created !== 1 || incremental.value.fullScan) {
    throw new Error(`incremental sync did not publish exactly one file: ${JSON.stringify(incremental.value)}`);
  }
  await sync.close();

  const baseline = median(baselines);
  const initialMs = median(syncs);
  const rows: Array<[string, number, number]> = [
    ["git clone + read every file (median)", baseline, files],
    ["initial sync (median)", initialMs, files],
    ["git fetch (plain, one changed file)", fetchTime.ms, 1],
    ["incremental sync (one changed file)", incremental.ms, 1],
  ];
  const pad = (text: string, width: number) => text.padEnd(width);
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
  process.stdout.write(
    `\nGit sync benchmark: ${files} component files, ${rounds} round(s), node ${process.version}, ` +
      `load average ${load} (at start: ${loadAtStart})\n\n`,
  );
  process.stdout.write(
    `| ${pad("operation", 40)} | ${pad("time (ms)", 10)} | ${pad("files", 6)} | ${pad("files/s", 8)} |\n`,
  );
  process.stdout.write(`| ${"-".repeat(40)} | ${"-".repeat(10)} | ${"-".repeat(6)} | ${"-".repeat(8)} |\n`);
  for (const [label, ms, count] of rows) {
    process.stdout.write(
      `| ${pad(label, 40)} | ${pad(ms.toFixed(0), 10)} | ${pad(String(count), 6)} | ` +
        `${pad(((count / ms) * 1000).toFixed(0), 8)} |\n`,
    );
  }
  const ratio = initialMs / baseline;
  const met = (yes: boolean) => (yes ? "met" : "NOT met");
  process.stdout.write(
    `\ninitial sync / (clone + read), medians: ${ratio.toFixed(2)}x (target <= 3x: ${met(ratio <= 3)}); ` +
      `per round: ${syncs.map((ms, i) => `${(ms / baselines[i]!).toFixed(2)}x`).join(", ")}\n` +
      `CPU time (process + git children), medians: baseline ${median(baselineCpu).toFixed(0)} ms, ` +
      `initial sync ${median(syncCpu).toFixed(0)} ms, ` +
      `${(median(syncCpu) / median(baselineCpu)).toFixed(2)}x\n` +
      `incremental sync: ${incremental.ms.toFixed(0)} ms (target < 1000 ms: ${met(incremental.ms < 1000)})\n`,
  );
  removeRoot();
}

function newSync(cacheDir: string): GitSync {
  return new GitSync({
    config: {
      repositories: [{ ...DEFAULT_SYNC_REPOSITORY, name: "bench", url: origin, pollIntervalMs: 0 }],
      cacheDir,
      leaseTtlMs: 60_000,
    },
    manager: new Manager(new MemoryCatalogStore(), systemClock, silentLogger),
    state: new InProcessSyncStateStore(),
    clock: systemClock,
    logger: process.env.SYNC_BENCH_LOG === "1" ? createLogger({ level: "info", format: "text" }) : silentLogger,
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
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
