/**
 * Every error a caller can cause, through both independent clients: the
 * status code, a message naming the field or value at fault, and for
 * INVALID_ARGUMENT the google.rpc.BadRequest field path (decoded by
 * Connect-ES, and by protobufjs from grpc-js's grpc-status-details-bin
 * trailer). Messages must also read cleanly in grpc-js, which shows
 * grpc-message through decodeURI.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { describe, expect, test } from "vitest";
import { ValueType } from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import {
  type ComponentInit,
  expectConnectError,
  expectGrpcJsError,
  grpcJsFieldViolations,
  sampleComponent,
  toGrpcJs,
  uniqueName,
  useHarness,
  violatedFields,
  withoutPortOutput,
} from "./harness.js";

const h = useHarness();

const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;

interface ErrorCase {
  what: string;
  connect: () => Promise<unknown>;
  grpcjs: () => Promise<unknown>;
  code: Code;
  /** The BadRequest field paths, for INVALID_ARGUMENT. */
  fields?: string[];
  /** Fragments the message must contain (the field and the value at fault). */
  mentions: string[];
}

/** A component with one change applied to the sample: both client shapes. */
function variant(change: (c: ComponentInit) => ComponentInit) {
  const component = change(sampleComponent({ name: uniqueName("bad") }));
  return { connect: { component }, grpcjs: { component: toGrpcJs(component) } };
}

function createCase(
  what: string,
  change: (c: ComponentInit) => ComponentInit,
  fields: string[],
  mentions: string[],
): ErrorCase {
  const req = variant(change);
  return {
    what,
    connect: () => h.grpc.createComponent(req.connect),
    grpcjs: () => h.grpcjs.call("CreateComponent", req.grpcjs),
    code: Code.InvalidArgument,
    fields,
    mentions,
  };
}

const invalidComponents: ErrorCase[] = [
  createCase(
    "a name that is not a DNS-1123 label",
    (c) => ({ ...c, name: "Bad_Name" }),
    ["component.name"],
    ["component.name", "Bad_Name"],
  ),
  createCase(
    "a version with a leading v",
    (c) => ({ ...c, version: "v1.2.0" }),
    ["component.version"],
    ["component.version", "v1.2.0"],
  ),
  createCase(
    "a version missing its patch number",
    (c) => ({ ...c, version: "1.2" }),
    ["component.version"],
    ["component.version", "1.2"],
  ),
  createCase(
    "a missing provider",
    (c) => ({ ...c, provider: "" }),
    ["component.provider"],
    ["component.provider", "required"],
  ),
  createCase(
    "a missing deployment engine",
    (c) => ({ ...c, deployment: undefined }),
    ["component.deployment.engine"],
    ["component.deployment.engine", "required"],
  ),
  createCase(
    "duplicate input names",
    (c) => ({ ...c, inputs: [...(c.inputs ?? []), { name: "size", type: ValueType.STRING }] }),
    ["component.inputs[3].name"],
    ["component.inputs[3].name", '"size"', "inputs[1]"],
  ),
  createCase(
    "a validation pattern that does not compile",
    (c) => ({ ...c, inputs: [{ name: "identifier", type: ValueType.STRING, validation: { pattern: "[a-z" } }] }),
    ["component.inputs[0].validation.pattern"],
    ["component.inputs[0].validation.pattern"],
  ),
  createCase(
    "a default that violates its own input's rule",
    (c) => ({
      ...c,
      inputs: [
        {
          name: "size",
          type: ValueType.INTEGER,
          defaultValue: { kind: { case: "numberValue", value: 5 } },
          validation: { minimum: 20 },
        },
      ],
    }),
    ["component.inputs[0].default_value"],
    ["component.inputs[0].default_value", "5", "20"],
  ),
  createCase(
    "min_length above max_length",
    (c) => ({ ...c, inputs: [{ name: "code", type: ValueType.STRING, validation: { minLength: 9, maxLength: 3 } }] }),
    ["component.inputs[0].validation.min_length"],
    ["component.inputs[0].validation.min_length", "9", "3"],
  ),
  createCase(
    "an input without a type",
    (c) => ({ ...c, inputs: [{ name: "untyped" }] }),
    ["component.inputs[0].type"],
    ["component.inputs[0].type"],
  ),
  {
    what: "no component at all",
    connect: () => h.grpc.createComponent({}),
    grpcjs: () => h.grpcjs.call("CreateComponent", {}),
    code: Code.InvalidArgument,
    mentions: ["component.name", "required"],
  },
];

