/**
 * Deprecation with a plan (reason, replacement, sunset) and yanking, over
 * gRPC, gRPC-Web and Connect: read responses carry warnings; a yanked
 * version is readable by its exact version only and no latest, constraint
 * or list of latest versions resolves to it; un-yanking restores it; every
 * change is an event with its actor; bad requests name their field.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { describe, expect, test } from "vitest";
import { WarningKind } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { EventType } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import { PROTOCOLS, useProtocolClients } from "../security/helpers.js";
import {
  expectConnectError,
  sampleComponent,
  steppingClock,
  uniqueName,
  useHarness,
  violatedFields,
  withExtraOptionalInput,
} from "./harness.js";
import { eventsThrough } from "./watch-helpers.js";

const h = useHarness(undefined, { clock: steppingClock() });
const clientFor = useProtocolClients(() => h.server.url);

describe.each(PROTOCOLS)("over %s", (protocol) => {
  const client = () => clientFor(protocol);

  async function publishTwo(stem: string) {
    const name = uniqueName(stem);
    await client().createComponent({ component: sampleComponent({ name, version: "1.0.0" }) });
    const second = await client().createComponent({
      component: withExtraOptionalInput(sampleComponent({ name, version: "1.1.0" })),
    });
    return { name, second: second.component! };
  }

  test("a deprecation carries its reason, replacement and sunset, and reads warn about it", async () => {
    const { name } = await publishTwo("dep");
    const sunset = timestampFromDate(new Date("2031-06-30T00:00:00Z"));
    const updated = await client().updateComponent({
      component: {
        name,
        version: "1.0.0",
        deprecation: {
          deprecated: true,
          message: "storage engine retired",
          replacement: { name: "aws-aurora-mysql", constraint: "^2" },
          sunsetTime: sunset,
        },
      },
      updateMask: { paths: ["deprecation"] },
    });
    expect(updated.component?.deprecation).toMatchObject({
      deprecated: true,
      message: "storage engine retired",
      replacement: { name: "aws-aurora-mysql", constraint: "^2" },
      sunsetTime: sunset,
    });
    const read = await client().getComponent({ name, version: "1.0.0" });
    expect(read.deprecated).toBe(true);
    expect(read.warnings).toHaveLength(1);
    expect(read.warnings[0]).toMatchObject({
      kind: WarningKind.DEPRECATED,
      name,
      version: "1.0.0",
      replacement: { name: "aws-aurora-mysql", constraint: "^2" },
      sunsetTime: sunset,
    });
    expect(read.warnings[0]?.message).toContain("use aws-aurora-mysql ^2 instead");
    const versions = await client().listComponentVersions({ name });
    expect(versions.warnings.map((w) => [w.kind, w.version])).toEqual([[WarningKind.DEPRECATED, "1.0.0"]]);
    expect((await client().getComponent({ name, version: "1.1.0" })).warnings).toEqual([]);
  });

  test("a yanked version is read by exact version only, with a warning, and un-yanking restores it", async () => {
    const { name, second } = await publishTwo("yank");
    const yanked = await client().yankComponentVersion({
      name,
      version: "1.1.0",
      reason: "drops connections",
      etag: second.etag,
    });
    expect(yanked.component?.yank).toMatchObject({ reason: "drops connections", actor: "anonymous" });
    expect((await client().getComponent({ name })).component?.version).toBe("1.0.0");
    expect((await client().getComponent({ name, version: "^1.0" })).component?.version).toBe("1.0.0");
    const exact = await client().getComponent({ name, version: "1.1.0" });
    expect(exact.component?.yank?.reason).toBe("drops connections");
    expect(exact.warnings.map((w) => w.kind)).toEqual([WarningKind.YANKED]);
    expect(exact.warnings[0]?.message).toContain("drops connections");
    const latest = await client().listComponents({ filter: { provider: "aws" }, pageSize: 1000 });
    expect(latest.components.find((c) => c.name === name)?.version).toBe("1.0.0");
    const all = await client().listComponentVersions({ name });
    expect(all.components.map((c) => c.version)).toEqual(["1.1.0", "1.0.0"]);
    expect(all.warnings.map((w) => [w.kind, w.version])).toEqual([[WarningKind.YANKED, "1.1.0"]]);
    const again = await client().yankComponentVersion({ name, version: "1.1.0", reason: "twice" });
    expect(again.revision).toBe(yanked.revision);

    const restored = await client().unyankComponentVersion({ name, version: "1.1.0" });
    expect(restored.component?.yank).toBeUndefined();
    expect((await client().getComponent({ name })).component?.version).toBe("1.1.0");
    const events = await eventsThrough(
      client(),
      { startRevision: yanked.revision - 1n, filter: { names: [name] } },
      restored.revision,
    );
    expect(events.map((e) => [e.type, e.actor, e.component?.version])).toEqual([
      [EventType.YANKED, "anonymous", "1.1.0"],
      [EventType.UNYANKED, "anonymous", "1.1.0"],
    ]);
  });

  test("a name whose every version is yanked has no latest version: NOT_FOUND, and no row in lists", async () => {
    const name = uniqueName("allyank");
    await client().createComponent({ component: sampleComponent({ name }) });
    await client().yankComponentVersion({ name, version: "1.0.0", reason: "bad" });
    const err = await expectConnectError(client().getComponent({ name }), Code.NotFound);
    expect(err.rawMessage).toContain(name);
    expect(err.rawMessage).toContain("1.0.0 (yanked)");
    const listed = await client().listComponents({ pageSize: 1000, filter: { includeDeprecated: true } });
    expect(listed.components.map((c) => c.name)).not.toContain(name);
  });

  test("yank requests that cannot be served name their field", async () => {
    const { name, second } = await publishTwo("yankbad");
    const cases: [Parameters<ReturnType<typeof client>["yankComponentVersion"]>[0], Code, string][] = [
      [{ name, version: "1.1.0", reason: "  " }, Code.InvalidArgument, "reason"],
      [{ name, version: "1.1.0", reason: "x".repeat(1025) }, Code.InvalidArgument, "reason"],
      [{ name: "Bad_Name", version: "1.1.0", reason: "r" }, Code.InvalidArgument, "name"],
      [{ name, version: "^1", reason: "r" }, Code.InvalidArgument, "version"],
      [{ name, version: "1.1.0", reason: "r", etag: "nonsense" }, Code.InvalidArgument, "etag"],
    ];
    for (const [request, code, field] of cases) {
      const err = await expectConnectError(client().yankComponentVersion(request), code);
      expect(violatedFields(err)).toEqual([field]);
      expect(err.rawMessage).toContain(field);
    }
    const missing = await expectConnectError(
      client().yankComponentVersion({ name, version: "9.9.9", reason: "r" }),
      Code.NotFound,
    );
    expect(missing.rawMessage).toContain("9.9.9");
    await client().updateComponent({
      component: { name, version: "1.1.0", description: "moved on" },
      updateMask: { paths: ["description"] },
    });
    const stale = await expectConnectError(
      client().yankComponentVersion({ name, version: "1.1.0", reason: "r", etag: second.etag }),
      Code.Aborted,
    );
    expect(stale.rawMessage).toContain("etag");
    const unyankBad = await expectConnectError(
      client().unyankComponentVersion({ name, version: "" }),
      Code.InvalidArgument,
    );
    expect(violatedFields(unyankBad)).toEqual(["version"]);
  });

  test("deprecation fields that cannot be stored name their field", async () => {
    const { name } = await publishTwo("depbad");
    const update = (deprecation: Record<string, unknown>, paths = ["deprecation"]) =>
      client().updateComponent({ component: { name, version: "1.0.0", deprecation }, updateMask: { paths } });
    const cases: [Record<string, unknown>, string, string[]?][] = [
      [{ deprecated: false, replacement: { name: "other" } }, "component.deprecation.replacement"],
      [{ deprecated: true, replacement: { name: "Not A Name" } }, "component.deprecation.replacement.name"],
      [
        { deprecated: true, replacement: { name: "other", constraint: "nope!" } },
        "component.deprecation.replacement.constraint",
      ],
      [
        { deprecated: false, sunsetTime: { seconds: 1n, nanos: 0 } },
        "component.deprecation.sunset_time",
        ["deprecation.sunset_time"],
      ],
    ];
    // JSON cannot carry a timestamp out of range (the Connect client refuses to encode one); binary can.
    if (protocol !== "connect") {
      cases.push([
        { deprecated: true, sunsetTime: { seconds: 99_999_999_999_999n, nanos: 0 } },
        "component.deprecation.sunset_time",
      ]);
    }
    for (const [deprecation, field, paths] of cases) {
      const err = await expectConnectError(update(deprecation, paths), Code.InvalidArgument);
      expect(violatedFields(err)).toEqual([field]);
    }
    const yankPath = await expectConnectError(
      client().updateComponent({ component: { name, version: "1.0.0" }, updateMask: { paths: ["yank"] } }),
      Code.InvalidArgument,
    );
    expect(yankPath.rawMessage).toContain("YankComponentVersion");
    expect(violatedFields(yankPath)).toEqual(["update_mask.paths[0]"]);
  });
});

test("a JSON sunset time that is no timestamp is INVALID_ARGUMENT naming its path", async () => {
  const name = uniqueName("depjson");
  await h.grpc.createComponent({ component: sampleComponent({ name }) });
  const res = await fetch(`${h.server.url}/nestor.catalog.v1.CatalogService/UpdateComponent`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      component: { name, version: "1.0.0", deprecation: { deprecated: true, sunsetTime: "99999-01-01T00:00:00Z" } },
      updateMask: "deprecation",
    }),
  });
  const body = (await res.json()) as { code: string; message: string };
  expect(body.code).toBe("invalid_argument");
  expect(body.message).toContain("component.deprecation.sunset_time");
});
