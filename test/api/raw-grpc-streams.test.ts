/**
 * WatchEvents over gRPC is served on the raw HTTP/2 stream
 * (src/api/grpc-server-streams.ts), not through connect-node. These tests
 * speak gRPC by hand with node:http2, so what is checked is the wire:
 * framing, headers and trailers, request decoding, limits and deadlines,
 * and that the call interceptors (request id, error mapping) still apply.
 * The other suites cover the same call through Connect-ES and grpc-js.
 */
import * as http2 from "node:http2";
import { gzipSync } from "node:zlib";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  WatchEventsRequestSchema,
  type WatchEventsResponse,
  WatchEventsResponseSchema,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { sampleComponent, uniqueName, useHarness } from "./harness.js";

const MAX_REQUEST_BYTES = 64 * 1024;
const h = useHarness((config) => {
  config.server.maxRequestBytes = MAX_REQUEST_BYTES;
});
const WATCH = "/nestor.catalog.v1.CatalogService/WatchEvents";

interface RawAnswer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  /** Each message frame: its flag byte and payload. */
  frames: { flag: number; payload: Buffer }[];
  /** The trailers, or for a trailers-only answer the headers. */
  trailers: http2.IncomingHttpHeaders;
}

/** A length-prefixed gRPC message. */
function grpcFrame(payload: Uint8Array, flag = 0): Buffer {
  const out = Buffer.alloc(5 + payload.byteLength);
  out[0] = flag;
  out.writeUInt32BE(payload.byteLength, 1);
  out.set(payload, 5);
  return out;
}

function watchRequest(init: Parameters<typeof create<typeof WatchEventsRequestSchema>>[1] = {}): Uint8Array {
  return toBinary(WatchEventsRequestSchema, create(WatchEventsRequestSchema, init));
}

/**
 * Sends one gRPC call by hand and reads its answer; `stopAfter` frames ends
 * the read early by cancelling the stream (a watch never ends by itself).
 */
async function rawCall(
  body: Buffer,
  headers: http2.OutgoingHttpHeaders = {},
  stopAfter?: (frames: RawAnswer["frames"]) => boolean,
): Promise<RawAnswer> {
  const session = http2.connect(h.server.url);
  try {
    return await new Promise<RawAnswer>((resolve, reject) => {
      const req = session.request({
        ":method": "POST",
        ":path": WATCH,
        "content-type": "application/grpc",
        te: "trailers",
        ...headers,
      });
      const answer: RawAnswer = { status: 0, headers: {}, frames: [], trailers: {} };
      let buffered = Buffer.alloc(0);
      req.on("response", (responseHeaders) => {
        answer.status = Number(responseHeaders[":status"]);
        answer.headers = responseHeaders;
        if (responseHeaders["grpc-status"] !== undefined) answer.trailers = responseHeaders;
      });
      req.on("data", (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt32BE(1)) {
          const length = buffered.readUInt32BE(1);
          answer.frames.push({ flag: buffered[0]!, payload: buffered.subarray(5, 5 + length) });
          buffered = buffered.subarray(5 + length);
        }
        if (stopAfter?.(answer.frames)) {
          req.close(http2.constants.NGHTTP2_CANCEL);
          resolve(answer);
        }
      });
      req.on("trailers", (trailers) => {
        answer.trailers = trailers;
      });
      req.on("end", () => resolve(answer));
      req.on("error", reject);
      req.end(body);
    });
  } finally {
    session.close();
  }
}

const messages = (answer: RawAnswer): WatchEventsResponse[] =>
  answer.frames.map((f) => fromBinary(WatchEventsResponseSchema, f.payload));
const eventNames = (answer: RawAnswer): string[] =>
  messages(answer).flatMap((m) => m.events.map((e) => e.component?.name ?? ""));

