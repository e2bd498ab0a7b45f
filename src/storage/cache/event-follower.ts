/**
 * Follows a store's event log from the revision it was current at when
 * following started, and reports the component names each batch of events
 * changed, for the read-through cache's invalidation. Woken by onCommit; the
 * reading itself is the shared event-log tail (core/event-tail.ts).
 */
import type { Logger } from "../../logging/index.js";
import { EventTail, type EventTailSink } from "../core/event-tail.js";
import { isComponentEvent } from "../records.js";
import type { EventLog } from "../store.js";

export interface EventFollowerHandlers {
  /** Names changed by events after the last applied revision. Must not throw. */
  changed(names: readonly string[]): Promise<void>;
  /** Events were compacted away before they were applied: every name may have changed. Must not throw. */
  gap(): Promise<void>;
}

export class EventFollower {
  private tail: EventTail | undefined;
  private starting: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private failing = false;

  constructor(
    private readonly log: EventLog,
    private readonly handlers: EventFollowerHandlers,
    private readonly logger: Logger,
  ) {}

  /**
   * True once the start revision is known. Until then the caller must not
   * cache: a change committed before following began would never be applied.
   * Starts (or retries starting) on first call; never throws.
   */
  isFollowing(): boolean {
    if (this.tail !== undefined) return true;
    this.starting ??= this.start().finally(() => {
      this.starting = undefined;
    });
    return false;
  }

  /** The revision up to which every event has been handed to the handlers; -1 before following starts. */
  get position(): number {
    return this.tail?.position ?? -1;
  }

  /** Resolves once the start revision is known (or starting failed). */
  async started(): Promise<boolean> {
    if (this.isFollowing()) return true;
    await this.starting;
    return this.tail !== undefined;
  }

  /** Resolves when every event committed before the call has been applied. For tests and shutdown. */
  async caughtUp(): Promise<void> {
    await this.tail?.wake();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.starting;
    await this.tail?.idle();
  }

  private async start(): Promise<void> {
    // Subscribe before reading the bounds: a commit in between then wakes a
    // catch-up that finds its event, rather than being missed.
    this.unsubscribe ??= this.log.onCommit(() => void this.tail?.wake());
    try {
      const bounds = await this.log.revisionBounds();
      this.recovered();
      this.tail ??= new EventTail(this.log, this.sink(), bounds.current);
      void this.tail.wake();
    } catch (err) {
      this.failed(err);
    }
  }

  private sink(): EventTailSink {
    return {
      // Only versions are cached: policy and registration events change nothing cached.
      apply: (events) =>
        this.handlers.changed([...new Set(events.filter(isComponentEvent).map((event) => event.component.name))]),
      skipped: async (after, bounds) => {
        this.logger.warn("event log compacted past the cache's position; invalidating every cached name", {
          appliedRevision: after,
          compactedRevision: bounds.compacted,
        });
        await this.handlers.gap();
      },
      failed: (err) => this.failed(err),
      succeeded: () => this.recovered(),
    };
  }

  private failed(err: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.warn("cache cannot read the event log; reads bypass the cache or may lag until it can", {
      error: err,
    });
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.info("cache reads the event log again");
  }
}
