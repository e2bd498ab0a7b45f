/**
 * Concurrent writes: exactly one of racing inserts of a version wins; racing
 * inserts of different versions all land with one revision each.
 */

import { describe, expect, it } from "vitest";
import { isCatalogError } from "../../../src/errors/index.js";
import { isComponentEvent } from "../../../src/storage/records.js";
import { metaClock, newRecord, uniqueName } from "../fixtures.js";
import type { ContractContext } from "./helpers.js";

export function defineConcurrencyContract(ctx: ContractContext): void {
  const { store, current } = ctx;
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
      const logged = (await store.readEvents(before, 100)).filter(isComponentEvent);
      expect(logged.map((e) => e.revision)).toEqual(revisions);
      expect(new Set(logged.map((e) => e.component.version)).size).toBe(50);
      expect(await store.listVersions(name)).toHaveLength(50);
      expect(await current()).toBe(before + 50);
    });
  });
}
