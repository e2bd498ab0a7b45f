/**
 * The "watch" half of list-then-watch: follows WatchEvents and survives
 * disconnects. After a stream breaks it reconnects from the last revision it
 * delivered (the server replays everything after it, so nothing is missed
 * or repeated), backing off exponentially while the server stays away.
 * OUT_OF_RANGE (the log was compacted past that revision) cannot be retried:
 * it is delivered as a "relist" update and the watch ends.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { type Client, Code, ConnectError } from "@connectrpc/connect";
import type { CatalogService } from "../nestor/catalog/v1/catalog_service_pb.js";
import type { Event, EventFilterSchema } from "../nestor/catalog/v1/events_pb.js";

/**
 * Any CatalogService client: createCatalogClient's, or one over Connect-Web in
 * a browser (this module needs nothing from Node).
 */
export type WatchingClient = Pick<Client<typeof CatalogService>, "watchEvents">;

export type WatchUpdate =
  /** Events in revision order; `revision` is where a resume would start. */
  | { kind: "events"; events: Event[]; revision: bigint }
  /** Nothing matched up to `revision` (the server's idle bookmark). */
  | { kind: "progress"; revision: bigint }
  /** The server no longer holds events after `revision`: list again, then watch from the new revision. */
  | { kind: "relist"; revision: bigint; error: ConnectError };

export interface BackoffOptions {
  /** First delay after a failure. Default 250 ms. */
  initialMs?: number;
  /** Delays never exceed this. Default 30 s. */
  maxMs?: number;
  /** Growth per consecutive failure. Default 2. */
  multiplier?: number;
}

export interface ReconnectInfo {
  error: unknown;
  /** Consecutive failures so far, starting at 1. */
  attempt: number;
  delayMs: number;
  /** The revision the next stream starts after. */
  revision: bigint;
}

export interface WatchOptions {
  /** Start after this revision, usually the one a listing returned. */
  startRevision: bigint;
  /**
   * Whether startRevision is a revision you were given (a listing's). Then 0n
   * means "every event after 0" (an empty catalog's listing); otherwise 0n
   * means "from now". Default: true for a startRevision above 0n, false for 0n.
   */
  resume?: boolean;
  filter?: MessageInitShape<typeof EventFilterSchema>;
  /** Aborting ends the watch quietly. */
  signal?: AbortSignal;
  backoff?: BackoffOptions;
  /** Give up (rethrow) after this many consecutive failures. Default: never. */
  maxAttempts?: number;
  /** Told before every reconnect, e.g. to log it. */
  onReconnect?: (info: ReconnectInfo) => void;
}

/** Errors a reconnect cannot fix: the request or the caller is wrong. */
const PERMANENT = new Set<Code>([
  Code.InvalidArgument,
  Code.NotFound,
  Code.FailedPrecondition,
  Code.PermissionDenied,
  Code.Unauthenticated,
  Code.Unimplemented,
]);

export async function* watchCatalog(client: WatchingClient, options: WatchOptions): AsyncGenerator<WatchUpdate, void, undefined> {
  let revision = options.startRevision;
  // Once a revision is known (given, or learned from the first message), reconnects take it literally.
  let resume = options.resume ?? revision > 0n;
  let failures = 0;
  while (!options.signal?.aborted) {
    const stream = new AbortController();
    const stopStream = () => stream.abort();
    options.signal?.addEventListener("abort", stopStream);
    let failure: unknown = new ConnectError("watch stream ended", Code.Unavailable);
    try {
      const responses = client.watchEvents(
        { startRevision: revision, resume, ...(options.filter ? { filter: options.filter } : {}) },
        { signal: stream.signal, timeoutMs: 0 },
      );
      for await (const response of responses) {
        failures = 0;
        // A "from now" watch learns the current revision from its first progress message.
        if (response.revision > revision) revision = response.revision;
        resume = true;
        yield response.progress || response.events.length === 0
          ? { kind: "progress", revision }
          : { kind: "events", events: response.events, revision };
      }
    } catch (err) {
      if (options.signal?.aborted) return;
      const error = ConnectError.from(err);
      if (error.code === Code.OutOfRange) {
        yield { kind: "relist", revision, error };
        return;
      }
      if (PERMANENT.has(error.code)) throw error;
      failure = error;
    } finally {
      options.signal?.removeEventListener("abort", stopStream);
      stream.abort();
    }
    failures += 1;
    if (options.maxAttempts !== undefined && failures >= options.maxAttempts) throw failure;
    const delayMs = backoffDelay(failures, options.backoff);
    options.onReconnect?.({ error: failure, attempt: failures, delayMs, revision });
    await sleep(delayMs, options.signal);
  }
}

/** Exponential, capped, with ±20% jitter so many watchers do not reconnect in step. */
export function backoffDelay(attempt: number, backoff: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = backoff.initialMs ?? 250;
  const max = backoff.maxMs ?? 30_000;
  const base = Math.min(max, initial * (backoff.multiplier ?? 2) ** Math.max(0, attempt - 1));
  return Math.round(Math.min(max, base * (0.8 + 0.4 * random())));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