const invalidReads: ErrorCase[] = [
  {
    what: "a GetComponent constraint that does not parse",
    connect: () => h.grpc.getComponent({ name: "aws-rds-mysql", version: ">= banana" }),
    grpcjs: () => h.grpcjs.call("GetComponent", { name: "aws-rds-mysql", version: ">= banana" }),
    code: Code.InvalidArgument,
    fields: ["version"],
    mentions: ["version", ">= banana"],
  },
  {
    what: "a GetComponent name that is not a DNS-1123 label",
    connect: () => h.grpc.getComponent({ name: "No Such" }),
    grpcjs: () => h.grpcjs.call("GetComponent", { name: "No Such" }),
    code: Code.InvalidArgument,
    fields: ["name"],
    mentions: ["name", "No Such"],
  },
  {
    what: "a negative page_size",
    connect: () => h.grpc.listComponents({ pageSize: -1 }),
    grpcjs: () => h.grpcjs.call("ListComponents", { page_size: -1 }),
    code: Code.InvalidArgument,
    fields: ["page_size"],
    mentions: ["page_size", "-1"],
  },
  {
    what: "an order_by the server does not support",
    connect: () => h.grpc.listComponents({ orderBy: "provider" }),
    grpcjs: () => h.grpcjs.call("ListComponents", { order_by: "provider" }),
    code: Code.InvalidArgument,
    fields: ["order_by"],
    mentions: ["order_by", '"provider"'],
  },
  {
    what: "a malformed page token",
    connect: () => h.grpc.listComponents({ pageToken: "not-a-token" }),
    grpcjs: () => h.grpcjs.call("ListComponents", { page_token: "not-a-token" }),
    code: Code.InvalidArgument,
    fields: ["page_token"],
    mentions: ["page_token"],
  },
  {
    what: "a malformed page token on ListComponentVersions",
    connect: () => h.grpc.listComponentVersions({ name: "aws-rds-mysql", pageToken: "%%%" }),
    grpcjs: () => h.grpcjs.call("ListComponentVersions", { name: "aws-rds-mysql", page_token: "%%%" }),
    code: Code.InvalidArgument,
    fields: ["page_token"],
    mentions: ["page_token"],
  },
  {
    what: "a negative page_size on SearchComponents",
    connect: () => h.grpc.searchComponents({ query: "x", pageSize: -3 }),
    grpcjs: () => h.grpcjs.call("SearchComponents", { query: "x", page_size: -3 }),
    code: Code.InvalidArgument,
    fields: ["page_size"],
    mentions: ["page_size", "-3"],
  },
  {
    what: "CompareComponentVersions with a constraint instead of an exact version",
    connect: () =>
      h.grpc.compareComponentVersions({ name: "aws-rds-mysql", baseVersion: "^1.0", targetVersion: "2.0.0" }),
    grpcjs: () =>
      h.grpcjs.call("CompareComponentVersions", {
        name: "aws-rds-mysql",
        base_version: "^1.0",
        target_version: "2.0.0",
      }),
    code: Code.InvalidArgument,
    fields: ["base_version"],
    mentions: ["base_version", "^1.0"],
  },
  {
    what: "an etag this server never issued (update)",
    connect: () =>
      h.grpc.updateComponent({
        component: { name: "aws-rds-mysql", version: "1.0.0", description: "x", etag: "W/xyz" },
      }),
    grpcjs: () =>
      h.grpcjs.call("UpdateComponent", {
        component: { name: "aws-rds-mysql", version: "1.0.0", description: "x", etag: "W/xyz" },
      }),
    code: Code.InvalidArgument,
    fields: ["component.etag"],
    mentions: ["component.etag"],
  },
  {
    what: "an etag this server never issued (delete)",
    connect: () => h.grpc.deleteComponent({ name: "aws-rds-mysql", version: "1.0.0", etag: "12" }),
    grpcjs: () => h.grpcjs.call("DeleteComponent", { name: "aws-rds-mysql", version: "1.0.0", etag: "12" }),
    code: Code.InvalidArgument,
    fields: ["etag"],
    mentions: ["etag"],
  },
  {
    what: "an unknown name",
    connect: () => h.grpc.getComponent({ name: "never-published", version: "1.0.0" }),
    grpcjs: () => h.grpcjs.call("GetComponent", { name: "never-published", version: "1.0.0" }),
    code: Code.NotFound,
    mentions: ["never-published"],
  },
];

const GRPC_STATUS: Partial<Record<Code, grpc.status>> = {
  [Code.InvalidArgument]: grpc.status.INVALID_ARGUMENT,
  [Code.NotFound]: grpc.status.NOT_FOUND,
};

