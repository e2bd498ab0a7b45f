/**
 * ValidateInputs over gRPC, gRPC-Web and Connect: values checked against
 * the version the request's selector resolves to (yanked versions skipped,
 * deprecated ones warned about), every violation at its path with its rule,
 * sensitive values never echoed, and requests that cannot be served failing
 * with a status code and a message naming their field.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, test } from "vitest";
import { WarningKind } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { ValueType } from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import { PROTOCOLS, useProtocolClients } from "../security/helpers.js";
import {
  type ComponentInit,
  expectConnectError,
  sampleComponent,
  uniqueName,
  useHarness,
  violatedFields,
  withExtraOptionalInput,
} from "./harness.js";

const h = useHarness();
const clientFor = useProtocolClients(() => h.server.url);

const SECRET = "hunter2 TOP SECRET!";

/** The sample with a sensitive password input (at least 12 characters). */
function withPassword(component: ComponentInit): ComponentInit {
  return {
    ...component,
    inputs: [
      ...(component.inputs ?? []),
      {
        name: "password",
        type: ValueType.STRING,
        description: "Master password",
        required: true,
        sensitive: true,
        validation: { minLength: 12, pattern: "[A-Za-z0-9-]+" },
      },
    ],
  };
}

describe.each(PROTOCOLS)("over %s", (protocol) => {
  const client = () => clientFor(protocol);

  async function publish(stem: string) {
    const name = uniqueName(stem);
    await client().createComponent({ component: withPassword(sampleComponent({ name, version: "1.0.0" })) });
    await client().createComponent({
      component: withExtraOptionalInput(withPassword(sampleComponent({ name, version: "1.1.0" }))),
    });
    return name;
  }

  test("valid values: the resolved version, no violations", async () => {
    const name = await publish("vi-ok");
    const answer = await client().validateInputs({
      name,
      version: "^1.0",
      values: { identifier: "orders", size: 100, password: "correct-horse-42", backup_days: 3 },
    });
    expect(answer).toMatchObject({ version: "1.1.0", valid: true, violations: [], warnings: [] });
    expect(answer.revision).toBeGreaterThan(0n);
    const exact = await client().validateInputs({ name, version: "1.0.0", values: { identifier: "a", password: "x" } });
    expect(exact.version).toBe("1.0.0");
    expect(exact.violations.map((v) => v.field)).toEqual(["values.password"]);
  });

  test("every problem at its path with its rule; a sensitive value is never shown", async () => {
    const name = await publish("vi-bad");
    const answer = await client().validateInputs({
      name,
      values: {
        "storage gb": 5,
        size: 10,
        instance_class: "db.x1",
        identifier: "9lives",
        password: SECRET,
        backup_days: 1.5,
      },
    });
    expect(answer.valid).toBe(false);
    expect(answer.violations.map((v) => [v.field, v.reason])).toEqual([
      ['values["storage gb"]', "UNKNOWN_INPUT"],
      ["values.identifier", "PATTERN_MISMATCH"],
      ["values.size", "RANGE"],
      ["values.instance_class", "NOT_ALLOWED"],
      ["values.password", "PATTERN_MISMATCH"],
      ["values.backup_days", "WRONG_TYPE"],
    ]);
    expect(answer.violations.find((v) => v.field === "values.size")?.description).toBe("must be at least 20, got 10");
    // The component's name (a unique suffix of digits) is left out: it may contain the secret's length.
    const text = JSON.stringify(answer.violations).replaceAll(name, "");
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain(String(SECRET.length));
    const missing = await client().validateInputs({ name, values: {} });
    expect(missing.violations.map((v) => [v.field, v.reason])).toEqual([
      ["values.identifier", "REQUIRED"],
      ["values.password", "REQUIRED"],
    ]);
  });

  test("resolution skips yanked versions and warns about a deprecated one", async () => {
    const name = await publish("vi-life");
    await client().yankComponentVersion({ name, version: "1.1.0", reason: "drops connections" });
    await client().updateComponent({
      component: { name, version: "1.0.0", deprecation: { deprecated: true, message: "retired" } },
      updateMask: { paths: ["deprecation"] },
    });
    const answer = await client().validateInputs({ name, version: "~> 1.0", values: { identifier: "a" } });
    expect(answer.version).toBe("1.0.0");
    expect(answer.warnings.map((w) => w.kind)).toEqual([WarningKind.DEPRECATED]);
    const yanked = await client().validateInputs({ name, version: "1.1.0", values: {} });
    expect(yanked.warnings.map((w) => w.kind)).toEqual([WarningKind.YANKED]);
  });

  test("requests that cannot be served fail with their status and name their field", async () => {
    const name = await publish("vi-req");
    const invalid: [Parameters<ReturnType<typeof client>["validateInputs"]>[0], string][] = [
      [{ name: "", values: {} }, "name"],
      [{ name: "Bad_Name", values: {} }, "name"],
      [{ name, version: "one point two", values: {} }, "version"],
    ];
    for (const [request, field] of invalid) {
      const err = await expectConnectError(client().validateInputs(request), Code.InvalidArgument);
      expect(violatedFields(err)).toEqual([field]);
      expect(err.rawMessage).toContain(field);
    }
    const unknown = uniqueName("vi-none");
    const noName = await expectConnectError(client().validateInputs({ name: unknown, values: {} }), Code.NotFound);
    expect(noName.rawMessage).toContain(unknown);
    const noMatch = await expectConnectError(
      client().validateInputs({ name, version: "^7.0", values: {} }),
      Code.NotFound,
    );
    expect(noMatch.rawMessage).toContain("^7.0");
  });
});
