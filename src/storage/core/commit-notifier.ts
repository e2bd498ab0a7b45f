/**
 * The in-process commit wake-ups behind EventLog.onCommit, for backends
 * whose writes this process makes or polls for.
 */
import type { Logger } from "../../logging/index.js";

/**
 * Commit wake-ups for EventLog.onCommit. Listeners run in a microtask after
 * the write has committed, so a listener that re-reads the log always sees
 * the write, and a throwing listener cannot fail the write.
 */
export class CommitNotifier {
  private readonly listeners = new Set<(revision: number) => void>();

  constructor(private readonly logger: Logger) {}

  subscribe(listener: (revision: number) => void): () => void {
    const entry = (revision: number) => listener(revision);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Drops every listener (on close). */
  clear(): void {
    this.listeners.clear();
  }

  /** How many listeners are subscribed. */
  get size(): number {
    return this.listeners.size;
  }

  notify(revision: number): void {
    for (const listener of this.listeners) {
      queueMicrotask(() => {
        try {
          listener(revision);
        } catch (err) {
          this.logger.warn("commit listener failed", { revision, err });
        }
      });
    }
  }
}
