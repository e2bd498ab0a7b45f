/**
 * The protocol edge, over every protocol each rule concerns, with requests
 * written by hand (wire.ts) so they reach the server as a hostile or broken
 * client sends them:
 *
 * - every status message is bounded, printable ASCII, and quotes a caller's
 *   value as a short prefix plus its length, so a gRPC client always gets a
 *   status (an oversized grpc-message trailer gets the stream reset);
 * - deadlines beyond what a timer holds (grpc-timeout 2147484S and up,
 *   connect-timeout-ms past 2^31-1) mean no practical deadline;
 * - JSON that does not decode names the field path, in the message and in
 *   a google.rpc.BadRequest detail;
 * - protobuf bytes and bodies that do not decompress are INTERNAL (the gRPC
 *   convention), with a message saying what did not decode.
 */
import * as http2 from "node:http2";
import { gzipSync } from "node:zlib";
import { create, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListComponentsRequestSchema } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { MAX_MESSAGE_CHARS } from "../../src/api/errors.js";
import { type CatalogServer, startCatalogServer } from "../../src/app.js";
import { silentLogger } from "../../src/logging/index.js";
import { testConfig } from "../api/harness.js";
import { connectCall, connectStreamCall, frame, grpcWebCall, type Outcome, RawGrpc } from "./wire.js";

const SERVICE = "/nestor.catalog.v1.CatalogService";
const HEALTH_CHECK = "/grpc.health.v1.Health/Check";
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

let server: CatalogServer;
let rawGrpc: RawGrpc;

beforeAll(async () => {
  server = await startCatalogServer(
    testConfig((config) => {
      config.server.maxRequestBytes = 2 * 1024 * 1024;
    }),
    silentLogger,
  );
  rawGrpc = new RawGrpc(server.url);
});

afterAll(async () => {
  rawGrpc.close();
  await server.shutdown();
});

/** A protobuf string field (wire type 2) holding `value`. */
function stringField(field: number, value: string): Buffer {
  const bytes = Buffer.from(value, "utf8");
  const length: number[] = [];
  for (let n = bytes.length; ; n >>>= 7) {
    if (n <= 0x7f) {
      length.push(n);
      break;
    }
    length.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...length]), bytes]);
}

