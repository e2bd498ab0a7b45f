/**
 * Server-streaming methods over gRPC, served on the raw HTTP/2 stream.
 *
 * Why: a WatchEvents stream lives for hours and mostly idles, so what each
 * open stream costs in memory is what bounds a server's watchers. Through
 * connect-node, an idle stream held ~60 KiB (bench/watch): Node's HTTP/2
 * compatibility request and response objects, the universal request, and
 * connect's chain of async iterables that serialise, compress, join and
 * write each message. On the raw `Http2Stream` the transport needs ~7 KiB.
 * This path keeps everything that decides what a call may do and what it
 * answers — connect's own request reading (envelope split, size limit,
 * decompression, decoding), `grpc-timeout` parsing, the handler context and
 * deadline, and the same interceptors in the same order (call logging and
 * error mapping, authentication, rate and stream limits) around the same
 * implementation — and replaces only the response pipeline: each message is
 * encoded and framed in one buffer and written straight to the stream.
 *
 * Scope: application/grpc and application/grpc+proto requests for the
 * methods given (WatchEvents). gRPC-Web, Connect and gRPC+JSON keep the
 * connect-node path. Responses are not compressed, whatever the client
 * accepts: an event is encoded once for every stream (see
 * catalog-service.ts), and compressing it per stream would undo that; gRPC
 * lets a server answer uncompressed (identity) to any client. Compressed
 * requests (gzip, br) are accepted as before.
 */
