/**
 * OpenTelemetry traces from a server process configured only by OTEL_*
 * variables, received over OTLP/HTTP by a collector this test runs: server
 * spans named and attributed per the RPC semantic conventions, continuing
 * the caller's traceparent, store spans as their children, status codes, and
 * trace ids on the call's log lines. Without the variables, nothing is sent.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { expectConnectError, sampleComponent } from "../api/harness.js";
import { type ServerProcess, spawnServer } from "../support/server-process.js";

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: OtlpValue }>;
  status?: { code?: number };
}
interface OtlpExport {
  resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
}

const SERVER_KIND = 2;

function attribute(span: OtlpSpan, key: string): string | number | undefined {
  const value = span.attributes.find((a) => a.key === key)?.value;
  if (value?.intValue !== undefined) return Number(value.intValue);
  return value?.stringValue;
}

describe("tracing over OTLP/HTTP", () => {
  const spans: OtlpSpan[] = [];
  let collector: Server;
  let server: ServerProcess;

  beforeAll(async () => {
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as OtlpExport;
        for (const resource of body.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;
    server = await spawnServer(
      {
        NESTOR_STORAGE_TYPE: "memory",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
        OTEL_BSP_SCHEDULE_DELAY: "100",
        OTEL_SERVICE_NAME: "catalog-under-test",
      },
      { logLevel: "debug" },
    );
  });

  afterAll(async () => {
    await server?.stop();
    await new Promise<void>((resolve) => collector?.close(() => resolve()));
  });

  it("continues the caller's trace with a server span, store spans under it, and the status code", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const callerSpanId = "00f067aa0ba902b7";
    const traceparent = { traceparent: `00-${traceId}-${callerSpanId}-01` };
    const client = createClient(CatalogService, createGrpcTransport({ baseUrl: server.url }));
    await client.createComponent({ component: sampleComponent({ name: "traced" }) }, { headers: traceparent });
    await expectConnectError(client.getComponent({ name: "traced-absent" }, { headers: traceparent }), Code.NotFound);

    const serverSpan = (method: string) =>
      spans.find((s) => s.name === `nestor.catalog.v1.CatalogService/${method}` && s.traceId === traceId);
    await expect
      .poll(() => serverSpan("GetComponent") !== undefined && serverSpan("CreateComponent") !== undefined, {
        timeout: 15_000,
      })
      .toBe(true);

    const create = serverSpan("CreateComponent")!;
    expect(create.kind).toBe(SERVER_KIND);
    expect(create.parentSpanId).toBe(callerSpanId);
    expect(attribute(create, "rpc.system")).toBe("grpc");
    expect(attribute(create, "rpc.service")).toBe("nestor.catalog.v1.CatalogService");
    expect(attribute(create, "rpc.method")).toBe("CreateComponent");
    expect(attribute(create, "rpc.grpc.status_code")).toBe(0);
    const storeSpans = spans.filter((s) => s.parentSpanId === create.spanId);
    expect(storeSpans.map((s) => s.name)).toContain("store insertVersion");
    expect(storeSpans.every((s) => s.traceId === traceId && attribute(s, "nestor.store.backend") === "memory")).toBe(
      true,
    );

    const get = serverSpan("GetComponent")!;
    expect(attribute(get, "rpc.grpc.status_code")).toBe(Code.NotFound);
    // NOT_FOUND is the caller's outcome, not a server fault: the span is not marked as an error.
    expect(get.status?.code ?? 0).not.toBe(2);

    const logged = server
      .output()
      .split("\n")
      .filter((line) => line.includes('"method":"nestor.catalog.v1.CatalogService/GetComponent"'));
    expect(
      logged.some((line) => line.includes(`"trace_id":"${traceId}"`) && line.includes(`"span_id":"${get.spanId}"`)),
    ).toBe(true);
  });
});

describe("tracing off", () => {
  it("sends nothing and installs nothing without OTEL_ variables", async () => {
    let requests = 0;
    const collector = createServer((_req, res) => {
      requests++;
      res.end();
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    const server = await spawnServer(
      { NESTOR_STORAGE_TYPE: "memory", OTEL_BSP_SCHEDULE_DELAY: "100" },
      { logLevel: "info" },
    );
    try {
      const client = createClient(CatalogService, createGrpcTransport({ baseUrl: server.url }));
      await client.createComponent({ component: sampleComponent({ name: "untraced" }) });
      expect(server.output()).not.toContain("tracing on");
    } finally {
      await server.stop();
      await new Promise<void>((resolve) => collector.close(() => resolve()));
    }
    expect(requests).toBe(0);
  });
});
