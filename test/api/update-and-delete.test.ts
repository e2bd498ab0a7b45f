/**
 * UpdateComponent and DeleteComponent over a real socket: update masks,
 * etags (AIP-154), immutable paths, no-op updates, single and all-version
 * deletes — checked through the catalog's event log as well as the replies.
 */
import { Code } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { describe, expect, test } from "vitest";
import { EventType } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import {
  expectConnectError,
  expectGrpcJsError,
  grpcJsFieldViolations,
  sampleComponent,
  uniqueName,
  useHarness,
  violatedFields,
} from "./harness.js";

const h = useHarness();

async function publish(name: string, version = "1.0.0") {
  const res = await h.grpc.createComponent({ component: sampleComponent({ name, version }) });
  return res.component!;
}

/** Every event for `name` after `after`, read by replaying the watch until it reaches the current revision. */
async function eventsFor(
  name: string,
  after: bigint,
): Promise<{ type: EventType; version: string; revision: bigint }[]> {
  const { revision: current } = await h.grpc.listComponents({ pageSize: 1 });
  const seen: { type: EventType; version: string; revision: bigint }[] = [];
  if (current <= after) return seen;
  const abort = new AbortController();
  try {
    for await (const msg of h.grpc.watchEvents(
      { startRevision: after, filter: { names: [name] } },
      { signal: abort.signal },
    )) {
      for (const e of msg.events) seen.push({ type: e.type, version: e.component!.version, revision: e.revision });
      if (msg.revision >= current) break;
    }
  } finally {
    abort.abort();
  }
  return seen;
}

describe("UpdateComponent", () => {
  test("writes only the paths in the mask and bumps update_revision and etag", async () => {
    const name = uniqueName("upd");
    const v1 = await publish(name);
    const res = await h.grpc.updateComponent({
      component: { name, version: "1.0.0", description: "new words", labels: { team: "other" }, etag: v1.etag },
      updateMask: { paths: ["description"] },
    });
    const c = res.component!;
    expect(c.description).toBe("new words");
    expect(c.labels).toEqual({ team: "platform" });
    expect(c.updateRevision).toBe(res.revision);
    expect(c.updateRevision).toBeGreaterThan(v1.updateRevision);
    expect(c.createRevision).toBe(v1.createRevision);
    expect(c.etag).not.toBe(v1.etag);
    expect(c.contentDigest).toBe(v1.contentDigest);
    const events = await eventsFor(name, v1.createRevision);
    expect(events).toEqual([{ type: EventType.UPDATED, version: "1.0.0", revision: res.revision }]);
  });

  test("an empty mask writes every populated mutable field", async () => {
    const name = uniqueName("upd");
    await publish(name);
    const res = await h.grpc.updateComponent({ component: { name, version: "1.0.0", labels: { tier: "gold" } } });
    expect(res.component?.labels).toEqual({ tier: "gold" });
    expect(res.component?.description).toBe("A MySQL database on Amazon RDS");
  });

  test("deprecation.message alone keeps the deprecated flag; grpc-js sends the mask too", async () => {
    const name = uniqueName("upd");
    await publish(name);
    await h.grpc.updateComponent({
      component: { name, version: "1.0.0", deprecation: { deprecated: true, message: "first" } },
      updateMask: { paths: ["deprecation"] },
    });
    const res = await h.grpcjs.call<{ component: { deprecation: { deprecated: boolean; message: string } } }>(
      "UpdateComponent",
      {
        component: { name, version: "1.0.0", deprecation: { deprecated: false, message: "second" } },
        update_mask: { paths: ["deprecation.message"] },
      },
    );
    expect(res.component.deprecation).toMatchObject({ deprecated: true, message: "second" });
  });

  test("a stale etag is ABORTED and changes nothing", async () => {
    const name = uniqueName("upd");
    const v1 = await publish(name);
    await h.grpc.updateComponent({
      component: { name, version: "1.0.0", description: "one" },
      updateMask: { paths: ["description"] },
    });
    const err = await expectConnectError(
      h.grpc.updateComponent({
        component: { name, version: "1.0.0", description: "two", etag: v1.etag },
        updateMask: { paths: ["description"] },
      }),
      Code.Aborted,
    );
    expect(err.rawMessage).toContain("etag");
    expect(err.rawMessage).toContain(name);
    expect((await h.grpc.getComponent({ name, version: "1.0.0" })).component?.description).toBe("one");
  });

  test("an immutable path is INVALID_ARGUMENT telling the caller to publish a new version", async () => {
    const name = uniqueName("upd");
    await publish(name);
    const err = await expectConnectError(
      h.grpc.updateComponent({
        component: { name, version: "1.0.0", provider: "gcp" },
        updateMask: { paths: ["description", "provider"] },
      }),
      Code.InvalidArgument,
    );
    expect(err.rawMessage).toContain("provider");
    expect(err.rawMessage).toMatch(/publish a new version/);
    expect(violatedFields(err)).toEqual(["update_mask.paths[1]"]);
    const gErr = await expectGrpcJsError(
      h.grpcjs.call("UpdateComponent", { component: { name, version: "1.0.0" }, update_mask: { paths: ["inputs"] } }),
      grpc.status.INVALID_ARGUMENT,
    );
    expect(gErr.details).toMatch(/publish a new version/);
    expect(grpcJsFieldViolations(gErr).map((v) => v.field)).toEqual(["update_mask.paths[0]"]);
  });

  test("an unknown or output-only path is INVALID_ARGUMENT naming the path", async () => {
    const name = uniqueName("upd");
    await publish(name);
    const unknown = await expectConnectError(
      h.grpc.updateComponent({ component: { name, version: "1.0.0" }, updateMask: { paths: ["colour"] } }),
      Code.InvalidArgument,
    );
    expect(unknown.rawMessage).toContain("colour");
    const outputOnly = await expectConnectError(
      h.grpc.updateComponent({ component: { name, version: "1.0.0" }, updateMask: { paths: ["etag"] } }),
      Code.InvalidArgument,
    );
    expect(outputOnly.rawMessage).toContain("output only");
  });

  test("an update that changes nothing writes no event and keeps the revision", async () => {
    const name = uniqueName("upd");
    const v1 = await publish(name);
    const res = await h.grpc.updateComponent({
      component: { name, version: "1.0.0", description: v1.description, etag: v1.etag },
      updateMask: { paths: ["description"] },
    });
    expect(res.component?.updateRevision).toBe(v1.updateRevision);
    expect(res.component?.etag).toBe(v1.etag);
    expect(await eventsFor(name, v1.createRevision)).toEqual([]);
  });

  test("updating a version that does not exist is NOT_FOUND naming it", async () => {
    const name = uniqueName("upd");
    await publish(name);
    const err = await expectConnectError(
      h.grpc.updateComponent({ component: { name, version: "3.0.0", description: "x" } }),
      Code.NotFound,
    );
    expect(err.rawMessage).toContain("3.0.0");
  });

  test("no component at all is INVALID_ARGUMENT on component", async () => {
    const err = await expectConnectError(h.grpc.updateComponent({}), Code.InvalidArgument);
    expect(violatedFields(err)).toEqual(["component"]);
  });
});

