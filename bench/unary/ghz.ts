/**
 * gRPC load from ghz (github.com/bojand/ghz, a Go load generator, installed
 * by `go install github.com/bojand/ghz/cmd/ghz@v0.120.0`), when it is on the
 * PATH or in ~/go/bin. A Go client costs much less CPU per call than a Node
 * one, so on a small machine the servers, not the generator, set the pace.
 * The same job shape and result as the Node generator (load-generator.ts).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CONSTRAINT, EXACT_VERSION, FILTER_PROVIDER } from "./catalog-data.js";
import type { LoadJob, LoadResult, Scenario } from "./load-generator.js";
import { busyShare, coreTicks, processCpuMicros } from "./stats.js";

export const GHZ_VERSION = "v0.120.0";
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export function findGhz(): string | undefined {
  const candidates = [
    process.env.GHZ,
    join(homedir(), "go", "bin", "ghz"),
    ...(process.env.PATH ?? "").split(":").map((d) => join(d, "ghz")),
  ];
  return candidates.find((path): path is string => !!path && existsSync(path));
}

/** Component names are zero-padded to 6 digits: 1000000 + n without its leading 1. */
const NAME = "component-{{ mod (mul .RequestNumber 7919) COUNT | add 1000000 | toString | substr 1 7 }}";

function request(scenario: Scenario, components: number): { call: string; data: string } {
  const name = NAME.replace("COUNT", String(components));
  switch (scenario) {
    case "get-exact":
      return { call: "GetComponent", data: JSON.stringify({ name, version: EXACT_VERSION }) };
    case "get-latest":
      return { call: "GetComponent", data: JSON.stringify({ name, version: "" }) };
    case "get-constraint":
      return { call: "GetComponent", data: JSON.stringify({ name, version: CONSTRAINT }) };
    case "list-filtered":
      return { call: "ListComponents", data: JSON.stringify({ filter: { provider: FILTER_PROVIDER }, page_size: 50 }) };
  }
}

interface GhzReport {
  count: number;
  total: number;
  rps: number;
  latencyDistribution: { percentage: number; latency: number }[] | null;
  statusCodeDistribution: Record<string, number>;
  errorDistribution?: Record<string, number> | null;
}

/** One ghz run: for `durationMs`, or exactly `count` calls when given. */
function runGhz(ghz: string, job: LoadJob, durationMs: number, count?: number): Promise<GhzReport> {
  const { call, data } = request(job.scenario, job.components);
  const ghzArgs = [
    "-c",
    job.loadCore,
    ghz,
    "--insecure",
    "--cpus",
    "1",
    "--proto",
    "proto/nestor/catalog/v1/catalog_service.proto",
    "--import-paths",
    "proto,third_party/proto",
    "--call",
    `nestor.catalog.v1.CatalogService.${call}`,
    "-d",
    data,
    "-c",
    String(job.concurrency),
    "--connections",
    "1",
    ...(job.rps !== undefined ? ["--rps", String(Math.max(1, Math.round(job.rps)))] : []),
    ...(count !== undefined ? ["-n", String(count)] : ["-z", `${durationMs}ms`]),
    "-O",
    "json",
    new URL(job.url).host,
  ];
  return new Promise((resolve, reject) => {
    execFile("taskset", ghzArgs, { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && !stdout) return reject(new Error(`ghz failed: ${stderr || err.message}`));
      resolve(JSON.parse(stdout) as GhzReport);
    });
  });
}

/** A ghz run pinned to the job's load core: warm-up, then the measured window with the server's CPU read around it. */
export async function runGhzJob(ghz: string, job: LoadJob): Promise<LoadResult> {
  if (job.count !== undefined) {
    const report = await runGhz(ghz, job, 0, job.count);
    const ok = report.statusCodeDistribution.OK ?? 0;
    const errors = report.count - ok;
    return {
      requests: ok,
      errors,
      rps: Number.NaN,
      p50Ms: Number.NaN,
      p99Ms: Number.NaN,
      cpuUsPerRequest: Number.NaN,
      loadCoreBusy: Number.NaN,
      ...(errors > 0 ? { firstError: JSON.stringify(report.errorDistribution ?? report.statusCodeDistribution) } : {}),
    };
  }
  if (job.warmupMs > 0) await runGhz(ghz, job, job.warmupMs);
  const cpuBefore = processCpuMicros(job.serverPid);
  const coreBefore = coreTicks(job.loadCore);
  const report = await runGhz(ghz, job, job.durationMs);
  const cpuAfter = processCpuMicros(job.serverPid);
  const loadCoreBusy = busyShare(coreBefore, coreTicks(job.loadCore));
  const ok = report.statusCodeDistribution.OK ?? 0;
  const errors = report.count - ok;
  const at = (p: number) => (report.latencyDistribution?.find((d) => d.percentage === p)?.latency ?? Number.NaN) / 1e6;
  return {
    requests: ok,
    errors,
    rps: ok / (report.total / 1e9),
    p50Ms: at(50),
    p99Ms: at(99),
    cpuUsPerRequest: ok > 0 ? (cpuAfter - cpuBefore) / ok : Number.NaN,
    loadCoreBusy,
    ...(errors > 0 ? { firstError: JSON.stringify(report.errorDistribution ?? report.statusCodeDistribution) } : {}),
  };
}
