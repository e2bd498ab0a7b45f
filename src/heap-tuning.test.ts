/**
 * The serving heap settings, each in child processes with and without it:
 *   - holding a large live heap, a burst of short-lived ArrayBuffers starts
 *     full collections under V8's defaults and (almost) none with it;
 *   - connect-es's gRPC handler called in a loop keeps a tenth of its young
 *     allocation through each scavenge under V8's defaults and almost
 *     nothing with it.
 * Fails when a Node or V8 upgrade drops a flag or its effect.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { v8Supports } from "./heap-tuning.js";

const run = promisify(execFile);
const moduleUrl = new URL("./heap-tuning.ts", import.meta.url).href;
const serviceUrl = new URL("../gen/ts/src/nestor/catalog/v1/catalog_service_pb.ts", import.meta.url).href;

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

/**
 * The median share of young allocation that survived a scavenge while connect's gRPC GetComponent handler
 * (the installed connect-es) answered 40,000 calls, four at a time, with one pre-built message.
 */
async function handlerSurvival(tuned: boolean): Promise<number> {
  const script = `
    if (${tuned}) {
      const { tuneHeapForServing } = await import(${JSON.stringify(moduleUrl)});
      if (!tuneHeapForServing()) throw new Error("the setting was not applied");
    }
    const { create, toBinary } = await import("@bufbuild/protobuf");
    const { createConnectRouter } = await import("@connectrpc/connect");
    const { CatalogService, GetComponentRequestSchema, GetComponentResponseSchema } = await import(${JSON.stringify(serviceUrl)});
    const answer = create(GetComponentResponseSchema, { component: { name: "aws-rds-mysql", version: "1.2.0" } });
    const router = createConnectRouter().service(CatalogService, { getComponent: () => answer });
    const handler = router.handlers.find((h) => h.protocolNames.includes("grpc") && h.method.name === "GetComponent");
    const message = toBinary(GetComponentRequestSchema, create(GetComponentRequestSchema, { name: "aws-rds-mysql" }));
    const envelope = new Uint8Array(5 + message.length);
    new DataView(envelope.buffer).setUint32(1, message.length);
    envelope.set(message, 5);
    async function* body() { yield envelope; }
    async function call() {
      const controller = new AbortController();
      const response = await handler({
        httpVersion: "2.0", method: "POST", url: "http://localhost/nestor.catalog.v1.CatalogService/GetComponent",
        header: new Headers({ "content-type": "application/grpc", te: "trailers" }),
        body: body(), signal: controller.signal, contextValues: undefined,
      });
      for await (const chunk of response.body) if (chunk.length === 0) throw new Error("empty chunk");
      controller.abort();
    }
    for (let i = 0; i < 10_000; i++) {
      await Promise.all([call(), call(), call(), call()]);
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  `;
  const { stdout, stderr } = await run(
    process.execPath,
    ["--import", "tsx", "--trace-gc-nvp", "--input-type=module", "-e", script],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const rates = [...(stdout + stderr).matchAll(/gc=s .*?new_space_survive_rate_=([\d.]+)%/g)].map((m) => Number(m[1]));
  // The first scavenges run while modules load and code warms up.
  const steady = rates.slice(3).sort((a, b) => a - b);
  expect(steady.length).toBeGreaterThanOrEqual(5);
  return steady[Math.floor(steady.length / 2)] ?? Number.NaN;
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
    "lets a finished call's objects die young",
    async () => {
      const stock = await handlerSurvival(false);
      const tuned = await handlerSurvival(true);
      // Measured: 10-12% and 0.3%.
      expect(stock).toBeGreaterThan(4);
      expect(tuned).toBeLessThan(1);
    },
    120_000,
  );

  it("applies only from the V8 it was measured on", () => {
    expect(v8Supports("12.4.254.21-node.33")).toBe(false);
    expect(v8Supports("13.5.1")).toBe(false);
    expect(v8Supports("13.6.233.17-node.28")).toBe(true);
    expect(v8Supports("14.0.1")).toBe(true);
  });
});