describe("DeleteComponent", () => {
  test("deletes one version, returns its last state and logs one deleted event", async () => {
    const name = uniqueName("del");
    const v1 = await publish(name, "1.0.0");
    await publish(name, "1.1.0");
    const res = await h.grpc.deleteComponent({ name, version: "1.0.0", etag: v1.etag });
    expect(res.components.map((c) => c.version)).toEqual(["1.0.0"]);
    expect(res.revision).toBeGreaterThan(v1.createRevision);
    await expectConnectError(h.grpc.getComponent({ name, version: "1.0.0" }), Code.NotFound);
    expect((await h.grpc.getComponent({ name })).component?.version).toBe("1.1.0");
    const deletes = (await eventsFor(name, v1.createRevision)).filter((e) => e.type === EventType.DELETED);
    expect(deletes).toEqual([{ type: EventType.DELETED, version: "1.0.0", revision: res.revision }]);
  });

  test("all_versions deletes every version, SemVer-descending, one event each", async () => {
    const name = uniqueName("del");
    const first = await publish(name, "1.0.0");
    await publish(name, "1.2.0");
    await publish(name, "1.10.0");
    const res = await h.grpcjs.call<{ components: { version: string }[]; revision: string }>("DeleteComponent", {
      name,
      all_versions: true,
    });
    expect(res.components.map((c) => c.version)).toEqual(["1.10.0", "1.2.0", "1.0.0"]);
    await expectConnectError(h.grpc.getComponent({ name }), Code.NotFound);
    const deletes = (await eventsFor(name, first.createRevision)).filter((e) => e.type === EventType.DELETED);
    expect(deletes.map((e) => e.version)).toEqual(["1.10.0", "1.2.0", "1.0.0"]);
    expect(deletes.at(-1)?.revision.toString()).toBe(res.revision);
  });

  test("deleting an unknown name or version is NOT_FOUND naming it", async () => {
    const name = uniqueName("del");
    const err = await expectConnectError(h.grpc.deleteComponent({ name, allVersions: true }), Code.NotFound);
    expect(err.rawMessage).toContain(name);
    await publish(name);
    const versionErr = await expectConnectError(h.grpc.deleteComponent({ name, version: "2.0.0" }), Code.NotFound);
    expect(versionErr.rawMessage).toContain("2.0.0");
  });

  test("a stale etag is ABORTED and the version stays", async () => {
    const name = uniqueName("del");
    const v1 = await publish(name);
    await h.grpc.updateComponent({ component: { name, version: "1.0.0", description: "changed" } });
    await expectConnectError(h.grpc.deleteComponent({ name, version: "1.0.0", etag: v1.etag }), Code.Aborted);
    expect((await h.grpc.getComponent({ name, version: "1.0.0" })).component?.description).toBe("changed");
  });

  test("version with all_versions, or neither, is INVALID_ARGUMENT on version", async () => {
    const name = uniqueName("del");
    await publish(name);
    const both = await expectConnectError(
      h.grpc.deleteComponent({ name, version: "1.0.0", allVersions: true }),
      Code.InvalidArgument,
    );
    expect(violatedFields(both)).toEqual(["version"]);
    const neither = await expectConnectError(h.grpc.deleteComponent({ name }), Code.InvalidArgument);
    expect(violatedFields(neither)).toEqual(["version"]);
    expect(neither.rawMessage).toContain("all_versions");
  });
});
