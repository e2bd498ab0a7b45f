/** Small numeric helpers and a plain-text table for the benchmark reports. */

import { readFileSync } from "node:fs";
import { loadavg } from "node:os";

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Latencies in ms -> summary; sorts a copy. */
export function summarize(
  latenciesMs: Float64Array | number[],
  elapsedMs: number,
): { ops: number; opsPerSec: number; p50Ms: number; p99Ms: number } {
  const sorted = Float64Array.from(latenciesMs).sort();
  return {
    ops: sorted.length,
    opsPerSec: sorted.length / (elapsedMs / 1000),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  };
}

export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return "-";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : "-";
}

export function percent(share: number): string {
  return Number.isFinite(share) ? `${Math.round(share * 100)}%` : "-";
}

/** A Markdown table (also readable as plain text). */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(headers), rule, ...rows.map(line)].join("\n");
}

/** CPU time (user + system) of a process in microseconds, from /proc/<pid>/stat. */
export function processCpuMicros(pid: number, ticksPerSecond = 100): number {
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / ticksPerSecond;
}

/** A core's busy and total time so far, in clock ticks (/proc/stat), for its busy share over a window. */
export function coreTicks(core: string): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`cpu${core} `));
  if (line === undefined) return { busy: Number.NaN, total: Number.NaN };
  // user nice system idle iowait irq softirq steal ...
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - ticks[3]! - ticks[4]!, total };
}

/** The share of a window a core was busy, from two coreTicks readings around it. */
export function busyShare(before: { busy: number; total: number }, after: { busy: number; total: number }): number {
  return (after.busy - before.busy) / (after.total - before.total);
}

/**
 * The Node and V8 the bench and its servers run on (the servers are spawned with this process's `node`). Under an
 * older Node than production's the catalog skips its V8 heap setting (src/heap-tuning.ts) and collects differently:
 * run the bench from a shell that took `eval "$(bash scripts/tools/ensure-node.sh --export)"`.
 */
export function runtime(productionMajor = 24): string {
  const major = Number(process.versions.node.split(".")[0]);
  const warning = major < productionMajor ? ` (WARNING: production runs Node ${productionMajor})` : "";
  return `Node ${process.version}, V8 ${process.versions.v8}${warning}`;
}

/**
 * The 1, 5 and 15 minute load averages. With `quietAbove`, a warning when the 1-minute figure is higher:
 * for the reading taken before a bench starts its own processes, when anything above that means other
 * work is running and the ratios will be compressed. (During a run the bench's own server and load
 * generator keep both cores busy, a load of about 2 by themselves.)
 */
export function loadAverage(quietAbove?: number): string {
  const [one, five, fifteen] = loadavg().map((n) => n.toFixed(2));
  const warning =
    quietAbove !== undefined && Number(one) > quietAbove
      ? ` (WARNING: above ${quietAbove} before the bench started: other work is running, ratios are compressed)`
      : "";
  return `load average ${one} ${five} ${fifteen}${warning}`;
}
