/**
 * A server-streaming call run the way connect's router runs one: the
 * implementation behind the same interceptors, in the same order (call
 * logging and error mapping, authentication, rate and stream limits). The
 * transports that serve such calls off connect-node share it: WatchEvents
 * over raw HTTP/2 gRPC streams (grpc-server-streams.ts) and over
 * Server-Sent Events (sse-events.ts). Each brings its own request reading
 * and response writing; what a call may do is decided here, once.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { DescMethodServerStreaming, Message } from "@bufbuild/protobuf";
import type { ContextValues, HandlerContext, Interceptor, StreamRequest, StreamResponse } from "@connectrpc/connect";

/** What the transport knows of one call; the handler context is made from it. */
export interface ServerStreamCall {
  readonly method: DescMethodServerStreaming;
  readonly protocolName: string;
  readonly requestMethod: string;
  readonly url: string;
  /** Aborts when the caller goes away, at the deadline, and when the call is over. */
  readonly signal: AbortSignal;
  readonly requestHeader: Headers;
  readonly responseHeader: Headers;
  readonly responseTrailer: Headers;
  readonly values: ContextValues;
  readonly timeoutMs: () => number | undefined;
}

/** The request message as the transport decoded it, or the error decoding it raised (seen by the interceptors). */
export interface DecodedRequest {
  message: unknown;
  error: unknown;
}

/** A server-streaming implementation; its messages are the transport's to write (interceptors pass them on). */
export type ServerStreamImpl = (request: Message, context: HandlerContext) => AsyncIterable<unknown>;

/**
 * Starts the call: resolves to the response (its headers and message stream) once the interceptors and the
 * implementation have accepted it, rejects with the mapped error when one refused it.
 */
export function callServerStream(
  impl: ServerStreamImpl,
  interceptors: readonly Interceptor[],
  call: ServerStreamCall,
  request: DecodedRequest,
): Promise<StreamResponse> {
  const invoke: StreamingNext = async (req) => {
    if (request.error !== undefined) throw request.error;
    // Written out (not a spread of the call): a fixed-shape object, kept for the stream's whole life.
    const context: HandlerContext = {
      method: call.method,
      service: req.service,
      signal: req.signal,
      timeoutMs: call.timeoutMs,
      requestMethod: call.requestMethod,
      requestHeader: req.header,
      responseHeader: call.responseHeader,
      responseTrailer: call.responseTrailer,
      protocolName: call.protocolName,
      values: req.contextValues,
      url: call.url,
    };
    const message = impl(request.message as Message, context) as AsyncIterable<Message>;
    return {
      stream: true,
      service: call.method.parent,
      method: call.method,
      header: call.responseHeader,
      trailer: call.responseTrailer,
      message,
    } as StreamResponse;
  };
  let next = invoke;
  for (const interceptor of [...interceptors].reverse()) next = interceptor(next as never) as StreamingNext;
  return next({
    stream: true,
    service: call.method.parent,
    method: call.method,
    requestMethod: call.requestMethod,
    url: call.url,
    signal: call.signal,
    header: call.requestHeader,
    contextValues: call.values,
    message: once(request.message as Message),
  });
}

type StreamingNext = (req: StreamRequest) => Promise<StreamResponse>;

/** An async iterable of one value. */
function once<T>(value: T): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      let done = false;
      return {
        next: () => {
          if (done) return Promise.resolve({ done: true, value: undefined });
          done = true;
          return Promise.resolve({ done: false, value });
        },
      };
    },
  };
}

/** Node's request headers as fetch Headers (HTTP/2 pseudo-headers left out), as interceptors and handlers read them. */
export function webHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.append(name, v);
    else out.append(name, String(value));
  }
  return out;
}

/**
 * Backpressure for a response stream (an HTTP/2 stream, an HTTP/1.1 response): resolves true when it can
 * take more, false when it closed first.
 */
export function drained(stream: NodeJS.EventEmitter): Promise<boolean> {
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
