/**
 * Property suite: inputs that must not poison the catalog. Generated
 * requests carry non-finite numbers (NaN, ±Infinity) anywhere in a
 * component, keys named like Object.prototype members (toString,
 * constructor, __proto__, hasOwnProperty, ...) in config, labels, inputs
 * and outputs, and page tokens forged from real ones, over gRPC, gRPC-Web
 * and Connect JSON, against the in-process stores. For every answer: no
 * INTERNAL or UNKNOWN, no write committed when the answer is an error, and
 * afterwards every read (Get, List, Search, versions, the WatchEvents
 * replay) still answers over binary and JSON alike. A record stored with a
 * non-finite number before validation refused them is served with null in
 * its place.
 */
import { create } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/ts/src/google/rpc/error_details_pb.js";
import { ComponentSchema, ValueType } from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import { draftFromWire } from "../../src/api/convert.js";
import { type CatalogServer, startCatalogServer } from "../../src/app.js";
import { contentDigest } from "../../src/catalog/digest.js";
import type { CatalogConfig } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import type { JsonValue } from "../../src/storage/records.js";
import { type ComponentInit, sampleComponent, tempDir, testConfig } from "../api/harness.js";
import { type CatalogClient, PROTOCOLS, type Protocol, type ProtocolClients, protocolClients } from "./helpers.js";
import { connectCall, type Outcome, outcomeOf } from "./wire.js";

const SERVICE = "/nestor.catalog.v1.CatalogService";
const dataDir = tempDir("nestor-poison-");
const BACKENDS: Record<string, (config: CatalogConfig) => void> = {
  memory: (config) => {
    config.storage.type = "memory";
  },
  embedded: (config) => {
    config.storage.type = "embedded";
    config.storage.embedded = { dataDir: dataDir.path, fsync: false, timeoutMs: 5_000 };
  },
};
const RUNS = 40;

afterAll(() => dataDir.remove());

const PROTOTYPE_KEYS = [
  "toString",
  "constructor",
  "__proto__",
  "hasOwnProperty",
  "valueOf",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "__defineGetter__",
  "toLocaleString",
];
const nonFinite = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
const protocol = fc.constantFrom<Protocol>(...PROTOCOLS);

/** The field paths of the BadRequest detail of a Connect-ES error. */
function violatedFields(err: unknown): string[] {
  if (!(err instanceof ConnectError)) return [];
  return err.findDetails(BadRequestSchema).flatMap((d) => d.fieldViolations.map((v) => v.field));
}

