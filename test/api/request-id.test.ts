/**
 * Request ids and per-call log lines (src/api/interceptors.ts): the id a
 * caller sends is echoed and logged; without one, an id is made for any call
 * that writes a line, and the response carries the same id as the line.
 */
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { afterEach, describe, expect, test } from "vitest";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { type CatalogServer, startCatalogServer } from "../../src/app.js";
import { createLogger, type LogLevel } from "../../src/logging/index.js";
import { type CatalogClient, expectConnectError, sampleComponent, testConfig, uniqueName } from "./harness.js";

interface Line {
  msg: string;
  request_id?: string;
  method?: string;
  code?: string;
}

let running: { server: CatalogServer; sessions: Http2SessionManager } | undefined;
afterEach(async () => {
  running?.sessions.abort();
  await running?.server.shutdown();
  running = undefined;
});

async function serverLoggingAt(level: LogLevel): Promise<{ client: CatalogClient; lines: Line[] }> {
  const lines: Line[] = [];
  const logger = createLogger({ level, format: "json", write: (line) => lines.push(JSON.parse(line) as Line) });
  const server = await startCatalogServer(testConfig(), logger);
  const sessions = new Http2SessionManager(server.url);
  running = { server, sessions };
  return {
    client: createClient(CatalogService, createGrpcTransport({ baseUrl: server.url, sessionManager: sessions })),
    lines,
  };
}

const callLines = (lines: Line[]) => lines.filter((l) => l.msg.startsWith("call "));

describe("request ids", () => {
  test("the caller's x-request-id is echoed and logged with the call", async () => {
    const { client, lines } = await serverLoggingAt("debug");
    const name = uniqueName("rid");
    let echoed: string | null = null;
    await client.createComponent(
      { component: sampleComponent({ name, version: "1.0.0" }) },
      { headers: { "x-request-id": "caller-42" }, onHeader: (h) => (echoed = h.get("x-request-id")) },
    );
    expect(echoed).toBe("caller-42");
    expect(callLines(lines)).toContainEqual(
      expect.objectContaining({ msg: "call completed", request_id: "caller-42", code: "ok" }),
    );
  });

  test("at debug level a call without an id gets one, the same in its log line and its response", async () => {
    const { client, lines } = await serverLoggingAt("debug");
    const name = uniqueName("rid");
    await client.createComponent({ component: sampleComponent({ name, version: "1.0.0" }) });
    let echoed: string | null = null;
    await client.getComponent({ name, version: "latest" }, { onHeader: (h) => (echoed = h.get("x-request-id")) });
    const line = callLines(lines).find((l) => l.method === "nestor.catalog.v1.CatalogService/GetComponent");
    expect(line?.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(echoed).toBe(line?.request_id);
  });

  test("at info level a successful call writes nothing and a failed call is logged with a request id", async () => {
    const { client, lines } = await serverLoggingAt("info");
    const name = uniqueName("rid");
    await client.createComponent({ component: sampleComponent({ name, version: "1.0.0" }) });
    await client.getComponent({ name, version: "1.0.0" });
    expect(callLines(lines)).toEqual([]);

    await expectConnectError(client.getComponent({ name, version: "9.9.9" }), Code.NotFound);
    const failed = callLines(lines);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      msg: "call failed",
      code: "NotFound",
      method: "nestor.catalog.v1.CatalogService/GetComponent",
    });
    expect(failed[0]?.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
