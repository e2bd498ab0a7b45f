/**
 * The storage contract suite: every CatalogStore backend runs it against its
 * real server through a harness. It uses only the CatalogStore API, and every
 * test writes under fresh names (filtering reads by those names or by a
 * fresh provider), so it can run against a shared database that holds other
 * data. Tests within the suite run one after another; revision checks are
 * relative to the revision read just before the test's writes.
 *
 * Conventions a backend must follow beyond the types in store.ts:
 * - list order: the primary field in the requested direction, ties by name
 *   ascending, then version SemVer-descending, whatever the direction;
 * - search score tiers: exact name > name contains > label key/value,
 *   input or output name > description, summed over terms;
 * - OUT_OF_RANGE messages name the oldest event still held (compacted + 1);
 * - compact(n) with n >= current keeps the current revision's event.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogError, type ErrorCode, isCatalogError } from "../../src/errors/index.js";
import type { CatalogEvent, ComponentRecord, NewComponentRecord, WriteGuard } from "../../src/storage/records.js";
import type { CatalogStore, ComponentFilter, ListQuery, OrderField } from "../../src/storage/store.js";
import { metaClock, newRecord, uniqueName, uniqueToken } from "./fixtures.js";

export { metaClock, newRecord, uniqueName, uniqueToken } from "./fixtures.js";

export interface StoreHarness {
  /** Opens a store on the backend; the suite opens one and closes it at the end. */
  open(): Promise<CatalogStore>;
  /** Optionally empties the backend before the suite opens its store. */
  reset?(): Promise<void>;
  /** Stops the backend's server (for the outage test); startServer brings it back. */
  stopServer?(): Promise<void>;
  startServer?(): Promise<void>;
}

export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<CatalogError> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (err) {
    if (!isCatalogError(err)) throw err;
    expect(err.code, err.message).toBe(code);
    return err;
  }
  throw new Error(`expected a CatalogError ${code}, got ${JSON.stringify(outcome)}`);
}

/** Retries `check` until it passes (for wake-ups the contract allows to be late). */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const versionsOf = (records: readonly ComponentRecord[]) => records.map((r) => r.version);
const namesOf = (records: readonly ComponentRecord[]) => records.map((r) => r.name);
const rowKey = (r: ComponentRecord) => `${r.name}@${r.version}`;