describe.each(Object.keys(BACKENDS))("on %s", (backend) => {
  let server: CatalogServer;
  let clients: ProtocolClients;
  let counter = 0;
  const fresh = (prefix: string) => `${prefix}-${backend}-${++counter}`;
  const client = (p: Protocol): CatalogClient => clients.clients[p];

  beforeAll(async () => {
    server = await startCatalogServer(testConfig(BACKENDS[backend]), silentLogger);
    clients = protocolClients(server.url);
  });
  afterAll(async () => {
    clients.close();
    await server.shutdown();
  });

  const revision = async () => (await client("grpc").listComponents({ pageSize: 1 })).revision;

  /** Every read, over every protocol, answers (no INTERNAL): the catalog is not poisoned. */
  async function expectReadsAnswer(): Promise<void> {
    for (const p of PROTOCOLS) {
      const page = await client(p).listComponents({
        allVersions: true,
        pageSize: 1000,
        filter: { includeDeprecated: true },
      });
      await client(p).listComponents({});
      await client(p).searchComponents({ query: "poison" });
      for (const name of new Set(page.components.map((c) => c.name)).values()) {
        await client(p).getComponent({ name });
        await client(p).listComponentVersions({ name });
      }
      let replayed = 0n;
      for await (const response of client(p).watchEvents({ startRevision: 0n, resume: true })) {
        replayed = response.revision;
        if (response.revision >= page.revision) break;
      }
      expect(replayed).toBe(page.revision);
    }
  }

  /** An error answer must leave the revision where it was; a success moves it (publish) or not (idempotent). */
  async function expectNoWriteOnError(outcome: Outcome, before: bigint): Promise<void> {
    expect(["internal", "unknown"]).not.toContain(outcome.code);
    if (outcome.code !== "ok") expect(await revision()).toBe(before);
  }

  it("refuses a non-finite number anywhere in a component: INVALID_ARGUMENT naming its path, no write", async () => {
    type Placement = { where: string; component: (n: number) => ComponentInit; path: string };
    const placements: fc.Arbitrary<Placement> = fc.oneof(
      fc.array(fc.constantFrom("module", "a", "toString", "list"), { minLength: 1, maxLength: 3 }).map((keys) => ({
        where: "config",
        component: (n: number) => ({
          deployment: {
            engine: "terraform",
            config: keys.reduceRight<JsonValue>((v, k) => ({ [k]: v }), [1, n]) as never,
          },
        }),
        path: `component.deployment.config.${keys.join(".")}[1]`,
      })),
      fc.constant({
        where: "an object default",
        component: (n: number) => ({
          inputs: [{ name: "settings", type: ValueType.OBJECT, defaultValue: wireValue({ limits: [n] }) }],
        }),
        path: "component.inputs[0].default_value.limits[0]",
      }),
      fc.constant({
        where: "an allowed value",
        component: (n: number) => ({
          inputs: [
            {
              name: "size",
              type: ValueType.NUMBER,
              validation: { allowedValues: [wireValue(1), wireValue(n)] },
            },
          ],
        }),
        path: "component.inputs[0].validation.allowed_values[1]",
      }),
      fc.constantFrom("minimum", "maximum").map((bound) => ({
        where: bound,
        component: (n: number) => ({ inputs: [{ name: "size", type: ValueType.NUMBER, validation: { [bound]: n } }] }),
        path: `component.inputs[0].validation.${bound}`,
      })),
    );
    await fc.assert(
      fc.asyncProperty(placements, nonFinite, fc.constantFrom<Protocol>("grpc", "grpc-web"), async (place, n, p) => {
        const name = fresh("nonfinite");
        const before = await revision();
        const component = { ...sampleComponent({ name, inputs: [], outputs: [] }), ...place.component(n) };
        const err = await client(p)
          .createComponent({ component })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(err, place.where).toBeInstanceOf(ConnectError);
        expect((err as ConnectError).code).toBe(Code.InvalidArgument);
        expect(violatedFields(err)).toContain(place.path);
        expect(await revision()).toBe(before);
      }),
      { numRuns: RUNS },
    );
    await expectReadsAnswer();
  }, 120_000);

  it("refuses 1e400 and NaN sent as JSON over Connect, writing nothing", async () => {
    const bodies: [string, (name: string) => string, string][] = [
      [
        "config",
        (name) => jsonComponent(name, '"deployment": {"engine": "terraform", "config": {"v": 1e400}}'),
        "component.deployment.config.v",
      ],
      [
        "minimum",
        (name) =>
          jsonComponent(
            name,
            '"inputs": [{"name": "n", "type": "VALUE_TYPE_NUMBER", "validation": {"minimum": "NaN"}}]',
          ),
        "component.inputs[0].validation.minimum",
      ],
      [
        "default",
        (name) =>
          jsonComponent(
            name,
            '"inputs": [{"name": "o", "type": "VALUE_TYPE_OBJECT", "defaultValue": {"x": [-1e999]}}]',
          ),
        "component.inputs[0].default_value.x[0]",
      ],
    ];
    for (const [where, body, path] of bodies) {
      const name = fresh("json-nonfinite");
      const before = await revision();
      const outcome = await connectCall(server.url, `${SERVICE}/CreateComponent`, body(name), "application/json");
      expect(outcome.code, where).toBe("invalid_argument");
      expect(outcome.fields, where).toContain(path);
      await expectNoWriteOnError(outcome, before);
    }
    await expectReadsAnswer();
  });

  it("serves a record stored with non-finite numbers with null in their place, and no read goes INTERNAL", async () => {
    const name = fresh("legacy");
    const draft = draftFromWire(create(ComponentSchema, sampleComponent({ name })));
    const poisoned = {
      ...draft,
      deployment: { ...draft.deployment, config: { v: Number.POSITIVE_INFINITY, list: [1, Number.NaN] } },
      deprecation: { deprecated: false, message: "" },
    };
    await server.store.insertVersion(
      { ...poisoned, contentDigest: contentDigest(poisoned) },
      { actor: "legacy", time: new Date().toISOString() },
    );
    for (const p of PROTOCOLS) {
      const got = await client(p).getComponent({ name });
      expect(got.component?.deployment?.config).toEqual({ v: null, list: [1, null] });
    }
    await expectReadsAnswer();
  });

  it("never answers INTERNAL for Object.prototype-like keys; a republish is idempotent or ALREADY_EXISTS", async () => {
    const key = fc.constantFrom(...PROTOTYPE_KEYS, "module", "region");
    const json = fc.letrec<{ value: JsonValue }>((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.constantFrom<JsonValue>(1, "x", true, null),
        fc.array(tie("value"), { maxLength: 2 }),
        fc.dictionary(key, tie("value"), { maxKeys: 3 }),
      ),
    })).value;
    const content = fc.record({
      config: fc.dictionary(key, json, { maxKeys: 4 }),
      labels: fc.dictionary(fc.constantFrom(...PROTOTYPE_KEYS, "team"), fc.constantFrom("a", "b"), { maxKeys: 3 }),
      input: fc.constantFrom(...PROTOTYPE_KEYS, "size"),
      output: fc.constantFrom(...PROTOTYPE_KEYS, "endpoint"),
    });
    const componentOf = (name: string, c: typeof content extends fc.Arbitrary<infer T> ? T : never): ComponentInit =>
      sampleComponent({
        name,
        labels: c.labels,
        inputs: [{ name: c.input, type: ValueType.STRING }],
        outputs: [{ name: c.output, type: ValueType.STRING }],
        deployment: { engine: "terraform", config: c.config as never },
      });
    await fc.assert(
      fc.asyncProperty(content, content, protocol, protocol, async (first, second, p1, p2) => {
        const name = fresh("proto");
        let before = await revision();
        const published = await outcomeOf(client(p1).createComponent({ component: componentOf(name, first) }));
        await expectNoWriteOnError(published, before);
        before = await revision();
        const again = await outcomeOf(client(p2).createComponent({ component: componentOf(name, second) }));
        await expectNoWriteOnError(again, before);
        if (published.code === "ok" && again.code === "already_exists")
          expect(again.message).toMatch(/differs|added|removed/);
        if (published.code === "ok") {
          for (const p of PROTOCOLS) {
            const got = await client(p).getComponent({ name, version: "1.0.0" });
            expect(Object.keys(got.component?.deployment?.config ?? {}).sort()).toEqual(
              Object.keys(first.config).sort(),
            );
          }
        }
      }),
      { numRuns: RUNS },
    );
    await expectReadsAnswer();
  }, 120_000);

  it("answers ALREADY_EXISTS naming the difference when a republish adds a key named toString", async () => {
    const name = fresh("zz");
    const component = (config: Record<string, JsonValue>) =>
      sampleComponent({ name, deployment: { engine: "terraform", config: config as never } });
    await client("grpc").createComponent({ component: component({}) });
    for (const p of PROTOCOLS) {
      const err = await client(p)
        .createComponent({ component: component({ toString: 1 }) })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect((err as ConnectError).code).toBe(Code.AlreadyExists);
      expect((err as ConnectError).rawMessage).toContain("deployment.config.toString differs (none vs 1)");
    }
  });

  it("answers forged page tokens INVALID_ARGUMENT on page_token (or a page), never INTERNAL", async () => {
    for (let i = 0; i < 3; i++) {
      const name = fresh("paged");
      for (const version of ["1.0.0", "1.1.0", "2.0.0"])
        await client("grpc").createComponent({ component: sampleComponent({ name, version, description: "poison" }) });
    }
    const requests = [
      { allVersions: true },
      { allVersions: false },
      { allVersions: true, orderBy: "update_time desc" },
      { allVersions: false, orderBy: "name desc" },
    ];
    const tokens: { request: (typeof requests)[number]; token: string }[] = [];
    for (const request of requests) {
      const page = await client("grpc").listComponents({ ...request, pageSize: 1 });
      expect(page.nextPageToken).not.toBe("");
      tokens.push({ request, token: page.nextPageToken });
    }
    const search = await client("grpc").searchComponents({ query: "poison", pageSize: 1 });
    const forgedValue = fc.oneof(
      fc.constantFrom<unknown>("no", "", "1.0", -1, 0, 1e308, null, true, [], {}, "9".repeat(400)),
      fc.jsonValue(),
      fc.constant("1e400" as const),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...tokens),
        fc.constantFrom("t", "n", "v", "k", "f", "d", "a"),
        forgedValue,
        protocol,
        async ({ request, token }, field, value, p) => {
          const forged = forgeToken(token, field, value);
          const before = await revision();
          const outcome = await outcomeOf(client(p).listComponents({ ...request, pageSize: 1, pageToken: forged }));
          expect(["ok", "invalid_argument"]).toContain(outcome.code);
          if (outcome.code === "invalid_argument") expect(outcome.message).toContain("page_token");
          expect(await revision()).toBe(before);
        },
      ),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("s", "n", "k"), forgedValue, protocol, async (field, value, p) => {
        const forged = forgeToken(search.nextPageToken, field, value);
        const outcome = await outcomeOf(
          client(p).searchComponents({ query: "poison", pageSize: 1, pageToken: forged }),
        );
        expect(["ok", "invalid_argument"]).toContain(outcome.code);
      }),
      { numRuns: RUNS },
    );
    await expectReadsAnswer();
  }, 120_000);
});

