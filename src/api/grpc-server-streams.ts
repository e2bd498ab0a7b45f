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
import {
  create,
  type DescMessage,
  type DescMethodServerStreaming,
  type DescService,
  type Message,
  toBinary,
} from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type Interceptor, type MethodImplSpec } from "@connectrpc/connect";
import {
  type Compression,
  compressionNegotiate,
  createMethodSerializationLookup,
  encodeEnvelope,
  pipe,
  transformDecompressEnvelope,
  transformParseEnvelope,
  transformSplitEnvelope,
} from "@connectrpc/connect/protocol";
import { parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import type { Logger } from "../logging/index.js";
import { grpcMessageHeaderValue } from "./errors.js";
import { reclassifyGrpcTrailer } from "./request-errors.js";
import {
  callServerStream,
  type DecodedRequest,
  drained,
  type ServerStreamCall,
  type ServerStreamImpl,
  webHeaders,
} from "./server-stream-call.js";

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
export function grpcServerStreamRouter(
  options: GrpcServerStreamOptions,
): (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean {
  const routes = new Map<string, Route>();
  const accepted = options.acceptCompression.map((c) => c.name).join(",");
  for (const spec of options.methods) {
    if (spec.kind !== "server_streaming")
      throw new Error(`${spec.method.parent.typeName}/${spec.method.name} is not server-streaming`);
    const serialization = createMethodSerializationLookup(spec.method, undefined, undefined, {
      readMaxBytes: options.readMaxBytes,
      writeMaxBytes: 0xffffffff,
    });
    routes.set(`/${spec.method.parent.typeName}/${spec.method.name}`, {
      spec: spec as ServerStreamingSpec,
      input: serialization.getI(true),
      accepted,
    });
  }
  return (stream, headers) => {
    const route = routes.get(String(headers[":path"] ?? ""));
    if (route === undefined || headers[":method"] !== "POST" || !GRPC_PROTO.test(String(headers["content-type"] ?? "")))
      return false;
    // The call context takes what it needs from the headers here, so the idle call does not keep them.
    const call = new CallContext(route.spec, headers, options.contextValues(stream), route.accepted);
    void serveCall(route, stream, call, options).catch((reason: unknown) => {
      options.logger.error("grpc stream handler failed", { method: route.spec.method.name, err: reason });
      if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    });
    return true;
  };
}

type ServerStreamingSpec = Extract<MethodImplSpec, { kind: "server_streaming" }>;

interface Route {
  spec: ServerStreamingSpec;
  input: ReturnType<ReturnType<typeof createMethodSerializationLookup>["getI"]>;
  accepted: string;
}

async function serveCall(
  route: Route,
  stream: http2.ServerHttp2Stream,
  call: CallContext,
  options: GrpcServerStreamOptions,
): Promise<void> {
  const { spec } = route;
  // The caller cancelled, reset the stream or lost the connection: the call's signal says so.
  const onClose = () => {
    if (!call.signal.aborted) call.abort(new ConnectError("the caller closed the stream", Code.Canceled));
  };
  stream.once("close", onClose);
  // A reset or a session torn down with an error (the client's GOAWAY) errors the stream, then closes it;
  // the close aborts the call. Without a listener the error would be thrown at the process.
  stream.on("error", ignoreStreamError);

  // The request is read whole before the call starts, so nothing of the reading stays referenced
  // while the stream idles; its errors are raised inside the call, where the interceptors see them.
  const request = await readRequest(route, stream, call, options);
  let headersSent = false;
  let completed = false;
  let failure: ConnectError | undefined;
  let output: AsyncIterator<unknown> | undefined;
  try {
    const response = await callServerStream(spec.impl as ServerStreamImpl, options.interceptors, call, request);
    copyHeaders(response.header, call.responseHeader);
    output = response.message[Symbol.asyncIterator]();
    for (;;) {
      const result = await output.next();
      if (result.done === true) {
        completed = true;
        break;
      }
      if (stream.destroyed) break;
      if (!headersSent) {
        headersSent = true;
        stream.respond({ ":status": 200, ...nodeHeaders(call.responseHeader) }, { waitForTrailers: true });
      }
      const written = stream.write(frameOf(spec.method.output, result.value as Message));
      // Backpressure: a slow reader holds this loop, and with it the implementation (the feed moves it to catch-up).
      if (!written && !(await drained(stream))) break;
    }
    copyHeaders(response.trailer, call.responseTrailer);
  } catch (err) {
    failure = ConnectError.from(err);
  } finally {
    call.done();
    stream.off("close", onClose);
    // Left early (the stream went away, with or without its close event yet): the implementation's and the
    // interceptors' cleanup (finally blocks) runs now rather than never.
    if (!completed && failure === undefined) await output?.return?.().catch(() => undefined);
  }
  if (stream.destroyed || stream.closed) return;
  const trailer = new Headers(call.responseTrailer);
  if (failure !== undefined) {
    setTrailerStatus(trailer, failure);
    reclassifyGrpcTrailer(trailer, spec.method.input.typeName);
  }
  const message = trailer.get("grpc-message");
  if (message !== null) trailer.set("grpc-message", grpcMessageHeaderValue(message));
  if (!headersSent) {
    // Trailers-only: one HEADERS frame with the status ends the call.
    stream.respond(
      { ":status": 200, ...nodeHeaders(call.responseHeader), ...nodeHeaders(trailer) },
      { endStream: true },
    );
    return;
  }
  stream.once("wantTrailers", () => stream.sendTrailers(nodeHeaders(trailer)));
  stream.end();
}

/**
 * The handler context of one call, with what connect's gives the
 * implementation (deadline, headers, values), but one abort controller for
 * the caller's cancellation, the deadline and the end of the call alike.
 */
class CallContext implements ServerStreamCall {
  readonly service: DescService;
  readonly method: DescMethodServerStreaming;
  readonly protocolName = PROTOCOL;
  readonly requestMethod = "POST";
  readonly url: string;
  readonly requestHeader: Headers;
  readonly responseHeader: Headers;
  readonly responseTrailer = new Headers({ "grpc-status": "0" });
  readonly values: ContextValues;
  readonly timeoutMs: () => number | undefined;
  /** A grpc-timeout that does not parse, raised inside the call. */
  readonly timeoutError: ConnectError | undefined;
  private readonly controller = new AbortController();
  private readonly deadline: NodeJS.Timeout | undefined;

  constructor(
    spec: ServerStreamingSpec,
    headers: http2.IncomingHttpHeaders,
    values: ContextValues,
    acceptedEncodings: string,
  ) {
    this.service = spec.method.parent;
    this.method = spec.method;
    this.url = `http://${String(headers[":authority"] ?? "localhost")}${String(headers[":path"])}`;
    this.requestHeader = webHeaders(headers);
    this.responseHeader = new Headers({
      "content-type": "application/grpc+proto",
      "grpc-accept-encoding": acceptedEncodings,
    });
    this.values = values;
    const timeout = parseTimeout(this.requestHeader.get("grpc-timeout"), Number.MAX_SAFE_INTEGER);
    this.timeoutError = timeout.error;
    if (timeout.timeoutMs === undefined) {
      this.timeoutMs = () => undefined;
    } else {
      const at = Date.now() + timeout.timeoutMs;
      this.timeoutMs = () => at - Date.now();
      // connect's deadline error and message, so both paths read the same.
      this.deadline = setTimeout(
        () => this.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded)),
        timeout.timeoutMs,
      );
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** The call is over: stop the deadline and let anything still listening to the signal go. */
  done(): void {
    clearTimeout(this.deadline);
    if (!this.controller.signal.aborted) this.controller.abort(new ConnectError("the call ended", Code.Canceled));
  }
}

/** Reads the one request message with connect's own envelope, size, decompression and decoding rules. */
async function readRequest(
  route: Route,
  stream: http2.ServerHttp2Stream,
  call: CallContext,
  options: GrpcServerStreamOptions,
): Promise<DecodedRequest> {
  const compression = compressionNegotiate(
    options.acceptCompression,
    call.requestHeader.get("grpc-encoding"),
    null,
    "grpc-accept-encoding",
  );
  if (compression.error) return { message: undefined, error: compression.error };
  if (call.timeoutError) return { message: undefined, error: call.timeoutError };
  const messages: unknown[] = [];
  try {
    const input = pipe(
      stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>,
      transformSplitEnvelope(options.readMaxBytes),
      transformDecompressEnvelope(compression.request ?? null, options.readMaxBytes),
      transformParseEnvelope(route.input),
    );
    for await (const message of input) messages.push(message);
  } catch (err) {
    return { message: undefined, error: err };
  }
  // connect's messages for a server-streaming call with no or several request messages.
  if (messages.length === 0)
    return {
      message: undefined,
      error: new ConnectError("protocol error: missing input message for server-streaming method", Code.Unimplemented),
    };
  if (messages.length > 1)
    return {
      message: undefined,
      error: new ConnectError(
        "protocol error: received extra input message for server-streaming method",
        Code.Unimplemented,
      ),
    };
  return { message: messages[0], error: undefined };
}

function copyHeaders(from: Headers, to: Headers): void {
  if (from === to) return;
  from.forEach((value, name) => to.set(name, value));
}

function ignoreStreamError(): void {}

/**
 * Frames by message object: an implementation that sends one message object
 * on many streams (WatchEvents shares each live event's response) has it
 * encoded and framed once, and every stream writes the same buffer.
 * Messages are not changed after they are yielded.
 */
const frames = new WeakMap<object, Uint8Array>();

function frameOf(desc: DescMessage, message: Message): Uint8Array {
  let framed = frames.get(message);
  if (framed === undefined) {
    // Flag 0: uncompressed. create() returns a message of the type as it is (implementations may yield init objects).
    framed = encodeEnvelope(0, toBinary(desc, create(desc, message as never)));
    frames.set(message, framed);
  }
  return framed;
}

function nodeHeaders(headers: Headers): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}
