/**
 * GetImpact over gRPC, gRPC-Web and Connect: for a publish, a deprecation
 * and a yank, each registered consumer's version now and after the change
 * and whether the move breaks it, without the change being made; requests
 * that cannot be served fail with their status and a message naming the field.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, test } from "vitest";
import type { GetImpactResponse } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { PROTOCOLS, useProtocolClients } from "../security/helpers.js";
import {
  type ComponentInit,
  expectConnectError,
  sampleComponent,
  uniqueName,
  useHarness,
  violatedFields,
  withExtraOptionalInput,
  withoutPortOutput,
} from "./harness.js";

const h = useHarness();
const clientFor = useProtocolClients(() => h.server.url);

describe.each(PROTOCOLS)("over %s", (protocol) => {
  const client = () => clientFor(protocol);

  /** 1.0.0, 1.1.0 (one more optional input) and 2.0.0 (no port output), with three consumers. */
  async function consumed(): Promise<{ name: string; v1: ComponentInit }> {
    const name = uniqueName("impact");
    const v1 = sampleComponent({ name });
    await client().createComponent({ component: v1 });
    await client().createComponent({ component: { ...withExtraOptionalInput(v1), version: "1.1.0" } });
    await client().createComponent({ component: { ...withoutPortOutput(v1), version: "2.0.0" } });
    const register = (consumer: string, constraint: string) =>
      client().registerConsumer({ consumer, name, constraint });
    await register("exact-pin", "1.0.0");
    await register("latest-follower", "");
    await register("one-x", "~> 1.0");
    return { name, v1 };
  }

  type Move = [consumer: string, current: string, next: string, changed: boolean, breaking: boolean];
  const moves = (response: GetImpactResponse): Move[] =>
    response.impacts.map((i) => [i.consumer?.consumer ?? "", i.currentVersion, i.nextVersion, i.changed, i.breaking]);

  test("a yank moves constraints off the version, breaking those it takes back or leaves with none", async () => {
    const { name } = await consumed();
    const before = await client().getComponent({ name, version: "~> 1.0" });
    const minor = await client().getImpact({ name, change: { case: "yankVersion", value: "1.1.0" } });
    expect(moves(minor)).toEqual([
      ["exact-pin", "1.0.0", "1.0.0", false, false],
      ["latest-follower", "2.0.0", "2.0.0", false, false],
      ["one-x", "1.1.0", "1.0.0", true, true],
    ]);
    const back = minor.impacts[2]?.changes ?? [];
    expect(back.map((c) => [c.path, c.breaking])).toEqual([["inputs.backup_days", true]]);
    await client().registerConsumer({ consumer: "two-x", name, constraint: "^2" });
    const major = await client().getImpact({ name, change: { case: "yankVersion", value: "2.0.0" } });
    expect(moves(major).slice(1)).toEqual([
      ["latest-follower", "2.0.0", "1.1.0", true, false],
      ["one-x", "1.1.0", "1.1.0", false, false],
      ["two-x", "2.0.0", "", true, true],
    ]);
    expect(major.impacts[3]?.changes).toEqual([]);
    // Nothing was written: the catalog's revision and resolution are as they were.
    const after = await client().getComponent({ name, version: "~> 1.0" });
    expect(after.component?.version).toBe("1.1.0");
    expect(minor.revision).toBe(before.revision);
    expect(major.revision).toBe(after.revision);
  });

  test("a deprecation moves latest to the highest version left, judged by the diff", async () => {
    const { name } = await consumed();
    const impact = await client().getImpact({ name, change: { case: "deprecateVersion", value: "2.0.0" } });
    expect(moves(impact)).toEqual([
      ["exact-pin", "1.0.0", "1.0.0", false, false],
      ["latest-follower", "2.0.0", "1.1.0", true, false],
      ["one-x", "1.1.0", "1.1.0", false, false],
    ]);
    const changes = impact.impacts[1]?.changes ?? [];
    expect(changes.map((c) => c.path).sort()).toEqual(["inputs.backup_days", "outputs.port"]);
    expect((await client().getComponent({ name })).component?.deprecation?.deprecated).toBe(false);
  });

  test("a publish is weighed as a dry run: compatible, breaking and identical versions", async () => {
    const { name, v1 } = await consumed();
    const next = { ...withExtraOptionalInput(withExtraOptionalInput(v1), "tags"), version: "1.2.0" };
    const minor = await client().getImpact({ name, change: { case: "component", value: next } });
    expect(moves(minor)[2]).toEqual(["one-x", "1.1.0", "1.2.0", true, false]);
    expect(minor.impacts[2]?.changes.map((c) => [c.path, c.breaking])).toEqual([["inputs.tags", false]]);
    const major = { ...withoutPortOutput(withExtraOptionalInput(v1)), version: "3.0.0", name: "" };
    const toThree = await client().getImpact({ name, change: { case: "component", value: major } });
    expect(moves(toThree)[1]).toEqual(["latest-follower", "2.0.0", "3.0.0", true, false]);
    const same = { ...withExtraOptionalInput(v1), version: "1.1.0" };
    const republish = await client().getImpact({ name, change: { case: "component", value: same } });
    expect(moves(republish).every(([, , , changed]) => !changed)).toBe(true);
    const versions = await client().listComponentVersions({ name });
    expect(versions.components.map((c) => c.version)).toEqual(["2.0.0", "1.1.0", "1.0.0"]);
    const refused = { ...withoutPortOutput(v1), version: "1.3.0" };
    const err = await expectConnectError(
      client().getImpact({ name, change: { case: "component", value: refused } }),
      Code.FailedPrecondition,
    );
    expect(err.rawMessage).toContain("port");
  });

  test("requests that cannot be served fail with their status and name their field", async () => {
    const { name, v1 } = await consumed();
    const invalid: [Parameters<ReturnType<typeof client>["getImpact"]>[0], string][] = [
      [{ name }, "change"],
      [{ name: "Not A Name", change: { case: "yankVersion", value: "1.0.0" } }, "name"],
      [{ name, change: { case: "yankVersion", value: "" } }, "yank_version"],
      [{ name, change: { case: "deprecateVersion", value: "one" } }, "deprecate_version"],
      [{ name, change: { case: "component", value: { ...v1, version: "1.x" } } }, "component.version"],
      [{ name, change: { case: "component", value: { ...v1, name: "other", version: "1.5.0" } } }, "component.name"],
    ];
    for (const [request, field] of invalid) {
      const err = await expectConnectError(client().getImpact(request), Code.InvalidArgument);
      expect(violatedFields(err)).toEqual([field]);
      expect(err.rawMessage).toContain(field);
    }
    const absent = await expectConnectError(
      client().getImpact({ name, change: { case: "deprecateVersion", value: "9.9.9" } }),
      Code.NotFound,
    );
    expect(absent.rawMessage).toContain("9.9.9");
    const unknown = uniqueName("absent");
    const none = await expectConnectError(
      client().getImpact({ name: unknown, change: { case: "yankVersion", value: "1.0.0" } }),
      Code.NotFound,
    );
    expect(none.rawMessage).toContain(unknown);
  });
});
