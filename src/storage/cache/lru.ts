/**
 * An in-process Cache on `lru-cache`: least-recently-used eviction past
 * `maxEntries` and a TTL per entry: an entry is returned until its TTL has
 * passed (strictly), never after.
 */
import { LRUCache } from "lru-cache";
import type { Cache } from "../store.js";

export interface LruCacheOptions {
  /** Entries kept at most; the least recently used one is dropped first. */
  maxEntries: number;
  /** Milliseconds since the epoch; injectable so tests can move time. */
  now?: () => number;
}

export class LruCache implements Cache {
  private readonly entries: LRUCache<string, string>;

  constructor(options: LruCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${options.maxEntries}`);
    }
    const now = options.now ?? Date.now;
    this.entries = new LRUCache<string, string>({
      max: options.maxEntries,
      // The clock is read on every access (no cached "now"), through `perf` so tests can move time.
      ttlResolution: 0,
      perf: { now },
    });
  }

  /** Entries currently held, expired ones included until they are touched or evicted. */
  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<string | undefined> {
    return this.entries.get(key);
  }

  /** A non-positive TTL stores nothing: the value would already be expired. */
  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    if (!(ttlSeconds > 0)) {
      this.entries.delete(key);
      return;
    }
    this.entries.set(key, value, { ttl: ttlSeconds * 1000 });
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.entries.delete(key);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
