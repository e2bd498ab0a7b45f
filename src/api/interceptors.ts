/**
 * Server interceptors: a request id and a logger per call, one log line per
 * completed call, and the error mapping for unary and streaming calls alike.
 *
 * The per-call logger is lazy. At the default level (info) a successful call
 * writes nothing, and building a child logger and a UUID for every call
 * showed in the unary profile (bench/unary, --cpu-prof) for no output. The
 * request id is made the first time something is logged with it; the
 * response echoes it when there is one (always when the caller sent
 * `x-request-id`, and whenever a line was written for the call). A call
 * allocates one CallLogger and no closures on its success path.
 */
import { randomUUID } from "node:crypto";
import type { Interceptor, StreamRequest, StreamResponse, UnaryRequest, UnaryResponse } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import type { LogFields, Logger } from "../logging/index.js";
import { callLoggerKey } from "./context.js";
import { toConnectError } from "./errors.js";

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * A logger whose fields are only assembled when a line is written. `child`
 * stays lazy too (the authorization interceptor adds the caller's identity
 * to every call).
 */
export class LazyLogger implements Logger {
  private built: Logger | undefined;
  constructor(private readonly build: () => Logger) {}
  protected get target(): Logger {
    this.built ??= this.build();
    return this.built;
  }
  debug(message: string, fields?: LogFields): void {
    this.target.debug(message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.target.info(message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.target.warn(message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.target.error(message, fields);
  }
  child(fields: LogFields): Logger {
    return new LazyLogger(() => this.target.child(fields));
  }
}

/**
 * One call's logger and request id, in one object per call: the id is the
 * caller's when valid, else made the first time a line is written or the
 * id is asked for; the logger's fields (request_id, method) are assembled
 * with it.
 */
class CallLogger extends LazyLogger {
  private id: string | undefined;

  constructor(
    base: Logger,
    private readonly req: UnaryRequest | StreamRequest,
  ) {
    super(() => base.child({ request_id: this.requestId, method: `${req.service.typeName}/${req.method.name}` }));
    const offered = req.header.get("x-request-id");
    if (offered && REQUEST_ID.test(offered)) this.id = offered;
  }

  /** The id if someone has needed it yet. */
  get knownRequestId(): string | undefined {
    return this.id;
  }

  get requestId(): string {
    this.id ??= randomUUID();
    return this.id;
  }

  /**
   * Logs how the call ended and returns the error to answer with (undefined
   * for success). Inner interceptors may have replaced the call logger
   * (authorization adds the caller's identity), so lines go to the current one.
   */
  finish(err: unknown, started: number, debugWritten: boolean): ConnectError | undefined {
    const log = this.req.contextValues.get(callLoggerKey);
    if (err === undefined) {
      if (debugWritten) log.debug("call completed", { code: "ok", duration_ms: elapsedMs(started) });
      return undefined;
    }
    const signal = this.req.signal;
    if (signal.aborted && !(err instanceof ConnectError)) {
      // The caller went away (cancelled, deadline, connection closed): not a server fault.
      if (debugWritten)
        log.debug("call ended by the caller", { duration_ms: elapsedMs(started), reason: String(signal.reason) });
      return new ConnectError("call ended by the caller", Code.Canceled);
    }
    const mapped = toConnectError(err, (internal) =>
      log.error("call failed with an unexpected error", { err: internal }),
    );
    const level = mapped.code === Code.Internal ? "error" : "info";
    log[level]("call failed", { code: Code[mapped.code], message: mapped.rawMessage, duration_ms: elapsedMs(started) });
    return mapped;
  }
}

export function callInterceptor(logger: Logger): Interceptor {
  // Loggers that drop debug lines anyway: a successful call logs nothing, so nothing is built for it.
  const debugWritten = logger.enabled?.("debug") ?? true;
  return (next) => async (req) => {
    const call = new CallLogger(logger, req);
    req.contextValues.set(callLoggerKey, call);
    const started = performance.now();
    let res: UnaryResponse | StreamResponse;
    try {
      res = await next(req);
    } catch (err) {
      throw call.finish(err, started, debugWritten);
    }
    if (!res.stream) {
      call.finish(undefined, started, debugWritten);
      const id = call.knownRequestId;
      if (id !== undefined) res.header.set("x-request-id", id);
      return res;
    }
    // A stream's headers go out before its messages: the id is fixed now so the header can carry it.
    res.header.set("x-request-id", call.requestId);
    const message = mapStreamErrors(res.message, (err) => call.finish(err, started, debugWritten));
    return { ...res, message } as StreamResponse;
  };
}

/**
 * The interceptors of every call the server runs, in order: the call
 * interceptor around `inner` (authorization, limits), so their errors are
 * mapped and logged. The RPC routes and the transports beside them
 * (Server-Sent Events) run the same list, with the same `inner` instances.
 */
export function withCallInterceptor(logger: Logger, inner: readonly Interceptor[]): Interceptor[] {
  return [callInterceptor(logger), ...inner];
}

function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

/**
 * The response stream with its errors mapped by `finish`, and `finish(undefined)` when it completes; an
 * early return() (the caller went away) is passed on without calling `finish`, as `yield*` in an async
 * generator would. Written as a plain iterator that forwards each next(): an async generator around
 * `yield*` costs a suspension and several microtask turns per message, on every stream of a WatchEvents
 * fan-out (10,000 streams: ~20-45 ms of ~250 ms, measured in isolation).
 */
function mapStreamErrors<T>(
  source: AsyncIterable<T>,
  finish: (err: unknown) => ConnectError | undefined,
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
      const inner = source[Symbol.asyncIterator]();
      let ended = false;
      const ending = (): Promise<IteratorResult<T, undefined>> => Promise.resolve({ done: true, value: undefined });
      const settle = (result: IteratorResult<T>): IteratorResult<T, undefined> => {
        if (!result.done) return result;
        if (!ended) {
          ended = true;
          finish(undefined);
        }
        return { done: true, value: undefined };
      };
      const fail = (err: unknown): never => {
        if (ended) throw err;
        ended = true;
        throw finish(err);
      };
      return {
        next: () => (ended ? ending() : inner.next().then(settle, fail)),
        return: () => {
          if (ended) return ending();
          ended = true;
          if (inner.return === undefined) return ending();
          return inner.return().then(
            () => ({ done: true, value: undefined }),
            (err: unknown) => {
              throw finish(err);
            },
          );
        },
        throw: (err: unknown) => {
          if (ended) return Promise.reject(err);
          if (inner.throw !== undefined) return inner.throw(err).then(settle, fail);
          ended = true;
          return Promise.resolve(inner.return?.()).then(() => {
            throw finish(err);
          });
        },
      };
    },
  };
}
