/**
 * Cancellation: a write whose signal aborts before it commits writes nothing
 * and rejects with the signal's reason.
 */
import { describe, expect, it } from "vitest";
import { metaClock, newRecord, uniqueName } from "../fixtures.js";
import type { ContractContext } from "./helpers.js";

export function defineCancellationContract(ctx: ContractContext): void {
  const { store, current } = ctx;
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
      await expect(store.updateVersion(name, "1.0.0", { description: "changed" }, abortingMeta())).rejects.toBe(reason);
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
}
