/**
 * Request errors that are the caller's fault, answered as such.
 *
 * Why this exists: connect-es (2.3.0) decodes request messages inside its
 * protocol handlers, before any interceptor runs, and answers bytes that do
 * not decode as the method's protobuf message with INTERNAL
 * ("parse binary: <reason>", protocol/serialization.js), the status of a
 * server fault; JSON that does not decode already gets INVALID_ARGUMENT. The
 * caller sent bad input, so this API answers INVALID_ARGUMENT with a message
 * naming the request type ("request is not a valid
 * nestor.catalog.v1.GetComponentRequest: <decoder's reason>"). This departs
 * from the gRPC libraries' own table (doc/statuscodes.md lists "Error parsing
 * request proto" as INTERNAL; grpc-go and grpc-java do that) on purpose: a
 * client retrying or paging on INTERNAL would chase a server bug that is not
 * there.
 *
 * By the time a handler returns, the error is already in its wire form, so
 * each protocol's answer is read back and rewritten with connect's own codecs:
 *   gRPC             the trailer Headers (grpc-status, grpc-message)
 *   gRPC-Web         the trailer frame (flag 0x80), the body's first chunk
 *   Connect unary    HTTP 500 and a JSON error body
 *   Connect stream   the end-stream frame (flag 0x02), the body's first chunk
 * Decoding happens before a unary or server-streaming method produces any
 * output, so the error is always the first (and only) thing answered. A
 * message that fails to decode later in a client or bidi stream (only
 * reflection's bidi stream has more than one request message) still reads
 * INTERNAL.
 *
 * Success paths pay one check: a trailer lookup (gRPC), the status (Connect
 * unary), or the flag byte of the first body chunk (gRPC-Web, Connect
 * streams). Only error responses are decoded.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import {
  createAsyncIterable,
  encodeEnvelope,
  type UniversalServerRequest,
  type UniversalServerResponse,
} from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  createEndStreamSerialization,
  endStreamFlag,
  errorFromJsonBytes,
  errorToJsonBytes,
} from "@connectrpc/connect/protocol-connect";
import { findTrailerError, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerParse, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { headerSafeMessage } from "./errors.js";

/** connect-es's message for protobuf bytes that fromBinary refused; the rest is the decoder's reason. */
const PARSE_BINARY = "parse binary: ";
/** connect-es's message for a message flagged compressed in a request that declares no encoding. */
const COMPRESSED_WITHOUT_ENCODING = "received compressed envelope, but do not know how to decompress";
const GRPC_INTERNAL = String(Code.Internal);
/** application/grpc or application/grpc-web(-text), with or without a subtype; group 1 is set for gRPC-Web. */
const GRPC_CONTENT_TYPE = /^application\/grpc(-web(?:-text)?)?(?:$|[+;])/i;
const endStream = createEndStreamSerialization(undefined);

/**
 * The response to send instead of `response` when it answers a request error
 * the caller caused with a server-fault status; otherwise `response` itself.
 * Synchronous except for a Connect unary error, whose body must be read.
 * `requestType` is the method's input message type name.
 */
export function reclassifyRequestErrors(
  request: UniversalServerRequest,
  response: UniversalServerResponse,
  requestType: string,
): UniversalServerResponse | Promise<UniversalServerResponse> {
  // Only the gRPC handler keeps its trailers apart from the body.
  if (response.trailer !== undefined) {
    if (response.trailer.get("grpc-status") === GRPC_INTERNAL)
      rewriteTrailer(response.trailer, requestType, "grpc-encoding");
    return response;
  }
  if (response.status === 200) {
    const contentType = response.header?.get("content-type") ?? "";
    if (contentType.startsWith("application/grpc-web"))
      return { ...response, body: mapFirstChunk(response.body, (chunk) => rewriteGrpcWebTrailer(chunk, requestType)) };
    if (contentType.startsWith("application/connect+"))
      return { ...response, body: mapFirstChunk(response.body, (chunk) => rewriteEndStream(chunk, requestType)) };
    return response;
  }
  if (response.status === 500) return rewriteConnectUnaryError(response, requestType);
  if (response.status === 415) return unsupportedGrpcContentType(request) ?? response;
  return response;
}

/**
 * The error to answer instead of `error`, or undefined when `error` stands.
 * `encodingHeader` names the header that declares a message encoding in the
 * caller's protocol.
 */
function callerFault(error: ConnectError, requestType: string, encodingHeader: string): ConnectError | undefined {
  if (error.code !== Code.Internal) return undefined;
  if (error.rawMessage.startsWith(PARSE_BINARY)) {
    const reason = error.rawMessage.slice(PARSE_BINARY.length);
    return new ConnectError(
      headerSafeMessage(`request is not a valid ${requestType}: ${reason}`),
      Code.InvalidArgument,
    );
  }
  if (error.rawMessage === COMPRESSED_WITHOUT_ENCODING) {
    // Stays INTERNAL, as the gRPC spec has it: PROTOCOL-HTTP2.md says "If the
    // Message-Encoding header is omitted then the Compressed-Flag must be 0",
    // so this is a protocol violation, and doc/statuscodes.md answers protocol
    // violations and undecompressable client messages with INTERNAL (grpc-go:
    // "grpc: compressed flag set with identity or empty encoding"; grpc-java
    // likewise). Only the message changes, to say what the caller did wrong.
    return new ConnectError(
      `protocol error: a message is flagged compressed but the request declares no ${encodingHeader}; without one the compressed flag must be 0`,
      Code.Internal,
    );
  }
  return undefined;
}