/** The outcome has this code, a bounded printable message, and mentions every fragment. */
function expectAnswer(outcome: Outcome, code: string, mentions: (string | RegExp)[] = []): void {
  expect(outcome.code, outcome.message).toBe(code);
  expect(outcome.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
  expect(outcome.message).toMatch(PRINTABLE_ASCII);
  for (const fragment of mentions) {
    if (typeof fragment === "string") expect(outcome.message).toContain(fragment);
    else expect(outcome.message).toMatch(fragment);
  }
}

describe("status messages are bounded on every path and protocol", () => {
  const huge = "a".repeat(1_000_000);
  const big = "a".repeat(100_000);

  it("Health/Check with a 1 MB service name over Connect JSON quotes 48 characters and the length", async () => {
    const outcome = await connectCall(server.url, HEALTH_CHECK, JSON.stringify({ service: huge }), "application/json");
    expectAnswer(outcome, "not_found", [`unknown service "${"a".repeat(48)}..." (1000000 characters)`]);
  });

  it.each([
    ["grpc", () => rawGrpc.call(HEALTH_CHECK, frame(stringField(1, big)))],
    ["grpc-web", () => grpcWebCall(server.url, HEALTH_CHECK, frame(stringField(1, big)))],
  ])("Health/Check with a 100 KB service name over %s answers a status", async (_protocol, send) => {
    expectAnswer(await send(), "not_found", ["(100000 characters)"]);
  });

  it("grpc-js receives the status of a Health/Check with a 100 KB service name (not a reset stream)", async () => {
    const client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    try {
      const err = await new Promise<grpc.ServiceError | null>((resolve) => {
        client.makeUnaryRequest(
          HEALTH_CHECK,
          (request: Buffer) => request,
          (response: Buffer) => response,
          stringField(1, big),
          (error) => resolve(error),
        );
      });
      expect(err?.code).toBe(grpc.status.NOT_FOUND);
      expect(err?.details).toContain("(100000 characters)");
    } finally {
      client.close();
    }
  });

  const startRevision = JSON.stringify({ startRevision: "9".repeat(131_072) });
  it.each([
    ["grpc+json", () => rawGrpc.call(`${SERVICE}/WatchEvents`, frame(Buffer.from(startRevision)), jsonGrpc)],
    [
      "grpc-web+json",
      () => grpcWebCall(server.url, `${SERVICE}/WatchEvents`, frame(Buffer.from(startRevision)), jsonGrpcWeb),
    ],
    [
      "connect+json",
      () =>
        connectStreamCall(server.url, `${SERVICE}/WatchEvents`, frame(Buffer.from(startRevision)), {
          "content-type": "application/connect+json",
        }),
    ],
  ])("WatchEvents with a 131 KB start_revision over %s names the field and the length", async (_protocol, send) => {
    const outcome = await send();
    expectAnswer(outcome, "invalid_argument", ["start_revision", "(131072 characters)"]);
    expect(outcome.fields).toEqual(["start_revision"]);
  });

  // HTTP/2 takes a 64 KB header list; Node's HTTP/1.1 server refuses headers past 16 KiB with HTTP 431 first.
  const timeout64k = "1".repeat(64_000);
  const timeout8k = "1".repeat(8_000);
  it.each([
    ["gRPC, GetComponent (connect-node)", () => getOverGrpc({ "grpc-timeout": timeout64k }), 64_000],
    ["gRPC, WatchEvents (raw stream path)", () => watchOverGrpc({ "grpc-timeout": timeout64k }), 64_000],
    [
      "gRPC-Web",
      () => grpcWebCall(server.url, `${SERVICE}/GetComponent`, frame(getRequest()), { "grpc-timeout": timeout8k }),
      8_000,
    ],
    [
      "Connect",
      () =>
        connectCall(server.url, `${SERVICE}/GetComponent`, "{}", "application/json", {
          "connect-timeout-ms": timeout8k,
        }),
      8_000,
    ],
  ])("an oversized timeout header over %s is INVALID_ARGUMENT quoting it short", async (_path, send, length) => {
    expectAnswer(await send(), "invalid_argument", [/timeout/, `(${length} characters)`]);
  });

  it.each([
    ["gRPC", () => getOverGrpc({ "grpc-encoding": "x".repeat(10_000) }, 1)],
    ["gRPC, raw stream path", () => watchOverGrpc({ "grpc-encoding": "x".repeat(10_000) }, 1)],
    [
      "Connect",
      () =>
        connectCall(server.url, `${SERVICE}/GetComponent`, "{}", "application/json", {
          "content-encoding": "x".repeat(10_000),
        }),
    ],
  ])("a 10 KB encoding name over %s is UNIMPLEMENTED quoting it short", async (_path, send) => {
    expectAnswer(await send(), "unimplemented", [/unknown compression "x{20}.*\(100\d\d characters\)/]);
  });

  it("an unknown 30 KB method path over gRPC is UNIMPLEMENTED with a bounded message", async () => {
    const outcome = await rawGrpc.call(`${SERVICE}/${"X".repeat(30_000)}`, frame(Buffer.alloc(0)));
    expectAnswer(outcome, "unimplemented", ["unknown method"]);
  });

  it("a request with 10,000 bad label keys keeps its BadRequest detail short enough for grpc-js", async () => {
    const labels = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`-bad-${i}-`, "v"]));
    const outcome = await connectCall(
      server.url,
      `${SERVICE}/ListComponents`,
      JSON.stringify({ filter: { labels } }),
      "application/json",
    );
    expectAnswer(outcome, "invalid_argument", ["labels"]);
    expect(outcome.fields?.length ?? 0).toBeLessThanOrEqual(8);
  });
});

describe("characters outside printable ASCII, from any field or header, come back escaped", () => {
  const weird = "d\u00e4t\u001c\u{1f680}";
  const escaped = "d\\u00e4t\\u001c\\ud83d\\ude80";
  const json = (path: string, body: unknown) => connectCall(server.url, path, JSON.stringify(body), "application/json");
  it.each([
    ["version", () => json(`${SERVICE}/GetComponent`, { name: "a", version: weird }), "invalid_argument"],
    [
      "base_version",
      () => json(`${SERVICE}/CompareComponentVersions`, { name: "a", baseVersion: weird, targetVersion: "1.0.0" }),
      "invalid_argument",
    ],
    [
      "category",
      () =>
        json(`${SERVICE}/CreateComponent`, {
          component: { name: "a", version: "1.0.0", provider: "aws", category: weird },
        }),
      "invalid_argument",
    ],
    ["health service name", () => json(HEALTH_CHECK, { service: weird }), "not_found"],
    ["sync repository", () => json("/nestor.catalog.v1.SyncService/GetSyncStatus", { repository: weird }), "not_found"],
    [
      "label key in a JSON decode error",
      () => json(`${SERVICE}/ListComponents`, { filter: { labels: { [weird]: 1 } } }),
      "invalid_argument",
    ],
  ])("%s", async (_field, send, code) => {
    expectAnswer(await send(), code, [escaped]);
  });

  it.each([
    ["grpc-timeout", { "grpc-timeout": "1\u00e9" }, "invalid_argument"],
    ["grpc-encoding", { "grpc-encoding": "gz\u00efp" }, "unimplemented"],
  ])("a %s header value", async (_header, headers, code) => {
    expectAnswer(await getOverGrpc(headers, 1), code, ["\\u00"]);
  });
});

