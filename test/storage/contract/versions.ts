/**
 * SemVer versions: listVersions orders by precedence (pre-releases below
 * their release), and versions differing only in build metadata are one
 * version.
 */
import { describe, expect, it } from "vitest";
import { metaClock, newRecord, uniqueName } from "../fixtures.js";
import { type ContractContext, expectCode, versionsOf } from "./helpers.js";

export function defineVersionsContract(ctx: ContractContext): void {
  const { store } = ctx;
  describe("SemVer versions", () => {
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
  });
}
