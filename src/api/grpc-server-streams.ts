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
 * framed once (wire-cache.ts) and written straight to the stream.
 *
 * Writes respect backpressure: a frame goes out in slices of at most one
 * HTTP/2 DATA frame (16 KiB), the next only once the stream has drained.
 * Node counts every byte handed to a stream against its session's memory
 * budget (server.ts, maxSessionMemory) until the peer's flow control lets
 * it out, so a replay of 1 MiB responses to 1,000 streams on one connection
 * would otherwise hold ~1 GiB there and get new streams refused.
 *
 * Scope: application/grpc and application/grpc+proto requests for the
 * methods given (WatchEvents). gRPC-Web, Connect and gRPC+JSON keep the
 * connect-node path. Responses are not compressed, whatever the client
 * accepts: an event is encoded once for every stream, and compressing it
 * per stream would undo that; gRPC lets a server answer uncompressed
 * (identity) to any client. Compressed requests (gzip, br) are accepted.
 */
import * as http2 from "node:http2";
import type { DescMethodServerStreaming, DescService, Message } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ContextValues,
  type Interceptor,
  type MethodImplSpec,
  type StreamResponse,
} from "@connectrpc/connect";
import {
  type Compression,
  compressionNegotiate,
  createMethodSerializationLookup,
  pipe,
  transformDecompressEnvelope,
  transformParseEnvelope,
  transformSplitEnvelope,
} from "@connectrpc/connect/protocol";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import type { Logger } from "../logging/index.js";
import { parsePracticalGrpcTimeout } from "./deadlines.js";
import { grpcMessageHeaderValue } from "./grpc-message.js";
import {
  callServerStream,
  type DecodedRequest,
  drained,
  type ServerStreamCall,
  type ServerStreamImpl,
  webHeaders,
} from "./server-stream-call.js";
import { frameOf } from "./wire-cache.js";

/** gRPC with the protobuf codec; the JSON codec and gRPC-Web stay on connect-node. */
const GRPC_PROTO = /^application\/grpc(?:\+proto)?(?:;|$)/i;
const PROTOCOL = "grpc";
/** One HTTP/2 DATA frame at the default SETTINGS_MAX_FRAME_SIZE, and Node's default stream highWaterMark. */
const WRITE_SLICE_BYTES = 16 * 1024;

export interface GrpcServerStreamOptions {
  /** Server-streaming method implementations to serve here. */
  methods: MethodImplSpec[];
  /** The same interceptors, in the same order, as the connect-node router's. */
  interceptors: Interceptor[];
  readMaxBytes: number;
  acceptCompression: Compression[];
  /** Per-call context values (the transport peer, the credentials sent) from the call's stream and raw headers. */
  contextValues: (stream: http2.ServerHttp2Stream, rawHeaders: string[]) => ContextValues;
  logger: Logger;
}

/** Serves the stream and returns true when it is a gRPC call to one of the methods, else returns false. */
export type StreamRoute = (
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  rawHeaders: string[],
) => boolean;

