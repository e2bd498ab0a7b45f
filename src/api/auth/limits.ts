/**
 * Per-identity call limits: a token bucket for the call rate and a counter
 * of open server streams. Keys are identity names (anonymous callers: their
 * remote address). Idle buckets are forgotten so the maps cannot grow without
 * bound under a stream of new addresses.
 */
import type { CallLimitsConfig } from "../../config/schema.js";

const MAX_TRACKED_KEYS = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updated: number }>();

  constructor(
    private readonly limits: Pick<CallLimitsConfig, "requestsPerSecond" | "burst">,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Takes one token for `key`. Returns 0 when the call may go ahead, else
   * the milliseconds until a token will be available.
   */
  take(key: string): number {
    const { requestsPerSecond: rate, burst } = this.limits;
    if (rate === 0 || burst === 0) return 0;
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_TRACKED_KEYS) this.forgetFull(now);
      bucket = { tokens: burst, updated: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updated) / 1000) * rate);
    bucket.updated = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / rate) * 1000);
  }

  /** Drops buckets that have refilled completely: forgetting them changes nothing. */
  private forgetFull(now: number): void {
    const { requestsPerSecond: rate, burst } = this.limits;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updated) / 1000) * rate >= burst) this.buckets.delete(key);
    }
  }
}

export class StreamCounter {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** A release function when `key` may open one more stream, else undefined. Release is idempotent. */
  acquire(key: string): (() => void) | undefined {
    const count = this.open.get(key) ?? 0;
    if (this.max > 0 && count >= this.max) return undefined;
    this.open.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left <= 0) this.open.delete(key);
      else this.open.set(key, left);
    };
  }

  count(key: string): number {
    return this.open.get(key) ?? 0;
  }
}
