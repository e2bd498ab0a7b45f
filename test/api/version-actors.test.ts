/**
 * Every write records the caller's identity on the version it
 * publishes or changes (Component.create_actor / update_actor), as seen by
 * clients over the wire, with and without authentication.
 */

import { describe, expect, it } from "vitest";
import { isComponentEvent } from "../../src/storage/records.js";
import { bearer } from "../security/helpers.js";
import { sampleComponent, useAuthenticatedServer, useHarness } from "./harness.js";

let counter = 0;
const fresh = (prefix: string) => `${prefix}-${++counter}`;

describe("version actors with API-key authentication", () => {
  const auth = useAuthenticatedServer("nestor-version-actors-");
  const { keys } = auth;
  const publisher = () => bearer(keys.apiKeys.publisher);
  const admin = () => bearer(keys.apiKeys.admin);

  it("records the publishing caller as create_actor and update_actor of the new version", async () => {
    const name = fresh("actor-create");
    const created = await auth.clients.clients.grpc.createComponent(
      { component: sampleComponent({ name }) },
      publisher(),
    );
    expect(created.component?.createActor).toBe("api-key:publisher");
    expect(created.component?.updateActor).toBe("api-key:publisher");

    const got = await auth.clients.clients.connect.getComponent({ name, version: "1.0.0" }, publisher());
    expect(got.component?.createActor).toBe("api-key:publisher");
    expect(got.component?.updateActor).toBe("api-key:publisher");
  });

  it("records a later update's caller as update_actor only", async () => {
    const name = fresh("actor-update");
    await auth.clients.clients.grpc.createComponent({ component: sampleComponent({ name }) }, publisher());
    const updated = await auth.clients.clients["grpc-web"].updateComponent(
      { component: { name, version: "1.0.0", description: "reworded by ops" }, updateMask: { paths: ["description"] } },
      admin(),
    );
    expect(updated.component?.createActor).toBe("api-key:publisher");
    expect(updated.component?.updateActor).toBe("api-key:ops");

    const got = await auth.clients.clients.grpc.getComponent({ name, version: "1.0.0" }, publisher());
    expect(got.component?.createActor).toBe("api-key:publisher");
    expect(got.component?.updateActor).toBe("api-key:ops");
  });

  it("keeps the original publisher when someone else republishes identical content", async () => {
    const name = fresh("actor-republish");
    const first = await auth.clients.clients.grpc.createComponent(
      { component: sampleComponent({ name }) },
      publisher(),
    );
    const again = await auth.clients.clients.grpc.createComponent({ component: sampleComponent({ name }) }, admin());
    expect(again.created).toBe(false);
    expect(again.revision).toBe(first.revision);
    expect(again.component?.contentDigest).toBe(first.component?.contentDigest);
    expect(again.component?.createActor).toBe("api-key:publisher");
    expect(again.component?.updateActor).toBe("api-key:publisher");
  });

  it("shows the caller as both actors in a validate_only preview without storing anything", async () => {
    const name = fresh("actor-preview");
    const preview = await auth.clients.clients.connect.createComponent(
      { component: sampleComponent({ name }), validateOnly: true },
      publisher(),
    );
    expect(preview.component?.createActor).toBe("api-key:publisher");
    expect(preview.component?.updateActor).toBe("api-key:publisher");
    expect(await auth.server.store.getVersion(name, "1.0.0")).toBeUndefined();
  });

  it("carries the actors on the version inside watch events' history", async () => {
    const name = fresh("actor-event");
    const created = await auth.clients.clients.grpc.createComponent(
      { component: sampleComponent({ name }) },
      publisher(),
    );
    const [event] = (await auth.server.store.readEvents(Number(created.revision) - 1, 1)).filter(isComponentEvent);
    expect(event?.actor).toBe("api-key:publisher");
    expect(event?.component).toMatchObject({
      name,
      createActor: "api-key:publisher",
      updateActor: "api-key:publisher",
    });
  });
});

describe("version actors without authentication", () => {
  const h = useHarness();

  it('records "anonymous" for writes by unauthenticated callers', async () => {
    const name = fresh("actor-anon");
    const created = await h.grpc.createComponent({ component: sampleComponent({ name }) });
    expect(created.component?.createActor).toBe("anonymous");
    expect(created.component?.updateActor).toBe("anonymous");
    const got = await h.connectJson.getComponent({ name, version: "1.0.0" });
    expect([got.component?.createActor, got.component?.updateActor]).toEqual(["anonymous", "anonymous"]);
  });
});
