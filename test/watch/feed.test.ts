/**
 * The event feed (src/catalog/watch.ts) and retention (src/catalog/retention.ts)
 * over a real memory store: a watcher that falls out of the ring catches up
 * from the log in order; one that falls behind compaction ends OUT_OF_RANGE
 * naming the oldest available revision; retention by count and by age.
 */
import { setMaxListeners } from "node:events";
import { afterEach, describe, expect, test, vi } from "vitest";
import { compactByRetention, retentionCutoff, startRetentionLoop } from "../../src/catalog/retention.js";
import {
  EventFeed,
  EventsCompactedError,
  WAKE_SLICE,
  type WatchBatch,
  type WatchFilter,
} from "../../src/catalog/watch.js";
import { CatalogError } from "../../src/errors/index.js";
import { silentLogger } from "../../src/logging/index.js";
import { MemoryCatalogStore } from "../../src/storage/memory/index.js";
import { metaClock, newRecord, uniqueName } from "../storage/fixtures.js";

const everything: WatchFilter = { names: [], provider: "", category: "", types: [] };
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function storeWithEvents(
  count: number,
  meta = metaClock(),
): Promise<{ store: MemoryCatalogStore; name: string }> {
  const store = new MemoryCatalogStore();
  const name = uniqueName("feed");
  await store.insertVersion(newRecord(name, "1.0.0"), meta());
  for (let i = 1; i < count; i++) await store.updateVersion(name, "1.0.0", { description: `d${i}` }, meta());
  return { store, name };
}

/** A signal aborted after the test, ending its watchers. */
function watchSignal(): AbortSignal {
  const abort = new AbortController();
  cleanups.push(() => abort.abort());
  return abort.signal;
}

async function startFeed(store: MemoryCatalogStore, ringSize: number): Promise<EventFeed> {
  const feed = await EventFeed.start(store, silentLogger, { progressIntervalMs: 60_000, ringSize, batchSize: 4 });
  cleanups.push(() => feed.close());
  return feed;
}

describe("EventFeed", () => {
  test("a watcher that fell out of the ring catches up from the log, every event once and in order", async () => {
    const { store, name } = await storeWithEvents(1);
    const feed = await startFeed(store, 8);
    const signal = watchSignal();
    const watcher = feed.watch(1, everything, signal);
    const meta = metaClock("2031-01-01T00:00:00Z");
    // The watcher pulls nothing while 100 events are written: the ring keeps only the last 8.
    for (let i = 0; i < 100; i++) await store.updateVersion(name, "1.0.0", { description: `late ${i}` }, meta());
    await feed.catchUp();
    expect(feed.headRevision).toBe(101);
    const seen: number[] = [];
    while (seen.length < 100) {
      const batch = (await watcher.next()).value as WatchBatch;
      expect(batch.events.length).toBeLessThanOrEqual(4);
      seen.push(...batch.events.map((e) => e.revision));
      expect(batch.revision).toBe(seen.at(-1));
    }
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));
  });

  test("a watcher behind what the log still holds ends OUT_OF_RANGE naming the oldest available revision", async () => {
    const { store, name } = await storeWithEvents(1);
    const feed = await startFeed(store, 4);
    const signal = watchSignal();
    const watcher = feed.watch(1, everything, signal);
    const meta = metaClock("2031-01-01T00:00:00Z");
    for (let i = 0; i < 20; i++) await store.updateVersion(name, "1.0.0", { description: `late ${i}` }, meta());
    await store.compact(15);
    const err = await watcher.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CatalogError);
    expect((err as CatalogError).code).toBe("OUT_OF_RANGE");
    expect((err as CatalogError).message).toContain("oldest available revision is 15");
  });

  test("a watch that announces its start says so at once with nothing to replay; one that does not waits", async () => {
    const { store, name } = await storeWithEvents(3);
    const feed = await startFeed(store, 8);
    const signal = watchSignal();
    const quiet = feed.watch(3, everything, signal, { resume: true });
    const announced = feed.watch(3, everything, signal, { resume: true, announceStart: true });
    const replaying = feed.watch(1, everything, signal, { resume: true, announceStart: true });
    expect((await announced.next()).value).toEqual({ events: [], revision: 3, progress: true });
    // With something to replay, the first message is the replay itself.
    expect(((await replaying.next()).value as WatchBatch).events.map((e) => e.revision)).toEqual([2, 3]);
    // The quiet one's first message is the next event (its progress interval is a minute away).
    let first: WatchBatch | undefined;
    const next = quiet.next().then((result) => {
      first = result.value as WatchBatch;
    });
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(first).toBeUndefined();
    await store.updateVersion(name, "1.0.0", { description: "later" }, metaClock("2031-01-01T00:00:00Z")());
    await next;
    expect(first).toMatchObject({ progress: false, revision: 4 });
  });

  test("a compacted start is an EventsCompactedError carrying the oldest revision held", async () => {
    const { store } = await storeWithEvents(10);
    await store.compact(6);
    const feed = await startFeed(store, 8);
    const err = await feed
      .watch(2, everything, watchSignal(), { resume: true })
      .next()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(EventsCompactedError);
    expect(err).toMatchObject({ code: "OUT_OF_RANGE", requestedRevision: 2, oldestRevision: 6 });
  });

  test("a commit is fanned out on the next turn of the event loop, after the writer's own continuation", async () => {
    const { store, name } = await storeWithEvents(1);
    const feed = await startFeed(store, 8);
    const signal = watchSignal();
    const watcher = feed.watch(1, everything, signal);
    let delivered: WatchBatch | undefined;
    const next = watcher.next().then((result) => {
      delivered = result.value as WatchBatch;
    });
    await store.updateVersion(name, "1.0.0", { description: "written" }, metaClock("2031-01-01T00:00:00Z")());
    // Far more microtask hops than the read and the wake-up take: had the fan-out run in the
    // commit's microtasks (so the writer's answer waited for every watcher), it would be done.
    for (let i = 0; i < 1_000; i++) await Promise.resolve();
    expect(delivered).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    await next;
    expect(delivered?.events.map((e) => [e.revision, "component" in e ? e.component.description : ""])).toEqual([
      [2, "written"],
    ]);
  });

  test("a fan-out to more watchers than a slice yields to the event loop between slices, reaching all", async () => {
    const { store, name } = await storeWithEvents(1);
    const feed = await startFeed(store, 8);
    const signal = watchSignal();
    const watchers = 2 * WAKE_SLICE + 1;
    // One signal for every watcher here, each adding its abort listener.
    setMaxListeners(watchers + 1, signal);
    let delivered = 0;
    const nexts = Array.from({ length: watchers }, () =>
      feed
        .watch(1, everything, signal)
        .next()
        .then((result) => {
          expect((result.value as WatchBatch).events.map((e) => e.revision)).toEqual([2]);
          delivered += 1;
        }),
    );
    await vi.waitFor(() => expect(feed.waiting).toBe(watchers), { timeout: 10_000, interval: 5 });
    expect(delivered).toBe(0);
    await store.updateVersion(name, "1.0.0", { description: "written" }, metaClock("2031-01-01T00:00:00Z")());
    // This immediate runs after the feed's refresh (queued by the commit) and before the next slice's.
    await new Promise((resolve) => setImmediate(resolve));
    expect(delivered).toBe(WAKE_SLICE);
    await Promise.all(nexts);
    expect(delivered).toBe(watchers);
  });

  test("close ends a waiting watcher with UNAVAILABLE naming the revision to resume from", async () => {
    const { store } = await storeWithEvents(3);
    const feed = await startFeed(store, 8);
    const signal = watchSignal();
    const watcher = feed.watch(1, everything, signal);
    expect(((await watcher.next()).value as WatchBatch).revision).toBe(3);
    const pending = watcher.next();
    feed.close();
    const err = (await pending.then(
      () => undefined,
      (e: unknown) => e,
    )) as CatalogError;
    expect(err.code).toBe("UNAVAILABLE");
    expect(err.message).toContain("start_revision 3");
  });
});

