/**
 * Consumer registrations over gRPC, gRPC-Web and Connect: register
 * (idempotent, an upsert that keeps the creation), list by component and by
 * consumer, deregister, each change an event with its actor; requests that
 * cannot be served fail with their status and a message naming the field.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, test } from "vitest";
import { EventType } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import { PROTOCOLS, useProtocolClients } from "../security/helpers.js";
import {
  expectConnectError,
  sampleComponent,
  steppingClock,
  uniqueName,
  useHarness,
  violatedFields,
} from "./harness.js";
import { eventsThrough } from "./watch-helpers.js";

const h = useHarness(undefined, { clock: steppingClock() });
const clientFor = useProtocolClients(() => h.server.url);

describe.each(PROTOCOLS)("over %s", (protocol) => {
  const client = () => clientFor(protocol);

  async function published(stem: string): Promise<string> {
    const name = uniqueName(stem);
    await client().createComponent({ component: sampleComponent({ name }) });
    return name;
  }

  test("registers, re-registers idempotently, lists both ways and deregisters, each change an event", async () => {
    const [name, other] = [await published("used"), await published("used")];
    const consumer = uniqueName("billing");
    const first = await client().registerConsumer({ consumer, name, constraint: "~> 1.0", labels: { team: "pay" } });
    expect(first.consumer).toMatchObject({ consumer, name, constraint: "~> 1.0", labels: { team: "pay" } });
    expect(first.consumer?.createActor).toBe("anonymous");
    const same = await client().registerConsumer({ consumer, name, constraint: "~> 1.0", labels: { team: "pay" } });
    expect(same.revision).toBe(first.revision);
    const changed = await client().registerConsumer({ consumer, name, constraint: "^1", labels: {} });
    expect(changed.revision).toBeGreaterThan(first.revision);
    expect(changed.consumer).toMatchObject({ constraint: "^1", createRevision: first.revision });
    await client().registerConsumer({ consumer, name: other, constraint: "" });
    const byName = await client().listConsumers({ name });
    expect(byName.consumers.map((c) => [c.consumer, c.constraint])).toEqual([[consumer, "^1"]]);
    const byConsumer = await client().listConsumers({ consumer });
    expect(byConsumer.consumers.map((c) => c.name)).toEqual([name, other].sort());
    const removed = await client().deregisterConsumer({ consumer, name });
    expect(removed.consumer?.constraint).toBe("^1");
    expect((await client().listConsumers({ name })).consumers).toEqual([]);
    const events = await eventsThrough(client(), { startRevision: first.revision - 1n }, removed.revision);
    const mine = events.filter((e) => e.consumer?.consumer === consumer && e.consumer.name === name);
    expect(mine.map((e) => [e.type, e.actor, e.consumer?.constraint])).toEqual([
      [EventType.CONSUMER_REGISTERED, "anonymous", "~> 1.0"],
      [EventType.CONSUMER_REGISTERED, "anonymous", "^1"],
      [EventType.CONSUMER_DEREGISTERED, "anonymous", "^1"],
    ]);
  });

  test("requests that cannot be served fail with their status and name their field", async () => {
    const name = await published("used-bad");
    const consumer = uniqueName("proc");
    const invalid: [Parameters<ReturnType<typeof client>["registerConsumer"]>[0], string][] = [
      [{ consumer: "", name, constraint: "" }, "consumer"],
      [{ consumer: "Bad_Id", name, constraint: "" }, "consumer"],
      [{ consumer, name: "Not A Name", constraint: "" }, "name"],
      [{ consumer, name, constraint: "one point two" }, "constraint"],
      [{ consumer, name, constraint: "", labels: { "bad key!": "x" } }, 'labels["bad key!"]'],
    ];
    for (const [request, field] of invalid) {
      const err = await expectConnectError(client().registerConsumer(request), Code.InvalidArgument);
      expect(violatedFields(err)).toEqual([field]);
      expect(err.rawMessage).toContain(field.split("[")[0]);
    }
    const absent = uniqueName("absent");
    const noComponent = await expectConnectError(
      client().registerConsumer({ consumer, name: absent, constraint: "" }),
      Code.NotFound,
    );
    expect(noComponent.rawMessage).toContain(absent);
    const notRegistered = await expectConnectError(client().deregisterConsumer({ consumer, name }), Code.NotFound);
    expect(notRegistered.rawMessage).toContain(consumer);
    const badDeregister = await expectConnectError(
      client().deregisterConsumer({ consumer: "UPPER", name }),
      Code.InvalidArgument,
    );
    expect(violatedFields(badDeregister)).toEqual(["consumer"]);
    for (const request of [{}, { name, consumer }]) {
      const err = await expectConnectError(client().listConsumers(request), Code.InvalidArgument);
      expect(violatedFields(err)).toEqual(["name"]);
      expect(err.rawMessage).toContain("exactly one of name and consumer");
    }
    const badList = await expectConnectError(client().listConsumers({ consumer: "x_y" }), Code.InvalidArgument);
    expect(violatedFields(badList)).toEqual(["consumer"]);
  });
});