async function checkCase(c: ErrorCase): Promise<void> {
  const err = await expectConnectError(c.connect(), c.code);
  for (const fragment of c.mentions) expect(err.rawMessage).toContain(fragment);
  if (c.fields) expect(violatedFields(err)).toEqual(c.fields);

  const gErr = await expectGrpcJsError(c.grpcjs(), GRPC_STATUS[c.code]!);
  expect(gErr.details).not.toMatch(PERCENT_ESCAPE);
  expect(gErr.details).toBe(err.rawMessage);
  if (c.fields) {
    const violations = grpcJsFieldViolations(gErr);
    expect(violations.map((v) => v.field)).toEqual(c.fields);
    for (const v of violations) expect(v.description).not.toBe("");
  }
}

describe("invalid components are INVALID_ARGUMENT naming the field", () => {
  test.each(invalidComponents.map((c) => [c.what, c] as const))("%s", async (_what, c) => {
    await checkCase(c);
  });

  test("nothing is published by a rejected request", async () => {
    const name = uniqueName("never");
    await expectConnectError(
      h.grpc.createComponent({ component: sampleComponent({ name, provider: "" }) }),
      Code.InvalidArgument,
    );
    await expectConnectError(h.grpc.getComponent({ name }), Code.NotFound);
  });

  test("every violation is reported at once, not only the first", async () => {
    const err = await expectConnectError(
      h.grpc.createComponent({ component: sampleComponent({ name: "Bad_Name", version: "1.2", provider: "" }) }),
      Code.InvalidArgument,
    );
    expect(violatedFields(err)).toEqual(["component.name", "component.version", "component.provider"]);
  });

  test("an empty google.protobuf.Value as a default is INVALID_ARGUMENT naming it, not an internal error", async () => {
    const component = toGrpcJs(sampleComponent({ name: uniqueName("emptyv") }));
    (component.inputs as Record<string, unknown>[])[1]!.default_value = {};
    const gErr = await expectGrpcJsError(h.grpcjs.call("CreateComponent", { component }), grpc.status.INVALID_ARGUMENT);
    expect(grpcJsFieldViolations(gErr).map((v) => v.field)).toEqual(["component.inputs[1].default_value"]);
  });
});

describe("invalid reads and writes are INVALID_ARGUMENT or NOT_FOUND naming the field or value", () => {
  test.each(invalidReads.map((c) => [c.what, c] as const))("%s", async (_what, c) => {
    await checkCase(c);
  });
});

describe("publish rule violations", () => {
  test("other content under a published version is ALREADY_EXISTS naming the version and the difference", async () => {
    const name = uniqueName("dup");
    await h.grpc.createComponent({ component: sampleComponent({ name, version: "1.4.0" }) });
    const changed = withoutPortOutput(sampleComponent({ name, version: "1.4.0" }));
    const err = await expectConnectError(h.grpc.createComponent({ component: changed }), Code.AlreadyExists);
    expect(err.rawMessage).toContain("1.4.0");
    expect(err.rawMessage).toContain("port");
    expect(err.rawMessage).toMatch(/publish a new version/);
    const gErr = await expectGrpcJsError(
      h.grpcjs.call("CreateComponent", { component: toGrpcJs(changed) }),
      grpc.status.ALREADY_EXISTS,
    );
    expect(gErr.details).toBe(err.rawMessage);
    expect(gErr.details).not.toMatch(PERCENT_ESCAPE);
  });

  test("a breaking change without a major bump is FAILED_PRECONDITION listing the changes", async () => {
    const name = uniqueName("brk");
    await h.grpc.createComponent({ component: sampleComponent({ name, version: "1.0.0" }) });
    const breaking: ComponentInit = {
      ...withoutPortOutput(sampleComponent({ name, version: "1.1.0" })),
      inputs: [...(sampleComponent().inputs ?? []), { name: "vpc_id", type: ValueType.STRING, required: true }],
    };
    const err = await expectConnectError(h.grpc.createComponent({ component: breaking }), Code.FailedPrecondition);
    expect(err.rawMessage).toContain("1.1.0");
    expect(err.rawMessage).toContain("1.0.0");
    expect(err.rawMessage).toContain("port");
    expect(err.rawMessage).toContain("vpc_id");
    expect(err.rawMessage).toMatch(/major/);
    const gErr = await expectGrpcJsError(
      h.grpcjs.call("CreateComponent", { component: toGrpcJs(breaking) }),
      grpc.status.FAILED_PRECONDITION,
    );
    expect(gErr.details).toBe(err.rawMessage);
    expect(gErr.details).not.toMatch(PERCENT_ESCAPE);
    const asMajor = await h.grpc.createComponent({ component: { ...breaking, version: "2.0.0" } });
    expect(asMajor.created).toBe(true);
  });
});

