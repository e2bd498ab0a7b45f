/**
 * The event log: reads after a revision, compaction and OUT_OF_RANGE,
 * onCommit wake-ups, health, and (when the harness can stop its server) an
 * outage and recovery.
 */
import { describe, expect, it, vi } from "vitest";
import type { CatalogEvent } from "../../../src/storage/records.js";
import { metaClock, newRecord, uniqueName } from "../fixtures.js";
import { type ContractContext, expectCode } from "./helpers.js";

export function defineEventsContract(ctx: ContractContext): void {
  const { store, current, byName, only, harness } = ctx;
  describe("event log", () => {
    it("reads events after a revision, in order, at most `limit`", async () => {
      const name = uniqueName("events");
      const clock = metaClock();
      const before = await current();
      const written: CatalogEvent[] = [];
      for (const version of ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0"]) {
        written.push(await store.insertVersion(newRecord(name, version), clock()));
      }
      expect(await store.readEvents(before, 2)).toEqual(written.slice(0, 2));
      expect(await store.readEvents(before + 2, 2)).toEqual(written.slice(2, 4));
      expect(await store.readEvents(before + 4, 10)).toEqual(written.slice(4));
      expect(await store.readEvents(before + 5, 10)).toEqual([]);
      expect(await store.readEvents(before + 100, 10)).toEqual([]);
    });

    it("compacts old events, failing reads before the mark with OUT_OF_RANGE naming the oldest held", async () => {
      const name = uniqueName("compact");
      const clock = metaClock();
      for (const version of ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]) {
        await store.insertVersion(newRecord(name, version), clock());
      }
      const now = await current();
      await store.compact(now - 2);
      expect(await store.revisionBounds()).toEqual({ current: now, compacted: now - 2 });
      const err = await expectCode(store.readEvents(now - 3, 10), "OUT_OF_RANGE");
      expect(err.message).toContain(String(now - 1));
      const kept = await store.readEvents(now - 2, 10);
      expect(kept.map((e) => e.revision)).toEqual([now - 1, now]);
      await store.compact(now - 3);
      expect((await store.revisionBounds()).compacted).toBe(now - 2);
      await store.compact(now + 100);
      expect(await store.revisionBounds()).toEqual({ current: now, compacted: now - 1 });
      expect((await store.readEvents(now - 1, 10)).map((e) => e.revision)).toEqual([now]);
      expect(await store.listVersions(name)).toHaveLength(4);
      const next = await store.insertVersion(newRecord(name, "2.0.0"), clock());
      expect(next.revision).toBe(now + 1);
      expect(await store.readEvents(now - 1, 10)).toHaveLength(2);
    });
  });

  describe("commit notifications and health", () => {
    it("wakes onCommit listeners after a write, with a revision that covers it", async () => {
      const seen: number[] = [];
      const unsubscribe = store.onCommit((revision) => seen.push(revision));
      const event = await store.insertVersion(newRecord(uniqueName("notify"), "1.0.0"), metaClock()());
      await vi.waitFor(() => expect(Math.max(0, ...seen)).toBeGreaterThanOrEqual(event.revision), {
        timeout: 20_000,
        interval: 100,
      });
      unsubscribe();
      const count = seen.length;
      // A listener still subscribed is the barrier: once it has the next write, the other one would have too.
      const after: number[] = [];
      const unsubscribeAfter = store.onCommit((revision) => after.push(revision));
      const next = await store.insertVersion(newRecord(uniqueName("notify"), "1.0.0"), metaClock()());
      await vi.waitFor(() => expect(Math.max(0, ...after)).toBeGreaterThanOrEqual(next.revision), {
        timeout: 20_000,
        interval: 20,
      });
      unsubscribeAfter();
      expect(seen).toHaveLength(count);
    });

    it("reports healthy while the backend is up", async () => {
      const status = await store.health();
      expect(status.ok).toBe(true);
      expect(status.detail).not.toBe("");
    });

    if (harness.stopServer && harness.startServer) {
      const stop = harness.stopServer.bind(harness);
      const start = harness.startServer.bind(harness);
      it("reports unhealthy and fails calls UNAVAILABLE while the server is down, then recovers", async () => {
        const name = uniqueName("outage");
        await store.insertVersion(newRecord(name, "1.0.0"), metaClock()());
        await stop();
        try {
          const status = await store.health();
          expect(status.ok).toBe(false);
          expect(status.detail).toContain(store.kind);
          await expectCode(store.getVersion(name, "1.0.0"), "UNAVAILABLE");
          await expectCode(store.insertVersion(newRecord(name, "2.0.0"), metaClock()()), "UNAVAILABLE");
          await expectCode(
            store.list({ filter: only([name]), allVersions: false, orderBy: byName, pageSize: 3 }),
            "UNAVAILABLE",
          );
          await expectCode(store.readEvents(0, 1), "UNAVAILABLE");
        } finally {
          await start();
        }
        await vi.waitFor(async () => expect((await store.health()).ok).toBe(true), { timeout: 20_000, interval: 100 });
        await vi.waitFor(async () => expect((await store.getVersion(name, "1.0.0"))?.version).toBe("1.0.0"), {
          timeout: 20_000,
          interval: 100,
        });
      });
    }
  });
}