describe("deadlines beyond what a timer holds mean no practical deadline", () => {
  it.each(["2147484S", "99999999S", "99999999H"])(
    "a gRPC WatchEvents (raw stream path) with grpc-timeout %s stays open past its first messages",
    async (timeout) => {
      const answer = await watchFrames({ "grpc-timeout": timeout }, 3);
      expect(answer.status).toBeUndefined();
      expect(answer.frames).toBeGreaterThanOrEqual(3);
    },
  );

  it.each([
    ["gRPC-Web, grpc-timeout 2147484S", "application/grpc-web+proto", { "grpc-timeout": "2147484S" }],
    ["Connect, connect-timeout-ms 9999999999", "application/connect+proto", { "connect-timeout-ms": "9999999999" }],
  ])("a WatchEvents over %s stays open past its first messages", async (_label, contentType, headers) => {
    const response = await fetch(`${server.url}${SERVICE}/WatchEvents`, {
      method: "POST",
      headers: { "content-type": contentType, ...headers },
      body: frame(Buffer.alloc(0)),
    });
    const reader = response.body!.getReader();
    let messages = 0;
    let ended = false;
    for (let bytes = Buffer.alloc(0); messages < 3 && !ended; ) {
      const { value, done } = await reader.read();
      if (done === true) ended = true;
      else bytes = Buffer.concat([bytes, value]);
      while (bytes.length >= 5 && bytes.length >= 5 + bytes.readUInt32BE(1)) {
        // A trailer (gRPC-Web, flag 0x80) or end-stream frame (Connect, flag 0x02) ends the call.
        if ((bytes[0]! & 0x82) !== 0) ended = true;
        else messages++;
        bytes = bytes.subarray(5 + bytes.readUInt32BE(1));
      }
    }
    await reader.cancel();
    expect(ended).toBe(false);
    expect(messages).toBeGreaterThanOrEqual(3);
  });

  it("a unary call over gRPC with grpc-timeout 99999999H is answered", async () => {
    const outcome = await rawGrpc.call(`${SERVICE}/ListComponents`, frame(listRequest()), {
      "grpc-timeout": "99999999H",
    });
    expect(outcome.code).toBe("ok");
  });
});

describe("JSON that does not decode names the field", () => {
  const component0 = '{"component": 0}';
  const nested = JSON.stringify({
    component: { name: "x", inputs: [{ name: "a" }, { name: "b", validation: { minLength: "long" } }] },
  });
  const cases: [string, string, string, string][] = [
    ["a message field given a number", component0, "component", "expected a JSON object"],
    [
      "a field nested in a list element",
      nested,
      "component.inputs[1].validation.min_length",
      'expected number (uint32), got "long"',
    ],
  ];
  const create = `${SERVICE}/CreateComponent`;
  it.each(
    cases.flatMap(([label, body, field, why]) => [
      [`Connect JSON: ${label}`, () => connectCall(server.url, create, body, "application/json"), field, why],
      [`gRPC+JSON: ${label}`, () => rawGrpc.call(create, frame(Buffer.from(body)), jsonGrpc), field, why],
      [
        `gRPC-Web+JSON: ${label}`,
        () => grpcWebCall(server.url, create, frame(Buffer.from(body)), jsonGrpcWeb),
        field,
        why,
      ],
      [
        `Connect JSON, gzip: ${label}`,
        () =>
          connectCall(server.url, create, gzipSync(body), "application/json", {
            "content-encoding": "gzip",
          }),
        field,
        why,
      ],
    ]),
  )("%s", async (_label, send, field, why) => {
    const outcome = await (send as () => Promise<Outcome>)();
    expectAnswer(outcome, "invalid_argument", [`invalid request: ${field}: `, why as string]);
    expect(outcome.fields).toEqual([field]);
  });

  it("a Connect GET whose query message does not decode names the field", async () => {
    const message = encodeURIComponent(JSON.stringify({ filter: { labels: [1, 2] } }));
    const response = await fetch(`${server.url}${SERVICE}/ListComponents?connect=v1&encoding=json&message=${message}`);
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe("invalid_argument");
    expect(body.message).toBe("invalid request: filter.labels: expected object, got Array(2)");
  });

  it("a Connect stream (WatchEvents) whose request does not decode names the field", async () => {
    const outcome = await connectStreamCall(server.url, `${SERVICE}/WatchEvents`, frame(Buffer.from('{"filter": 5}')), {
      "content-type": "application/connect+json",
    });
    expectAnswer(outcome, "invalid_argument", ["invalid request: filter: expected a JSON object"]);
    expect(outcome.fields).toEqual(["filter"]);
  });

  it("a label key that is not ASCII comes back escaped", async () => {
    const outcome = await connectCall(
      server.url,
      `${SERVICE}/ListComponents`,
      JSON.stringify({ filter: { labels: { "é\u001c": 1 } } }),
      "application/json",
    );
    expectAnswer(outcome, "invalid_argument", ['map entry "\\u00e9\\u001c"']);
  });
});

