/**
 * Writes of versions: insert, update and delete as events, the errors each
 * names (ALREADY_EXISTS, NOT_FOUND, ABORTED) with nothing written, actors,
 * and the atomic unit of a write (one revision and event per changed
 * version, gapless).
 */

import { describe, expect, it } from "vitest";
import type { ComponentEvent } from "../../../src/storage/records.js";
import { isComponentEvent } from "../../../src/storage/records.js";
import { metaClock, newRecord, uniqueName } from "../fixtures.js";
import { type ContractContext, expectCode, versionsOf } from "./helpers.js";

export function definePublishContract(ctx: ContractContext): void {
  const { store, current } = ctx;
  describe("writes of versions", () => {
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

    it("records the inserting actor as createActor and updateActor; an update changes only updateActor", async () => {
      const name = uniqueName("actors");
      const clock = metaClock();
      const created = await store.insertVersion(newRecord(name, "1.0.0"), { ...clock(), actor: "alice" });
      expect(created.component.createActor).toBe("alice");
      expect(created.component.updateActor).toBe("alice");
      expect(await store.getVersion(name, "1.0.0")).toMatchObject({ createActor: "alice", updateActor: "alice" });

      const updated = await store.updateVersion(name, "1.0.0", { description: "by bob" }, { ...clock(), actor: "bob" });
      expect(updated.actor).toBe("bob");
      expect(updated.component.createActor).toBe("alice");
      expect(updated.component.updateActor).toBe("bob");
      const stored = await store.getVersion(name, "1.0.0");
      expect(stored).toMatchObject({ createActor: "alice", updateActor: "bob" });
      expect(stored).toEqual(updated.component);
      const events = (await store.readEvents(created.revision - 1, 100))
        .filter(isComponentEvent)
        .filter((event) => event.component.name === name);
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
      const returned: ComponentEvent[] = [];
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
}
