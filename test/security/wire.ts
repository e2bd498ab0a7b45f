/**
 * Raw requests for the hostile-input suite: bytes exactly as given, over
 * gRPC (HTTP/2), gRPC-Web and Connect unary and streaming (HTTP/1.1), so
 * that broken frames, broken protobuf, wrong content types and oversize
 * bodies reach the server as an attacker would send them. Every answer is reduced to an Outcome:
 * a Connect code name ("invalid_argument", "ok", ...) or "http_<status>"
 * when the server answered below the RPC protocols.
 */
import * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";

export interface Outcome {
  code: string;
  message: string;
}

/** Code.InvalidArgument → "invalid_argument". */
export function codeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/** The outcome of a Connect-ES call. */
export async function outcomeOf(call: Promise<unknown> | AsyncIterable<unknown>): Promise<Outcome> {
  try {
    const result = await call;
    if (result && typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") {
      for await (const _ of result as AsyncIterable<unknown>) break;
    }
    return { code: "ok", message: "" };
  } catch (err) {
    if (err instanceof ConnectError) return { code: codeName(err.code), message: err.rawMessage };
    return { code: "client_error", message: String(err) };
  }
}

/** A gRPC length-prefixed message: flags byte, 4-byte big-endian length (claimed, may lie), bytes. */
export function frame(message: Uint8Array, claimedLength = message.length, flags = 0): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(claimedLength >>> 0, 1);
  return Buffer.concat([head, message]);
}

export class RawGrpc {
  private readonly session: http2.ClientHttp2Session;

  constructor(baseUrl: string) {
    this.session = http2.connect(baseUrl);
    this.session.on("error", () => {});
  }

  /** One gRPC call with `body` as the whole request stream. */
  call(path: string, body: Buffer, headers: Record<string, string> = {}): Promise<Outcome> {
    return new Promise((resolve) => {
      let status: string | undefined;
      let message = "";
      let httpStatus = 0;
      const take = (h: http2.IncomingHttpHeaders) => {
        if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
        if (h["grpc-message"] !== undefined) message = decodeURIComponent(String(h["grpc-message"]));
      };
      const stream = this.session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/grpc",
        te: "trailers",
        ...headers,
      });
      stream.on("response", (h) => {
        httpStatus = Number(h[":status"]);
        take(h);
      });
      stream.on("trailers", take);
      stream.on("data", () => {});
      stream.on("error", () => {});
      stream.on("close", () => {
        if (status !== undefined) resolve({ code: status === "0" ? "ok" : codeName(Number(status) as Code), message });
        else resolve({ code: httpStatus ? `http_${httpStatus}` : "transport_error", message });
      });
      stream.end(body);
    });
  }

  close(): void {
    this.session.close();
  }
}

/** One gRPC-Web call over HTTP/1.1. */
export async function grpcWebCall(
  baseUrl: string,
  path: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<Outcome> {
  const response = await fetch(baseUrl + path, {
    method: "POST",
    headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", ...headers },
    body,
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  let status = response.headers.get("grpc-status") ?? undefined;
  let message = response.headers.get("grpc-message") ?? "";
  // Trailers travel in the body as a frame with flag 0x80.
  for (let at = 0; at + 5 <= bytes.length; ) {
    const length = bytes.readUInt32BE(at + 1);
    if (bytes[at]! & 0x80) {
      const trailer = bytes.subarray(at + 5, at + 5 + length).toString("utf8");
      status = /grpc-status:\s*(\d+)/i.exec(trailer)?.[1] ?? status;
      message = /grpc-message:\s*([^\r\n]*)/i.exec(trailer)?.[1] ?? message;
    }
    at += 5 + length;
  }
  if (status === undefined) return { code: `http_${response.status}`, message: bytes.toString("utf8").slice(0, 500) };
  return { code: status === "0" ? "ok" : codeName(Number(status) as Code), message: safeDecode(message) };
}

/** One Connect unary call over HTTP/1.1 with any content type and body. */
export async function connectCall(
  baseUrl: string,
  path: string,
  body: Buffer | string,
  contentType: string | undefined,
  headers: Record<string, string> = {},
): Promise<Outcome> {
  const response = await fetch(baseUrl + path, {
    method: "POST",
    headers: { ...(contentType !== undefined ? { "content-type": contentType } : {}), ...headers },
    body,
  });
  const text = await response.text();
  if (response.status === 200) return { code: "ok", message: "" };
  try {
    const error = JSON.parse(text) as { code?: string; message?: string };
    if (typeof error.code === "string") return { code: error.code, message: error.message ?? "" };
  } catch {
    // Not a Connect error body: report the HTTP status.
  }
  return { code: `http_${response.status}`, message: text.slice(0, 500) };
}

/**
 * One Connect streaming call over HTTP/1.1: `body` is the enveloped request
 * stream (see frame). The outcome is the end-stream frame's error, "ok" when
 * it has none.
 */
export async function connectStreamCall(
  baseUrl: string,
  path: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<Outcome> {
  const response = await fetch(baseUrl + path, {
    method: "POST",
    headers: { "content-type": "application/connect+proto", "connect-protocol-version": "1", ...headers },
    body,
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200)
    return { code: `http_${response.status}`, message: bytes.toString("utf8").slice(0, 500) };
  for (let at = 0; at + 5 <= bytes.length; ) {
    const length = bytes.readUInt32BE(at + 1);
    if (bytes[at]! & 0x02) {
      const end = JSON.parse(bytes.subarray(at + 5, at + 5 + length).toString("utf8")) as {
        error?: { code?: string; message?: string };
      };
      return end.error
        ? { code: end.error.code ?? "unknown", message: end.error.message ?? "" }
        : { code: "ok", message: "" };
    }
    at += 5 + length;
  }
  return { code: "no_end_stream", message: bytes.toString("utf8").slice(0, 500) };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