describe("bytes that do not decode are INTERNAL, saying what did not decode", () => {
  const list = `${SERVICE}/ListComponents`;
  it.each([
    ["gRPC, gzip", () => rawGrpc.call(list, frame(Buffer.from([0]), 1, 1), { "grpc-encoding": "gzip" }), "gzip"],
    ["gRPC, br", () => rawGrpc.call(list, frame(Buffer.from("abc"), 3, 1), { "grpc-encoding": "br" }), "br"],
    [
      "gRPC, raw stream path",
      () => rawGrpc.call(`${SERVICE}/WatchEvents`, frame(Buffer.from([0]), 1, 1), { "grpc-encoding": "gzip" }),
      "gzip",
    ],
    [
      "gRPC-Web",
      () => grpcWebCall(server.url, list, frame(Buffer.from([0]), 1, 1), { "grpc-encoding": "gzip" }),
      "gzip",
    ],
    [
      "Connect unary, corrupt",
      () => connectCall(server.url, list, Buffer.from("not gzip"), "application/json", { "content-encoding": "gzip" }),
      "gzip",
    ],
    [
      "Connect unary, truncated",
      () => connectCall(server.url, list, Buffer.from([0]), "application/json", { "content-encoding": "gzip" }),
      "gzip",
    ],
    [
      "Connect stream",
      () =>
        connectStreamCall(server.url, `${SERVICE}/WatchEvents`, frame(Buffer.from([0]), 1, 1), {
          "connect-content-encoding": "gzip",
        }),
      "gzip",
    ],
  ])("a body that does not decompress over %s", async (_label, send, encoding) => {
    expectAnswer(await send(), "internal", [`the request message does not decompress as ${encoding}: `]);
  });

  it("a Connect GET whose message is flagged base64 but is not", async () => {
    const response = await fetch(`${server.url}${list}?connect=v1&encoding=json&base64=1&message=!!!`);
    const body = (await response.json()) as { code: string; message: string };
    expect(body).toEqual({
      code: "internal",
      message: 'the query parameter "message" does not decode as base64: invalid base64 string',
    });
  });

  it.each([
    ["gRPC", () => rawGrpc.call(list, frame(Buffer.from([0x0f, 0x01])))],
    ["gRPC-Web", () => grpcWebCall(server.url, list, frame(Buffer.from([0x0f, 0x01])))],
    ["Connect", () => connectCall(server.url, list, Buffer.from([0x0f, 0x01]), "application/proto")],
  ])("protobuf bytes that do not decode over %s", async (_label, send) => {
    expectAnswer(await send(), "internal", [/^parse binary: /]);
  });
});

const jsonGrpc = { "content-type": "application/grpc+json" };
const jsonGrpcWeb = { "content-type": "application/grpc-web+json" };

function getRequest(): Buffer {
  return Buffer.concat([stringField(1, "aws-rds-mysql"), stringField(2, "1.0.0")]);
}

function listRequest(): Buffer {
  return Buffer.from(toBinary(ListComponentsRequestSchema, create(ListComponentsRequestSchema, {})));
}

function getOverGrpc(headers: Record<string, string>, flags = 0): Promise<Outcome> {
  return rawGrpc.call(`${SERVICE}/GetComponent`, frame(getRequest(), undefined, flags), headers);
}

function watchOverGrpc(headers: Record<string, string>, flags = 0): Promise<Outcome> {
  return rawGrpc.call(`${SERVICE}/WatchEvents`, frame(Buffer.alloc(0), 0, flags), headers);
}

/** A gRPC WatchEvents from now, read until `count` messages arrived (then cancelled) or the call ended. */
function watchFrames(
  headers: Record<string, string>,
  count: number,
): Promise<{ frames: number; status: string | undefined }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(server.url);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": `${SERVICE}/WatchEvents`,
      "content-type": "application/grpc",
      te: "trailers",
      ...headers,
    });
    let frames = 0;
    let status: string | undefined;
    let buffered = Buffer.alloc(0);
    const finish = () => {
      session.close();
      resolve({ frames, status });
    };
    stream.on("response", (h) => {
      if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
    });
    stream.on("trailers", (h) => {
      status = String(h["grpc-status"]);
    });
    stream.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt32BE(1)) {
        frames++;
        buffered = buffered.subarray(5 + buffered.readUInt32BE(1));
      }
      if (frames >= count) {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        finish();
      }
    });
    stream.on("error", () => {});
    stream.on("close", finish);
    stream.end(frame(Buffer.alloc(0)));
  });
}
