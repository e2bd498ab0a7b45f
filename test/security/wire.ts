/**
 * Raw requests for the hostile-input suite: bytes exactly as given, over
 * gRPC (HTTP/2), gRPC-Web and Connect unary and streaming (HTTP/1.1), so
 * that broken frames, broken protobuf, wrong content types and oversize
 * bodies reach the server as an attacker would send them. Every answer is reduced to an Outcome:
 * a Connect code name ("invalid_argument", "ok", ...) or "http_<status>"
 * when the server answered below the RPC protocols.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as http from "node:http";
import * as http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorFromJson } from "@connectrpc/connect/protocol-connect";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import { BadRequestSchema } from "../../gen/ts/src/google/rpc/error_details_pb.js";

export interface Outcome {
  code: string;
  message: string;
  /** The field paths of a google.rpc.BadRequest detail, when the answer carried one (raw calls only). */
  fields?: string[];
}

/** The BadRequest field paths of an error decoded from the wire, or undefined without that detail. */
function badRequestFields(error: ConnectError | undefined): string[] | undefined {
  const [detail] = error?.findDetails(BadRequestSchema) ?? [];
  return detail?.fieldViolations.map((v) => v.field);
}

function withFields(outcome: Outcome, error: ConnectError | undefined): Outcome {
  const fields = badRequestFields(error);
  return fields === undefined ? outcome : { ...outcome, fields };
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
  private session: http2.ClientHttp2Session;

  constructor(private readonly baseUrl: string) {
    this.session = this.connect();
  }

  private connect(): http2.ClientHttp2Session {
    const session = http2.connect(this.baseUrl);
    session.on("error", () => {});
    return session;
  }

  /** One gRPC call with `body` as the whole request stream. */
  call(path: string, body: Buffer, headers: Record<string, string> = {}): Promise<Outcome> {
    return new Promise((resolve) => {
      let status: string | undefined;
      let message = "";
      let httpStatus = 0;
      let error: ConnectError | undefined;
      const take = (h: http2.IncomingHttpHeaders) => {
        if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
        if (h["grpc-message"] !== undefined) message = decodeURIComponent(String(h["grpc-message"]));
        if (h["grpc-status-details-bin"] !== undefined) error = findTrailerError(webHeaders(h));
      };
      // A connection the server tore down (as it may for a broken frame) is replaced, so one case cannot hang the rest.
      if (this.session.closed || this.session.destroyed) this.session = this.connect();
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
        const code = status === "0" ? "ok" : codeName(Number(status) as Code);
        if (status !== undefined) resolve(withFields({ code, message }, error));
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
  const outcome = grpcWebOutcome(Object.fromEntries(response.headers), bytes);
  if (outcome.code !== "no_status") return outcome;
  return { code: `http_${response.status}`, message: bytes.toString("utf8").slice(0, 500) };
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
  return connectOutcome(response.status, Buffer.from(await response.arrayBuffer()));
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
      if (end.error === undefined) return { code: "ok", message: "" };
      const outcome = { code: end.error.code ?? "unknown", message: end.error.message ?? "" };
      return withFields(outcome, decodedConnectError(end.error));
    }
    at += 5 + length;
  }
  return { code: "no_end_stream", message: bytes.toString("utf8").slice(0, 500) };
}

/** A Connect error body (unary, or an end-stream's error) decoded as Connect-ES decodes it. */
function decodedConnectError(json: unknown): ConnectError | undefined {
  try {
    return errorFromJson(json as never, undefined, new ConnectError("", Code.Unknown));
  } catch {
    return undefined;
  }
}

function webHeaders(h: http2.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(h))
    if (!name.startsWith(":") && value !== undefined) out.set(name, String(value));
  return out;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * One gRPC call over HTTP/2 sent by curl (built with nghttp2), for header
 * lists Node's HTTP/2 client refuses to send: repeated `authorization`
 * headers. The outcome is read from curl's verbose listing of the response
 * headers and trailers.
 */
export async function curlGrpcCall(url: string, body: Buffer, headers: [string, string][]): Promise<Outcome> {
  const file = join(tmpdir(), `nestor-curl-${process.pid}-${Math.random().toString(36).slice(2)}.bin`);
  writeFileSync(file, body);
  const args = ["-sS", "-v", "--http2-prior-knowledge", "-o", "/dev/null", "--data-binary", `@${file}`];
  for (const [name, value] of [["content-type", "application/grpc"], ["te", "trailers"], ...headers])
    args.push("-H", `${name}: ${value}`);
  const { stderr } = await promisify(execFile)("curl", [...args, url]);
  const header = (name: string) => new RegExp(`^< ${name}: ?(.*?)\r?$`, "im").exec(stderr)?.[1];
  const status = header("grpc-status");
  if (status === undefined) return { code: "transport_error", message: stderr.slice(-300) };
  const message = safeDecode(header("grpc-message") ?? "");
  return { code: status === "0" ? "ok" : codeName(Number(status) as Code), message };
}

/**
 * One HTTP/1.1 request with header values as given, repeated headers
 * included (fetch joins them into one line). Returns the status, headers
 * and body.
 */
export function http1Request(
  url: string,
  body: Buffer | string,
  headers: Record<string, string | string[]>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: "POST", headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}

/** The outcome of a gRPC-Web answer (status in headers, or in the trailer frame of the body). */
export function grpcWebOutcome(headers: http.IncomingHttpHeaders, body: Buffer): Outcome {
  let status = headers["grpc-status"] as string | undefined;
  let message = (headers["grpc-message"] as string | undefined) ?? "";
  let details = headers["grpc-status-details-bin"] as string | undefined;
  // Trailers travel in the body as a frame with flag 0x80.
  for (let at = 0; at + 5 <= body.length; at += 5 + body.readUInt32BE(at + 1)) {
    if ((body[at]! & 0x80) === 0) continue;
    const trailer = body.subarray(at + 5, at + 5 + body.readUInt32BE(at + 1)).toString("utf8");
    status = /grpc-status:\s*(\d+)/i.exec(trailer)?.[1] ?? status;
    message = /grpc-message:\s*([^\r\n]*)/i.exec(trailer)?.[1] ?? message;
    details = /grpc-status-details-bin:\s*([^\r\n]*)/i.exec(trailer)?.[1] ?? details;
  }
  if (status === undefined) return { code: "no_status", message: body.toString("utf8").slice(0, 300) };
  const outcome = { code: status === "0" ? "ok" : codeName(Number(status) as Code), message: safeDecode(message) };
  if (details === undefined) return outcome;
  const trailer = new Headers({ "grpc-status": status, "grpc-status-details-bin": details });
  return withFields(outcome, findTrailerError(trailer));
}

/** The outcome of a Connect unary answer. */
export function connectOutcome(status: number, body: Buffer): Outcome {
  if (status === 200) return { code: "ok", message: "" };
  try {
    const error = JSON.parse(body.toString("utf8")) as { code?: string; message?: string };
    if (typeof error.code === "string")
      return withFields({ code: error.code, message: error.message ?? "" }, decodedConnectError(error));
  } catch {
    // Not a Connect error body: report the HTTP status.
  }
  return { code: `http_${status}`, message: body.toString("utf8").slice(0, 300) };
}
