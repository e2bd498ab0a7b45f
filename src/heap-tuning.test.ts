/**
 * The serving heap setting: in a child process holding a large live heap, a
 * burst of short-lived ArrayBuffers starts full collections under V8's
 * defaults and (almost) none once the server's setting is applied. Fails
 * when a Node or V8 upgrade drops the flag or its effect.
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
  const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script]);
  expect(stderr).toBe("");
  return Number(stdout.trim());
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

  it("applies only from the V8 it was measured on", () => {
    expect(v8Supports("12.4.254.21-node.33")).toBe(false);
    expect(v8Supports("13.5.1")).toBe(false);
    expect(v8Supports("13.6.233.17-node.28")).toBe(true);
    expect(v8Supports("14.0.1")).toBe(true);
  });
});
