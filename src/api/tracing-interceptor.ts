/**
 * A server span per call, following the OpenTelemetry RPC semantic
 * conventions: named `package.Service/Method`, kind SERVER, with rpc.system
 * ("grpc" for gRPC and gRPC-Web, "connect_rpc" for the Connect protocol),
 * rpc.service, rpc.method and the status (rpc.grpc.status_code). It
 * continues the caller's W3C `traceparent`, runs the call inside the span's
 * context (so store spans become its children) and puts trace_id and
 * span_id on the call's log lines. Installed only when tracing is on.
 */
import { Code, ConnectError, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { callLoggerKey } from "./context.js";
import { toConnectError } from "./errors.js";
import { observeStream } from "./stream-end.js";

const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

/** Status codes a server span marks as errors (the caller's mistakes are not the server's). */
const SERVER_FAULTS = new Set<number>([
  Code.Unknown,
  Code.DeadlineExceeded,
  Code.Unimplemented,
  Code.Internal,
  Code.Unavailable,
  Code.DataLoss,
]);

export function tracingInterceptor(tracer: Tracer): Interceptor {
  return (next) => async (req) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.header, headerGetter);
    const grpc = (req.header.get("content-type") ?? "").startsWith("application/grpc");
    const span = tracer.startSpan(
      `${req.service.typeName}/${req.method.name}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "rpc.system": grpc ? "grpc" : "connect_rpc",
          "rpc.service": req.service.typeName,
          "rpc.method": req.method.name,
        },
      },
      parent,
    );
    const { traceId, spanId } = span.spanContext();
    req.contextValues.set(
      callLoggerKey,
      req.contextValues.get(callLoggerKey).child({ trace_id: traceId, span_id: spanId }),
    );
    let res: Awaited<ReturnType<typeof next>>;
    try {
      res = await context.with(trace.setSpan(parent, span), () => next(req));
    } catch (err) {
      endCall(span, err);
      throw err;
    }
    if (!res.stream) {
      endCall(span, undefined);
      return res;
    }
    const message = observeStream(res.message, {
      end: (error, abandoned) =>
        endCall(span, abandoned ? new ConnectError("ended by the caller", Code.Canceled) : error),
    });
    return { ...res, message } as StreamResponse;
  };
}

function endCall(span: Span, err: unknown): void {
  const status =
    err === undefined ? 0 : err instanceof ConnectError ? err.code : toConnectError(err, () => undefined).code;
  span.setAttribute("rpc.grpc.status_code", status);
  if (SERVER_FAULTS.has(status)) span.setStatus({ code: SpanStatusCode.ERROR, message: Code[status] ?? "Unknown" });
  span.end();
}