describe("WatchEvents over gRPC on the raw HTTP/2 stream", () => {
  it("streams replayed events in plain frames (never gzip, even if accepted) and echoes the request id", async () => {
    // Past connect's 1 KiB compression threshold, so connect-node would have gzipped it.
    const name = uniqueName("raw-big");
    const created = await h.grpc.createComponent({
      component: sampleComponent({ name, description: "x".repeat(4_000) }),
    });
    const answer = await rawCall(
      grpcFrame(watchRequest({ startRevision: created.revision - 1n, resume: true })),
      { "grpc-accept-encoding": "gzip", "x-request-id": "raw-watch-1" },
      (frames) => frames.some((f) => f.flag !== 0 || f.payload.length > 4_000),
    );
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/grpc+proto");
    expect(answer.headers["grpc-encoding"]).toBeUndefined();
    expect(answer.headers["x-request-id"]).toBe("raw-watch-1");
    expect(answer.frames.every((f) => f.flag === 0)).toBe(true);
    expect(eventNames(answer)).toContain(name);
    const event = messages(answer)
      .flatMap((m) => m.events)
      .find((e) => e.component?.name === name);
    expect(event?.revision).toBe(created.revision);
    expect(event?.component?.description).toBe("x".repeat(4_000));
  });

  it("decodes a gzip-compressed request", async () => {
    const name = uniqueName("raw-gz");
    const created = await h.grpc.createComponent({ component: sampleComponent({ name }) });
    const answer = await rawCall(
      grpcFrame(gzipSync(watchRequest({ startRevision: created.revision - 1n, resume: true })), 1),
      { "grpc-encoding": "gzip" },
      (frames) => frames.length > 0 && eventNames({ ...emptyAnswer, frames }).includes(name),
    );
    expect(eventNames(answer)).toContain(name);
  });

  it("answers an undecodable request INTERNAL (gRPC convention) with the decoder's reason, trailers-only", async () => {
    const answer = await rawCall(grpcFrame(Buffer.from([0x0f, 0x01])));
    expect(answer.frames).toHaveLength(0);
    expect(answer.headers["grpc-status"]).toBe("13");
    expect(decodeURIComponent(String(answer.trailers["grpc-message"]))).toMatch(/^parse binary: .*wire type/);
  });

  it("refuses a request over server.maxRequestBytes: RESOURCE_EXHAUSTED naming the size and the limit", async () => {
    const big = watchRequest({ filter: { names: ["a".repeat(MAX_REQUEST_BYTES + 10)] } });
    const answer = await rawCall(grpcFrame(big));
    expect(answer.trailers["grpc-status"]).toBe("8");
    const message = decodeURIComponent(String(answer.trailers["grpc-message"]));
    expect(message).toContain(String(big.byteLength));
    expect(message).toContain(String(MAX_REQUEST_BYTES));
  });

  it("answers an encoding it does not know with UNIMPLEMENTED naming it", async () => {
    const answer = await rawCall(grpcFrame(watchRequest(), 1), { "grpc-encoding": "snappy" });
    expect(answer.trailers["grpc-status"]).toBe("12");
    expect(decodeURIComponent(String(answer.trailers["grpc-message"]))).toContain("snappy");
  });

  it("answers a call without a request message with UNIMPLEMENTED", async () => {
    const answer = await rawCall(Buffer.alloc(0));
    expect(answer.trailers["grpc-status"]).toBe("12");
    expect(String(answer.trailers["grpc-message"])).toContain("missing input message");
  });

  it("answers a malformed grpc-timeout with an error naming the value", async () => {
    const answer = await rawCall(grpcFrame(watchRequest()), { "grpc-timeout": "soon" });
    expect(answer.trailers["grpc-status"]).not.toBe("0");
    expect(decodeURIComponent(String(answer.trailers["grpc-message"]))).toContain("soon");
  });

  it("ends a watch whose grpc-timeout passes: DEADLINE_EXCEEDED in the trailers, after its first message", async () => {
    const answer = await rawCall(grpcFrame(watchRequest()), { "grpc-timeout": "300m" });
    expect(answer.frames.length).toBeGreaterThan(0);
    expect(answer.headers["grpc-status"]).toBeUndefined();
    expect(answer.trailers["grpc-status"]).toBe("4");
  });

  it("writes grpc-message with the gRPC spec's percent-encoding (':' stays readable)", async () => {
    const answer = await rawCall(grpcFrame(watchRequest({ startRevision: -5n })));
    expect(answer.trailers["grpc-status"]).toBe("3");
    const raw = String(answer.trailers["grpc-message"]);
    expect(raw).toContain("start_revision");
    expect(raw).not.toContain("%3A");
  });

  it("leaves gRPC with the JSON codec to connect-node, which still answers it", async () => {
    const answer = await rawCall(
      grpcFrame(Buffer.from(JSON.stringify({}))),
      { "content-type": "application/grpc+json" },
      (frames) => frames.length > 0,
    );
    expect(answer.headers["content-type"]).toBe("application/grpc+json");
    expect(JSON.parse(answer.frames[0]!.payload.toString("utf8"))).toHaveProperty("revision");
  });
});

const emptyAnswer: RawAnswer = { status: 0, headers: {}, frames: [], trailers: {} };
