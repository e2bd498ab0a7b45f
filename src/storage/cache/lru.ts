/**
 * An in-process Cache: least-recently-used eviction past `maxEntries`, and a
 * TTL per entry. A Map iterates in insertion order, so re-inserting a key on
 * every hit keeps the least recently used entry first: get, set and eviction
 * are all O(1).
 */
import type { Cache } from "../store.js";

export interface LruCacheOptions {
  /** Entries kept at most; the least recently used one is dropped first. */
  maxEntries: number;
  /** Milliseconds since the epoch; injectable so tests can move time. */
  now?: () => number;
}

interface Entry {
  value: string;
  expiresAt: number;
}

export class LruCache implements Cache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: LruCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${options.maxEntries}`);
    }
    this.maxEntries = options.maxEntries;
    this.now = options.now ?? Date.now;
  }

  /** Entries currently held, expired ones included until they are touched or evicted. */
  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  /** A non-positive TTL stores nothing: the value would already be expired. */
  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.delete(key);
    if (!(ttlSeconds > 0)) return;
    this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.entries.delete(key);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
