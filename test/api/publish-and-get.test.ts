/**
 * CreateComponent and GetComponent over a real socket: publish rules
 * (created, idempotent republish, validate_only) and version resolution
 * (exact, latest, npm and Terraform constraints, deprecation, pre-releases),
 * seen through Connect-ES (gRPC over HTTP/2) and @grpc/grpc-js.
 */
import { Code } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { beforeAll, describe, expect, test } from "vitest";
import {
  expectConnectError,
  expectGrpcJsError,
  sampleComponent,
  toGrpcJs,
  uniqueName,
  useHarness,
  withExtraOptionalInput,
  withoutPortOutput,
} from "./harness.js";

const h = useHarness();

describe("CreateComponent", () => {
  test("publishes a new version: created, with revisions, etag, digest and times set", async () => {
    const name = uniqueName("rds");
    const res = await h.grpc.createComponent({ component: sampleComponent({ name, version: "1.0.0" }) });
    expect(res.created).toBe(true);
    expect(res.revision).toBeGreaterThan(0n);
    const c = res.component!;
    expect(c.name).toBe(name);
    expect(c.version).toBe("1.0.0");
    expect(c.createRevision).toBe(res.revision);
    expect(c.updateRevision).toBe(res.revision);
    expect(c.etag).not.toBe("");
    expect(c.contentDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(c.createTime).toBeDefined();
    expect(c.updateTime).toBeDefined();
    expect(c.deprecation?.deprecated ?? false).toBe(false);
    expect(c.inputs.map((i) => i.name)).toEqual(["identifier", "size", "instance_class"]);
    expect(c.inputs[1]!.defaultValue?.kind).toEqual({ case: "numberValue", value: 20 });
    expect(c.deployment?.config).toEqual({ module: { source: "git::https://example.com/modules/rds.git" } });
  });

  test("republishing identical content returns the stored record with created=false and writes nothing", async () => {
    const name = uniqueName("rds");
    const first = await h.grpc.createComponent({ component: sampleComponent({ name }) });
    const again = await h.grpc.createComponent({ component: sampleComponent({ name }) });
    expect(again.created).toBe(false);
    expect(again.revision).toBe(first.revision);
    expect(again.component!.createRevision).toBe(first.component!.createRevision);
    expect(again.component!.updateRevision).toBe(first.component!.updateRevision);
    expect(again.component!.etag).toBe(first.component!.etag);
    expect(again.component!.contentDigest).toBe(first.component!.contentDigest);
    const viaGrpcJs = await h.grpcjs.call<{ created: boolean; component: { create_revision: string } }>(
      "CreateComponent",
      {
        component: toGrpcJs(sampleComponent({ name })),
      },
    );
    expect(viaGrpcJs.created).toBe(false);
    expect(viaGrpcJs.component.create_revision).toBe(first.component!.createRevision.toString());
  });

  test("validate_only checks and previews without publishing anything", async () => {
    const name = uniqueName("rds");
    const before = await h.grpc.listComponents({});
    const res = await h.grpc.createComponent({ component: sampleComponent({ name }), validateOnly: true });
    expect(res.component?.name).toBe(name);
    expect(res.component?.contentDigest).toMatch(/^sha256:/);
    expect(res.revision).toBe(before.revision);
    await expectConnectError(h.grpc.getComponent({ name }), Code.NotFound);
    const after = await h.grpc.listComponents({});
    expect(after.revision).toBe(before.revision);
  });

  test("validate_only still runs the rules: an invalid component fails without a write", async () => {
    const err = await expectConnectError(
      h.grpc.createComponent({
        component: sampleComponent({ name: uniqueName("rds"), provider: "" }),
        validateOnly: true,
      }),
      Code.InvalidArgument,
    );
    expect(err.rawMessage).toContain("provider");
  });

  test("a grpc-js client publishes and reads back the same spec", async () => {
    const name = uniqueName("gjs");
    const created = await h.grpcjs.call<{ created: boolean; revision: string; component: Record<string, unknown> }>(
      "CreateComponent",
      { component: toGrpcJs(sampleComponent({ name, version: "2.1.0" })) },
    );
    expect(created.created).toBe(true);
    expect(Number(created.revision)).toBeGreaterThan(0);
    const got = await h.grpc.getComponent({ name, version: "2.1.0" });
    expect(got.component?.inputs[2]?.validation?.allowedValues.map((v) => v.kind.value)).toEqual([
      "db.t3.micro",
      "db.t3.small",
    ]);
    expect(got.component?.inputs[0]?.validation?.maxLength).toBe(63);
    expect(got.component?.deployment?.engineVersion).toBe(">= 1.6");
    expect(got.component?.contentDigest).toBe((created.component as { content_digest: string }).content_digest);
  });
});

describe("GetComponent resolves versions", () => {
  let name: string;
  beforeAll(async () => {
    name = uniqueName("res");
    const base = sampleComponent({ name });
    const minor = withExtraOptionalInput(base);
    const publish = (version: string, spec = minor) => h.grpc.createComponent({ component: { ...spec, version } });
    await publish("1.0.0", base);
    await publish("1.1.0");
    await publish("1.2.3");
    await publish("1.3.0-beta.1");
    await publish("2.0.0", withoutPortOutput(minor));
    await publish("2.1.0-rc.1", withoutPortOutput(minor));
  });

  const cases: [selector: string, expected: string][] = [
    ["1.1.0", "1.1.0"],
    ["latest", "2.0.0"],
    ["", "2.0.0"],
    ["^1.0", "1.2.3"],
    ["^1.1.0", "1.2.3"],
    ["~1.1", "1.1.0"],
    ["~1.2.0", "1.2.3"],
    [">=1.0 <2.0", "1.2.3"],
    [">=1.0.0, <1.2.0", "1.1.0"],
    ["1.x", "1.2.3"],
    ["1.0.0 || 1.1.0", "1.1.0"],
    ["^1.0 || ^2.0", "2.0.0"],
    ["~> 1.1", "1.2.3"],
    ["~> 1.1.0", "1.1.0"],
    ["~> 2.0", "2.0.0"],
    ["1.3.0-beta.1", "1.3.0-beta.1"],
    [">=1.3.0-beta.0 <1.4.0", "1.3.0-beta.1"],
  ];
  test.each(cases)("%j resolves to %s", async (selector, expected) => {
    const res = await h.grpc.getComponent({ name, version: selector });
    expect(res.component?.version).toBe(expected);
    expect(res.deprecated).toBe(false);
    expect(res.revision).toBeGreaterThanOrEqual(res.component!.updateRevision);
  });

  test("grpc-js resolves a Terraform constraint the same way", async () => {
    const res = await h.grpcjs.call<{ component: { version: string }; deprecated: boolean }>("GetComponent", {
      name,
      version: "~> 1.1",
    });
    expect(res.component.version).toBe("1.2.3");
    expect(res.deprecated).toBe(false);
  });

  test("a constraint nothing satisfies is NOT_FOUND naming the constraint", async () => {
    const err = await expectConnectError(h.grpc.getComponent({ name, version: "^3.0" }), Code.NotFound);
    expect(err.rawMessage).toContain("^3.0");
    expect(err.rawMessage).toContain(name);
  });

  test("pre-releases are never picked by latest", async () => {
    const only = uniqueName("pre");
    await h.grpc.createComponent({ component: sampleComponent({ name: only, version: "1.0.0" }) });
    await h.grpc.createComponent({ component: sampleComponent({ name: only, version: "1.1.0-rc.1" }) });
    expect((await h.grpc.getComponent({ name: only })).component?.version).toBe("1.0.0");
    expect((await h.grpc.getComponent({ name: only, version: "^1.0" })).component?.version).toBe("1.0.0");
  });
});

describe("GetComponent and deprecation", () => {
  test("latest skips a deprecated highest release; asking for it exactly says deprecated", async () => {
    const name = uniqueName("dep");
    await h.grpc.createComponent({ component: sampleComponent({ name, version: "1.0.0" }) });
    const top = await h.grpc.createComponent({ component: sampleComponent({ name, version: "1.1.0" }) });
    await h.grpc.updateComponent({
      component: {
        name,
        version: "1.1.0",
        deprecation: { deprecated: true, message: "use 1.0.0" },
        etag: top.component!.etag,
      },
      updateMask: { paths: ["deprecation"] },
    });
    const latest = await h.grpc.getComponent({ name, version: "latest" });
    expect(latest.component?.version).toBe("1.0.0");
    expect(latest.deprecated).toBe(false);
    const exact = await h.grpc.getComponent({ name, version: "1.1.0" });
    expect(exact.deprecated).toBe(true);
    expect(exact.component?.deprecation?.deprecated).toBe(true);
    expect(exact.component?.deprecation?.message).toBe("use 1.0.0");
    expect(exact.component?.deprecation?.deprecateTime).toBeDefined();
    expect((await h.grpc.getComponent({ name, version: "^1.0" })).component?.version).toBe("1.0.0");
  });

  test("when every release is deprecated, latest is the highest one, flagged deprecated", async () => {
    const name = uniqueName("dep");
    for (const version of ["1.0.0", "1.1.0"]) {
      await h.grpc.createComponent({ component: sampleComponent({ name, version }) });
      await h.grpc.updateComponent({
        component: { name, version, deprecation: { deprecated: true, message: "gone" } },
        updateMask: { paths: ["deprecation.deprecated"] },
      });
    }
    const latest = await h.grpc.getComponent({ name });
    expect(latest.component?.version).toBe("1.1.0");
    expect(latest.deprecated).toBe(true);
    const viaGrpcJs = await h.grpcjs.call<{ deprecated: boolean; component: { version: string } }>("GetComponent", {
      name,
      version: "",
    });
    expect(viaGrpcJs).toMatchObject({ deprecated: true, component: { version: "1.1.0" } });
  });

  test("an unknown name is NOT_FOUND naming it, in both clients", async () => {
    const name = uniqueName("nope");
    const err = await expectConnectError(h.grpc.getComponent({ name }), Code.NotFound);
    expect(err.rawMessage).toContain(name);
    const gErr = await expectGrpcJsError(
      h.grpcjs.call("GetComponent", { name, version: "1.0.0" }),
      grpc.status.NOT_FOUND,
    );
    expect(gErr.details).toContain(name);
  });

  test("an unknown version of a known name is NOT_FOUND naming the version and what exists", async () => {
    const name = uniqueName("known");
    await h.grpc.createComponent({ component: sampleComponent({ name, version: "1.0.0" }) });
    const err = await expectConnectError(h.grpc.getComponent({ name, version: "9.9.9" }), Code.NotFound);
    expect(err.rawMessage).toContain("9.9.9");
    expect(err.rawMessage).toContain("1.0.0");
  });
});
