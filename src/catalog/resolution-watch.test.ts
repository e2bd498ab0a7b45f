/**
 * The constraint-aware watch when the event log no longer holds the name's
 * history: the versions at the oldest revision kept are rebuilt from the
 * stored versions and each version's first event since (created, deleted,
 * and the lifecycle flags an update or yank records from before it), so the
 * changes after that revision are the same as with the whole log.
 */
import { describe, expect, it } from "vitest";
import { silentLogger } from "../logging/index.js";
import { MemoryCatalogStore } from "../storage/memory/index.js";
import type { Clock } from "./clock.js";
import { sampleDraft } from "./content-fixtures.js";
import { Manager } from "./manager.js";
import { withResolutionWatch } from "./resolution-watch.js";
import { EventFeed } from "./watch.js";

const clock: Clock = { now: () => new Date("2030-01-01T00:00:00.000Z") };
const actor = { actor: "test" };

describe("the constraint-aware watch on a compacted log", () => {
  it("rebuilds the versions at the oldest kept revision and reports each move after it once", async () => {
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

    const feed = withResolutionWatch(await EventFeed.open(store, silentLogger, { progressIntervalMs: 10 }), store);
    const abort = new AbortController();
    const filter = {
      names: [],
      provider: "",
      category: "",
      types: [],
      resolution: { name: "db", constraint: "~> 1.0" },
    };
    const moves: [string | undefined, string | undefined][] = [];
    for await (const batch of feed.watch(compactedAt, filter, abort.signal, { resume: true })) {
      for (const event of batch.events) {
        if (event.type === "resolution_changed") moves.push([event.resolution.oldVersion, event.resolution.newVersion]);
      }
      if (batch.revision >= last.revision) break;
    }
    abort.abort();
    expect(moves).toEqual([
      ["1.1.0", "1.0.0"],
      ["1.0.0", "1.2.0"],
      ["1.2.0", "1.0.0"],
      ["1.0.0", "1.3.0"],
    ]);
  });
});
