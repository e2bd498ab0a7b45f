/**
 * Write guards: called with the name's versions inside the write's atomic
 * unit, before the store's own checks; a throwing guard writes nothing.
 */
import { describe, expect, it } from "vitest";
import { CatalogError, isCatalogError } from "../../../src/errors/index.js";
import type { ComponentRecord, WriteGuard } from "../../../src/storage/records.js";
import { metaClock, newRecord, uniqueName } from "../fixtures.js";
import { type ContractContext, versionsOf } from "./helpers.js";

export function defineGuardsContract(ctx: ContractContext): void {
  const { store, current } = ctx;
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
      await expect(store.updateVersion(name, "1.0.0", { description: "changed" }, { ...clock(), guard })).rejects.toBe(
        error,
      );
      await expect(store.deleteVersions(name, ["1.0.0"], { ...clock(), guard })).rejects.toBe(error);
      await expect(store.deleteVersions(name, "all", { ...clock(), guard })).rejects.toBe(error);
      expect(await current()).toBe(before);
      expect(await store.readEvents(before, 10)).toEqual([]);
      expect(await store.listVersions(name)).toEqual(stored);
    });

    it("runs the guard before the store's own checks: its error wins over ALREADY_EXISTS and NOT_FOUND", async () => {
      const name = uniqueName("guard-first");
      const clock = metaClock();
      await store.insertVersion(newRecord(name, "1.0.0"), clock());
      const error = refusal();
      const guard = () => {
        throw error;
      };
      await expect(store.insertVersion(newRecord(name, "1.0.0"), { ...clock(), guard })).rejects.toBe(error);
      await expect(store.updateVersion(name, "9.9.9", { description: "x" }, { ...clock(), guard })).rejects.toBe(error);
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
}
