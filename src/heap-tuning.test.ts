/**
 * The serving heap settings, each in a child process under V8's defaults and
 * with the server's settings applied:
 * - holding a large live heap, a burst of short-lived ArrayBuffers starts full
 *   collections under the defaults and (almost) none with the settings;
 * - objects from an allocation site whose first objects all survived are
 *   allocated into the old generation under the defaults, so short-lived ones
 *   from it grow the old generation, and into the young one with the settings.
 * Fails when a Node or V8 upgrade drops a flag or its effect.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { v8Supports } from "./heap-tuning.js";

const run = promisify(execFile);
const moduleUrl = new URL("./heap-tuning.ts", import.meta.url).href;

/** Full collections while 512 MiB of short-lived 64 KiB ArrayBuffers are made beside ~100 MB of live objects. */
async function majorCollections(tuned: boolean): Promise<number> {
  const script = `
    import { PerformanceObserver, constants } from "node:perf_hooks";
    if (${tuned}) {
      const { tuneHeapForServing } = await import(${JSON.stringify(moduleUrl)});
      if (!tuneHeapForServing()) throw new Error("the setting was not applied");
    }
    globalThis.live = Array.from({ length: 1_000_000 }, (_, i) => ({ i, s: "x" + i, a: [i] }));
    let majors = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
    }).observe({ entryTypes: ["gc"] });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = majors;
    for (let round = 0; round < 160; round++) {
      for (let i = 0; i < 50; i++) new Uint8Array(new ArrayBuffer(64 * 1024))[0] = 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    console.log(majors - before);
  `;
  return Number(await runChild(script));
}

/**
 * MB the old generation grows while 2 million short-lived objects (96 MB) are made at one allocation site whose
 * first million objects were kept, which makes V8 pretenure a site. The child runs with a 1 MiB young generation,
 * so V8 decides on the site during those first objects (it decides only at scavenges of a full-sized young
 * generation), and moves the kept objects to the old generation (two minor collections) before measuring.
 */
async function oldGenerationGrowthMb(tuned: boolean): Promise<number> {
  const script = `
    import { getHeapSpaceStatistics } from "node:v8";
    if (${tuned}) {
      const { tuneHeapForServing } = await import(${JSON.stringify(moduleUrl)});
      if (!tuneHeapForServing()) throw new Error("the setting was not applied");
    }
    const make = (i) => ({ a: i, b: i + 1, c: null });
    globalThis.kept = [];
    for (let i = 0; i < 1_000_000; i++) globalThis.kept.push(make(i));
    gc({ type: "minor" });
    gc({ type: "minor" });
    const old = () => getHeapSpaceStatistics().find((space) => space.space_name === "old_space").space_used_size;
    const before = old();
    const ring = new Array(1024);
    let sum = 0;
    for (let i = 0; i < 2_000_000; i++) {
      ring[i & 1023] = make(i);
      sum += ring[(i * 7) & 1023]?.a & 1;
    }
    console.log((old() - before) / 1e6, sum > 0);
  `;
  const output = await runChild(script, ["--max-semi-space-size=1", "--expose-gc"]);
  return Number(output.split(" ")[0]);
}

async function runChild(script: string, flags: readonly string[] = []): Promise<string> {
  const args = [...flags, "--import", "tsx", "--input-type=module", "-e", script];
  const { stdout, stderr } = await run(process.execPath, args);
  expect(stderr).toBe("");
  return stdout.trim();
}

describe("heap tuning for serving", () => {
  it.runIf(v8Supports())(
    "keeps short-lived external memory from starting full collections",
    async () => {
      const [stock, tuned] = await Promise.all([majorCollections(false), majorCollections(true)]);
      expect(stock).toBeGreaterThanOrEqual(2);
      expect(tuned).toBeLessThan(stock);
      expect(tuned).toBeLessThanOrEqual(1);
    },
    60_000,
  );

  it.runIf(v8Supports())(
    "allocates short-lived objects young even from a site whose first objects lived",
    async () => {
      const [stock, tuned] = await Promise.all([oldGenerationGrowthMb(false), oldGenerationGrowthMb(true)]);
      expect(stock).toBeGreaterThan(48);
      expect(tuned).toBeLessThan(8);
    },
    60_000,
  );

  it("applies only from the V8 it was measured on", () => {
    expect(v8Supports("12.4.254.21-node.33")).toBe(false);
    expect(v8Supports("13.5.1")).toBe(false);
    expect(v8Supports("13.6.233.17-node.28")).toBe(true);
    expect(v8Supports("14.0.1")).toBe(true);
  });
});
