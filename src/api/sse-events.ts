/**
 * GET /v1/events: the catalog's event feed as Server-Sent Events, for
 * processors that speak plain HTTP (curl, a browser's EventSource, a
 * webhook relay) rather than gRPC or Connect. docs/events-sse.md is the
 * reference.
 *
 * It is WatchEvents on another wire, not a second watch: the request is
 * decoded into a WatchEventsRequest (sse-request.ts), opened by the same
 * rules (watch-request.ts) on the same feed, and run behind the same
 * interceptors as the RPC (server-stream-call.ts), so authentication, the
 * reader role, rate and per-identity stream limits, call logging and the
 * error mapping are the RPC's own. Only the framing is this module's: each
 * event is one message (`id:` its revision, `event:` its type, `data:` the
 * Event's Connect JSON form; only the last message of a revision has the
 * `id:`, so a reconnect never lands between an event and the resolution
 * change it caused), progress is an event of its own (`progress`,
 * with an `id:` so it advances the resume point), and an error after the
 * stream has started is an `end` event before the response ends.
 *
 * A start no watch can take is answered before the stream starts, with a
 * status of its own: 400 for bad parameters or a start ahead of the
 * catalog, 410 Gone for a compacted start (the body names the oldest
 * revision still held), 401/403/429 from the interceptors. The feed
 * announces the start (a progress message when there is nothing to
 * replay), so the status is known without waiting for the first event.
 * UNAVAILABLE is never a status: EventSource would give up for good.
 *
 * Backpressure as on the raw gRPC path: the next batch is pulled only once
 * the socket has taken the last one, so a reader that stops reading holds
 * its own position and nothing else (the feed reads it from the log when it
 * comes back, or ends it with `end` OUT_OF_RANGE if the log was compacted
 * past it meanwhile).
 */
import type * as http from "node:http";
import * as http2 from "node:http2";
import { Code, ConnectError, type ContextValues, type Interceptor } from "@connectrpc/connect";
import { codeToHttpStatus, codeToString } from "@connectrpc/connect/protocol-connect";
import { BadRequestSchema, RetryInfoSchema } from "../../gen/ts/src/google/rpc/error_details_pb.js";
import { CatalogService, type WatchEventsRequest } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { EventsCompactedError, type WatchBatch, type WatchEvent, type WatchFeed } from "../catalog/watch.js";
import type { Logger } from "../logging/index.js";
import { peerContextValues } from "./auth/index.js";
import type { HttpRoute, NodeRequest, NodeResponse } from "./server.js";
import {
  callServerStream,
  drained,
  type ServerStreamCall,
  type ServerStreamImpl,
  webHeaders,
} from "./server-stream-call.js";
import { decodeEventStreamRequest, LAST_EVENT_ID } from "./sse-request.js";
import { watchBatches } from "./watch-request.js";
import { eventJsonText } from "./wire-cache.js";

export const EVENTS_PATH = "/v1/events";

/**
 * What `retry:` asks EventSource to wait before reconnecting, in
 * milliseconds: RETRY_MS, give or take half of it per connection, so that
 * the clients a restart disconnects together do not all come back in the
 * same moment.
 */
export const RETRY_MS = 2_000;

export interface EventStreamRouteOptions {
  feed: WatchFeed;
  /**
   * The interceptors the RPC routes run, the same instances in the same
   * order (interceptors.ts withCallInterceptor), so that limits kept by one (open
   * streams per identity) count these streams too.
   */
  interceptors: readonly Interceptor[];
  logger: Logger;
}

export function serverSentEventsRoute(options: EventStreamRouteOptions): HttpRoute {
  const impl: ServerStreamImpl = (request, context) =>
    watchBatches(options.feed, request as WatchEventsRequest, context.signal, { announceStart: true });
  return {
    matches: (req) => (req.url ?? "").split("?", 1)[0] === EVENTS_PATH,
    handle: (req, res) => {
      serveEventStream(req, res, impl, options.interceptors).catch((err: unknown) => {
        options.logger.error("event stream failed", { err });
        if (res instanceof http2.Http2ServerResponse) res.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
        else res.destroy();
      });
    },
  };
}

