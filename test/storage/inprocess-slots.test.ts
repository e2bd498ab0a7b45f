/**
 * The in-process engine's slots share their repeated values
 * (src/storage/inprocess/slot.ts): one frozen label set per distinct set,
 * whichever way a version arrives (a write, an update, a snapshot's line),
 * and the sharing stays bounded.
 */
import { describe, expect, it } from "vitest";
import { INTERNER_CAPACITY, Interner, type SlotFields } from "../../src/storage/inprocess/slot.js";
import { CatalogState } from "../../src/storage/inprocess/state.js";
import { MemoryCatalogStore } from "../../src/storage/memory/catalog.js";
import { metaClock, newRecord } from "./fixtures.js";

class InspectableStore extends MemoryCatalogStore {
  slot(name: string, version: string) {
    const slot = this.state.getSlot(name, version);
    if (slot === undefined) throw new Error(`no slot ${name}@${version}`);
    return slot;
  }
}

function fields(labels: Record<string, string>, version = "1.0.0"): SlotFields {
  return {
    version,
    updateMs: 0,
    updateRevision: 1,
    deprecated: false,
    yanked: false,
    provider: "aws",
    category: "database",
    engine: "terraform",
    labels,
    blob: "[]",
  };
}

describe("in-process slots", () => {
  it("share one label set object among the versions and components that carry equal labels", async () => {
    const store = new InspectableStore();
    const meta = metaClock();
    await store.insertVersion(newRecord("db-a", "1.0.0", { labels: { team: "platform", tier: "gold" } }), meta());
    await store.insertVersion(newRecord("db-a", "1.1.0", { labels: { team: "platform", tier: "gold" } }), meta());
    await store.insertVersion(newRecord("db-b", "2.0.0", { labels: { team: "platform", tier: "gold" } }), meta());
    await store.insertVersion(newRecord("db-c", "1.0.0", { labels: { team: "data", tier: "gold" } }), meta());
    await store.insertVersion(newRecord("db-d", "1.0.0", { labels: {} }), meta());
    await store.insertVersion(newRecord("db-e", "1.0.0", { labels: {} }), meta());

    const shared = store.slot("db-a", "1.0.0").labels;
    expect(shared).toEqual({ team: "platform", tier: "gold" });
    expect(Object.isFrozen(shared)).toBe(true);
    expect(store.slot("db-a", "1.1.0").labels).toBe(shared);
    expect(store.slot("db-b", "2.0.0").labels).toBe(shared);
    expect(store.slot("db-c", "1.0.0").labels).not.toBe(shared);
    expect(store.slot("db-c", "1.0.0").labels).toEqual({ team: "data", tier: "gold" });
    expect(store.slot("db-d", "1.0.0").labels).toBe(store.slot("db-e", "1.0.0").labels);

    // An update gives the version the set it now carries; the others keep theirs.
    await store.updateVersion("db-a", "1.1.0", { labels: { team: "data", tier: "gold" } }, meta());
    expect(store.slot("db-a", "1.1.0").labels).toBe(store.slot("db-c", "1.0.0").labels);
    expect(store.slot("db-a", "1.0.0").labels).toBe(shared);
    const filtered = await store.list({
      filter: { labels: { team: "platform" }, includeDeprecated: true },
      allVersions: true,
      orderBy: { field: "name", descending: false },
      pageSize: 10,
    });
    expect(filtered.items.map((c) => `${c.name}@${c.version}`)).toEqual(["db-a@1.0.0", "db-b@2.0.0"]);
  });

  it("share them for versions restored from a snapshot as for written ones", () => {
    const state = new CatalogState();
    state.beginSnapshot(2, 0, false);
    state.restoreSlot({ name: "db-a", ...fields({ team: "platform" }) });
    state.restoreSlot({ name: "db-b", ...fields({ team: "platform" }) });
    const a = state.getSlot("db-a", "1.0.0");
    const b = state.getSlot("db-b", "1.0.0");
    expect(a?.labels).toEqual({ team: "platform" });
    expect(a?.labels).toBe(b?.labels);
  });

  it("keep label sets with the same entries in another order apart, as written", () => {
    const strings = new Interner();
    const one = strings.slot("db", fields({ team: "platform", tier: "gold" }));
    const other = strings.slot("db", fields({ tier: "gold", team: "platform" }));
    expect(Object.keys(other.labels)).toEqual(["tier", "team"]);
    expect(other.labels).not.toBe(one.labels);
    expect(other.labels).toEqual(one.labels);
  });

  it("remember at most INTERNER_CAPACITY distinct label sets, and still answer equal sets past it", () => {
    const strings = new Interner();
    for (let i = 0; i < INTERNER_CAPACITY; i++) strings.labels({ build: String(i) });
    const early = strings.labels({ build: "7" });
    expect(strings.labels({ build: "7" })).toBe(early);
    const late = strings.labels({ build: "past the table" });
    const again = strings.labels({ build: "past the table" });
    expect(again).toEqual(late);
    expect(again).not.toBe(late);
    expect(Object.isFrozen(again)).toBe(true);
  });
});
