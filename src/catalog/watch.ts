/**
 * The event feed behind WatchEvents, modelled on etcd's watchable store.
 *
 * One follower per process tails the store's event log (the shared tail,
 * src/storage/core/event-tail.ts): it wakes on the store's commit
 * notifications (and on a periodic resync, so a lost notification costs
 * latency, never an event), reads new events in revision order and keeps
 * the most recent ones in a ring. Each watcher pulls at its
 * own pace from a position (the last revision it has seen): from the ring
 * when the ring still covers its position ("synced"), otherwise straight from
 * the log ("unsynced", catching up). Nothing is pushed into per-stream
 * buffers, so a slow consumer costs nobody else anything and memory does not
 * grow with lag; a consumer that falls behind the log's retention gets
 * OUT_OF_RANGE from the log itself.
 */
import { CatalogError, isCatalogError } from "../errors/index.js";
import type { Logger } from "../logging/index.js";
import { EventTail, type EventTailSink } from "../storage/core/event-tail.js";
import { type CatalogEvent, eventSubject, isComponentEvent } from "../storage/records.js";
import type { EventLog } from "../storage/store.js";

/** A followed version constraint (resolution-watch.ts). */
export interface ResolutionFilter {
  name: string;
  constraint: string;
}

export interface WatchFilter {
  names: readonly string[];
  provider: string;
  category: string;
  types: readonly WatchEventType[];
  /** When set, the watch also reports each change of what this constraint resolves to. */
  resolution?: ResolutionFilter;
}

/**
 * A change of what a followed constraint resolves to: derived by the watch
 * from the log, never logged, with the revision, time and actor of the
 * event that caused it. A version absent on either side resolved to none.
 */
export interface ResolutionChangedEvent {
  type: "resolution_changed";
  revision: number;
  time: string;
  actor: string;
  resolution: ResolutionFilter & { oldVersion?: string; newVersion?: string };
}

export type WatchEvent = CatalogEvent | ResolutionChangedEvent;
export type WatchEventType = WatchEvent["type"];

export interface WatchBatch {
  /** Matching events in revision order; empty for a progress message. */
  events: WatchEvent[];
  /** The watcher has seen every matching event up to this revision. */
  revision: number;
  progress: boolean;
}

/** What a watch endpoint needs of the feed (WatchEvents, Server-Sent Events): the feed itself or a wrapper. */
export interface WatchFeed {
  readonly headRevision: number;
  watch(
    startRevision: number,
    filter: WatchFilter,
    signal: AbortSignal,
    options?: WatchOptions,
  ): AsyncIterable<WatchBatch>;
}

export interface WatchOptions {
  /** Take `startRevision` literally, 0 included (WatchEventsRequest.resume). */
  resume?: boolean;
  /**
   * Send the first message at once: the first replayed events, or a progress
   * message at the start position when there is nothing to replay. Without
   * it a resumed watch with nothing to replay is silent until its first
   * event or progress interval; a transport that answers start errors with
   * a status of its own (Server-Sent Events) needs to know the start was
   * taken before it sends its headers.
   */
  announceStart?: boolean;
}

export interface EventFeedOptions {
  progressIntervalMs: number;
  /** Events kept in memory for synced watchers. */
  ringSize?: number;
  /** Largest batch read from the log or sent in one message. */
  batchSize?: number;
}

export class EventFeed {
  private head = 0;
  private ring: CatalogEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly tail: EventTail;
  private refreshScheduled = false;
  private closed = false;
  private unsubscribe: () => void = () => undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly ringSize: number;
  private readonly batchSize: number;

  private constructor(
    private readonly log: EventLog,
    private readonly logger: Logger,
    private readonly options: EventFeedOptions,
    head: number,
  ) {
    this.head = head;
    this.ringSize = options.ringSize ?? 4096;
    this.batchSize = options.batchSize ?? 500;
    this.tail = new EventTail(log, this.tailSink(), head, this.batchSize);
  }

  /**
   * A feed at the log's current revision that starts nothing: no commit
   * subscription, no timer. Tests drive it with catchUp(); follow() makes it
   * live.
   */
  static async open(log: EventLog, logger: Logger, options: EventFeedOptions): Promise<EventFeed> {
    const { current } = await log.revisionBounds();
    return new EventFeed(log, logger, options, current);
  }

  /** A live feed: open(), then follow(). */
  static async start(log: EventLog, logger: Logger, options: EventFeedOptions): Promise<EventFeed> {
    const feed = await EventFeed.open(log, logger, options);
    feed.follow();
    return feed;
  }

  /**
   * Reads the log after every commit this process is told of, and every
   * progress interval in case a wake-up was lost (another replica's write,
   * a dropped notification), until close().
   */
  follow(): void {
    if (this.closed || this.resyncTimer !== undefined) return;
    this.unsubscribe = this.log.onCommit(() => this.scheduleRefresh());
    this.resyncTimer = setInterval(() => this.requestRefresh(), Math.max(50, this.options.progressIntervalMs));
    this.resyncTimer.unref();
  }