async function serveEventStream(
  req: NodeRequest,
  response: NodeResponse,
  impl: ServerStreamImpl,
  interceptors: readonly Interceptor[],
): Promise<void> {
  // HTTP/2's compatibility response has the same writeHead, write, end and events ('drain', 'close').
  const res = response as http.ServerResponse;
  if (req.method !== "GET") {
    answerJson(res, 405, { allow: "GET" }, { code: "unimplemented", message: `${EVENTS_PATH} answers GET only` });
    return;
  }
  const query = (req.url ?? "").split("?", 2)[1] ?? "";
  const lastEventId = req.headers["last-event-id"];
  const decoded = decodeEventStreamRequest(query, typeof lastEventId === "string" ? lastEventId : undefined);
  const call = new EventStreamCall(req, peerContextValues(req));
  const onClose = () => call.abort(new ConnectError("the caller closed the stream", Code.Canceled));
  res.once("close", onClose);
  let batches: AsyncIterator<unknown> | undefined;
  let completed = false;
  try {
    let first: IteratorResult<unknown>;
    try {
      const response = await callServerStream(impl, interceptors, call, decoded);
      batches = response.message[Symbol.asyncIterator]();
      first = await batches.next();
    } catch (err) {
      if (call.signal.aborted) return;
      const error = ConnectError.from(err);
      // EventSource gives up on any status but 200. A stream that cannot start for a passing reason (the
      // server is shutting down, the store is unreachable) starts and ends at once with that reason, so
      // the client retries after `retry:`, with its Last-Event-ID, like a stream the server ended.
      if (error.code !== Code.Unavailable) answerError(res, error, decoded.startSource, call.responseHeader);
      else {
        startStream(res, call.responseHeader);
        res.end(endFrame(error));
      }
      return;
    }
    if (first.done === true || call.signal.aborted) {
      completed = first.done === true;
      res.end();
      return;
    }
    startStream(res, call.responseHeader);
    completed = await writeBatches(res, call, batches, first.value as WatchBatch);
  } catch (err) {
    // After the headers: the reason goes out as an event of its own (shutdown: UNAVAILABLE, resume with
    // Last-Event-ID; fallen behind the log: OUT_OF_RANGE, list again), then the response ends.
    if (!call.signal.aborted) res.end(endFrame(err));
  } finally {
    call.done();
    res.off("close", onClose);
    // Left early (the caller went away): the implementation's and the interceptors' cleanup runs now.
    if (!completed) await batches?.return?.().catch(() => undefined);
  }
}

/** The stream's headers and its `retry:`. */
function startStream(res: http.ServerResponse, responseHeader: Headers): void {
  res.writeHead(200, {
    ...Object.fromEntries(responseHeader),
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    // Reverse proxies (nginx) would otherwise buffer the stream.
    "x-accel-buffering": "no",
  });
  res.write(`retry: ${Math.round(RETRY_MS * (0.5 + Math.random()))}\n\n`);
}

/** Writes batches until the stream ends (true) or the caller goes away (false); throws the stream's error. */
async function writeBatches(
  res: http.ServerResponse,
  call: EventStreamCall,
  batches: AsyncIterator<unknown>,
  first: WatchBatch,
): Promise<boolean> {
  let batch = first;
  for (;;) {
    const written = writeBatch(res, batch);
    // Backpressure: the next batch is pulled once the socket has taken this one.
    if (!written && !(await drained(res))) return false;
    if (call.signal.aborted) return false;
    const next = await batches.next();
    if (next.done === true) {
      res.end();
      return true;
    }
    batch = next.value as WatchBatch;
  }
}

// ---------------------------------------------------------------- framing

/**
 * Each event's frame is built once, from its JSON text (src/api/wire-cache.ts, shared with Connect's JSON
 * answers), and shared by every stream that sends it: the feed hands every watcher the same CatalogEvent
 * objects, so the frame is cached by that object and let go with it.
 */
const eventFrames = new WeakMap<WatchEvent, Buffer>();

function eventFrame(event: WatchEvent): Buffer {
  let frame = eventFrames.get(event);
  if (frame === undefined) {
    // Connect JSON is one line: JSON.stringify escapes every line break inside strings.
    const data = eventJsonText(event);
    frame = Buffer.from(`id: ${event.revision}\nevent: ${event.type}\ndata: ${data}\n\n`);
    eventFrames.set(event, frame);
  }
  return frame;
}

