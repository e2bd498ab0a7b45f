/**
 * The registry beside the versions: a compatibility policy per name and
 * consumer registrations per (consumer, component), each change one write
 * with its event ("policy_changed", "consumer_registered",
 * "consumer_deregistered") and revision, read back from the log as written.
 */
import { describe, expect, it } from "vitest";
import type { ConsumerEvent } from "../../../src/storage/records.js";
import { metaClock, uniqueName } from "../fixtures.js";
import { type ContractContext, expectCode } from "./helpers.js";

export function defineRegistryContract(ctx: ContractContext): void {
  const { store, current } = ctx;
  describe("compatibility policies", () => {
    it("has none until one is set; setting one is an event, and setting again replaces it", async () => {
      const name = uniqueName("policy");
      const clock = metaClock();
      expect(await store.getPolicy(name)).toBeUndefined();
      const before = await current();
      const first = await store.setPolicy(name, "full", { ...clock(), actor: "admin" });
      expect(first).toMatchObject({ revision: before + 1, type: "policy_changed", actor: "admin" });
      expect(first.policy).toEqual({
        name,
        mode: "full",
        updateTime: first.time,
        updateRevision: before + 1,
        updateActor: "admin",
      });
      expect(await store.getPolicy(name)).toEqual(first.policy);
      const second = await store.setPolicy(name, "none", clock());
      expect(await store.getPolicy(name)).toEqual(second.policy);
      expect(await store.readEvents(before, 10)).toEqual([first, second]);
      expect(await current()).toBe(before + 2);
    });
  });

  describe("consumer registrations", () => {
    it("registers, re-registers keeping the creation, lists both ways and deregisters, each as an event", async () => {
      const name = uniqueName("consumed");
      const other = uniqueName("consumed");
      const consumer = uniqueName("proc");
      const second = uniqueName("proc");
      const clock = metaClock();
      const before = await current();
      const registered = await store.putConsumer(
        { consumer, name, constraint: "~> 1.2", labels: { team: "billing" } },
        { ...clock(), actor: "alice" },
      );
      expect(registered).toMatchObject({ revision: before + 1, type: "consumer_registered", actor: "alice" });
      expect(registered.consumer).toEqual({
        consumer,
        name,
        constraint: "~> 1.2",
        labels: { team: "billing" },
        createTime: registered.time,
        updateTime: registered.time,
        createRevision: before + 1,
        updateRevision: before + 1,
        createActor: "alice",
        updateActor: "alice",
      });
      const changed = await store.putConsumer(
        { consumer, name, constraint: "^2", labels: {} },
        { ...clock(), actor: "bob" },
      );
      expect(changed.consumer).toMatchObject({
        constraint: "^2",
        labels: {},
        createRevision: before + 1,
        createActor: "alice",
        createTime: registered.time,
        updateRevision: before + 2,
        updateActor: "bob",
      });
      await store.putConsumer({ consumer, name: other, constraint: "", labels: {} }, clock());
      await store.putConsumer({ consumer: second, name, constraint: "1.x", labels: {} }, clock());
      const ofName = await store.listConsumers({ name });
      expect(ofName.map((r) => r.consumer)).toEqual([consumer, second].sort());
      expect(ofName.find((r) => r.consumer === consumer)).toEqual(changed.consumer);
      expect((await store.listConsumers({ consumer })).map((r) => r.name)).toEqual([name, other].sort());

      const removed = await store.deleteConsumer(consumer, name, clock());
      expect(removed).toMatchObject({ type: "consumer_deregistered", revision: before + 5 });
      expect(removed.consumer).toEqual(changed.consumer);
      expect((await store.listConsumers({ name })).map((r) => r.consumer)).toEqual([second]);
      expect((await store.listConsumers({ consumer })).map((r) => r.name)).toEqual([other]);
      const logged = (await store.readEvents(before, 10)) as ConsumerEvent[];
      expect(logged.map((event) => [event.revision, event.type])).toEqual([
        [before + 1, "consumer_registered"],
        [before + 2, "consumer_registered"],
        [before + 3, "consumer_registered"],
        [before + 4, "consumer_registered"],
        [before + 5, "consumer_deregistered"],
      ]);
      expect(logged[4]).toEqual(removed);
    });

    it("refuses to deregister what is not registered (NOT_FOUND) and writes nothing", async () => {
      const before = await current();
      const err = await expectCode(
        store.deleteConsumer(uniqueName("nobody"), uniqueName("nothing"), metaClock()()),
        "NOT_FOUND",
      );
      expect(err.message).toContain("is not registered");
      expect(await current()).toBe(before);
    });

    it("lists nothing for a component or consumer with no registrations", async () => {
      expect(await store.listConsumers({ name: uniqueName("unknown") })).toEqual([]);
      expect(await store.listConsumers({ consumer: uniqueName("unknown") })).toEqual([]);
    });
  });
}