function wireValue(json: JsonValue) {
  return create(ValueSchema, toValueInit(json));
}

function toValueInit(json: JsonValue): Parameters<typeof create<typeof ValueSchema>>[1] {
  if (json === null) return { kind: { case: "nullValue", value: 0 } };
  if (typeof json === "number") return { kind: { case: "numberValue", value: json } };
  if (typeof json === "string") return { kind: { case: "stringValue", value: json } };
  if (typeof json === "boolean") return { kind: { case: "boolValue", value: json } };
  if (Array.isArray(json))
    return { kind: { case: "listValue", value: { values: json.map((v) => create(ValueSchema, toValueInit(v))) } } };
  const fields = Object.fromEntries(Object.entries(json).map(([k, v]) => [k, create(ValueSchema, toValueInit(v))]));
  return { kind: { case: "structValue", value: { fields } } };
}

/** A CreateComponent request as Connect JSON with `extra` members in its component (raw text: 1e400 stays as typed). */
function jsonComponent(name: string, extra: string): string {
  return `{"component": {"name": "${name}", "version": "1.0.0", "provider": "aws", "category": "database", ${extra}}}`;
}

/**
 * `token` with one field of its store cursor (or, for "f", of the token
 * itself) replaced by `value`; "1e400" is written as that number, which JSON
 * reads as Infinity.
 */
function forgeToken(token: string, field: string, value: unknown): string {
  const body = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { c: string; f: string };
  const placeholder = "__forged__";
  const write = (object: Record<string, unknown>) =>
    JSON.stringify({ ...object, [field]: value === "1e400" ? placeholder : value }).replace(
      `"${placeholder}"`,
      "1e400",
    );
  if (field === "f") return Buffer.from(write(body)).toString("base64url");
  const cursor = JSON.parse(Buffer.from(body.c, "base64url").toString("utf8")) as Record<string, unknown>;
  const c = Buffer.from(write(cursor)).toString("base64url");
  return Buffer.from(JSON.stringify({ ...body, c })).toString("base64url");
}