export function defineStoreContract(backendName: string, harness: StoreHarness): void {
  describe(`CatalogStore contract: ${backendName}`, () => {
    let store: CatalogStore;

    beforeAll(async () => {
      await harness.reset?.();
      store = await harness.open();
    });

    afterAll(async () => {
      await store?.close();
    });

    const current = async () => (await store.revisionBounds()).current;

    async function listAll(query: Omit<ListQuery, "cursor" | "pageSize">, pageSize = 1000) {
      const items: ComponentRecord[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.list({ ...query, pageSize, ...(cursor ? { cursor } : {}) });
        items.push(...page.items);
        cursor = page.nextCursor;
        pages += 1;
        expect(pages).toBeLessThan(200);
      } while (cursor);
      return items;
    }

    const byName = { field: "name" as OrderField, descending: false };
    const only = (names: string[], extra: Partial<ComponentFilter> = {}): ComponentFilter => ({
      names,
      includeDeprecated: true,
      ...extra,
    });

    describe("reads and writes of versions", () => {
      it("inserts a version as a created event and reads it back by get and listVersions", async () => {
        const name = uniqueName("insert");
        const meta = metaClock()();
        const before = await current();
        const event = await store.insertVersion(newRecord(name, "1.0.0"), meta);
        expect(event.type).toBe("created");
        expect(event.revision).toBe(before + 1);
        expect(event.actor).toBe(meta.actor);
        expect(event.time).toBe(meta.time);
        expect(event.component).toMatchObject({
          ...newRecord(name, "1.0.0"),
          createRevision: event.revision,
          updateRevision: event.revision,
          createTime: meta.time,
          updateTime: meta.time,
        });
        expect(await store.getVersion(name, "1.0.0")).toEqual(event.component);
        expect(await store.listVersions(name)).toEqual([event.component]);
        expect(await current()).toBe(before + 1);
      });

      it("returns undefined and an empty list for unknown names and versions", async () => {
        const name = uniqueName("unknown");
        expect(await store.getVersion(name, "1.0.0")).toBeUndefined();
        expect(await store.listVersions(name)).toEqual([]);
        await store.insertVersion(newRecord(name, "1.0.0"), metaClock()());
        expect(await store.getVersion(name, "1.0.1")).toBeUndefined();
      });

      it("lists versions SemVer-descending with pre-releases below their release", async () => {
        const name = uniqueName("order");
        const clock = metaClock();
        for (const version of ["1.0.0", "1.10.0", "1.2.0", "2.0.0-rc.1", "2.0.0", "1.2.0-alpha", "2.0.0-rc.10"]) {
          await store.insertVersion(newRecord(name, version), clock());
        }
        expect(versionsOf(await store.listVersions(name))).toEqual([
          "2.0.0",
          "2.0.0-rc.10",
          "2.0.0-rc.1",
          "1.10.0",
          "1.2.0",
          "1.2.0-alpha",
          "1.0.0",
        ]);
      });

      it("treats versions that differ only in build metadata as one version", async () => {
        const name = uniqueName("build");
        const clock = metaClock();
        await store.insertVersion(newRecord(name, "1.2.0+b1"), clock());
        expect((await store.getVersion(name, "1.2.0"))?.version).toBe("1.2.0+b1");
        expect((await store.getVersion(name, "1.2.0+other"))?.version).toBe("1.2.0+b1");
        await expectCode(store.insertVersion(newRecord(name, "1.2.0"), clock()), "ALREADY_EXISTS");
        await expectCode(store.insertVersion(newRecord(name, "1.2.0+b2"), clock()), "ALREADY_EXISTS");
        const updated = await store.updateVersion(name, "1.2.0", { description: "patched" }, clock());
        expect(updated.component.version).toBe("1.2.0+b1");
        expect(await store.listVersions(name)).toHaveLength(1);
      });

      it("refuses a second insert of a version with ALREADY_EXISTS and writes nothing", async () => {
        const name = uniqueName("dup");
        const clock = metaClock();
        const first = await store.insertVersion(newRecord(name, "1.0.0"), clock());
        const before = await current();
        const err = await expectCode(
          store.insertVersion(newRecord(name, "1.0.0", { description: "other" }), clock()),
          "ALREADY_EXISTS",
        );
        expect(err.message).toContain("1.0.0");
        expect(await current()).toBe(before);
        expect(await store.getVersion(name, "1.0.0")).toEqual(first.component);
      });

      it("keeps stored records safe from callers mutating inputs or results", async () => {
        const name = uniqueName("immutable");
        const input = newRecord(name, "1.0.0");
        const event = await store.insertVersion(input, metaClock()());
        input.labels.team = "changed-input";
        input.inputs[0]!.name = "changed_input";
        const read = await store.getVersion(name, "1.0.0");
        try {
          read!.labels.team = "changed-result";
          read!.inputs.pop();
        } catch {
          // frozen results refuse mutation, which is as good as a copy
        }
        const again = await store.getVersion(name, "1.0.0");
        expect(again?.labels).toEqual({ team: "platform" });
        expect(again?.inputs.map((i) => i.name)).toEqual(["instance_class"]);
        expect(again).toEqual(event.component);
      });

      it("updates mutable fields as an updated event, keeping the created fields", async () => {
        const name = uniqueName("update");
        const clock = metaClock();
        const created = await store.insertVersion(newRecord(name, "1.0.0"), clock());
        const meta = clock();
        const event = await store.updateVersion(name, "1.0.0", { description: "new words" }, meta);
        expect(event.type).toBe("updated");
        expect(event.revision).toBe(created.revision + 1);
        expect(event.component).toMatchObject({
          description: "new words",
          labels: { team: "platform" },
          createRevision: created.revision,
          createTime: created.component.createTime,
          updateRevision: event.revision,
          updateTime: meta.time,
          contentDigest: created.component.contentDigest,
        });
        const labelled = await store.updateVersion(name, "1.0.0", { labels: { tier: "gold" } }, clock());
        expect(labelled.component.labels).toEqual({ tier: "gold" });
        expect(labelled.component.description).toBe("new words");
        const deprecation = { deprecated: true, message: "use 2.x", time: clock().time };
        const deprecated = await store.updateVersion(name, "1.0.0", { deprecation }, clock());
        expect(deprecated.component.deprecation).toEqual(deprecation);
        expect(await store.getVersion(name, "1.0.0")).toEqual(deprecated.component);
      });

      it("records the inserting actor as createActor and updateActor, and an update changes only updateActor", async () => {
        const name = uniqueName("actors");
        const clock = metaClock();
        const created = await store.insertVersion(newRecord(name, "1.0.0"), { ...clock(), actor: "alice" });
        expect(created.component.createActor).toBe("alice");
        expect(created.component.updateActor).toBe("alice");
        expect(await store.getVersion(name, "1.0.0")).toMatchObject({ createActor: "alice", updateActor: "alice" });

        const updated = await store.updateVersion(
          name,
          "1.0.0",
          { description: "by bob" },
          { ...clock(), actor: "bob" },
        );
        expect(updated.actor).toBe("bob");
        expect(updated.component.createActor).toBe("alice");
        expect(updated.component.updateActor).toBe("bob");
        const stored = await store.getVersion(name, "1.0.0");
        expect(stored).toMatchObject({ createActor: "alice", updateActor: "bob" });
        expect(stored).toEqual(updated.component);
        const events = (await store.readEvents(created.revision - 1, 100)).filter(
          (event) => event.component.name === name,
        );
        expect(events.map((event) => [event.component.createActor, event.component.updateActor])).toEqual([
          ["alice", "alice"],
          ["alice", "bob"],
        ]);
      });

      it("fails an update of a missing version with NOT_FOUND and writes nothing", async () => {
        const name = uniqueName("update-missing");
        const clock = metaClock();
        await expectCode(store.updateVersion(name, "1.0.0", { description: "x" }, clock()), "NOT_FOUND");
        await store.insertVersion(newRecord(name, "1.0.0"), clock());
        const before = await current();
        await expectCode(store.updateVersion(name, "1.0.1", { description: "x" }, clock()), "NOT_FOUND");
        expect(await current()).toBe(before);
      });

      it("applies an update whose expectedRevision matches and aborts a stale one with ABORTED", async () => {
        const name = uniqueName("cas");
        const clock = metaClock();
        const created = await store.insertVersion(newRecord(name, "1.0.0"), clock());
        const first = await store.updateVersion(name, "1.0.0", { description: "one" }, clock(), created.revision);
        const before = await current();
        await expectCode(
          store.updateVersion(name, "1.0.0", { description: "two" }, clock(), created.revision),
          "ABORTED",
        );
        expect(await current()).toBe(before);
        expect((await store.getVersion(name, "1.0.0"))?.description).toBe("one");
        await store.updateVersion(name, "1.0.0", { description: "two" }, clock(), first.revision);
        expect((await store.getVersion(name, "1.0.0"))?.description).toBe("two");
      });

      it("deletes one version as one deleted event carrying its last state", async () => {
        const name = uniqueName("delete-one");
        const clock = metaClock();
        await store.insertVersion(newRecord(name, "1.0.0"), clock());
        const updated = await store.updateVersion(name, "1.0.0", { description: "last" }, clock());
        await store.insertVersion(newRecord(name, "2.0.0"), clock());
        const meta = clock();
        const events = await store.deleteVersions(name, ["1.0.0"], meta);
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ type: "deleted", time: meta.time, actor: meta.actor });
        expect(events[0]!.component).toEqual(updated.component);
        expect(await store.getVersion(name, "1.0.0")).toBeUndefined();
        expect(versionsOf(await store.listVersions(name))).toEqual(["2.0.0"]);
      });

      it("deletes all versions as one event each, in SemVer-descending order", async () => {
        const name = uniqueName("delete-all");
        const clock = metaClock();
        for (const version of ["1.0.0", "3.0.0", "2.0.0", "2.0.0-beta"]) {
          await store.insertVersion(newRecord(name, version), clock());
        }
        const before = await current();
        const events = await store.deleteVersions(name, "all", clock());
        expect(events.map((e) => e.component.version)).toEqual(["3.0.0", "2.0.0", "2.0.0-beta", "1.0.0"]);
        expect(events.map((e) => e.revision)).toEqual([before + 1, before + 2, before + 3, before + 4]);
        expect(events.every((e) => e.type === "deleted")).toBe(true);
        expect(await store.readEvents(before, 100)).toEqual(events);
        expect(await store.listVersions(name)).toEqual([]);
        await expectCode(store.deleteVersions(name, "all", clock()), "NOT_FOUND");
      });

      it("deletes several named versions together, and deletes nothing when one is missing", async () => {
        const name = uniqueName("delete-some");
        const clock = metaClock();
        for (const version of ["1.0.0", "1.1.0", "1.2.0"]) await store.insertVersion(newRecord(name, version), clock());
        const before = await current();
        await expectCode(store.deleteVersions(name, ["1.0.0", "9.9.9"], clock()), "NOT_FOUND");
        expect(await current()).toBe(before);
        expect(await store.listVersions(name)).toHaveLength(3);
        const events = await store.deleteVersions(name, ["1.0.0", "1.2.0"], clock());
        expect(events.map((e) => e.component.version)).toEqual(["1.2.0", "1.0.0"]);
        expect(versionsOf(await store.listVersions(name))).toEqual(["1.1.0"]);
      });

      it("fails deletes of unknown names with NOT_FOUND", async () => {
        const name = uniqueName("delete-unknown");
        await expectCode(store.deleteVersions(name, "all", metaClock()()), "NOT_FOUND");
        await expectCode(store.deleteVersions(name, ["1.0.0"], metaClock()()), "NOT_FOUND");
      });

      it("aborts a single-version delete whose expectedRevision is stale", async () => {
        const name = uniqueName("delete-cas");
        const clock = metaClock();
        const created = await store.insertVersion(newRecord(name, "1.0.0"), clock());
        const updated = await store.updateVersion(name, "1.0.0", { description: "moved on" }, clock());
        await expectCode(store.deleteVersions(name, ["1.0.0"], clock(), created.revision), "ABORTED");
        expect(await store.getVersion(name, "1.0.0")).toBeDefined();
        const events = await store.deleteVersions(name, ["1.0.0"], clock(), updated.revision);
        expect(events).toHaveLength(1);
      });
    });

    describe("the atomic unit of a write", () => {
      it("gives N writes the revisions after the current one without gaps, one event each", async () => {
        const name = uniqueName("atomic");
        const clock = metaClock();
        const before = await current();
        const returned: CatalogEvent[] = [];
        returned.push(await store.insertVersion(newRecord(name, "1.0.0"), clock()));
        returned.push(await store.insertVersion(newRecord(name, "1.1.0"), clock()));
        returned.push(await store.updateVersion(name, "1.0.0", { description: "a" }, clock()));
        returned.push(await store.insertVersion(newRecord(name, "2.0.0"), clock()));
        returned.push(...(await store.deleteVersions(name, ["1.1.0", "2.0.0"], clock())));
        returned.push(await store.updateVersion(name, "1.0.0", { labels: { x: "y" } }, clock()));
        const n = returned.length;
        expect(returned.map((e) => e.revision)).toEqual(Array.from({ length: n }, (_, i) => before + 1 + i));
        expect(await store.readEvents(before, 1000)).toEqual(returned);
        expect(await current()).toBe(before + n);
        for (const event of returned) {
          if (event.type !== "deleted") expect(event.component.updateRevision).toBe(event.revision);
        }
        const stored = await store.getVersion(name, "1.0.0");
        expect(stored?.updateRevision).toBe(returned.at(-1)!.revision);
        expect(stored?.createRevision).toBe(before + 1);
      });
    });

    describe("list", () => {
      async function seedFilterSet() {
        const provider = uniqueToken();
        const clock = metaClock();
        const [a, b, c] = [uniqueName("fa"), uniqueName("fb"), uniqueName("fc")];
        const put = (name: string, version: string, o: Partial<NewComponentRecord>) =>
          store.insertVersion(newRecord(name, version, { provider, ...o }), clock());
        await put(a, "1.0.0", { labels: { team: "a" } });
        await put(a, "1.1.0", { labels: { team: "a", tier: "gold" } });
        await put(b, "1.0.0", {
          category: "network",
          labels: { team: "b" },
          deployment: { engine: "pulumi", engineVersion: "3", config: {} },
        });
        await put(c, "1.0.0", { labels: { team: "a", tier: "gold" } });
        await store.updateVersion(c, "1.0.0", { deprecation: { deprecated: true, message: "gone" } }, clock());
        return { provider, a, b, c };
      }

      it("applies each filter to the latest version of each component", async () => {
        const { provider, a, b, c } = await seedFilterSet();
        const latest = (filter: Partial<ComponentFilter>) =>
          listAll({ filter: { includeDeprecated: true, provider, ...filter }, allVersions: false, orderBy: byName });
        expect(namesOf(await latest({}))).toEqual([a, b, c].sort());
        expect(namesOf(await latest({ category: "network" }))).toEqual([b]);
        expect(namesOf(await latest({ deploymentEngine: "pulumi" }))).toEqual([b]);
        expect(namesOf(await latest({ labels: { team: "a", tier: "gold" } }))).toEqual([a, c].sort());
        expect(namesOf(await latest({ labels: { team: "a", tier: "silver" } }))).toEqual([]);
        expect(namesOf(await latest({ names: [a, b] }))).toEqual([a, b].sort());
        expect(namesOf(await latest({ includeDeprecated: false }))).toEqual([a, b].sort());
        expect(namesOf(await latest({ provider: uniqueToken() }))).toEqual([]);
        expect(versionsOf(await latest({ names: [a] }))).toEqual(["1.1.0"]);
      });

      it("applies each filter to every version in all-versions mode", async () => {
        const { provider, a, b, c } = await seedFilterSet();
        const all = (filter: Partial<ComponentFilter>) =>
          listAll({ filter: { includeDeprecated: true, provider, ...filter }, allVersions: true, orderBy: byName });
        expect((await all({})).map(rowKey)).toEqual(
          [`${a}@1.1.0`, `${a}@1.0.0`, `${b}@1.0.0`, `${c}@1.0.0`].sort((x, y) =>
            x.split("@")[0] === y.split("@")[0] ? 0 : x < y ? -1 : 1,
          ),
        );
        expect((await all({ labels: { team: "a" } })).map(rowKey)).toEqual(
          [`${a}@1.1.0`, `${a}@1.0.0`, `${c}@1.0.0`].sort((x, y) =>
            x.split("@")[0] === y.split("@")[0] ? 0 : x < y ? -1 : 1,
          ),
        );
        expect((await all({ labels: { tier: "gold" }, includeDeprecated: false })).map(rowKey)).toEqual([`${a}@1.1.0`]);
        expect((await all({ category: "network" })).map(rowKey)).toEqual([`${b}@1.0.0`]);
        expect((await all({ deploymentEngine: "terraform", names: [c] })).map(rowKey)).toEqual([`${c}@1.0.0`]);
      });

      it("shows the latest version per component and follows deprecation, unlike all-versions mode", async () => {
        const name = uniqueName("latest");
        const clock = metaClock();
        for (const version of ["1.0.0", "1.1.0", "2.0.0-rc.1"]) {
          await store.insertVersion(newRecord(name, version), clock());
        }
        const read = async (allVersions: boolean, includeDeprecated: boolean) =>
          versionsOf(await listAll({ filter: only([name], { includeDeprecated }), allVersions, orderBy: byName }));
        expect(await read(false, true)).toEqual(["1.1.0"]);
        expect(await read(true, true)).toEqual(["2.0.0-rc.1", "1.1.0", "1.0.0"]);
        const deprecation = { deprecated: true, message: "old" };
        await store.updateVersion(name, "1.1.0", { deprecation }, clock());
        expect(await read(false, true)).toEqual(["1.0.0"]);
        expect(await read(true, false)).toEqual(["2.0.0-rc.1", "1.0.0"]);
        await store.updateVersion(name, "1.0.0", { deprecation }, clock());
        expect(await read(false, true)).toEqual(["1.1.0"]);
        expect(await read(false, false)).toEqual([]);
        const onlyPre = uniqueName("latest-pre");
        await store.insertVersion(newRecord(onlyPre, "1.0.0-beta.1"), clock());
        await store.insertVersion(newRecord(onlyPre, "1.0.0-beta.2"), clock());
        expect(versionsOf(await listAll({ filter: only([onlyPre]), allVersions: false, orderBy: byName }))).toEqual([
          "1.0.0-beta.2",
        ]);
      });

      it("matches the filter against the latest version, not against older ones", async () => {
        const name = uniqueName("latest-filter");
        const clock = metaClock();
        await store.insertVersion(newRecord(name, "1.0.0", { category: "network" }), clock());
        await store.insertVersion(newRecord(name, "2.0.0", { category: "database" }), clock());
        const filter = only([name], { category: "network" });
        expect(await listAll({ filter, allVersions: false, orderBy: byName })).toEqual([]);
        expect(versionsOf(await listAll({ filter, allVersions: true, orderBy: byName }))).toEqual(["1.0.0"]);
      });

      it("orders by name or updateTime in both directions, ties by name then version descending", async () => {
        const clock = metaClock();
        const times = [clock(), clock(), clock()];
        const [n1, n2, n3, n4] = [uniqueName("ord-a"), uniqueName("ord-b"), uniqueName("ord-c"), uniqueName("ord-d")];
        await store.insertVersion(newRecord(n1, "1.0.0"), times[2]!);
        await store.insertVersion(newRecord(n2, "1.0.0"), times[0]!);
        await store.insertVersion(newRecord(n3, "1.0.0"), times[1]!);
        await store.insertVersion(newRecord(n3, "2.0.0"), times[1]!);
        await store.insertVersion(newRecord(n4, "1.0.0"), times[1]!);
        const names = [n1, n2, n3, n4];
        const read = async (field: OrderField, descending: boolean, allVersions: boolean) =>
          (await listAll({ filter: only(names), allVersions, orderBy: { field, descending } })).map(rowKey);
        expect(await read("name", false, false)).toEqual([`${n1}@1.0.0`, `${n2}@1.0.0`, `${n3}@2.0.0`, `${n4}@1.0.0`]);
        expect(await read("name", true, false)).toEqual([`${n4}@1.0.0`, `${n3}@2.0.0`, `${n2}@1.0.0`, `${n1}@1.0.0`]);
        expect(await read("name", true, true)).toEqual([
          `${n4}@1.0.0`,
          `${n3}@2.0.0`,
          `${n3}@1.0.0`,
          `${n2}@1.0.0`,
          `${n1}@1.0.0`,
        ]);
        expect(await read("updateTime", false, false)).toEqual([
          `${n2}@1.0.0`,
          `${n3}@2.0.0`,
          `${n4}@1.0.0`,
          `${n1}@1.0.0`,
        ]);
        expect(await read("updateTime", true, false)).toEqual([
          `${n1}@1.0.0`,
          `${n3}@2.0.0`,
          `${n4}@1.0.0`,
          `${n2}@1.0.0`,
        ]);
        expect(await read("updateTime", false, true)).toEqual([
          `${n2}@1.0.0`,
          `${n3}@2.0.0`,
          `${n3}@1.0.0`,
          `${n4}@1.0.0`,
          `${n1}@1.0.0`,
        ]);
        expect(await read("updateTime", true, true)).toEqual([
          `${n1}@1.0.0`,
          `${n3}@2.0.0`,
          `${n3}@1.0.0`,
          `${n4}@1.0.0`,
          `${n2}@1.0.0`,
        ]);
      });

      it("pages with size 3 through every order and mode, matching the unpaged result", async () => {
        const provider = uniqueToken();
        const clock = metaClock();
        for (let i = 0; i < 8; i++) {
          const name = uniqueName(`pg${i % 3}`);
          await store.insertVersion(newRecord(name, "1.0.0", { provider }), clock());
          await store.insertVersion(newRecord(name, "1.1.0", { provider }), clock());
        }
        for (const field of ["name", "updateTime"] as const) {
          for (const descending of [false, true]) {
            for (const allVersions of [false, true]) {
              const query = {
                filter: { provider, includeDeprecated: true },
                allVersions,
                orderBy: { field, descending },
              };
              const whole = await listAll(query);
              expect(whole).toHaveLength(allVersions ? 16 : 8);
              const paged = await listAll(query, 3);
              expect(paged.map(rowKey)).toEqual(whole.map(rowKey));
              const first = await store.list({ ...query, pageSize: 3 });
              expect(first.items).toHaveLength(3);
              expect(first.nextCursor).toBeDefined();
            }
          }
        }
      });

      it("ends with no next cursor when the last page is exactly full", async () => {
        const provider = uniqueToken();
        const clock = metaClock();
        for (let i = 0; i < 6; i++)
          await store.insertVersion(newRecord(uniqueName("exact"), "1.0.0", { provider }), clock());
        const query = { filter: { provider, includeDeprecated: true }, allVersions: false, orderBy: byName };
        const first = await store.list({ ...query, pageSize: 3 });
        const second = await store.list({ ...query, pageSize: 3, cursor: first.nextCursor! });
        expect(second.items).toHaveLength(3);
        expect(second.nextCursor).toBeUndefined();
      });

      it("keeps every pre-existing component exactly once across pages while writes happen", async () => {
        const provider = uniqueToken();
        const clock = metaClock();
        const stem = uniqueName("live");
        const pad = (n: number) => String(n).padStart(3, "0");
        const existing = Array.from({ length: 12 }, (_, i) => `${stem}-${pad((i + 1) * 10)}`);
        for (const name of existing) {
          await store.insertVersion(newRecord(name, "1.0.0", { provider }), clock());
          await store.insertVersion(newRecord(name, "1.1.0", { provider }), clock());
        }
        let combo = 0;
        for (const descending of [false, true]) {
          for (const allVersions of [false, true]) {
            combo += 1;
            const query = {
              filter: { provider, includeDeprecated: true },
              allVersions,
              orderBy: { field: "name" as const, descending },
            };
            const burst = async (round: number) => {
              if (round > 5) return;
              const fresh = `${stem}-${pad(round * 20 + 5)}-${combo}`;
              const victim = existing[(round * 5) % existing.length]!;
              const other = existing[(round * 7 + 3) % existing.length]!;
              await Promise.all([
                store.insertVersion(newRecord(fresh, "1.0.0", { provider }), clock()),
                store.insertVersion(newRecord(victim, `2.${combo}.${round}`, { provider }), clock()),
                store.updateVersion(other, "1.0.0", { description: `round ${round}` }, clock()),
                store.updateVersion(other, "1.1.0", { labels: { round: String(round) } }, clock()),
              ]);
              if (round % 2 === 1) await store.deleteVersions(fresh, "all", clock());
            };
            const seen: string[] = [];
            let cursor: string | undefined;
            let round = 0;
            do {
              const [page] = await Promise.all([
                store.list({ ...query, pageSize: 3, ...(cursor ? { cursor } : {}) }),
                burst(round),
              ]);
              round += 1;
              seen.push(...page.items.map((r) => (allVersions ? rowKey(r) : r.name)));
              cursor = page.nextCursor;
              expect(round).toBeLessThan(60);
            } while (cursor);
            expect(new Set(seen).size).toBe(seen.length);
            const expected = allVersions ? existing.flatMap((n) => [`${n}@1.1.0`, `${n}@1.0.0`]) : existing;
            for (const key of expected) expect(seen.filter((s) => s === key)).toHaveLength(1);
          }
        }
      });

      it("keeps every pre-existing component exactly once in updateTime order while inserts happen", async () => {
        const provider = uniqueToken();
        const clock = metaClock();
        const existing: string[] = [];
        for (let i = 0; i < 10; i++) {
          const name = uniqueName("live-time");
          existing.push(name);
          await store.insertVersion(newRecord(name, "1.0.0", { provider }), clock());
        }
        let combo = 0;
        for (const descending of [false, true]) {
          for (const allVersions of [false, true]) {
            combo += 1;
            const query = {
              filter: { provider, includeDeprecated: true },
              allVersions,
              orderBy: { field: "updateTime" as const, descending },
            };
            const seen: string[] = [];
            let cursor: string | undefined;
            let round = 0;
            do {
              const writes =
                round < 4
                  ? Promise.all([
                      store.insertVersion(newRecord(uniqueName("live-time-new"), "1.0.0", { provider }), clock()),
                      store.insertVersion(
                        newRecord(existing[round]!, `1.${round + 1}.${combo}`, { provider }),
                        clock(),
                      ),
                    ])
                  : Promise.resolve();
              const [page] = await Promise.all([
                store.list({ ...query, pageSize: 3, ...(cursor ? { cursor } : {}) }),
                writes,
              ]);
              round += 1;
              seen.push(...page.items.map(rowKey));
              cursor = page.nextCursor;
              expect(round).toBeLessThan(60);
            } while (cursor);
            expect(new Set(seen).size).toBe(seen.length);
            if (allVersions) {
              for (const name of existing) expect(seen.filter((s) => s === `${name}@1.0.0`)).toHaveLength(1);
            } else {
              const untouched = existing.slice(4);
              for (const name of untouched) expect(seen.filter((s) => s.startsWith(`${name}@`))).toHaveLength(1);
            }
          }
        }
      });

      it("rejects a page cursor it did not issue with INVALID_ARGUMENT", async () => {
        const query = { filter: only([uniqueName("cursor")]), allVersions: false, orderBy: byName, pageSize: 3 };
        await expectCode(store.list({ ...query, cursor: "not-a-cursor" }), "INVALID_ARGUMENT");
        await expectCode(
          store.search({ terms: ["x"], filter: { includeDeprecated: true }, pageSize: 3, cursor: "%%%" }),
          "INVALID_ARGUMENT",
        );
      });

      it("reports a revision at least as new as the writes before the read", async () => {
        const name = uniqueName("page-rev");
        const event = await store.insertVersion(newRecord(name, "1.0.0"), metaClock()());
        const page = await store.list({ filter: only([name]), allVersions: false, orderBy: byName, pageSize: 10 });
        expect(page.revision).toBeGreaterThanOrEqual(event.revision);
        const found = await store.search({ terms: [name], filter: only([name]), pageSize: 10 });
        expect(found.revision).toBeGreaterThanOrEqual(event.revision);
      });
    });

    describe("search", () => {
      async function seedSearchSet() {
        const token = uniqueToken();
        const clock = metaClock();
        const exact = token;
        const nameHit = `${token}-mysql`;
        const labelHit = uniqueName("s-label");
        const inputHit = uniqueName("s-input");
        const outputHit = uniqueName("s-output");
        const descHit = uniqueName("s-desc");
        const miss = uniqueName("s-miss");
        const put = (name: string, o: Partial<NewComponentRecord> = {}) =>
          store.insertVersion(newRecord(name, "1.0.0", o), clock());
        await put(exact);
        await put(nameHit, { provider: "gcp" });
        await put(labelHit, { labels: { owner: `team-${token}` } });
        const input = newRecord(inputHit, "1.0.0").inputs[0]!;
        await put(inputHit, { inputs: [{ ...input, name: `${token}_size` }] });
        await put(outputHit, {
          outputs: [{ name: `${token}_arn`, type: "string", description: "", sensitive: false }],
        });
        await put(descHit, { description: `Mentions ${token.toUpperCase()} in prose` });
        await put(miss);
        return { token, exact, nameHit, labelHit, inputHit, outputHit, descHit, miss, clock };
      }

      it("ranks exact name over name contains over labels, inputs, outputs over description", async () => {
        const s = await seedSearchSet();
        const page = await store.search({ terms: [s.token], filter: { includeDeprecated: true }, pageSize: 50 });
        const names = page.items.map((i) => i.component.name);
        const score = (name: string) => page.items.find((i) => i.component.name === name)!.score;
        expect(names.slice(0, 2)).toEqual([s.exact, s.nameHit]);
        expect(new Set(names.slice(2, 5))).toEqual(new Set([s.labelHit, s.inputHit, s.outputHit]));
        expect(names[5]).toBe(s.descHit);
        expect(names).toHaveLength(6);
        expect(score(s.exact)).toBeGreaterThan(score(s.nameHit));
        for (const n of [s.labelHit, s.inputHit, s.outputHit]) {
          expect(score(s.nameHit)).toBeGreaterThan(score(n));
          expect(score(n)).toBeGreaterThan(score(s.descHit));
        }
        for (let i = 1; i < page.items.length; i++) {
          const [prev, next] = [page.items[i - 1]!, page.items[i]!];
          expect(
            prev.score > next.score || (prev.score === next.score && prev.component.name < next.component.name),
          ).toBe(true);
        }
      });

      it("requires every term to match and applies the filter", async () => {
        const s = await seedSearchSet();
        const search = async (terms: string[], filter: Partial<ComponentFilter> = {}) =>
          (await store.search({ terms, filter: { includeDeprecated: true, ...filter }, pageSize: 50 })).items.map(
            (i) => i.component.name,
          );
        expect(await search([s.token, "mysql"])).toContain(s.nameHit);
        expect(await search([s.token, "mysql"])).not.toContain(s.labelHit);
        expect(await search([s.token, uniqueToken()])).toEqual([]);
        expect(await search([s.token], { provider: "gcp" })).toEqual([s.nameHit]);
        expect(await search([s.token], { names: [s.descHit, s.miss] })).toEqual([s.descHit]);
        await store.updateVersion(s.exact, "1.0.0", { deprecation: { deprecated: true, message: "x" } }, s.clock());
        expect(await search([s.token], { includeDeprecated: false })).not.toContain(s.exact);
        expect(await search([s.token], { includeDeprecated: true })).toContain(s.exact);
      });

      it("searches only the latest version of each component", async () => {
        const token = uniqueToken();
        const name = uniqueName("s-latest");
        const clock = metaClock();
        await store.insertVersion(newRecord(name, "1.0.0", { description: `old ${token}` }), clock());
        const found = await store.search({ terms: [token], filter: { includeDeprecated: true }, pageSize: 10 });
        expect(found.items.map((i) => i.component.version)).toEqual(["1.0.0"]);
        await store.insertVersion(newRecord(name, "2.0.0", { description: "new" }), clock());
        const after = await store.search({ terms: [token], filter: { includeDeprecated: true }, pageSize: 10 });
        expect(after.items).toEqual([]);
      });

      it("pages search results with cursors, matching the unpaged ranking", async () => {
        const s = await seedSearchSet();
        const query = { terms: [s.token], filter: { includeDeprecated: true }, pageSize: 50 };
        const whole = (await store.search(query)).items.map((i) => i.component.name);
        const paged: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.search({ ...query, pageSize: 2, ...(cursor ? { cursor } : {}) });
          expect(page.items.length).toBeLessThanOrEqual(2);
          paged.push(...page.items.map((i) => i.component.name));
          cursor = page.nextCursor;
        } while (cursor);
        expect(paged).toEqual(whole);
      });
    });

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

    describe("concurrency", () => {
      it("lets exactly one of 50 concurrent inserts of the same new version succeed", async () => {
        const name = uniqueName("race-same");
        const clock = metaClock();
        const before = await current();
        const results = await Promise.allSettled(
          Array.from({ length: 50 }, () => store.insertVersion(newRecord(name, "1.0.0"), clock())),
        );
        const won = results.filter((r) => r.status === "fulfilled");
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(49);
        for (const r of lost) expect(isCatalogError(r.reason, "ALREADY_EXISTS"), String(r.reason)).toBe(true);
        expect(await current()).toBe(before + 1);
        expect(await store.readEvents(before, 100)).toHaveLength(1);
      });

      it("lands all of 50 concurrent inserts of different versions, one revision and event each", async () => {
        const name = uniqueName("race-many");
        const clock = metaClock();
        const before = await current();
        const events = await Promise.all(
          Array.from({ length: 50 }, (_, i) => store.insertVersion(newRecord(name, `1.${i}.0`), clock())),
        );
        const revisions = events.map((e) => e.revision).sort((a, b) => a - b);
        expect(revisions).toEqual(Array.from({ length: 50 }, (_, i) => before + 1 + i));
        const logged = await store.readEvents(before, 100);
        expect(logged.map((e) => e.revision)).toEqual(revisions);
        expect(new Set(logged.map((e) => e.component.version)).size).toBe(50);
        expect(await store.listVersions(name)).toHaveLength(50);
        expect(await current()).toBe(before + 50);
      });
    });

    describe("write guards", () => {
      const refusal = () => new CatalogError("FAILED_PRECONDITION", "the guard refused this write");
      /** A guard that records what it saw, then allows the write. */
      function recordingGuard(seen: string[][]): WriteGuard {
        return (versions) => {
          seen.push(versionsOf(versions));
        };
      }

      it("calls each write's guard with the name's current versions, SemVer-descending", async () => {
        const name = uniqueName("guard-sees");
        const clock = metaClock();
        const seen: string[][] = [];
        const guard = recordingGuard(seen);
        await store.insertVersion(newRecord(name, "1.0.0"), { ...clock(), guard });
        await store.insertVersion(newRecord(name, "1.10.0"), { ...clock(), guard });
        await store.insertVersion(newRecord(name, "1.2.0"), { ...clock(), guard });
        await store.updateVersion(name, "1.2.0", { description: "patched" }, { ...clock(), guard });
        await store.deleteVersions(name, ["1.0.0"], { ...clock(), guard });
        await store.deleteVersions(name, "all", { ...clock(), guard });
        expect(seen).toEqual([
          [],
          ["1.0.0"],
          ["1.10.0", "1.0.0"],
          ["1.10.0", "1.2.0", "1.0.0"],
          ["1.10.0", "1.2.0", "1.0.0"],
          ["1.10.0", "1.2.0"],
        ]);
      });

      it("passes the guard full records, including writes made just before", async () => {
        const name = uniqueName("guard-records");
        const clock = metaClock();
        const created = await store.insertVersion(newRecord(name, "1.0.0", { provider: "gcp" }), clock());
        let seen: readonly ComponentRecord[] = [];
        await store.insertVersion(newRecord(name, "2.0.0"), {
          ...clock(),
          guard: (versions) => {
            seen = structuredClone(versions);
          },
        });
        expect(seen).toEqual([created.component]);
      });

      it("writes nothing when an insert's guard throws, and surfaces the guard's error unchanged", async () => {
        const name = uniqueName("guard-insert");
        const clock = metaClock();
        const first = await store.insertVersion(newRecord(name, "1.0.0"), clock());
        const before = await current();
        const error = refusal();
        await expect(
          store.insertVersion(newRecord(name, "1.1.0"), {
            ...clock(),
            guard: () => {
              throw error;
            },
          }),
        ).rejects.toBe(error);
        expect(await current()).toBe(before);
        expect(await store.readEvents(before, 10)).toEqual([]);
        expect(await store.listVersions(name)).toEqual([first.component]);
      });

      it("writes nothing when an update's or a delete's guard throws", async () => {
        const name = uniqueName("guard-update");
        const clock = metaClock();
        await store.insertVersion(newRecord(name, "1.0.0"), clock());
        await store.insertVersion(newRecord(name, "1.1.0"), clock());
        const stored = await store.listVersions(name);
        const before = await current();
        const error = new CatalogError("PERMISSION_DENIED", "someone may not write this");
        const guard = () => {
          throw error;
        };
        await expect(
          store.updateVersion(name, "1.0.0", { description: "changed" }, { ...clock(), guard }),
        ).rejects.toBe(error);
        await expect(store.deleteVersions(name, ["1.0.0"], { ...clock(), guard })).rejects.toBe(error);
        await expect(store.deleteVersions(name, "all", { ...clock(), guard })).rejects.toBe(error);
        expect(await current()).toBe(before);
        expect(await store.readEvents(before, 10)).toEqual([]);
        expect(await store.listVersions(name)).toEqual(stored);
      });

      it("runs the guard before the store's own checks, so its error wins over ALREADY_EXISTS and NOT_FOUND", async () => {
        const name = uniqueName("guard-first");
        const clock = metaClock();
        await store.insertVersion(newRecord(name, "1.0.0"), clock());
        const error = refusal();
        const guard = () => {
          throw error;
        };
        await expect(store.insertVersion(newRecord(name, "1.0.0"), { ...clock(), guard })).rejects.toBe(error);
        await expect(store.updateVersion(name, "9.9.9", { description: "x" }, { ...clock(), guard })).rejects.toBe(
          error,
        );
        const unknown = uniqueName("guard-unknown");
        const seen: string[][] = [];
        await expect(
          store.deleteVersions(unknown, "all", {
            ...clock(),
            guard: (versions) => {
              seen.push(versionsOf(versions));
              throw error;
            },
          }),
        ).rejects.toBe(error);
        expect(seen).toEqual([[]]);
      });

      it("lets exactly one of racing inserts whose guards each require the name to be empty succeed", async () => {
        const name = uniqueName("guard-race");
        const clock = metaClock();
        const before = await current();
        const onlyVersion: WriteGuard = (versions) => {
          if (versions.length > 0) {
            throw new CatalogError("FAILED_PRECONDITION", `${name} already has ${versionsOf(versions).join(", ")}`);
          }
        };
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) =>
            store.insertVersion(newRecord(name, `1.${i}.0`), { ...clock(), guard: onlyVersion }),
          ),
        );
        const won = results.filter((r) => r.status === "fulfilled");
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        expect(won).toHaveLength(1);
        for (const r of lost) expect(isCatalogError(r.reason, "FAILED_PRECONDITION"), String(r.reason)).toBe(true);
        expect(await store.listVersions(name)).toHaveLength(1);
        expect(await current()).toBe(before + 1);
      });

      it("keeps guarded writes exclusive among themselves while unguarded writes to the same name land", async () => {
        const name = uniqueName("guard-mixed");
        const clock = metaClock();
        const before = await current();
        // Unguarded 2.x inserts race guarded 1.x inserts that each require no 1.x version to exist.
        let guardedWins = 0;
        const writes = Array.from({ length: 20 }, (_, i) => {
          if (i % 2 === 0) return store.insertVersion(newRecord(name, `2.${i}.0`), clock());
          return store
            .insertVersion(newRecord(name, `1.${i}.0`), {
              ...clock(),
              guard: (versions) => {
                if (versions.some((r) => r.version.startsWith("1."))) {
                  throw new CatalogError("FAILED_PRECONDITION", "a 1.x version exists");
                }
              },
            })
            .then(() => {
              guardedWins += 1;
            });
        });
        await Promise.allSettled(writes);
        const stored = versionsOf(await store.listVersions(name));
        expect(guardedWins).toBe(1);
        expect(stored.filter((v) => v.startsWith("1."))).toHaveLength(1);
        expect(stored.filter((v) => v.startsWith("2."))).toHaveLength(10);
        expect(await current()).toBe(before + 11);
      });
    });

    describe("cancellation", () => {
      it("a write whose signal is already aborted writes nothing and rejects with the signal's reason", async () => {
        const name = uniqueName("aborted-write");
        const clock = metaClock();
        await store.insertVersion(newRecord(name, "1.0.0"), clock());
        const stored = await store.listVersions(name);
        const before = await current();
        const reason = new Error("the caller's deadline passed");
        const controller = new AbortController();
        controller.abort(reason);
        const meta = () => ({ ...clock(), signal: controller.signal });
        await expect(store.insertVersion(newRecord(name, "1.1.0"), meta())).rejects.toBe(reason);
        await expect(store.updateVersion(name, "1.0.0", { description: "changed" }, meta())).rejects.toBe(reason);
        await expect(store.deleteVersions(name, ["1.0.0"], meta())).rejects.toBe(reason);
        await expect(store.deleteVersions(name, "all", meta())).rejects.toBe(reason);
        expect(await current()).toBe(before);
        expect(await store.readEvents(before, 10)).toEqual([]);
        expect(await store.listVersions(name)).toEqual(stored);
      });

      it("a write whose signal aborts while it holds its turn (during the guard) writes nothing", async () => {
        const name = uniqueName("aborted-in-guard");
        const clock = metaClock();
        await store.insertVersion(newRecord(name, "1.0.0"), clock());
        const stored = await store.listVersions(name);
        const before = await current();
        const reason = new Error("cancelled by the caller");
        const abortingMeta = () => {
          const controller = new AbortController();
          return { ...clock(), signal: controller.signal, guard: () => controller.abort(reason) };
        };
        await expect(store.insertVersion(newRecord(name, "1.1.0"), abortingMeta())).rejects.toBe(reason);
        await expect(store.updateVersion(name, "1.0.0", { description: "changed" }, abortingMeta())).rejects.toBe(
          reason,
        );
        await expect(store.deleteVersions(name, "all", abortingMeta())).rejects.toBe(reason);
        expect(await current()).toBe(before);
        expect(await store.readEvents(before, 10)).toEqual([]);
        expect(await store.listVersions(name)).toEqual(stored);
      });

      it("a write whose signal is not aborted lands as usual", async () => {
        const name = uniqueName("live-signal");
        const event = await store.insertVersion(newRecord(name, "1.0.0"), {
          ...metaClock()(),
          signal: new AbortController().signal,
        });
        expect(await store.listVersions(name)).toEqual([event.component]);
      });
    });

    describe("commit notifications and health", () => {
      it("wakes onCommit listeners after a write, with a revision that covers it", async () => {
        const seen: number[] = [];
        const unsubscribe = store.onCommit((revision) => seen.push(revision));
        const event = await store.insertVersion(newRecord(uniqueName("notify"), "1.0.0"), metaClock()());
        await eventually(() => expect(Math.max(0, ...seen)).toBeGreaterThanOrEqual(event.revision));
        unsubscribe();
        const count = seen.length;
        await store.insertVersion(newRecord(uniqueName("notify"), "1.0.0"), metaClock()());
        await new Promise((resolve) => setTimeout(resolve, 200));
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
          await eventually(async () => expect((await store.health()).ok).toBe(true));
          await eventually(async () => expect((await store.getVersion(name, "1.0.0"))?.version).toBe("1.0.0"));
        });
      }
    });
  });
}