describe("retention", () => {
  test("by count keeps the newest retentionMaxEvents events", async () => {
    const { store } = await storeWithEvents(30);
    expect(await compactByRetention(store, { maxEvents: 10, maxAgeHours: 0 }, new Date())).toBe(20);
    expect(await store.revisionBounds()).toEqual({ current: 30, compacted: 20 });
    expect((await store.readEvents(20, 100)).map((e) => e.revision)).toEqual(
      Array.from({ length: 10 }, (_, i) => 21 + i),
    );
    // Nothing more is due: a second pass changes nothing.
    expect(await compactByRetention(store, { maxEvents: 10, maxAgeHours: 0 }, new Date())).toBe(20);
  });

  test("by age drops events older than retentionMaxAgeHours, read from the events' own times", async () => {
    // One event per second from 2030-01-01T00:00:01Z.
    const { store } = await storeWithEvents(40, metaClock("2030-01-01T00:00:00Z"));
    const twoHoursAfterEvent25 = new Date(Date.parse("2030-01-01T00:00:25Z") + 2 * 3_600_000);
    expect(await retentionCutoff(store, { maxEvents: 0, maxAgeHours: 2 }, twoHoursAfterEvent25)).toBe(24);
    expect(await compactByRetention(store, { maxEvents: 0, maxAgeHours: 2 }, twoHoursAfterEvent25)).toBe(24);
    // Count and age together: whichever keeps fewer events wins.
    expect(await retentionCutoff(store, { maxEvents: 5, maxAgeHours: 2 }, twoHoursAfterEvent25)).toBe(35);
  });

  test("never drops the current revision's event, however strict the policy", async () => {
    const { store } = await storeWithEvents(5, metaClock("2000-01-01T00:00:00Z"));
    expect(await compactByRetention(store, { maxEvents: 0, maxAgeHours: 1 }, new Date())).toBe(4);
    expect((await store.readEvents(4, 10)).map((e) => e.revision)).toEqual([5]);
  });

  test("the loop compacts on its first pass and stops cleanly", async () => {
    const { store } = await storeWithEvents(12);
    const loop = startRetentionLoop(store, { maxEvents: 2, maxAgeHours: 0 }, silentLogger, {
      intervalMs: 10,
      clock: { now: () => new Date() },
    });
    await loop.stop();
    expect((await store.revisionBounds()).compacted).toBe(10);
  });
});
