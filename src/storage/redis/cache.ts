/**
 * Cache on Redis, shared by every replica that points at the same server.
 *
 * A cache must never make a request fail or wait: when Redis is down or slow,
 * get is a miss, set and delete are best-effort, and nothing is thrown. An
 * outage is logged once as a warning when it starts and once as info when
 * Redis answers again.
 *
 * A delete that fails is remembered: until a later set or delete of that key
 * succeeds, this process reads the key as a miss, and the delete is retried
 * when the connection is ready again. Without that, an invalidation lost to
 * a blip would let this process serve the value it meant to remove.
 */
import type { Redis } from "ioredis";
import type { Logger } from "../../logging/index.js";
import type { Cache } from "../store.js";
import { createRedisClient, type RedisClientOptions, waitUntilReady } from "./client.js";

export type RedisCacheOptions = RedisClientOptions;

export class RedisCache implements Cache {
  private readonly client: Redis;
  private readonly timeoutMs: number;
  private reachable: boolean | undefined = undefined;
  private readonly pendingDeletes = new Set<string>();
  private closed = false;

  constructor(
    options: RedisCacheOptions,
    private readonly logger: Logger,
  ) {
    this.timeoutMs = options.timeoutMs;
    this.client = createRedisClient(options, (err) => this.markUnreachable(err));
    this.client.on("ready", () => {
      this.markReachable();
      void this.retryPendingDeletes();
    });
  }

  /**
   * Waits until the connection is ready or the configured timeout passed.
   * True when ready. Optional: the cache works (as misses) before that.
   */
  waitUntilReady(): Promise<boolean> {
    return waitUntilReady(this.client, this.timeoutMs);
  }

  async get(key: string): Promise<string | undefined> {
    if (this.pendingDeletes.has(key)) return undefined;
    try {
      const value = await this.client.get(key);
      this.markReachable();
      return value ?? undefined;
    } catch (err) {
      this.markUnreachable(err);
      return undefined;
    }
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    if (!(ttlSeconds > 0)) return this.delete([key]);
    try {
      await this.client.set(key, value, "EX", Math.ceil(ttlSeconds));
      this.pendingDeletes.delete(key);
      this.markReachable();
    } catch (err) {
      this.markUnreachable(err);
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.client.del(...keys);
      for (const key of keys) this.pendingDeletes.delete(key);
      this.markReachable();
    } catch (err) {
      for (const key of keys) this.pendingDeletes.add(key);
      this.markUnreachable(err);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    // disconnect, not quit: quit would wait on a Redis that may not answer.
    this.client.disconnect();
  }

  private async retryPendingDeletes(): Promise<void> {
    if (this.pendingDeletes.size === 0) return;
    await this.delete([...this.pendingDeletes]);
  }

  private markUnreachable(err: unknown): void {
    if (this.closed || this.reachable === false) return;
    this.reachable = false;
    this.logger.warn("redis cache unavailable; serving from the store without caching until it is back", {
      error: err instanceof Error ? err.message : String(err),
    });
  }

  private markReachable(): void {
    if (this.closed || this.reachable === true) return;
    const wasDown = this.reachable === false;
    this.reachable = true;
    if (wasDown) this.logger.info("redis cache reachable again; caching resumed");
  }
}
