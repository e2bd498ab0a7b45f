/**
 * The versions the constraint-aware watch starts from when the log alone
 * cannot say: a compacted log (the stored versions and each version's
 * first event since, with the lifecycle flags an update or yank records from
 * before it), and events logged without those flags (the log folded from
 * its oldest revision). Either way the changes after the start are the same
 * as with the whole log.
 */
import { describe, expect, it } from "vitest";
import { silentLogger } from "../logging/index.js";
import { MemoryCatalogStore } from "../storage/memory/index.js";
import type { Clock } from "./clock.js";
import { sampleDraft } from "./content-fixtures.js";
import { Manager } from "./manager.js";
import { type ResolutionSource, withResolutionWatch } from "./resolution-watch.js";
import { EventFeed } from "./watch.js";

const clock: Clock = { now: () => new Date("2030-01-01T00:00:00.000Z") };
const actor = { actor: "test" };

function catalog() {
  const store = new MemoryCatalogStore();
  const manager = new Manager(store, clock, silentLogger);
  const publish = (version: string) => manager.publish({ ...sampleDraft(), name: "db", version }, actor);
  const deprecate = (version: string, deprecated: boolean) =>
    manager.update(
      {
        name: "db",
        version,
        description: "",
        labels: {},
        deprecation: { deprecated, message: deprecated ? "old" : "" },
        updateMask: ["deprecation"],
        etag: "",
      },
      actor,
    );
  return { store, manager, publish, deprecate };
}

/** The moves of "~> 1.0" among db's versions a watch from `start` reports up to `last`. */
async function movesAfter(store: MemoryCatalogStore, source: ResolutionSource, start: number, last: number) {
  const feed = withResolutionWatch(await EventFeed.open(store, silentLogger, { progressIntervalMs: 10 }), source);
  const abort = new AbortController();
  const resolution = { name: "db", constraint: "~> 1.0" };
  const filter = { names: [], provider: "", category: "", types: [], resolution };
  const moves: [string | undefined, string | undefined][] = [];
  for await (const batch of feed.watch(start, filter, abort.signal, { resume: true })) {
    for (const event of batch.events) {
      if (event.type === "resolution_changed") moves.push([event.resolution.oldVersion, event.resolution.newVersion]);
    }
    if (batch.revision >= last) break;
  }
  abort.abort();
  return moves;
}

describe("the constraint-aware watch's start", () => {
  it("on a compacted log, rebuilds the versions at the oldest kept revision and reports each move once", async () => {
    const { store, manager, publish, deprecate } = catalog();
    for (const version of ["1.0.0", "1.1.0", "1.2.0"]) await publish(version);
    await deprecate("1.2.0", true);
    const { current: compactedAt } = await store.revisionBounds();
    // The log keeps the current revision's event: one more write lets the deprecation go.
    await manager.publish({ ...sampleDraft(), name: "other", version: "1.0.0" }, actor);
    await store.compact(compactedAt);
    expect((await store.revisionBounds()).compacted).toBe(compactedAt);
    await manager.delete({ name: "db", version: "1.1.0", allVersions: false, etag: "" }, actor);
    await deprecate("1.2.0", false);
    await manager.lifecycle.yank({ name: "db", version: "1.2.0", reason: "broken", etag: "" }, actor);
    const last = await publish("1.3.0");
    expect(await movesAfter(store, store, compactedAt, last.revision)).toEqual([
      ["1.1.0", "1.0.0"],
      ["1.0.0", "1.2.0"],
      ["1.2.0", "1.0.0"],
      ["1.0.0", "1.3.0"],
    ]);
  });

  it("with events that do not record the flags before them, folds the log from its oldest revision", async () => {
    const { store, publish, deprecate } = catalog();
    await publish("1.0.0");
    await publish("1.1.0");
    const deprecated = await deprecate("1.1.0", true);
    const last = await deprecate("1.1.0", false);
    const withoutBefore: ResolutionSource = {
      listVersions: (name) => store.listVersions(name),
      revisionBounds: () => store.revisionBounds(),
      readEvents: async (after, limit) =>
        (await store.readEvents(after, limit)).map((event) => {
          if (!("before" in event)) return event;
          const { before: _, ...rest } = event;
          return rest;
        }),
    };
    // At the start 1.1.0 is deprecated, which only the deprecation's own event says.
    expect(await movesAfter(store, withoutBefore, deprecated.revision, last.revision)).toEqual([["1.0.0", "1.1.0"]]);
  });
});
