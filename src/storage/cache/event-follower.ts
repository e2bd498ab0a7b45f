/**
 * Follows a store's event log from the revision it was current at when
 * following started, and reports the component names each batch of events
 * changed. Woken by onCommit; the log is the truth, so a coalesced or late
 * wake-up loses nothing, it only delays. One catch-up runs at a time.
 */
import { isCatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import type { EventLog } from "../store.js";

const BATCH = 500;

export interface EventFollowerHandlers {
  /** Names changed by events after the last applied revision. Must not throw. */
  changed(names: readonly string[]): Promise<void>;
  /** Events were compacted away before they were applied: every name may have changed. Must not throw. */
  gap(): Promise<void>;
}

export class EventFollower {
  private lastApplied: number | undefined;
  private starting: Promise<void> | undefined;
  private running: Promise<void> | undefined;
  private wakeAgain = false;
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
    if (this.lastApplied !== undefined) return true;
    this.starting ??= this.start().finally(() => {
      this.starting = undefined;
    });
    return false;
  }

  /** Resolves once the start revision is known (or starting failed). */
  async started(): Promise<boolean> {
    if (this.isFollowing()) return true;
    await this.starting;
    return this.lastApplied !== undefined;
  }

  /** Resolves when every event committed before the call has been applied. For tests and shutdown. */
  async caughtUp(): Promise<void> {
    this.wake();
    while (this.running !== undefined) await this.running;
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.starting;
    while (this.running !== undefined) await this.running;
  }

  private async start(): Promise<void> {
    // Subscribe before reading the bounds: a commit in between then wakes a
    // catch-up that finds its event, rather than being missed.
    this.unsubscribe ??= this.log.onCommit(() => this.wake());
    try {
      const bounds = await this.log.revisionBounds();
      this.recovered();
      this.lastApplied ??= bounds.current;
      this.wake();
    } catch (err) {
      this.failed(err);
    }
  }

  private wake(): void {
    if (this.lastApplied === undefined) return;
    if (this.running !== undefined) {
      this.wakeAgain = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
  }

  private async drain(): Promise<void> {
    do {
      this.wakeAgain = false;
      await this.catchUp();
    } while (this.wakeAgain);
  }

  private async catchUp(): Promise<void> {
    for (;;) {
      const after = this.lastApplied;
      if (after === undefined) return;
      try {
        const events = await this.log.readEvents(after, BATCH);
        this.recovered();
        if (events.length === 0) return;
        await this.handlers.changed([...new Set(events.map((event) => event.component.name))]);
        this.lastApplied = events[events.length - 1]!.revision;
        if (events.length < BATCH) return;
      } catch (err) {
        if (isCatalogError(err, "OUT_OF_RANGE") && (await this.recoverFromGap(after))) continue;
        this.failed(err);
        return;
      }
    }
  }

  /** Invalidates everything and skips to the current revision; false when the store cannot say where that is. */
  private async recoverFromGap(after: number): Promise<boolean> {
    try {
      const bounds = await this.log.revisionBounds();
      this.logger.warn("event log compacted past the cache's position; invalidating every cached name", {
        appliedRevision: after,
        compactedRevision: bounds.compacted,
      });
      await this.handlers.gap();
      this.lastApplied = bounds.current;
      return true;
    } catch (err) {
      this.failed(err);
      return false;
    }
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
