/**
 * Who may change a version's lifecycle and the catalog's rules, with API-key
 * authentication, over gRPC, gRPC-Web and Connect: yanking and un-yanking
 * need the admin role (a publisher is PERMISSION_DENIED naming the role),
 * and the admin's identity is the event's actor; reading a compatibility
 * policy needs a reader, setting one an admin; a reader registers consumers
 * and asks for a change's impact on them.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { EventType } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import { CompatibilityMode } from "../../gen/ts/src/nestor/catalog/v1/registry_pb.js";
import { expectConnectError, sampleComponent, uniqueName, useAuthenticatedServer } from "../api/harness.js";
import { eventsThrough } from "../api/watch-helpers.js";
import { bearer, PROTOCOLS } from "./helpers.js";

const auth = useAuthenticatedServer("nestor-lifecycle-roles-");
const publisher = () => bearer(auth.keys.apiKeys.publisher);
const admin = () => bearer(auth.keys.apiKeys.admin);

describe.each(PROTOCOLS)("over %s", (protocol) => {
  const client = () => auth.clients.clients[protocol];

  it("refuses a publisher's yank and un-yank, naming the admin role, and records the admin's", async () => {
    const name = uniqueName("roles");
    await client().createComponent({ component: sampleComponent({ name }) }, publisher());
    const denied = await expectConnectError(
      client().yankComponentVersion({ name, version: "1.0.0", reason: "bad" }, publisher()),
      Code.PermissionDenied,
    );
    expect(denied.rawMessage).toContain("admin role");
    const yanked = await client().yankComponentVersion({ name, version: "1.0.0", reason: "bad" }, admin());
    expect(yanked.component?.yank?.actor).toBe("api-key:ops");
    const unyankDenied = await expectConnectError(
      client().unyankComponentVersion({ name, version: "1.0.0" }, publisher()),
      Code.PermissionDenied,
    );
    expect(unyankDenied.rawMessage).toContain("admin role");
    const restored = await client().unyankComponentVersion({ name, version: "1.0.0" }, admin());
    const events = await eventsThrough(
      client(),
      { startRevision: yanked.revision - 1n, filter: { names: [name] } },
      restored.revision,
      admin(),
    );
    expect(events.map((e) => [e.type, e.actor])).toEqual([
      [EventType.YANKED, "api-key:ops"],
      [EventType.UNYANKED, "api-key:ops"],
    ]);
  });
});

describe.each(PROTOCOLS)("compatibility policies over %s", (protocol) => {
  const client = () => auth.clients.clients[protocol];
  const reader = () => bearer(auth.keys.apiKeys.reader);

  it("lets a reader read a policy and only an admin set one", async () => {
    const name = uniqueName("policy-roles");
    expect((await client().getCompatibilityPolicy({ name }, reader())).policy?.mode).toBe(CompatibilityMode.BACKWARD);
    const denied = await expectConnectError(
      client().setCompatibilityPolicy({ name, mode: CompatibilityMode.NONE }, publisher()),
      Code.PermissionDenied,
    );
    expect(denied.rawMessage).toContain("admin role");
    const set = await client().setCompatibilityPolicy({ name, mode: CompatibilityMode.NONE }, admin());
    expect(set.policy?.updateActor).toBe("api-key:ops");
  });
});

describe.each(PROTOCOLS)("consumer registrations over %s", (protocol) => {
  const client = () => auth.clients.clients[protocol];
  const reader = () => bearer(auth.keys.apiKeys.reader);

  it("lets a reader register, weigh impact and deregister as itself, and refuses no credentials", async () => {
    const name = uniqueName("consumer-roles");
    await client().createComponent({ component: sampleComponent({ name }) }, publisher());
    const consumer = uniqueName("proc");
    const refused = await expectConnectError(
      client().registerConsumer({ consumer, name, constraint: "^1" }),
      Code.Unauthenticated,
    );
    expect(refused.rawMessage).not.toBe("");
    const registered = await client().registerConsumer({ consumer, name, constraint: "^1" }, reader());
    expect(registered.consumer?.createActor).toMatch(/^api-key:/);
    expect((await client().listConsumers({ name }, reader())).consumers.map((c) => c.consumer)).toEqual([consumer]);
    const yank = { case: "yankVersion", value: "1.0.0" } as const;
    await expectConnectError(client().getImpact({ name, change: yank }), Code.Unauthenticated);
    const impact = await client().getImpact({ name, change: yank }, reader());
    expect(impact.impacts.map((i) => [i.consumer?.consumer, i.nextVersion, i.breaking])).toEqual([
      [consumer, "", true],
    ]);
    await client().deregisterConsumer({ consumer, name }, reader());
  });
});
