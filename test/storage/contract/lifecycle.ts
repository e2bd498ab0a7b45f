/**
 * Lifecycle state: yanked versions stay readable by exact version but no
 * latest marker (list in latest mode, search) points at them, their events
 * are "yanked" / "unyanked", and every change of a version's mutable state
 * carries its lifecycle flags from before; deprecations keep their
 * replacement and sunset; guards see the name's policy.
 */
import { describe, expect, it } from "vitest";
import type { ComponentEvent, PolicyRecord } from "../../../src/storage/records.js";
import { metaClock, newRecord, uniqueName, uniqueToken } from "../fixtures.js";
import { type ContractContext, versionsOf } from "./helpers.js";

export function defineLifecycleContract(ctx: ContractContext): void {
  const { store, current, listAll, byName, only } = ctx;
  const latestOf = async (name: string) =>
    versionsOf(await listAll({ filter: only([name]), allVersions: false, orderBy: byName }));

  describe("lifecycle", () => {
    it("yanks a version as event yanked: readable by exact version, never latest, restored by un-yanking", async () => {
      const name = uniqueName("yank");
      const clock = metaClock();
      await store.insertVersion(newRecord(name, "1.0.0"), clock());
      await store.insertVersion(newRecord(name, "1.1.0"), clock());
      expect(await latestOf(name)).toEqual(["1.1.0"]);
      const yank = { time: "2030-02-01T00:00:00.000Z", actor: "admin", reason: "corrupts data" };
      const yanked = await store.updateVersion(name, "1.1.0", { yank }, clock());
      expect(yanked.type).toBe("yanked");
      expect(yanked.before).toEqual({ deprecated: false, yanked: false });
      expect(yanked.component.yank).toEqual(yank);
      expect((await store.getVersion(name, "1.1.0"))?.yank).toEqual(yank);
      expect((await store.listVersions(name)).map((r) => r.yank?.reason ?? "")).toEqual(["corrupts data", ""]);
      expect(await latestOf(name)).toEqual(["1.0.0"]);
      expect(versionsOf(await listAll({ filter: only([name]), allVersions: true, orderBy: byName }))).toEqual([
        "1.1.0",
        "1.0.0",
      ]);

      const restored = await store.updateVersion(name, "1.1.0", { yank: null }, clock());
      expect(restored.type).toBe("unyanked");
      expect(restored.before).toEqual({ deprecated: false, yanked: true });
      expect(restored.component.yank).toBeUndefined();
      expect((await store.getVersion(name, "1.1.0"))?.yank).toBeUndefined();
      expect(await latestOf(name)).toEqual(["1.1.0"]);
      const logged = (await store.readEvents(yanked.revision - 1, 10)).map((event) => event.type);
      expect(logged).toEqual(["yanked", "unyanked"]);
    });

    it("lists no latest version of a name whose every version is yanked, and search skips it", async () => {
      const token = uniqueToken();
      const name = uniqueName(`allyanked-${token}`);
      const clock = metaClock();
      await store.insertVersion(newRecord(name, "1.0.0"), clock());
      await store.updateVersion(name, "1.0.0", { yank: { time: clock().time, actor: "a", reason: "r" } }, clock());
      expect(await latestOf(name)).toEqual([]);
      const found = await store.search({ terms: [token], filter: { includeDeprecated: true }, pageSize: 10 });
      expect(found.items).toEqual([]);
      await store.insertVersion(newRecord(name, "0.9.0"), clock());
      expect(await latestOf(name)).toEqual(["0.9.0"]);
    });

    it("carries the lifecycle flags on every update, and keeps a deprecation's replacement and sunset", async () => {
      const name = uniqueName("deprecate");
      const clock = metaClock();
      await store.insertVersion(newRecord(name, "1.0.0"), clock());
      const deprecation = {
        deprecated: true,
        message: "moved",
        time: "2030-03-01T00:00:00.000Z",
        replacement: { name: "aurora", constraint: "^2" },
        sunsetTime: "2031-01-01T00:00:00.000Z",
      };
      const deprecated = await store.updateVersion(name, "1.0.0", { deprecation }, clock());
      expect(deprecated.type).toBe("updated");
      expect(deprecated.before).toEqual({ deprecated: false, yanked: false });
      const relabelled = await store.updateVersion(name, "1.0.0", { labels: { x: "y" } }, clock());
      expect(relabelled.before).toEqual({ deprecated: true, yanked: false });
      expect((await store.getVersion(name, "1.0.0"))?.deprecation).toEqual(deprecation);
      const [logged] = (await store.readEvents(deprecated.revision - 1, 1)) as ComponentEvent[];
      expect(logged?.component.deprecation).toEqual(deprecation);
      expect(logged?.before).toEqual({ deprecated: false, yanked: false });
    });

    it("hands a write's guard the name's stored policy", async () => {
      const name = uniqueName("guard-policy");
      const clock = metaClock();
      const seen: (PolicyRecord | undefined)[] = [];
      const guard = (_versions: unknown, policy: PolicyRecord | undefined) => {
        seen.push(policy);
      };
      await store.insertVersion(newRecord(name, "1.0.0"), { ...clock(), guard });
      const set = await store.setPolicy(name, "forward", clock());
      await store.insertVersion(newRecord(name, "1.1.0"), { ...clock(), guard });
      expect(seen[0]).toBeUndefined();
      expect(seen[1]).toEqual(set.policy);
      expect(await current()).toBe(set.revision + 1);
    });
  });
}