import * as http2 from "node:http2";
import { toBinary, type DescMessage } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createHandlerContext,
  type ContextValues,
  type Interceptor,
  type MethodImplSpec,
} from "@connectrpc/connect";
import {
  compressionNegotiate,
  createMethodSerializationLookup,
  pipe,
  transformDecompressEnvelope,
  transformInvokeImplementation,
  transformParseEnvelope,
  transformPrepend,
  transformSplitEnvelope,
  type Compression,
} from "@connectrpc/connect/protocol";
import { parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import type { Logger } from "../logging/index.js";
import { grpcMessageHeaderValue } from "./errors.js";
import { reclassifyGrpcTrailer } from "./request-errors.js";

/** gRPC with the protobuf codec; the JSON codec and gRPC-Web stay on connect-node. */
const GRPC_PROTO = /^application\/grpc(?:\+proto)?(?:;|$)/i;
const PROTOCOL = "grpc";

export interface GrpcServerStreamOptions {
  /** Server-streaming method implementations to serve here. */
  methods: MethodImplSpec[];
  /** The same interceptors, in the same order, as the connect-node router's. */
  interceptors: Interceptor[];
  readMaxBytes: number;
  acceptCompression: Compression[];
  /** Per-call context values (the transport peer) from the call's HTTP/2 stream. */
  contextValues: (stream: http2.ServerHttp2Stream) => ContextValues;
  logger: Logger;
}

/**
 * Returns a router for HTTP/2 streams: it serves the stream and returns
 * true when the stream is a gRPC call to one of `methods`, else returns
 * false and leaves the stream alone.
 */
export function grpcServerStreamRouter(options: GrpcServerStreamOptions): (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean {
  const routes = new Map<string, Route>();
  const accepted = options.acceptCompression.map((c) => c.name).join(",");
  for (const spec of options.methods) {
    if (spec.kind !== "server_streaming") throw new Error(`${spec.method.parent.typeName}/${spec.method.name} is not server-streaming`);
    const serialization = createMethodSerializationLookup(spec.method, undefined, undefined, { readMaxBytes: options.readMaxBytes, writeMaxBytes: 0xffffffff });
    routes.set(`/${spec.method.parent.typeName}/${spec.method.name}`, { spec, input: serialization.getI(true), accepted });
  }
  return (stream, headers) => {
    const route = routes.get(String(headers[":path"] ?? ""));
    if (route === undefined || headers[":method"] !== "POST" || !GRPC_PROTO.test(String(headers["content-type"] ?? ""))) return false;
    void serveCall(route, stream, headers, options).catch((reason: unknown) => {
      options.logger.error("grpc stream handler failed", { method: route.spec.method.name, err: reason });
      if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    });
    return true;
  };
}

interface Route {
  spec: MethodImplSpec;
  input: ReturnType<ReturnType<typeof createMethodSerializationLookup>["getI"]>;
  accepted: string;
}

async function serveCall(route: Route, stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, options: GrpcServerStreamOptions): Promise<void> {
  const { spec } = route;
  const requestHeader = webHeaders(headers);
  // The caller cancelled, reset the stream or lost the connection: the call's signal says so.
  const request = new AbortController();
  const onClose = () => request.abort(new ConnectError("the caller closed the stream", Code.Canceled));
  stream.once("close", onClose);
  // A reset or a session torn down with an error (the client's GOAWAY) errors the stream, then closes it;
  // the close aborts the call. Without a listener the error would be thrown at the process.
  stream.on("error", ignoreStreamError);

  const timeout = parseTimeout(requestHeader.get("grpc-timeout"), Number.MAX_SAFE_INTEGER);
  const context = createHandlerContext({
    service: spec.method.parent,
    method: spec.method,
    protocolName: PROTOCOL,
    requestMethod: "POST",
    url: `http://${String(headers[":authority"] ?? "localhost")}${String(headers[":path"])}`,
    ...(timeout.timeoutMs === undefined ? {} : { timeoutMs: timeout.timeoutMs }),
    requestSignal: request.signal,
    requestHeader,
    responseHeader: { "content-type": "application/grpc+proto", "grpc-accept-encoding": route.accepted },
    responseTrailer: { "grpc-status": "0" },
    contextValues: options.contextValues(stream),
  });
  const compression = compressionNegotiate(options.acceptCompression, requestHeader.get("grpc-encoding"), null, "grpc-accept-encoding");
  // connect's own request pipeline, so limits and decoding errors read exactly as on every other path.
  const input = pipe(
    stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>,
    transformPrepend<Uint8Array>(() => {
      // Raised inside the call so they reach the interceptors and the trailers like any other error.
      if (compression.error) throw compression.error;
      if (timeout.error) throw timeout.error;
      return undefined;
    }),
    transformSplitEnvelope(options.readMaxBytes),
    transformDecompressEnvelope(compression.request ?? null, options.readMaxBytes),
    transformParseEnvelope(route.input),
  );
  const output = transformInvokeImplementation(spec, context, options.interceptors)(input)[Symbol.asyncIterator]();

  let headersSent = false;
  const sendHeaders = () => {
    headersSent = true;
    stream.respond({ ":status": 200, ...nodeHeaders(context.responseHeader) }, { waitForTrailers: true });
  };
  let failure: ConnectError | undefined;
  try {
    for (;;) {
      const next = await output.next();
      if (next.done === true) break;
      if (stream.destroyed) break;
      if (!headersSent) sendHeaders();
      const written = stream.write(frame(spec.method.output, next.value));
      // Backpressure: a slow reader holds this loop, and with it the implementation (the feed moves it to catch-up).
      if (!written && !(await drained(stream))) break;
    }
  } catch (err) {
    failure = ConnectError.from(err);
  } finally {
    context.abort();
    stream.off("close", onClose);
    if (request.signal.aborted) await output.return?.().catch(() => undefined);
  }
  if (stream.destroyed || stream.closed) return;
  const trailer = new Headers(context.responseTrailer);
  if (failure !== undefined) {
    setTrailerStatus(trailer, failure);
    reclassifyGrpcTrailer(trailer, spec.method.input.typeName);
  }
  const message = trailer.get("grpc-message");
  if (message !== null) trailer.set("grpc-message", grpcMessageHeaderValue(message));
  if (!headersSent) {
    // Trailers-only: one HEADERS frame with the status ends the call.
    stream.respond({ ":status": 200, ...nodeHeaders(context.responseHeader), ...nodeHeaders(trailer) }, { endStream: true });
    return;
  }
  stream.once("wantTrailers", () => stream.sendTrailers(nodeHeaders(trailer)));
  stream.end();
}

function ignoreStreamError(): void {}

/** A gRPC message frame: flag 0 (uncompressed), 4-byte big-endian length, the message. */
function frame(desc: DescMessage, message: unknown): Buffer {
  const bytes = toBinary(desc, message as never);
  const out = Buffer.allocUnsafe(5 + bytes.byteLength);
  out[0] = 0;
  out.writeUInt32BE(bytes.byteLength, 1);
  out.set(bytes, 5);
  return out;
}

/** Resolves true when the stream can take more, false when it closed first. */
function drained(stream: http2.ServerHttp2Stream): Promise<boolean> {
  return new Promise((resolve) => {
    const onDrain = () => {
      stream.off("close", onClose);
      resolve(true);
    };
    const onClose = () => {
      stream.off("drain", onDrain);
      resolve(false);
    };
    stream.once("drain", onDrain);
    stream.once("close", onClose);
  });
}

function webHeaders(headers: http2.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.append(name, v);
    else out.append(name, String(value));
  }
  return out;
}

function nodeHeaders(headers: Headers): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}