/**
 * Rewrites a gRPC trailer in place when it carries a caller's fault as a
 * server fault (for calls served outside connect-node: grpc-server-streams.ts).
 */
export function reclassifyGrpcTrailer(trailer: Headers, requestType: string): void {
  rewriteTrailer(trailer, requestType, "grpc-encoding");
}

/** Rewrites grpc-status and grpc-message in place when they carry a caller's fault. */
function rewriteTrailer(trailer: Headers, requestType: string, encodingHeader: string): boolean {
  const error = findTrailerError(trailer);
  const replacement = error && callerFault(error, requestType, encodingHeader);
  if (replacement === undefined) return false;
  setTrailerStatus(trailer, replacement);
  return true;
}

function rewriteGrpcWebTrailer(chunk: Uint8Array, requestType: string): Uint8Array {
  const data = envelopeData(chunk, trailerFlag);
  if (data === undefined) return chunk;
  const trailer = trailerParse(data);
  return rewriteTrailer(trailer, requestType, "grpc-encoding")
    ? encodeEnvelope(trailerFlag, trailerSerialize(trailer))
    : chunk;
}

function rewriteEndStream(chunk: Uint8Array, requestType: string): Uint8Array {
  const data = envelopeData(chunk, endStreamFlag);
  if (data === undefined) return chunk;
  let end;
  try {
    end = endStream.parse(data);
  } catch {
    return chunk;
  }
  const replacement = end.error && callerFault(end.error, requestType, "connect-content-encoding");
  if (replacement === undefined) return chunk;
  return encodeEnvelope(endStreamFlag, endStream.serialize({ metadata: end.metadata, error: replacement }));
}

/** The payload of `chunk` when it is exactly one envelope with exactly these flags. */
function envelopeData(chunk: Uint8Array, flags: number): Uint8Array | undefined {
  if (chunk.byteLength < 5 || chunk[0] !== flags) return undefined;
  const length = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength).getUint32(1);
  return length === chunk.byteLength - 5 ? chunk.subarray(5) : undefined;
}

async function rewriteConnectUnaryError(
  response: UniversalServerResponse,
  requestType: string,
): Promise<UniversalServerResponse> {
  // A compressed error body (only past compressMinBytes, which these short errors never reach) is left alone.
  if (response.body === undefined || response.header?.has("content-encoding") === true) return response;
  // The body is connect's one in-memory chunk; read it whole (a limit would drop the answer).
  const chunks: Uint8Array[] = [];
  for await (const chunk of response.body) chunks.push(chunk);
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  const original = { ...response, body: createAsyncIterable([bytes]) };
  let error: ConnectError;
  try {
    error = errorFromJsonBytes(bytes, undefined, new ConnectError("", Code.Unknown));
  } catch {
    return original;
  }
  const replacement = callerFault(error, requestType, "content-encoding");
  if (replacement === undefined) return original;
  const body = errorToJsonBytes(replacement, undefined);
  const header = new Headers(response.header);
  header.set("content-length", String(body.byteLength));
  return { status: codeToHttpStatus(replacement.code), header, body: createAsyncIterable([body]) };
}

/**
 * connect-es answers a content type none of its protocols serve with a bare
 * HTTP 415. PROTOCOL-HTTP2.md asks for 415 only when the type does not begin
 * with "application/grpc"; for a gRPC or gRPC-Web subtype we do not serve
 * (application/grpc+xml) a gRPC client reads a bare 415 as UNKNOWN, so the
 * answer is a gRPC status, UNIMPLEMENTED, as for an unsupported compression.
 */
function unsupportedGrpcContentType(request: UniversalServerRequest): UniversalServerResponse | undefined {
  const requested = request.header.get("content-type") ?? "";
  const grpc = GRPC_CONTENT_TYPE.exec(requested);
  if (grpc === null) return undefined;
  const web = grpc[1] !== undefined;
  const shown = requested.slice(0, 100).replace(/[^\x20-\x7e]/g, "?");
  const error = new ConnectError(
    `content type ${shown} is not served; use ${web ? "application/grpc-web+proto or application/grpc-web+json" : "application/grpc+proto or application/grpc+json"}`,
    Code.Unimplemented,
  );
  const trailer = setTrailerStatus(new Headers(), error);
  if (web) {
    return {
      status: 200,
      header: new Headers({ "content-type": "application/grpc-web+proto" }),
      body: createAsyncIterable([encodeEnvelope(trailerFlag, trailerSerialize(trailer))]),
    };
  }
  return { status: 200, header: new Headers({ "content-type": "application/grpc+proto" }), trailer };
}

/**
 * `body` with `map` applied to its first chunk only. The chunk is mapped as
 * the response writer pulls it, so nothing is awaited up front and later
 * chunks pass straight through.
 */
function mapFirstChunk(
  body: AsyncIterable<Uint8Array> | undefined,
  map: (chunk: Uint8Array) => Uint8Array,
): AsyncIterable<Uint8Array> | undefined {
  if (body === undefined) return undefined;
  return {
    [Symbol.asyncIterator]() {
      const source = body[Symbol.asyncIterator]();
      let first = true;
      const iterator: AsyncIterator<Uint8Array> = {
        next() {
          if (!first) return source.next();
          first = false;
          return source
            .next()
            .then((result) => (result.done === true ? result : { done: false, value: map(result.value) }));
        },
      };
      // The response writer reports write errors and its end through these; keep them reaching the handler.
      if (source.throw) iterator.throw = (err?: unknown) => source.throw!(err);
      if (source.return) iterator.return = (value?: unknown) => source.return!(value);
      return iterator;
    },
  };
}
