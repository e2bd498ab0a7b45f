import { describe, expect, it } from "vitest";
import { LruCache } from "./lru.js";

function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advanceSeconds: (s: number) => (now += s * 1000) };
}

describe("LruCache", () => {
  it("returns what was set and misses keys never set", async () => {
    const cache = new LruCache({ maxEntries: 10 });
    await cache.set("a", "1", 60);
    expect(await cache.get("a")).toBe("1");
    expect(await cache.get("b")).toBeUndefined();
  });

  it("overwrites a key with the newer value", async () => {
    const cache = new LruCache({ maxEntries: 10 });
    await cache.set("a", "1", 60);
    await cache.set("a", "2", 60);
    expect(await cache.get("a")).toBe("2");
    expect(cache.size).toBe(1);
  });

  it("expires an entry once its TTL has passed", async () => {
    const clock = manualClock();
    const cache = new LruCache({ maxEntries: 10, now: clock.now });
    await cache.set("a", "1", 5);
    clock.advanceSeconds(5);
    expect(await cache.get("a")).toBe("1");
    clock.advanceSeconds(0.001);
    expect(await cache.get("a")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("stores nothing for a non-positive TTL", async () => {
    const cache = new LruCache({ maxEntries: 10 });
    await cache.set("a", "1", 60);
    await cache.set("a", "2", 0);
    expect(await cache.get("a")).toBeUndefined();
  });

  it("evicts the least recently used entry past maxEntries", async () => {
    const cache = new LruCache({ maxEntries: 2 });
    await cache.set("a", "1", 60);
    await cache.set("b", "2", 60);
    expect(await cache.get("a")).toBe("1"); // a is now more recent than b
    await cache.set("c", "3", 60);
    expect(await cache.get("b")).toBeUndefined();
    expect(await cache.get("a")).toBe("1");
    expect(await cache.get("c")).toBe("3");
    expect(cache.size).toBe(2);
  });

  it("deletes the given keys and leaves the others", async () => {
    const cache = new LruCache({ maxEntries: 10 });
    await cache.set("a", "1", 60);
    await cache.set("b", "2", 60);
    await cache.set("c", "3", 60);
    await cache.delete(["a", "c", "missing"]);
    expect(await cache.get("a")).toBeUndefined();
    expect(await cache.get("b")).toBe("2");
    expect(await cache.get("c")).toBeUndefined();
  });

  it("holds nothing after close", async () => {
    const cache = new LruCache({ maxEntries: 10 });
    await cache.set("a", "1", 60);
    await cache.close();
    expect(await cache.get("a")).toBeUndefined();
  });

  it("refuses a maxEntries below one", () => {
    expect(() => new LruCache({ maxEntries: 0 })).toThrow(RangeError);
  });
});
