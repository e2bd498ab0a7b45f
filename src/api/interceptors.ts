/**
 * Server interceptors: a request id and a logger per call, one log line per
 * completed call, and the error mapping for unary and streaming calls alike.
 */
import { randomUUID } from "node:crypto";
import type { Interceptor, StreamResponse } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "../logging/index.js";
import { callLoggerKey } from "./context.js";
import { toConnectError } from "./errors.js";

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function callInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const offered = req.header.get("x-request-id");
    const requestId = offered && REQUEST_ID.test(offered) ? offered : randomUUID();
    const method = `${req.service.typeName}/${req.method.name}`;
    const log = logger.child({ request_id: requestId, method });
    req.contextValues.set(callLoggerKey, log);
    const started = performance.now();
    const finish = (err: unknown) => {
      // Inner interceptors may have replaced the call logger (authorization adds the caller's identity).
      const log = req.contextValues.get(callLoggerKey);
      const duration_ms = Math.round((performance.now() - started) * 1000) / 1000;
      if (err === undefined) {
        log.debug("call completed", { code: "ok", duration_ms });
        return undefined;
      }
      if (req.signal.aborted && !(err instanceof ConnectError)) {
        // The caller went away (cancelled, deadline, connection closed): not a server fault.
        log.debug("call ended by the caller", { duration_ms, reason: String(req.signal.reason) });
        return new ConnectError("call ended by the caller", Code.Canceled);
      }
      const mapped = toConnectError(err, (internal) => log.error("call failed with an unexpected error", { err: internal }));
      const level = mapped.code === Code.Internal ? "error" : "info";
      log[level]("call failed", { code: Code[mapped.code], message: mapped.rawMessage, duration_ms });
      return mapped;
    };
    try {
      const res = await next(req);
      res.header.set("x-request-id", requestId);
      if (!res.stream) {
        finish(undefined);
        return res;
      }
      return { ...res, message: mapStreamErrors(res.message, finish) } as StreamResponse;
    } catch (err) {
      throw finish(err);
    }
  };
}

async function* mapStreamErrors<T>(source: AsyncIterable<T>, finish: (err: unknown) => ConnectError | undefined): AsyncIterable<T> {
  try {
    yield* source;
  } catch (err) {
    throw finish(err);
  }
  finish(undefined);
}
