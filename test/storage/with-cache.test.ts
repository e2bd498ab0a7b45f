import { describe, expect, it, vi } from "vitest";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { LruCache } from "../../src/storage/cache/lru.js";
import { withCache } from "../../src/storage/cached.js";
import { withConfiguredCache } from "../../src/storage/factory.js";
import { defineCachedStoreBehaviour } from "./cached-store-behaviour.js";
import { metaClock, newRecord, uniqueName } from "./fixtures.js";
import { InstrumentedMemoryStore } from "./instrumented-memory-store.js";

defineCachedStoreBehaviour("an in-process LRU", () => new LruCache({ maxEntries: 1_000 }));

describe("withCache over one in-process LRU per replica", () => {
  // The documented limit of a per-replica cache: another replica's write is
  // seen once this replica has applied its event, not at acknowledgement.
  it("serves another replica's write once it has applied that write's event", async () => {
    const meta = metaClock();
    const store = new InstrumentedMemoryStore();
    const replicaA = withCache(store, new LruCache({ maxEntries: 100 }), { ttlSeconds: 60 }, silentLogger);
    const replicaB = withCache(store, new LruCache({ maxEntries: 100 }), { ttlSeconds: 60 }, silentLogger);
    await replicaA.cacheCaughtUp();
    await replicaB.cacheCaughtUp();
    const name = uniqueName("per-replica");
    await replicaA.insertVersion(newRecord(name, "1.0.0"), meta());
    await replicaB.getVersion(name, "1.0.0");

    store.wakeupsLost = true;
    await replicaA.updateVersion(name, "1.0.0", { description: "from A" }, meta());
    expect((await replicaA.getVersion(name, "1.0.0"))?.description).toBe("from A");
    expect((await replicaB.getVersion(name, "1.0.0"))?.description).toBe(newRecord(name, "1.0.0").description);

    await replicaB.cacheCaughtUp();
    expect((await replicaB.getVersion(name, "1.0.0"))?.description).toBe("from A");
    await replicaA.close();
  });
});

describe("withConfiguredCache", () => {
  it("leaves the store as it is when caching is off", () => {
    const store = new InstrumentedMemoryStore();
    expect(withConfiguredCache(store, { ...DEFAULT_CONFIG.cache, type: "none" }, silentLogger)).toBe(store);
  });

  it("answers repeated reads from the in-process cache when configured with memory", async () => {
    const store = new InstrumentedMemoryStore();
    const cached = withConfiguredCache(store, { ...DEFAULT_CONFIG.cache, type: "memory" }, silentLogger);
    const name = uniqueName("configured");
    await cached.insertVersion(newRecord(name, "1.0.0"), metaClock()());
    // Reads bypass the cache until it knows where the event log starts, hence waitFor.
    await vi.waitFor(async () => {
      await cached.listVersions(name);
      const before = store.reads.listVersions;
      await cached.listVersions(name);
      expect(store.reads.listVersions).toBe(before);
    });
    await cached.close();
  });
});