/**
 * Writes the batch's messages; false when the response wants the writer to wait for 'drain'. A progress
 * message carries the position as its id, so a reconnect resumes from it. Events are written frame by
 * frame, so what a slow reader leaves queued is the shared frames (Node coalesces the writes of one turn
 * into one socket write).
 */
function writeBatch(res: http.ServerResponse, batch: WatchBatch): boolean {
  if (batch.progress) return res.write(progressFrame(batch.revision));
  let written = true;
  for (const [index, event] of batch.events.entries()) {
    // Only the last message of a revision (an event, then the resolution change it caused) carries the id:
    // a reconnect between them resumes before that revision, never past the part not received.
    const last = batch.events[index + 1]?.revision !== event.revision;
    written = res.write(last ? eventFrame(event) : eventFrameWithoutId(event));
  }
  return written;
}

function eventFrameWithoutId(event: WatchEvent): string {
  return `event: ${event.type}\ndata: ${eventJsonText(event)}\n\n`;
}

function progressFrame(revision: number): string {
  return `id: ${revision}\nevent: progress\ndata: {"revision":"${revision}"}\n\n`;
}

/** The `end` event: why the server ended the stream, in the same JSON form as an error answered before it. */
function endFrame(err: unknown): string {
  return `event: end\ndata: ${JSON.stringify(errorBody(ConnectError.from(err), undefined))}\n\n`;
}

// ---------------------------------------------------------------- errors before the stream starts

function answerError(
  res: NodeResponse,
  error: ConnectError,
  startSource: ReturnType<typeof decodeEventStreamRequest>["startSource"],
  responseHeader: Headers,
): void {
  const compacted = error.cause instanceof EventsCompactedError;
  const status = compacted ? 410 : codeToHttpStatus(error.code);
  const headers: Record<string, string> = Object.fromEntries(responseHeader);
  if (error.code === Code.Unauthenticated) headers["www-authenticate"] = "Bearer";
  const retry = error.findDetails(RetryInfoSchema)[0]?.retryDelay;
  if (retry !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(Number(retry.seconds))));
  answerJson(res, status, headers, errorBody(error, startSource));
}

/**
 * The JSON error: Connect's code and message, the field violations, and for
 * a compacted start the oldest revision still held (the start to use after
 * listing again). A start from Last-Event-ID says so, since the message
 * names the watch's start_revision.
 */
function errorBody(error: ConnectError, startSource: string | undefined): Record<string, unknown> {
  const violations = error.findDetails(BadRequestSchema).flatMap((detail) => detail.fieldViolations);
  const aboutStart =
    error.code === Code.OutOfRange || violations.some((violation) => violation.field === "start_revision");
  const message =
    startSource === LAST_EVENT_ID && aboutStart
      ? `${error.rawMessage} (the start came from the ${LAST_EVENT_ID} header)`
      : error.rawMessage;
  const body: Record<string, unknown> = { code: codeToString(error.code), message };
  if (violations.length > 0)
    body.field_violations = violations.map((v) => ({ field: v.field, description: v.description, reason: v.reason }));
  if (error.cause instanceof EventsCompactedError) body.oldest_revision = String(error.cause.oldestRevision);
  return body;
}

function answerJson(res: NodeResponse, status: number, headers: Record<string, string>, body: object): void {
  (res as http.ServerResponse).writeHead(status, { ...headers, "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

// ---------------------------------------------------------------- the call

/** The call of one event stream: what the interceptors and the handler context read, and its one abort signal. */
class EventStreamCall implements ServerStreamCall {
  readonly method = CatalogService.method.watchEvents;
  readonly protocolName = "sse";
  readonly requestMethod = "GET";
  readonly url: string;
  readonly requestHeader: Headers;
  readonly responseHeader = new Headers();
  readonly responseTrailer = new Headers();
  readonly timeoutMs = () => undefined;
  private readonly controller = new AbortController();

  constructor(
    req: NodeRequest,
    readonly values: ContextValues,
  ) {
    this.url = `http://${req.headers.host ?? req.headers[":authority"] ?? "localhost"}${req.url ?? EVENTS_PATH}`;
    this.requestHeader = webHeaders(req.headers);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** The call is over: let anything still listening to the signal go (the stream slot, the feed's listener). */
  done(): void {
    this.abort(new ConnectError("the call ended", Code.Canceled));
  }
}
