/**
 * Serialises async critical sections in one process: each write validates
 * against the state left by the previous one, so revisions are handed out
 * without gaps and no two writes interleave their persistence.
 *
 * Waiting is bounded on request: a waiter leaves the queue when its signal
 * aborts or its timeout passes, and its section never runs; the waiters
 * behind it keep their order. A section that has started is never cut
 * short: the lock is held until it settles.
 */
export interface MutexWait {
  /** Stop waiting when this aborts; the wait rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Stop waiting after this many milliseconds; the wait rejects with `timedOut()`. */
  timeoutMs?: number | undefined;
  /** The error for a wait that timed out. */
  timedOut?: () => unknown;
}

/** Gives the lock back; call exactly once. */
export type Release = () => void;

export class Mutex {
  private held = false;
  /** Waiters in arrival order; a waiter that gave up is removed, so a grant always goes to one still waiting. */
  private readonly waiters = new Set<() => void>();

  run<T>(section: () => Promise<T>, wait: MutexWait = {}): Promise<T> {
    return this.acquire(wait).then(async (release) => {
      try {
        return await section();
      } finally {
        release();
      }
    });
  }

  /**
   * Resolves with a Release once the lock is this caller's. For sections
   * that must keep the lock past their own answer (see InProcessCatalogStore:
   * a persistence that timed out still holds it until it returns).
   */
  acquire(wait: MutexWait = {}): Promise<Release> {
    const { signal } = wait;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (!this.held) {
      this.held = true;
      return Promise.resolve(this.releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const giveUp = (reason: unknown) => {
        this.waiters.delete(grant);
        cleanUp();
        reject(reason);
      };
      const onAbort = () => giveUp(abortReason(signal as AbortSignal));
      const cleanUp = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const grant = () => {
        cleanUp();
        resolve(this.releaser());
      };
      this.waiters.add(grant);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (wait.timeoutMs !== undefined) {
        timer = setTimeout(
          () => giveUp(wait.timedOut ? wait.timedOut() : new Error(`lock not acquired within ${wait.timeoutMs} ms`)),
          wait.timeoutMs,
        );
      }
    });
  }

  /** How many callers are waiting for the lock (not counting its holder). */
  get queued(): number {
    return this.waiters.size;
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.values().next();
      if (next.done) {
        this.held = false;
        return;
      }
      // The lock passes straight to the next waiter: `held` stays true, so no newcomer can jump the queue.
      this.waiters.delete(next.value);
      next.value();
    };
  }
}

/** What AbortSignal.throwIfAborted would throw. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}
