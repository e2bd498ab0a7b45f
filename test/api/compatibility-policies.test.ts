/**
 * Compatibility policies per component name over gRPC, gRPC-Web and
 * Connect: the default (BACKWARD), setting one as an event with its actor,
 * publishes refused FAILED_PRECONDITION naming each violation and the
 * policy, CompareComponentVersions naming the modes a change satisfies, and
 * bad requests naming their field.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, test } from "vitest";
import { EventType } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import { CompatibilityMode } from "../../gen/ts/src/nestor/catalog/v1/registry_pb.js";
import { PROTOCOLS, useProtocolClients } from "../security/helpers.js";
import {
  expectConnectError,
  sampleComponent,
  uniqueName,
  useHarness,
  violatedFields,
  withExtraOptionalInput,
  withoutPortOutput,
} from "./harness.js";
import { eventsThrough } from "./watch-helpers.js";

const h = useHarness();
const clientFor = useProtocolClients(() => h.server.url);

describe.each(PROTOCOLS)("over %s", (protocol) => {
  const client = () => clientFor(protocol);

  test("a name follows BACKWARD until a policy is set; setting one is an event with its actor", async () => {
    const name = uniqueName("policy");
    const initial = await client().getCompatibilityPolicy({ name });
    expect(initial.policy).toMatchObject({ name, mode: CompatibilityMode.BACKWARD, updateRevision: 0n });
    const set = await client().setCompatibilityPolicy({ name, mode: CompatibilityMode.FULL });
    expect(set.policy).toMatchObject({ name, mode: CompatibilityMode.FULL, updateActor: "anonymous" });
    expect(set.policy?.updateRevision).toBe(set.revision);
    expect((await client().getCompatibilityPolicy({ name })).policy?.mode).toBe(CompatibilityMode.FULL);
    const again = await client().setCompatibilityPolicy({ name, mode: CompatibilityMode.FULL });
    expect(again.revision).toBe(set.revision);
    const events = await eventsThrough(
      client(),
      { startRevision: set.revision - 1n, filter: { names: [name] } },
      set.revision,
    );
    expect(events.map((e) => [e.type, e.actor, e.policy?.mode])).toEqual([
      [EventType.POLICY_CHANGED, "anonymous", CompatibilityMode.FULL],
    ]);
  });

  test("a publish the policy forbids is FAILED_PRECONDITION naming each violation and the policy", async () => {
    const name = uniqueName("policed");
    await client().createComponent({ component: sampleComponent({ name, version: "1.0.0" }) });
    await client().setCompatibilityPolicy({ name, mode: CompatibilityMode.FULL });
    const additive = withExtraOptionalInput(sampleComponent({ name, version: "1.1.0" }));
    const refused = await expectConnectError(
      client().createComponent({ component: additive }),
      Code.FailedPrecondition,
    );
    expect(refused.rawMessage).toContain("is not forward compatible with 1.0.0");
    expect(refused.rawMessage).toContain("inputs.backup_days");
    expect(refused.rawMessage).toContain(`the compatibility policy of ${name} is FULL`);
    const validateOnly = await expectConnectError(
      client().createComponent({ component: additive, validateOnly: true }),
      Code.FailedPrecondition,
    );
    expect(validateOnly.rawMessage).toContain("FULL");
    await client().setCompatibilityPolicy({ name, mode: CompatibilityMode.NONE });
    const breaking = withoutPortOutput(sampleComponent({ name, version: "1.1.0" }));
    expect((await client().createComponent({ component: breaking })).created).toBe(true);
  });

  test("the transitive modes check every earlier version of the line", async () => {
    const name = uniqueName("transitive");
    await client().createComponent({ component: sampleComponent({ name, version: "1.0.0" }) });
    await client().setCompatibilityPolicy({ name, mode: CompatibilityMode.NONE });
    const withoutPort = withoutPortOutput(sampleComponent({ name, version: "1.1.0" }));
    await client().createComponent({ component: withoutPort });
    await client().setCompatibilityPolicy({ name, mode: CompatibilityMode.BACKWARD });
    await client().createComponent({ component: { ...withoutPort, version: "1.2.0" } });
    await client().setCompatibilityPolicy({ name, mode: CompatibilityMode.BACKWARD_TRANSITIVE });
    const refused = await expectConnectError(
      client().createComponent({ component: { ...withoutPort, version: "1.3.0" } }),
      Code.FailedPrecondition,
    );
    expect(refused.rawMessage).toContain("would break consumers of 1.0.0: outputs.port");
    expect(refused.rawMessage).not.toContain("consumers of 1.2.0");
    expect(refused.rawMessage).toContain("BACKWARD_TRANSITIVE");
  });

  test("CompareComponentVersions says which modes a change satisfies, and the name's policy", async () => {
    const name = uniqueName("compare");
    await client().createComponent({ component: sampleComponent({ name, version: "1.0.0" }) });
    await client().createComponent({ component: withExtraOptionalInput(sampleComponent({ name, version: "1.1.0" })) });
    const compared = await client().compareComponentVersions({ name, baseVersion: "1.0.0", targetVersion: "1.1.0" });
    expect([...compared.satisfiedModes].sort()).toEqual(
      [CompatibilityMode.NONE, CompatibilityMode.BACKWARD, CompatibilityMode.BACKWARD_TRANSITIVE].sort(),
    );
    expect(compared.policy).toMatchObject({ name, mode: CompatibilityMode.BACKWARD });
    const back = await client().compareComponentVersions({ name, baseVersion: "1.1.0", targetVersion: "1.0.0" });
    expect(back.satisfiedModes).toContain(CompatibilityMode.FORWARD);
    expect(back.satisfiedModes).not.toContain(CompatibilityMode.BACKWARD);
  });

  test("policy requests that cannot be served name their field", async () => {
    const unspecified = await expectConnectError(
      client().setCompatibilityPolicy({ name: uniqueName("p"), mode: CompatibilityMode.UNSPECIFIED }),
      Code.InvalidArgument,
    );
    expect(violatedFields(unspecified)).toEqual(["mode"]);
    expect(unspecified.rawMessage).toContain("mode");
    const badName = await expectConnectError(
      client().setCompatibilityPolicy({ name: "Not_A_Name", mode: CompatibilityMode.FULL }),
      Code.InvalidArgument,
    );
    expect(violatedFields(badName)).toEqual(["name"]);
    const badGet = await expectConnectError(client().getCompatibilityPolicy({ name: "" }), Code.InvalidArgument);
    expect(violatedFields(badGet)).toEqual(["name"]);
    if (protocol !== "connect") {
      const unknown = await expectConnectError(
        client().setCompatibilityPolicy({ name: uniqueName("p"), mode: 99 as CompatibilityMode }),
        Code.InvalidArgument,
      );
      expect(violatedFields(unknown)).toEqual(["mode"]);
    }
  });
});
