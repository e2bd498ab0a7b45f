/**
 * Reads of single versions: what a write returns is what get and
 * listVersions give back, unknown names and versions read as absent, and
 * stored records are safe from callers.
 */
import { describe, expect, it } from "vitest";
import { metaClock, newRecord, uniqueName } from "../fixtures.js";
import type { ContractContext } from "./helpers.js";

export function defineReadsContract(ctx: ContractContext): void {
  const { store, current } = ctx;
  describe("reads of versions", () => {
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
  });
}