  /** One step: reads the log to its end and wakes the watchers it has news for. */
  catchUp(): Promise<void> {
    return this.refresh();
  }

  /** How many watchers are parked, waiting for an event past their position. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** The highest revision this process knows to be committed. */
  get headRevision(): number {
    return this.head;
  }

  /** Ends every watch with UNAVAILABLE (shutdown). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    clearInterval(this.resyncTimer);
    this.wakeAll();
  }

  /**
   * Replays matching events after `startRevision`, then follows live ones.
   * startRevision 0 without `options.resume` starts from now with a
   * progress message; with it, 0 is taken literally (every event). A start
   * ahead of the catalog's current revision is OUT_OF_RANGE: the events up
   * to it do not exist yet, and claiming them would skip them. Ends when
   * `signal` aborts; throws UNAVAILABLE on shutdown (or when the log cannot
   * be read), naming the revision to resume from, and OUT_OF_RANGE when the
   * log no longer holds the events after the watcher's position.
   */
  async *watch(
    startRevision: number,
    filter: WatchFilter,
    signal: AbortSignal,
    options: WatchOptions = {},
  ): AsyncGenerator<WatchBatch> {
    const matches = compileFilter(filter);
    let position: number;
    const fromNow = startRevision <= 0 && options.resume !== true;
    if (fromNow) {
      await this.refresh();
      position = this.head;
      yield { events: [], revision: position, progress: true };
    } else {
      // Asked of the log even when the ring still holds those events: a start the log
      // has compacted fails the same way on every replica.
      const bounds = await this.log.revisionBounds();
      if (startRevision < bounds.compacted) throw compactedError(startRevision, bounds.compacted);
      if (startRevision > bounds.current) throw aheadError(startRevision, bounds.current);
      position = startRevision;
    }
    // One abort listener for the watch's whole life, waking whichever wait is parked: adding and
    // removing one per wait (EventTarget bookkeeping on every event, for every stream) was the
    // largest cost of ours on the delivery path at 5,000 streams (bench/watch, --cpu-prof).
    const parked: ParkedWait = { wake: undefined, aborted: signal.aborted };
    const onAbort = () => {
      parked.aborted = true;
      parked.wake?.();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      // A watch that announces its start is "idle" from the beginning of time: nothing to replay, progress at once.
      let idleSince = options.announceStart === true && !fromNow ? Number.NEGATIVE_INFINITY : Date.now();
      // `parked.aborted`, not `signal.aborted`: the signal's getter validates its receiver, per stream per event.
      while (!parked.aborted) {
        if (this.closed) throw shuttingDown(position);
        // Synced watchers read the ring without a turn of the microtask queue; only catching up awaits the log.
        const synced = this.ringEventsAfter(position);
        const events = synced ?? (await this.logEventsAfter(position));
        if (events.length > 0) {
          position = events[events.length - 1]!.revision;
          const matching = matches === undefined ? events : events.filter(matches);
          if (matching.length > 0) {
            yield { events: matching, revision: position, progress: false };
            idleSince = Date.now();
          }
          continue;
        }
        const remaining = this.options.progressIntervalMs - (Date.now() - idleSince);
        if (remaining <= 0) {
          yield { events: [], revision: position, progress: true };
          idleSince = Date.now();
          continue;
        }
        await this.waitBeyond(position, remaining, parked);
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /**
   * The next events after `position` from the log, for a watcher the ring no
   * longer covers (unsynced: catching up). Log errors name the revision the
   * client resumes from.
   */
  private async logEventsAfter(position: number): Promise<CatalogEvent[]> {
    try {
      return await this.log.readEvents(position, this.batchSize);
    } catch (err) {
      if (isCatalogError(err, "OUT_OF_RANGE")) {
        const bounds = await this.log.revisionBounds().catch(() => undefined);
        throw bounds ? compactedError(position, bounds.compacted) : err;
      }
      if (isCatalogError(err, "UNAVAILABLE")) {
        throw new CatalogError("UNAVAILABLE", `${err.message}; resume the watch with start_revision ${position}`, [], {
          cause: err,
        });
      }
      throw err;
    }
  }

  /** The events after `position` when the ring covers them (nothing when `position` is the head), else undefined. */
  private ringEventsAfter(position: number): CatalogEvent[] | undefined {
    if (position >= this.head) return [];
    const first = this.ring[0];
    if (first === undefined || first.revision > position + 1) return undefined;
    const start = position + 1 - first.revision;
    return this.ring.slice(start, start + this.batchSize);
  }

  /** Resolves when the head passes `position`, on close, on `timeoutMs`, or (through `parked`) on abort. */
  private waitBeyond(position: number, timeoutMs: number, parked: ParkedWait): Promise<void> {
    if (this.head > position || this.closed || parked.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        parked.wake = undefined;
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      parked.wake = done;
      this.waiters.add(done);
    });
  }

  /**
   * Wakes every parked watcher, WAKE_SLICE per turn of the event loop: a
   * woken watcher's delivery runs in the microtasks right after its wake-up,
   * so waking 10,000 at once would hold the loop for the whole fan-out
   * (~0.2-0.4 s) while the writer's answer, reads and new calls wait. A
   * watcher re-parked or woken otherwise since the snapshot (a timeout, an
   * abort) is no longer in the set and is skipped.
   */
  private wakeAll(): void {
    this.wakeSlice([...this.waiters], 0);
  }

  private wakeSlice(waiting: Array<() => void>, from: number): void {
    const end = Math.min(from + WAKE_SLICE, waiting.length);
    for (let i = from; i < end; i++) {
      const wake = waiting[i]!;
      if (this.waiters.has(wake)) wake();
    }
    if (end < waiting.length) setImmediate(() => this.wakeSlice(waiting, end));
  }

  /**
   * A commit's fan-out starts on the next turn of the event loop
   * (setImmediate), not in the commit's own microtasks, and goes on in
   * slices (wakeAll): the writer's answer, already being sent in this turn,
   * is not queued behind the whole fan-out, so a write's latency does not
   * grow with the number of watchers (at 10,000 streams the fan-out is
   * ~0.2-0.4 s of work, which the writer would otherwise wait for). Commits in
   * one turn share one refresh.
   */
  private scheduleRefresh(): void {
    if (this.refreshScheduled) return;
    this.refreshScheduled = true;
    setImmediate(() => {
      this.refreshScheduled = false;
      if (!this.closed) this.requestRefresh();
    });
  }

  private requestRefresh(): void {
    void this.tail.wake();
  }

  /** Reads the log past the head until caught up (the shared event-log tail; one catch-up at a time). */
  private refresh(): Promise<void> {
    return this.tail.wake();
  }

  /** The tail's sink: new events go into the ring and wake the parked watchers. */
  private tailSink(): EventTailSink {
    return {
      apply: (events) => {
        const last = this.ring[this.ring.length - 1];
        if (last !== undefined && events[0]!.revision !== last.revision + 1) this.ring = [];
        this.ring.push(...events);
        if (this.ring.length > this.ringSize) this.ring.splice(0, this.ring.length - this.ringSize);
        this.head = events[events.length - 1]!.revision;
        this.wakeAll();
      },
      // The log was compacted past our head: skip to what remains.
      skipped: (_after, bounds) => {
        this.ring = [];
        this.head = bounds.current;
        this.wakeAll();
      },
      failed: (err) => {
        this.logger.warn("event feed could not read the event log; retrying on the next wake-up", { err });
      },
    };
  }
}

/** Parked watchers woken per turn of the event loop (see EventFeed.wakeAll). */
export const WAKE_SLICE = 500;

/** The wake-up of a watch's current wait, called by the watch's one abort listener. */
interface ParkedWait {
  wake: (() => void) | undefined;
  /** Set by the abort listener. */
  aborted: boolean;
}

/**
 * The filter's test, or undefined when it lets every event through. Names
 * match the component an event is about (a policy's or a registration's
 * too); provider and category only match version changes.
 */
export function compileFilter(filter: WatchFilter): ((event: CatalogEvent) => boolean) | undefined {
  const names = filter.names.length > 0 ? new Set(filter.names) : undefined;
  const types = filter.types.length > 0 ? new Set(filter.types) : undefined;
  if (names === undefined && types === undefined && filter.provider === "" && filter.category === "") return undefined;
  return (event) =>
    (names === undefined || names.has(eventSubject(event))) &&
    (types === undefined || types.has(event.type)) &&
    (filter.provider === "" || (isComponentEvent(event) && event.component.provider === filter.provider)) &&
    (filter.category === "" || (isComponentEvent(event) && event.component.category === filter.category));
}

/**
 * OUT_OF_RANGE for a position the event log has compacted away: the watcher
 * lists the catalog again. `oldestRevision` is the oldest start still
 * accepted, for transports that report it on its own (HTTP 410 Gone).
 */
export class EventsCompactedError extends CatalogError {
  constructor(
    readonly requestedRevision: number,
    readonly oldestRevision: number,
  ) {
    super(
      "OUT_OF_RANGE",
      `start_revision ${requestedRevision} is older than the event log holds: the oldest available revision is ` +
        `${oldestRevision} (the oldest event kept is ${oldestRevision + 1}); list the catalog again and watch from ` +
        "the revision the list returns",
    );
  }
}

function compactedError(requested: number, compacted: number): CatalogError {
  return new EventsCompactedError(requested, compacted);
}

function aheadError(requested: number, current: number): CatalogError {
  return new CatalogError(
    "OUT_OF_RANGE",
    `start_revision ${requested} is ahead of the catalog's current revision ${current}; ` +
      "watch from a revision a list or watch returned",
  );
}

function shuttingDown(position: number): CatalogError {
  return new CatalogError("UNAVAILABLE", `server is shutting down; resume the watch with start_revision ${position}`);
}
