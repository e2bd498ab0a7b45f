/**
 * RPC metrics for every call on every protocol (gRPC, gRPC-Web, Connect, and
 * the raw gRPC stream path, which runs the same interceptors): started,
 * handled by status code, messages received and sent, and the handling time
 * of unary calls. Installed inside the call interceptor, so it sees errors
 * before they are mapped and maps them the same way (toConnectError) to name
 * the status; authentication and limit refusals are counted here too.
 *
 * A stream counts each message sent and records its status when it ends; a
 * stream the caller abandons ends Canceled.
 */
import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import type { CatalogMetrics, GrpcType, MethodMetrics } from "../observability/metrics.js";
import { toConnectError } from "./errors.js";
import { observeStream } from "./stream-end.js";

const GRPC_TYPES: Record<string, GrpcType> = {
  unary: "unary",
  server_streaming: "server_stream",
  client_streaming: "client_stream",
  bidi_streaming: "bidi_stream",
};

/** The status code name go-grpc-prometheus would record ("OK", "NotFound", ...). */
export function statusName(err: unknown): string {
  if (err === undefined) return "OK";
  const code = err instanceof ConnectError ? err.code : toConnectError(err, () => undefined).code;
  return Code[code] ?? "Unknown";
}

export function metricsInterceptor(metrics: CatalogMetrics): Interceptor {
  // Each method's counters, found by its descriptor: no key string built per call.
  const byMethod = new WeakMap<DescMethod, MethodMetrics>();
  return (next) => async (req) => {
    let counters = byMethod.get(req.method);
    if (counters === undefined) {
      counters = metrics.method(GRPC_TYPES[req.method.methodKind] ?? "unary", req.service.typeName, req.method.name);
      byMethod.set(req.method, counters);
    }
    counters.started();
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    if (!req.stream) counters.received(1);
    if (req.method.methodKind === "unary" || req.method.methodKind === "client_streaming") {
      try {
        const res = await next(req);
        counters.sent(1);
        counters.handled("OK", seconds());
        return res;
      } catch (err) {
        counters.handled(
          req.signal.aborted && !(err instanceof ConnectError) ? "Canceled" : statusName(err),
          seconds(),
        );
        throw err;
      }
    }
    let res: Awaited<ReturnType<typeof next>>;
    try {
      res = await next(req);
    } catch (err) {
      counters.handled(statusName(err), seconds());
      throw err;
    }
    if (!res.stream) return res;
    const message = observeStream(res.message, {
      message: () => counters.sent(1),
      end: (error, abandoned) => counters.handled(abandoned ? "Canceled" : statusName(error), seconds()),
    });
    return { ...res, message } as StreamResponse;
  };
}
