/**
 * Follows an event log from a revision: the one algorithm behind the watch
 * feed (src/catalog/watch.ts), the cache's invalidation
 * (src/storage/cache/event-follower.ts) and the appliers that feed read
 * replicas from a primary's log (src/storage/hybrid/applier.ts).
 *
 * The log is the truth and wake-ups are hints: `wake()` reads every event
 * after the tail's position in batches, in revision order, handing each
 * batch to the sink and moving past it only once the sink has taken it. One
 * catch-up runs at a time; wake-ups during a catch-up are coalesced into one
 * more pass, so a burst of commits costs one read per batch, and a lost or
 * late wake-up costs latency, never an event. When the log was compacted
 * past the position, the sink is told (`skipped`) and the tail moves on to
 * the log's current revision. The sink's `apply` may be async: an applier
 * that writes a batch together with its applied revision resolves after its
 * commit, so a failed apply is read again on the next wake-up.
 */
import { isCatalogError } from "../../errors/index.js";
import type { CatalogEvent } from "../records.js";
import type { EventLog, RevisionBounds } from "../store.js";

export interface EventTailSink {
  /** The next events after the tail's position, in revision order (never empty). */
  apply(events: readonly CatalogEvent[]): void | Promise<void>;
  /**
   * Events after `after` were compacted away before they were applied; the
   * tail continues from `bounds.current`.
   */
  skipped(after: number, bounds: RevisionBounds): void | Promise<void>;
  /** A read (or the sink) failed; the tail stops until the next wake-up. */
  failed(err: unknown): void;
  /** A read of the log succeeded (after failures, a sink may log its recovery). */
  succeeded?(): void;
}

export const DEFAULT_TAIL_BATCH = 500;

export class EventTail {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly log: Pick<EventLog, "readEvents" | "revisionBounds">,
    private readonly sink: EventTailSink,
    private at: number,
    private readonly batchSize = DEFAULT_TAIL_BATCH,
  ) {}

  /** The revision of the last event handed to the sink (or skipped past). */
  get position(): number {
    return this.at;
  }

  /**
   * Moves the position forward to `revision` (never back): a sink learned
   * that the events up to it were taken care of elsewhere (another
   * process's applier), so they need not be read again.
   */
  skipTo(revision: number): void {
    this.at = Math.max(this.at, revision);
  }

  /** Whether a catch-up is under way. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /**
   * Reads the log to its end. Resolves when a pass that started after this
   * call has read to the end, or has stopped on a failure (the sink was
   * told); never rejects.
   */
  wake(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves once no catch-up is running (for shutdown). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      if (!(await this.catchUp())) return;
    } while (this.again);
  }

  /** One pass to the end of the log; false when it stopped on a failure. */
  private async catchUp(): Promise<boolean> {
    for (;;) {
      const after = this.at;
      let events: CatalogEvent[];
      try {
        events = await this.log.readEvents(after, this.batchSize);
      } catch (err) {
        if (isCatalogError(err, "OUT_OF_RANGE") && (await this.skip(after))) continue;
        if (!isCatalogError(err, "OUT_OF_RANGE")) this.sink.failed(err);
        return false;
      }
      this.sink.succeeded?.();
      const last = events.at(-1);
      if (last === undefined) return true;
      try {
        await this.sink.apply(events);
      } catch (err) {
        this.sink.failed(err);
        return false;
      }
      this.at = Math.max(this.at, last.revision);
      if (events.length < this.batchSize) return true;
    }
  }

  /** Moves past a compacted stretch of the log; false when the log cannot say where it stands. */
  private async skip(after: number): Promise<boolean> {
    try {
      const bounds = await this.log.revisionBounds();
      await this.sink.skipped(after, bounds);
      this.at = Math.max(this.at, bounds.current);
      return true;
    } catch (err) {
      this.sink.failed(err);
      return false;
    }
  }
}
