/**
 * Commit wake-ups for backends with no push channel between replicas
 * (DynamoDB, MySQL): this process's own commits wake its listeners at once
 * (`emit`), and while anyone listens the store's revision is polled every
 * `intervalMs` to notice writes made by other replicas. Listeners re-read
 * the log, so a revision announced late or twice only costs latency.
 */
import type { Logger } from "../../logging/index.js";
import { CommitNotifier } from "./commit-notifier.js";

export class PollingWakeups {
  private readonly notifier: CommitNotifier;
  private poller: NodeJS.Timeout | undefined;
  private lastAnnounced = 0;
  private closed = false;

  constructor(
    /** Reads the store's current revision. */
    private readonly currentRevision: () => Promise<number>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    /** Names the backend in the log line of a failed poll. */
    private readonly what: string,
  ) {
    this.notifier = new CommitNotifier(logger);
  }

  subscribe(listener: (revision: number) => void): () => void {
    const unsubscribe = this.notifier.subscribe(listener);
    this.startPolling();
    return () => {
      unsubscribe();
      if (this.notifier.size === 0) this.stopPolling();
    };
  }

  /** This process committed `revision`. */
  emit(revision: number): void {
    if (revision <= this.lastAnnounced) return;
    this.lastAnnounced = revision;
    this.notifier.notify(revision);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopPolling();
    this.notifier.clear();
  }

  private startPolling(): void {
    if (this.poller || this.closed) return;
    let polling = false;
    this.poller = setInterval(
      () => {
        if (polling) return;
        polling = true;
        this.currentRevision()
          .then((current) => this.emit(current))
          .catch((err: unknown) => this.logger.warn(`polling the ${this.what} catalog revision failed`, { err }))
          .finally(() => {
            polling = false;
          });
      },
      Math.max(10, this.intervalMs),
    );
    this.poller.unref();
  }

  private stopPolling(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
  }
}
