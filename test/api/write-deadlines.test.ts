/**
 * The caller's deadline reaches the write path, through a real server: a
 * CreateComponent queued behind a write whose fsync the test holds ends
 * DEADLINE_EXCEEDED when its deadline passes, and it never writes, even once
 * the write ahead of it lets go.
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { type CatalogServer, startCatalogServer } from "../../src/app.js";
import { createLogger } from "../../src/logging/index.js";
import { type FsyncGate, openGatedEmbeddedStore } from "../storage/gated-embedded-store.js";
import { type CatalogClient, sampleComponent, tempDir, testConfig, uniqueName } from "./harness.js";

let server: CatalogServer;
let client: CatalogClient;
let sessions: Http2SessionManager;
let gate: FsyncGate;
const dir = tempDir("nestor-write-deadline-");
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  // The store's own bound is far away: only the caller's deadline can end the queued write.
  const opened = await openGatedEmbeddedStore(dir.path, 60_000);
  gate = opened.gate;
  const logger = createLogger({ level: "debug", format: "json", write: (line) => logLines.push(JSON.parse(line)) });
  server = await startCatalogServer(testConfig(), logger, { store: opened.store });
  sessions = new Http2SessionManager(server.url);
  client = createClient(CatalogService, createGrpcTransport({ baseUrl: server.url, sessionManager: sessions }));
});

afterAll(async () => {
  gate?.open();
  sessions?.abort();
  await server?.shutdown();
  dir.remove();
});

async function codeOf(call: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call;
    return "ok";
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

describe("write deadlines", () => {
  it("ends a CreateComponent queued behind a blocked write with DEADLINE_EXCEEDED; it is never written", async () => {
    const blockedName = uniqueName("blocked");
    const lateName = uniqueName("late");
    const afterName = uniqueName("after");
    const firstName = uniqueName("first");
    const { revision: start } = await client.createComponent({ component: sampleComponent({ name: firstName }) });

    gate.hold();
    const blocked = client.createComponent({ component: sampleComponent({ name: blockedName }) });
    await gate.reached(2);

    // Long enough for the call to reach the server and queue even on a loaded machine: the log check below
    // needs the server to have run it (a call whose deadline passes in flight is never seen there).
    const late = client.createComponent({ component: sampleComponent({ name: lateName }) }, { timeoutMs: 3_000 });
    expect(await codeOf(late)).toBe(Code.DeadlineExceeded);
    // The server answered it with the deadline too (a ConnectError passes the interceptor unchanged).
    await expect
      .poll(
        () =>
          logLines.some(
            (line) =>
              line.msg === "call failed" &&
              line.code === "DeadlineExceeded" &&
              String(line.method).endsWith("/CreateComponent"),
          ),
        { timeout: 10_000 },
      )
      .toBe(true);

    gate.open();
    expect((await blocked).revision).toBe(start + 1n);
    // Writes run in arrival order: had the late one stayed queued, it would have landed before this one.
    expect((await client.createComponent({ component: sampleComponent({ name: afterName }) })).revision).toBe(
      start + 2n,
    );
    expect(await codeOf(client.getComponent({ name: lateName, version: "" }))).toBe(Code.NotFound);
    // The store is this suite's alone: everything in it is accounted for.
    const listed = await client.listComponents({ pageSize: 1000 });
    expect(listed.components.map((c) => c.name).sort()).toEqual([afterName, blockedName, firstName].sort());
  });
});