export function grpcServerStreamRouter(options: GrpcServerStreamOptions): StreamRoute {
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
  return (stream, headers, rawHeaders) => {
    const route = routes.get(String(headers[":path"] ?? ""));
    if (route === undefined || headers[":method"] !== "POST" || !GRPC_PROTO.test(String(headers["content-type"] ?? "")))
      return false;
    // The call context takes what it needs from the headers here, so the idle call does not keep them.
    const call = new CallContext(route.spec, headers, options.contextValues(stream, rawHeaders), route.accepted);
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

/** How a call's response stream ended: whether messages went out, and the error it ended with. */
interface Outcome {
  headersSent: boolean;
  failure: ConnectError | undefined;
}

async function serveCall(
  route: Route,
  stream: http2.ServerHttp2Stream,
  call: CallContext,
  options: GrpcServerStreamOptions,
): Promise<void> {
  const stopWatching = abortWhenClosed(stream, call);
  // Read whole before the call starts, so nothing of the reading stays referenced while the stream idles;
  // its errors are raised inside the call, where the interceptors see (and map) them.
  const request = await readRequest(route, stream, call, options);
  let outcome: Outcome;
  try {
    const start = () => callServerStream(route.spec.impl as ServerStreamImpl, options.interceptors, call, request);
    outcome = await respond(start, route.spec, stream, call);
  } finally {
    call.done();
    stopWatching();
  }
  if (!stream.destroyed && !stream.closed) sendStatus(stream, call, outcome);
}

/** The caller cancelled, reset the stream or lost the connection: the call's signal says so. */
function abortWhenClosed(stream: http2.ServerHttp2Stream, call: CallContext): () => void {
  const onClose = () => call.abort(new ConnectError("the caller closed the stream", Code.Canceled));
  stream.once("close", onClose);
  // A reset or a session torn down with an error (the client's GOAWAY) errors the stream, then closes it;
  // the close aborts the call. Without a listener the error would be thrown at the process.
  stream.on("error", ignoreStreamError);
  return () => stream.off("close", onClose);
}

/** Runs the call through the interceptors and writes its messages; errors become the outcome's failure. */
async function respond(
  start: () => Promise<StreamResponse>,
  spec: ServerStreamingSpec,
  stream: http2.ServerHttp2Stream,
  call: CallContext,
): Promise<Outcome> {
  const outcome: Outcome = { headersSent: false, failure: undefined };
  let output: AsyncIterator<unknown> | undefined;
  let completed = false;
  try {
    const response = await start();
    copyHeaders(response.header, call.responseHeader);
    output = response.message[Symbol.asyncIterator]();
    for (let result = await output.next(); ; result = await output.next()) {
      if (result.done === true) {
        completed = true;
        break;
      }
      if (stream.destroyed) break;
      if (!outcome.headersSent) {
        outcome.headersSent = true;
        stream.respond({ ":status": 200, ...nodeHeaders(call.responseHeader) }, { waitForTrailers: true });
      }
      // Not awaited when the stream took the frame: no extra turn per message on a fan-out.
      const written = write(stream, frameOf(spec.method.output, result.value as Message));
      if (written !== true && !(await written)) break;
    }
    copyHeaders(response.trailer, call.responseTrailer);
  } catch (err) {
    outcome.failure = ConnectError.from(err);
  }
  // Left early (the stream went away): the implementation's and interceptors' cleanup runs now rather than never.
  if (!completed && outcome.failure === undefined) await output?.return?.().catch(() => undefined);
  return outcome;
}

/** The call's status: in the trailers after its messages, or trailers-only (one HEADERS frame) when there were none. */
function sendStatus(stream: http2.ServerHttp2Stream, call: CallContext, { headersSent, failure }: Outcome): void {
  const trailer = new Headers(call.responseTrailer);
  if (failure !== undefined) setTrailerStatus(trailer, failure);
  const message = trailer.get("grpc-message");
  if (message !== null) trailer.set("grpc-message", grpcMessageHeaderValue(message));
  if (!headersSent) {
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
 * Writes one frame; resolves false when the stream closed first. A frame
 * that fits one slice is written at once (the common case: a live event);
 * a larger one slice by slice, each after the stream drained.
 */
function write(stream: http2.ServerHttp2Stream, frame: Uint8Array): boolean | Promise<boolean> {
  if (frame.byteLength <= WRITE_SLICE_BYTES) return stream.write(frame) || drained(stream);
  return writeSlices(stream, frame);
}

async function writeSlices(stream: http2.ServerHttp2Stream, frame: Uint8Array): Promise<boolean> {
  for (let at = 0; at < frame.byteLength; at += WRITE_SLICE_BYTES) {
    if (stream.destroyed) return false;
    if (!stream.write(frame.subarray(at, at + WRITE_SLICE_BYTES)) && !(await drained(stream))) return false;
  }
  return true;
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
    this.method = spec.method as DescMethodServerStreaming;
    this.url = `http://${String(headers[":authority"] ?? "localhost")}${String(headers[":path"])}`;
    this.requestHeader = webHeaders(headers);
    this.responseHeader = new Headers({
      "content-type": "application/grpc+proto",
      "grpc-accept-encoding": acceptedEncodings,
    });
    this.values = values;
    const timeout = parsePracticalGrpcTimeout(this.requestHeader.get("grpc-timeout"));
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
    this.abort(new ConnectError("the call ended", Code.Canceled));
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
  if (messages.length !== 1) {
    const problem = messages.length === 0 ? "missing input message" : "received extra input message";
    const error = new ConnectError(`protocol error: ${problem} for server-streaming method`, Code.Unimplemented);
    return { message: undefined, error };
  }
  return { message: messages[0], error: undefined };
}

function copyHeaders(from: Headers, to: Headers): void {
  if (from === to) return;
  from.forEach((value, name) => to.set(name, value));
}

function ignoreStreamError(): void {}

function nodeHeaders(headers: Headers): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}
