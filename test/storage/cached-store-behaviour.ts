/**
 * The behaviour every Cache gives the read-through wrapper, as vitest tests:
 * run by src/storage/cache/with-cache.test.ts over the LRU and by
 * redis-cache.test.ts over a real Redis.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../src/logging/index.js";
import { type CachedCatalogStore, withCache } from "../../src/storage/cached.js";
import type { Cache } from "../../src/storage/store.js";
import { metaClock, newRecord, uniqueName } from "./fixtures.js";
import { InstrumentedMemoryStore } from "./instrumented-memory-store.js";

const TTL_SECONDS = 60;

export function defineCachedStoreBehaviour(label: string, newCache: () => Cache | Promise<Cache>): void {
  describe(`withCache over ${label}`, () => {
    const meta = metaClock();
    const opened: CachedCatalogStore[] = [];

    async function open(store = new InstrumentedMemoryStore()) {
      const cached = withCache(store, await newCache(), { ttlSeconds: TTL_SECONDS }, silentLogger);
      opened.push(cached);
      await cached.cacheCaughtUp();
      return { store, cached };
    }

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close().catch(() => undefined)));
    });

    it("serves a repeated getVersion from the cache", async () => {
      const { store, cached } = await open();
      const name = uniqueName("get");
      await cached.insertVersion(newRecord(name, "1.0.0"), meta());

      const first = await cached.getVersion(name, "1.0.0");
      const second = await cached.getVersion(name, "1.0.0");

      expect(second).toEqual(first);
      expect(second?.version).toBe("1.0.0");
      expect(store.reads.getVersion).toBe(1);
    });

    it("answers a version with other build metadata from the same entry", async () => {
      const { store, cached } = await open();
      const name = uniqueName("build");
      await cached.insertVersion(newRecord(name, "1.0.0+abc"), meta());

      await cached.getVersion(name, "1.0.0");
      const other = await cached.getVersion(name, "1.0.0+def");

      expect(other?.version).toBe("1.0.0+abc");
      expect(store.reads.getVersion).toBe(1);
    });

    it("serves a repeated listVersions from the cache", async () => {
      const { store, cached } = await open();
      const name = uniqueName("list");
      await cached.insertVersion(newRecord(name, "1.0.0"), meta());
      await cached.insertVersion(newRecord(name, "1.1.0"), meta());

      await cached.listVersions(name);
      const again = await cached.listVersions(name);

      expect(again.map((r) => r.version)).toEqual(["1.1.0", "1.0.0"]);
      expect(store.reads.listVersions).toBe(1);
    });

    it("remembers a missing version until an insert through it makes it exist", async () => {
      const { store, cached } = await open();
      const name = uniqueName("absent");

      expect(await cached.getVersion(name, "1.0.0")).toBeUndefined();
      expect(await cached.getVersion(name, "1.0.0")).toBeUndefined();
      expect(store.reads.getVersion).toBe(1);

      await cached.insertVersion(newRecord(name, "1.0.0"), meta());
      expect((await cached.getVersion(name, "1.0.0"))?.version).toBe("1.0.0");
      expect(await cached.listVersions(name)).toHaveLength(1);
    });

    it("shows an update through it to the very next reads", async () => {
      const { cached } = await open();
      const name = uniqueName("update");
      await cached.insertVersion(newRecord(name, "1.0.0"), meta());
      await cached.getVersion(name, "1.0.0");
      await cached.listVersions(name);

      await cached.updateVersion(name, "1.0.0", { description: "changed" }, meta());

      expect((await cached.getVersion(name, "1.0.0"))?.description).toBe("changed");
      expect((await cached.listVersions(name))[0]?.description).toBe("changed");
    });

    it("shows a delete through it to the very next reads", async () => {
      const { cached } = await open();
      const name = uniqueName("delete");
      await cached.insertVersion(newRecord(name, "1.0.0"), meta());
      await cached.insertVersion(newRecord(name, "2.0.0"), meta());
      await cached.getVersion(name, "2.0.0");
      await cached.listVersions(name);

      await cached.deleteVersions(name, ["2.0.0"], meta());

      expect(await cached.getVersion(name, "2.0.0")).toBeUndefined();
      expect((await cached.listVersions(name)).map((r) => r.version)).toEqual(["1.0.0"]);
    });

    it("invalidates even when the write is refused", async () => {
      const { store, cached } = await open();
      const name = uniqueName("refused");
      await cached.insertVersion(newRecord(name, "1.0.0"), meta());
      await cached.getVersion(name, "1.0.0");

      await expect(cached.insertVersion(newRecord(name, "1.0.0"), meta())).rejects.toMatchObject({
        code: "ALREADY_EXISTS",
      });
      await cached.getVersion(name, "1.0.0");

      expect(store.reads.getVersion).toBe(2);
    });

    for (const primed of [false, true]) {
      const when = primed ? "name already cached" : "first read of the name";
      it(`never caches a read that began before an acknowledged write (${when})`, async () => {
        const { store, cached } = await open();
        const name = uniqueName("race");
        await cached.insertVersion(newRecord(name, "1.0.0"), meta());
        if (primed) await cached.listVersions(name);

        const paused = store.pauseNextRead();
        const slowRead = cached.getVersion(name, "1.0.0");
        await paused.reached;
        await cached.updateVersion(name, "1.0.0", { description: "after the write" }, meta());
        paused.release();

        expect((await slowRead)?.description).toBe(newRecord(name, "1.0.0").description);
        expect((await cached.getVersion(name, "1.0.0"))?.description).toBe("after the write");
        expect((await cached.getVersion(name, "1.0.0"))?.description).toBe("after the write");
      });
    }

    it("learns a write made through another wrapper on the same store from the event log", async () => {
      const { store, cached: replicaA } = await open();
      const { cached: replicaB } = await open(store);
      const name = uniqueName("replica");
      await replicaA.insertVersion(newRecord(name, "1.0.0"), meta());
      expect((await replicaB.listVersions(name)).map((r) => r.version)).toEqual(["1.0.0"]);

      await replicaA.insertVersion(newRecord(name, "1.1.0"), meta());

      await vi.waitFor(async () => {
        expect((await replicaB.listVersions(name)).map((r) => r.version)).toEqual(["1.1.0", "1.0.0"]);
      });
    });

    it("learns a write whose wake-up was lost once it catches up with the log", async () => {
      const { store, cached } = await open();
      const name = uniqueName("lost");
      await store.insertVersion(newRecord(name, "1.0.0"), meta());
      await cached.getVersion(name, "1.0.0");

      store.wakeupsLost = true;
      await store.updateVersion(name, "1.0.0", { description: "elsewhere" }, meta());
      await cached.cacheCaughtUp();

      expect((await cached.getVersion(name, "1.0.0"))?.description).toBe("elsewhere");
    });

    it("invalidates every cached name when the events it missed were compacted away", async () => {
      const { store, cached } = await open();
      const name = uniqueName("gap");
      await store.insertVersion(newRecord(name, "1.0.0"), meta());
      await cached.cacheCaughtUp();
      await cached.getVersion(name, "1.0.0");

      store.wakeupsLost = true;
      const missed = await store.updateVersion(name, "1.0.0", { description: "compacted" }, meta());
      await store.insertVersion(newRecord(uniqueName("later"), "1.0.0"), meta());
      await store.compact(missed.revision);
      await cached.cacheCaughtUp();

      expect((await cached.getVersion(name, "1.0.0"))?.description).toBe("compacted");
    });
  });
}
