/**
 * A JSON request that did not decode, read again to name the field at
 * fault (see json-field-errors.ts). Only failed requests get here: the body
 * chunks the handler read (protocol-edge.ts keeps references to them), or a
 * Connect GET's `message` query parameter, unwrapped from the protocol's
 * envelope and compression as connect-es unwrapped them.
 */
import type { DescMessage, JsonValue } from "@bufbuild/protobuf";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Compression, UniversalServerRequest } from "@connectrpc/connect/protocol";
import { badRequestDetail } from "./errors.js";
import { jsonDecodeViolation } from "./json-field-errors.js";

/** What is left of a JSON request to read again: the body chunks read, or (Connect GET) the request's query. */
export type RequestJsonSource = { request: UniversalServerRequest; chunks?: Uint8Array[] };

export interface ReadOptions {
  acceptCompression: Compression[];
  readMaxBytes: number;
}

/** The request's JSON value, or undefined when it cannot be read again (or is not JSON at all). */
export async function readRequestJson(
  source: RequestJsonSource,
  request: UniversalServerRequest,
  options: ReadOptions,
): Promise<JsonValue | undefined> {
  try {
    const bytes =
      source.chunks === undefined
        ? await queryMessage(request, options)
        : await bodyMessage(source.chunks, request, options);
    return bytes === undefined ? undefined : (JSON.parse(new TextDecoder().decode(bytes)) as JsonValue);
  } catch {
    return undefined;
  }
}

/** `error` restated with the path of the field `json` fails to decode at, when one does; else `error`. */
export function jsonFieldError(error: ConnectError, desc: DescMessage, json: JsonValue | undefined): ConnectError {
  const violation = json === undefined ? undefined : jsonDecodeViolation(desc, json);
  if (violation === undefined) return error;
  return new ConnectError(
    `invalid request: ${violation.field}: ${violation.description}`,
    Code.InvalidArgument,
    undefined,
    [badRequestDetail([violation])],
    error,
  );
}

/**
 * Why a Connect GET's `message` query parameter flagged base64 does not
 * decode (connect-es answers it with a bare "internal error"); undefined
 * when it does. INTERNAL, as for any request bytes that do not decode.
 */
export function queryMessageError(request: UniversalServerRequest): ConnectError | undefined {
  const query = new URL(request.url, "http://localhost").searchParams;
  if (query.get("base64") !== "1") return undefined;
  try {
    base64Decode(query.get("message") ?? "");
    return undefined;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return new ConnectError(`the query parameter "message" does not decode as base64: ${reason}`, Code.Internal);
  }
}

async function bodyMessage(
  chunks: Uint8Array[],
  request: UniversalServerRequest,
  options: ReadOptions,
): Promise<Uint8Array | undefined> {
  const bytes = Buffer.concat(chunks);
  const contentType = request.header.get("content-type") ?? "";
  if (/^application\/json/i.test(contentType))
    return decompress(bytes, request.header.get("content-encoding"), options);
  // Enveloped (Connect streams, gRPC, gRPC-Web): the first message; flag bit 0 marks it compressed.
  if (bytes.byteLength < 5 || bytes.byteLength < 5 + bytes.readUInt32BE(1)) return undefined;
  const message = bytes.subarray(5, 5 + bytes.readUInt32BE(1));
  if ((bytes[0]! & 1) === 0) return message;
  const encoding = /^application\/connect\+/i.test(contentType) ? "connect-content-encoding" : "grpc-encoding";
  return decompress(message, request.header.get(encoding), options);
}

async function queryMessage(request: UniversalServerRequest, options: ReadOptions): Promise<Uint8Array | undefined> {
  const query = new URL(request.url, "http://localhost").searchParams;
  if (query.get("encoding") !== "json") return undefined;
  const message = query.get("message") ?? "";
  const bytes = query.get("base64") === "1" ? base64Decode(message) : new TextEncoder().encode(message);
  return decompress(bytes, query.get("compression"), options);
}

async function decompress(bytes: Uint8Array, encoding: string | null, options: ReadOptions) {
  if (encoding === null || encoding === "" || encoding === "identity") return bytes;
  const compression = options.acceptCompression.find((c) => c.name === encoding);
  return compression === undefined ? undefined : compression.decompress(bytes, options.readMaxBytes);
}