describe("messages are printable ASCII in every client", () => {
  const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

  test("a non-ASCII name comes back escaped as \\u00e9, in the message and the field violation", async () => {
    const gErr = await expectGrpcJsError(
      h.grpcjs.call("CreateComponent", { component: toGrpcJs(sampleComponent({ name: "café-ñame" })) }),
      grpc.status.INVALID_ARGUMENT,
    );
    expect(gErr.details).not.toMatch(PERCENT_ESCAPE);
    expect(gErr.details).toMatch(PRINTABLE_ASCII);
    expect(gErr.details).toContain("caf\\u00e9-\\u00f1ame");
    const violation = grpcJsFieldViolations(gErr)[0]?.description ?? "";
    expect(violation).toMatch(PRINTABLE_ASCII);
    expect(violation).toContain("caf\\u00e9-\\u00f1ame");
    const err = await expectConnectError(
      h.grpc.createComponent({ component: sampleComponent({ name: "café-ñame" }) }),
      Code.InvalidArgument,
    );
    expect(err.rawMessage).toBe(gErr.details);
    const overConnect = await expectConnectError(
      h.connectJson.createComponent({ component: sampleComponent({ name: "café-ñame" }) }),
      Code.InvalidArgument,
    );
    expect(overConnect.rawMessage).toBe(gErr.details);
  });

  test("a '%' and URI-reserved characters from user input come back as typed", async () => {
    const orderBy = "50% off; a/b?c#d&e=f+g,h:i@j$k";
    const gErr = await expectGrpcJsError(
      h.grpcjs.call("ListComponents", { order_by: orderBy }),
      grpc.status.INVALID_ARGUMENT,
    );
    expect(gErr.details).not.toMatch(PERCENT_ESCAPE);
    expect(gErr.details).toContain(orderBy);
    const err = await expectConnectError(h.grpc.listComponents({ orderBy }), Code.InvalidArgument);
    expect(err.rawMessage).toContain(orderBy);
  });

  test("a character outside the Basic Multilingual Plane and a newline are escaped, never raw", async () => {
    const gErr = await expectGrpcJsError(
      h.grpcjs.call("GetComponent", { name: "rocket-🚀\nnext" }),
      grpc.status.INVALID_ARGUMENT,
    );
    expect(gErr.details).not.toMatch(PERCENT_ESCAPE);
    expect(gErr.details).toMatch(PRINTABLE_ASCII);
    expect(gErr.details).toContain("rocket-\\ud83d\\ude80\\u000anext");
  });
});

describe("limits", () => {
  const small = useHarness((config) => {
    config.server.maxRequestBytes = 4096;
  });

  test("a request larger than server.maxRequestBytes is RESOURCE_EXHAUSTED, in every protocol", async () => {
    const big = sampleComponent({ name: uniqueName("big"), description: "x".repeat(10_000) });
    await expectConnectError(small.grpc.createComponent({ component: big }), Code.ResourceExhausted);
    await expectConnectError(small.connectJson.createComponent({ component: big }), Code.ResourceExhausted);
    await expectGrpcJsError(
      small.grpcjs.call("CreateComponent", { component: toGrpcJs(big) }),
      grpc.status.RESOURCE_EXHAUSTED,
    );
    await expectConnectError(small.grpc.getComponent({ name: big.name! }), Code.NotFound);
    const fits = await small.grpc.createComponent({ component: { ...big, description: "fits" } });
    expect(fits.created).toBe(true);
  });

  /**
   * Client and server share this process's event loop: holding it for a few
   * milliseconds right after the call starts makes sure the 1 ms deadline
   * passes before the server can answer, however fast the machine.
   */
  function holdEventLoop(ms: number): void {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // Busy on purpose.
    }
  }

  test("a unary call with a 1 ms grpc-js deadline is DEADLINE_EXCEEDED", async () => {
    const call = h.grpcjs.call("ListComponents", { page_size: 1000 }, { deadline: Date.now() + 1 });
    holdEventLoop(20);
    await expectGrpcJsError(call, grpc.status.DEADLINE_EXCEEDED);
  });

  test("a unary call with a 1 ms Connect timeout is DEADLINE_EXCEEDED", async () => {
    const call = h.grpc.listComponents({ pageSize: 1000 }, { timeoutMs: 1 });
    holdEventLoop(20);
    const err = await expectConnectError(call, Code.DeadlineExceeded);
    expect(err).toBeInstanceOf(ConnectError);
  });
});
