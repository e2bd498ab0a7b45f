/**
 * The hostile-input suite: hundreds of bad requests over gRPC, gRPC-Web and
 * Connect against one real server with authentication on. Every request
 * must get the right status with a clear message: no INTERNAL except for
 * bytes that do not decode (the gRPC convention), no stack trace, no echo
 * of a token, and every message printable ASCII within one short header
 * line (a caller's value quoted as a short prefix plus its length), so a
 * gRPC client always receives a status. The corpus covers oversized values
 * in every string field, header and path, huge and malformed grpc-timeout
 * values, repeated credentials, and many streams replaying the event log on
 * one connection. Afterwards the server still answers, its heap is back near
 * where it started (after forced GC), and the catalog has the same revision
 * and content as when the corpus started. Companions: test/security/protocol-edge.test.ts
 * (each protocol-edge rule per protocol), test/security/poison.property.test.ts
 * (generated inputs that must not poison the catalog), and
 * test/api/replay-one-connection.test.ts (1,000 replaying streams).
 */

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/ts/src/grpc/health/v1/health_pb.js";
import {
  CreateComponentRequestSchema,
  GetComponentRequestSchema,
  ListComponentsRequestSchema,
  WatchEventsRequestSchema,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { SyncService } from "../../gen/ts/src/nestor/catalog/v1/sync_service_pb.js";
import { MAX_MESSAGE_CHARS } from "../../src/api/errors.js";
import { type CatalogServer, startCatalogServer } from "../../src/app.js";
import { LIMITS } from "../../src/catalog/validation.js";
import { silentLogger } from "../../src/logging/index.js";
import { bigintSafe, type ComponentInit, sampleComponent, tempDir, testConfig } from "../api/harness.js";
import {
  bearer,
  type CatalogClient,
  makeKeyMaterial,
  PROTOCOLS,
  type Protocol,
  type ProtocolClients,
  protocolClients,
  signJwt,
  withAuth,
} from "./helpers.js";
import {
  connectCall,
  connectOutcome,
  connectStreamCall,
  curlGrpcCall,
  frame,
  grpcWebCall,
  grpcWebOutcome,
  http1Request,
  type Outcome,
  outcomeOf,
  RawGrpc,
} from "./wire.js";

const MAX_REQUEST_BYTES = 2 * 1024 * 1024;
const SERVICE = "/nestor.catalog.v1.CatalogService";

interface HostileCase {
  label: string;
  send: () => Promise<Outcome>;
  /**
   * Accepted outcome codes (more than one only where the protocol itself decides, e.g. a decode error vs. a
   * validation error).
   */
  expect: string[];
  /** The message must match this (clarity: it names the field, rule or role). */
  message?: RegExp;
}

const dir = tempDir("nestor-hostile-");
const keys = makeKeyMaterial(dir.path);
const admin = bearer(keys.apiKeys.admin);
const reader = bearer(keys.apiKeys.reader);
let server: CatalogServer;
let clients: ProtocolClients;
let rawGrpc: RawGrpc;
let healthClients: Record<Protocol, Client<typeof Health>>;
let syncClients: Record<Protocol, Client<typeof SyncService>>;

/** One transport per protocol, as protocolClients makes them, for the services it has no client for. */
function transports(baseUrl: string): Record<Protocol, Transport> {
  return {
    grpc: createGrpcTransport({ baseUrl }),
    "grpc-web": createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }),
    connect: createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false }),
  };
}

function forceGc(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

async function heapAfterGc(gc: () => void): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return process.memoryUsage().heapUsed;
}

/** Everything a client can see of the catalog: every version, and the revision. */
async function catalogSnapshot(client: CatalogClient): Promise<{ revision: bigint; content: string }> {
  const page = await client.listComponents(
    { allVersions: true, pageSize: 1000, filter: { includeDeprecated: true } },
    admin,
  );
  return { revision: page.revision, content: JSON.stringify(page.components, bigintSafe) };
}

beforeAll(async () => {
  server = await startCatalogServer(
    testConfig((config) => {
      withAuth(keys)(config);
      config.server.maxRequestBytes = MAX_REQUEST_BYTES;
      config.server.limits = { requestsPerSecond: 0, burst: 0, maxStreamsPerIdentity: 0 };
    }),
    silentLogger,
  );
  clients = protocolClients(server.url);
  const byProtocol = transports(server.url);
  healthClients = {
    grpc: createClient(Health, byProtocol.grpc),
    "grpc-web": createClient(Health, byProtocol["grpc-web"]),
    connect: createClient(Health, byProtocol.connect),
  };
  syncClients = {
    grpc: createClient(SyncService, byProtocol.grpc),
    "grpc-web": createClient(SyncService, byProtocol["grpc-web"]),
    connect: createClient(SyncService, byProtocol.connect),
  };
  rawGrpc = new RawGrpc(server.url);
  for (const name of ["seed-mysql", "seed-network"]) {
    await clients.clients.grpc.createComponent(
      { component: sampleComponent({ name, labels: { team: "platform", tier: "gold" } }) },
      admin,
    );
  }
});

afterAll(async () => {
  rawGrpc.close();
  clients.close();
  await server.shutdown();
  dir.remove();
});

// ---------------------------------------------------------------- the corpus

const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE components; --",
  '" OR ""="',
  "1; SELECT pg_sleep(10)",
  "admin'--",
  '{"$gt": ""}',
  '{"$where": "sleep(1000)"}',
  "$ne",
  "') UNION SELECT * FROM events --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Log4Shell probe, sent as typed
  "${jndi:ldap://127.0.0.1/x}",
];

/**
 * Classic catastrophic-backtracking shapes: validation matches with RE2 (linear time), so each default is simply
 * checked and refused.
 */
const PATHOLOGICAL_PATTERNS = [
  "(a+)+$",
  "(a*)*b",
  "(\\w+\\s?)*$",
  "((a+))+c",
  "(a|a)*$",
  "([a-z]+)*@",
  "(.*){1,30}x",
  "(x+x+)+y",
  "(\\d+)*\\.",
  "((ab)*)+$",
];

/** More shapes that blow up backtracking engines; with RE2 they are ordinary patterns. */
const BACKTRACKING_PATTERNS = ["(.*a){12}", "(a|aa)*$", "^(a?){25}a{25}$"];

function deepStruct(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < depth; i++) value = { nested: value };
  return value;
}

function manyLabels(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, "v"]));
}

function manyInputs(count: number): ComponentInit["inputs"] {
  return Array.from({ length: count }, (_, i) => ({ name: `in_${i}`, type: 1, description: "" }));
}

/**
 * Bad CreateComponent payloads (each sent with validate_only unset, as an admin, so only validation stands in the
 * way).
 */
function badComponents(): [string, ComponentInit, RegExp][] {
  const at = (n: number, c = "a") => c.repeat(n);
  return [
    ["name past 63 characters", sampleComponent({ name: at(LIMITS.nameLength + 1) }), /name/],
    ["empty name", sampleComponent({ name: "" }), /name/],
    ["upper-case name", sampleComponent({ name: "Aws-Rds" }), /name/],
    ["name ending in a dash", sampleComponent({ name: "aws-" }), /name/],
    ["name with unicode", sampleComponent({ name: "aws-rdś" }), /name/],
    ["name with NUL", sampleComponent({ name: "aws\u0000rds" }), /name/],
    ["version without patch", sampleComponent({ version: "1.0" }), /version/],
    ["version with leading zero", sampleComponent({ version: "01.0.0" }), /version/],
    ["version with v prefix", sampleComponent({ version: "v1.0.0" }), /version/],
    ["version with whitespace", sampleComponent({ version: " 1.0.0" }), /version/],
    ["version of 300 characters", sampleComponent({ version: `1.0.0-${at(294)}` }), /version/],
    ["empty version", sampleComponent({ version: "" }), /version/],
    [
      "description past 4096 characters",
      sampleComponent({ description: at(LIMITS.descriptionLength + 1) }),
      /description/,
    ],
    ["65 labels", sampleComponent({ labels: manyLabels(LIMITS.labels + 1) }), /labels/],
    ["10000 labels", sampleComponent({ labels: manyLabels(10_000) }), /labels/],
    ["label value past 63 characters", sampleComponent({ labels: { team: at(64) } }), /labels/],
    ["label name past 63 characters", sampleComponent({ labels: { [at(64)]: "v" } }), /labels/],
    ["label prefix past 253 characters", sampleComponent({ labels: { [`${at(254)}/team`]: "v" } }), /labels/],
    ["257 inputs", sampleComponent({ inputs: manyInputs(LIMITS.elements + 1) }), /inputs/],
    [
      "pattern past 1024 characters",
      sampleComponent({ inputs: [{ name: "x", type: 1, validation: { pattern: at(LIMITS.patternLength + 1) } }] }),
      /pattern/,
    ],
    [
      "pattern that does not compile",
      sampleComponent({ inputs: [{ name: "x", type: 1, validation: { pattern: "([a-z" } }] }),
      /pattern/,
    ],
    [
      "config nested 33 levels",
      sampleComponent({ deployment: { engine: "terraform", config: deepStruct(LIMITS.configDepth + 1) as never } }),
      /config/,
    ],
    [
      "config nested 40 levels",
      sampleComponent({ deployment: { engine: "terraform", config: deepStruct(40) as never } }),
      /config/,
    ],
    [
      "config past 256 KiB",
      sampleComponent({ deployment: { engine: "terraform", config: { blob: at(LIMITS.configBytes + 10) } as never } }),
      /config/,
    ],
    [
      "engine version past 128 characters",
      sampleComponent({ deployment: { engine: "terraform", engineVersion: at(129), config: {} } }),
      /engine/i,
    ],
    ["missing deployment engine", sampleComponent({ deployment: { engine: "", config: {} } }), /engine/],
    ["unspecified input type", sampleComponent({ inputs: [{ name: "x", type: 0 }] }), /type/],
    [
      "duplicate input names",
      sampleComponent({
        inputs: [
          { name: "x", type: 1 },
          { name: "x", type: 1 },
        ],
      }),
      /inputs/,
    ],
    [
      "default of the wrong type",
      sampleComponent({
        inputs: [{ name: "x", type: 2, defaultValue: { kind: { case: "stringValue", value: "ten" } } }],
      }),
      /inputs/,
    ],
    ...PATHOLOGICAL_PATTERNS.map((pattern): [string, ComponentInit, RegExp] => [
      `pathological pattern ${pattern}`,
      sampleComponent({
        inputs: [
          {
            name: "x",
            type: 1,
            validation: { pattern },
            defaultValue: { kind: { case: "stringValue", value: `${"a".repeat(40)}!` } },
          },
        ],
      }),
      /backtrack|pattern/,
    ]),
    ...INJECTIONS.flatMap((text): [string, ComponentInit, RegExp][] => [
      [`injection in name: ${text}`, sampleComponent({ name: text }), /name/],
      [`injection in version: ${text}`, sampleComponent({ version: text }), /version/],
      [`injection in provider: ${text}`, sampleComponent({ provider: text }), /provider/],
      [`injection in category: ${text}`, sampleComponent({ category: text }), /category/],
      [`injection in label key: ${text}`, sampleComponent({ labels: { [text]: "v" } }), /labels/],
      [
        `injection in deployment engine: ${text}`,
        sampleComponent({ deployment: { engine: text, config: {} } }),
        /engine/,
      ],
      [`injection in input name: ${text}`, sampleComponent({ inputs: [{ name: text, type: 1 }] }), /inputs/],
    ]),
  ];
}

function typedCases(protocol: Protocol): HostileCase[] {
  const client = () => clients.clients[protocol];
  const cases: HostileCase[] = [];
  const add = (
    label: string,
    send: () => Promise<unknown> | AsyncIterable<unknown>,
    expected: string[],
    message?: RegExp,
  ) =>
    cases.push({
      label: `${protocol}: ${label}`,
      send: () => outcomeOf(send()),
      expect: expected,
      ...(message ? { message } : {}),
    });

  for (const [label, component, message] of badComponents()) {
    add(`create with ${label}`, () => client().createComponent({ component }, admin), ["invalid_argument"], message);
  }
  // At the limits: valid, checked with validate_only so nothing is written.
  const atLimits: [string, ComponentInit][] = [
    ["a 63-character name", sampleComponent({ name: "a".repeat(LIMITS.nameLength) })],
    ["64 labels", sampleComponent({ labels: manyLabels(LIMITS.labels) })],
    ["a 4096-character description", sampleComponent({ description: "d".repeat(LIMITS.descriptionLength) })],
    [
      "config nested 30 levels",
      sampleComponent({ deployment: { engine: "terraform", config: deepStruct(LIMITS.configDepth - 2) as never } }),
    ],
    ["256 inputs", sampleComponent({ inputs: manyInputs(LIMITS.elements) })],
  ];
  for (const [label, component] of atLimits) {
    add(
      `validate-only create with ${label}`,
      () => client().createComponent({ component, validateOnly: true }, admin),
      ["ok"],
    );
  }
  for (const text of INJECTIONS) {
    add(
      `validate-only create with injection in description: ${text}`,
      () =>
        client().createComponent(
          { component: sampleComponent({ name: "seed-new", description: text }), validateOnly: true },
          admin,
        ),
      ["ok"],
    );
    add(
      `get with injection in name: ${text}`,
      () => client().getComponent({ name: text, version: "1.0.0" }, admin),
      ["invalid_argument"],
      /name/,
    );
    add(
      `get with injection in version: ${text}`,
      () => client().getComponent({ name: "seed-mysql", version: text }, admin),
      ["invalid_argument"],
      /version/,
    );
    add(
      `list filtered by injected provider: ${text}`,
      () =>
        expectNoItems(
          client().listComponents(
            { filter: { provider: text, category: text, deploymentEngine: text, labels: { team: text } } },
            admin,
          ),
        ),
      ["ok"],
    );
    add(
      `list with injection in order_by: ${text}`,
      () => client().listComponents({ orderBy: text }, admin),
      ["invalid_argument"],
      /order_by/,
    );
    add(
      `list with injection in page_token: ${text}`,
      () => client().listComponents({ pageToken: text }, admin),
      ["invalid_argument"],
      /page_token/,
    );
    // Search splits the query into words and matches them as text: "OR" finding "platform" is search, not injection.
    add(`search for injection: ${text}`, () => client().searchComponents({ query: text }, admin), ["ok"]);
    add(
      `delete with injection in name: ${text}`,
      () => client().deleteComponent({ name: text, allVersions: true }, admin),
      ["invalid_argument"],
      /name/,
    );
  }
  add(
    "update of the deprecation message past 1024 characters",
    () =>
      client().updateComponent(
        {
          component: {
            name: "seed-mysql",
            version: "1.0.0",
            deprecation: { deprecated: true, message: "m".repeat(LIMITS.deprecationMessageLength + 1) },
          },
        },
        admin,
      ),
    ["invalid_argument"],
    /deprecation/,
  );
  add(
    "update with 10000 labels",
    () =>
      client().updateComponent(
        { component: { name: "seed-mysql", version: "1.0.0", labels: manyLabels(10_000) } },
        admin,
      ),
    ["invalid_argument"],
    /labels/,
  );
  add(
    "update with an unknown field mask path",
    () =>
      client().updateComponent(
        { component: { name: "seed-mysql", version: "1.0.0" }, updateMask: { paths: ["provider"] } },
        admin,
      ),
    ["invalid_argument"],
    /update_mask|provider/,
  );
  add(
    "search with 17 terms",
    () => client().searchComponents({ query: Array.from({ length: 17 }, (_, i) => `t${i}`).join(" ") }, admin),
    ["invalid_argument"],
    /query/,
  );
  add(
    "search with a 65-character term",
    () => client().searchComponents({ query: "q".repeat(65) }, admin),
    ["invalid_argument"],
    /query/,
  );
  add(
    "list filtered by 65 labels",
    () => client().listComponents({ filter: { labels: manyLabels(65) } }, admin),
    ["invalid_argument"],
    /labels/,
  );
  add(
    "list with a negative page size",
    () => client().listComponents({ pageSize: -1 }, admin),
    ["invalid_argument"],
    /page_size/,
  );
  add(
    "watch from a negative revision",
    () => client().watchEvents({ startRevision: -5n }, admin),
    ["invalid_argument"],
    /start_revision/,
  );

  // Credentials.
  const now = Math.floor(Date.now() / 1000);
  const tokens: [string, string, RegExp][] = [
    ["an expired JWT", signJwt(keys, { claims: { exp: now - 3600 } }), /expired/],
    ["a JWT for another audience", signJwt(keys, { claims: { aud: "other" } }), /audience/],
    ["a forged JWT", signJwt(keys).replace(/\.[^.]+$/, ".AAAA"), /signature/],
    ["an unsigned JWT", signJwt(keys, { alg: "none" }), /algorithm/],
    ["a JWT from an unknown issuer", signJwt(keys, { claims: { iss: "https://evil.test" } }), /issuer/],
    ["a garbage bearer token", "not-a-key", /API key/],
  ];
  for (const [label, token, message] of tokens) {
    add(`list with ${label}`, () => client().listComponents({}, bearer(token)), ["unauthenticated"], message);
    add(
      `create with ${label}`,
      () => client().createComponent({ component: sampleComponent({ name: "nope" }) }, bearer(token)),
      ["unauthenticated"],
      message,
    );
  }
  add(
    "create without credentials",
    () => client().createComponent({ component: sampleComponent({ name: "nope" }) }),
    ["unauthenticated"],
    /publisher role/,
  );
  const readerWrites: [string, () => Promise<unknown>][] = [
    [
      "create",
      () => client().createComponent({ component: sampleComponent({ name: "seed-mysql", version: "9.0.0" }) }, reader),
    ],
    [
      "validate-only create",
      () =>
        client().createComponent(
          { component: sampleComponent({ name: "seed-mysql", version: "9.0.0" }), validateOnly: true },
          reader,
        ),
    ],
    [
      "update",
      () =>
        client().updateComponent({ component: { name: "seed-mysql", version: "1.0.0", description: "pwned" } }, reader),
    ],
    ["delete", () => client().deleteComponent({ name: "seed-mysql", version: "1.0.0" }, reader)],
    ["delete all versions", () => client().deleteComponent({ name: "seed-network", allVersions: true }, reader)],
  ];
  for (const [label, send] of readerWrites)
    add(`a reader's ${label}`, send, ["permission_denied"], /needs the publisher role/);
  return cases;
}

async function expectNoItems(call: Promise<{ components: unknown[] }>): Promise<void> {
  const items = (await call).components;
  if (items.length > 0) throw new Error(`an injection-shaped filter matched ${items.length} components`);
}

/** Deterministic pseudo-random bytes (a fixed LCG), so a failure can be replayed. */
function randomBytesSeeded(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

/**
 * A valid CreateComponent request with validate_only written first, so any prefix that still decodes writes
 * nothing.
 */
function validateOnlyRequestBytes(): Buffer {
  const body = toBinary(
    CreateComponentRequestSchema,
    create(CreateComponentRequestSchema, { component: sampleComponent({ name: "truncated" }) }),
  );
  return Buffer.concat([Buffer.from([0x10, 0x01]), body]);
}

/**
 * Whether the server's decoder (fromBinary) takes these bytes; a prefix that decodes is a different, possibly
 * valid, request.
 */
function decodes(bytes: Uint8Array): boolean {
  try {
    fromBinary(CreateComponentRequestSchema, bytes);
    return true;
  } catch {
    return false;
  }
}

/** A string field (GetComponentRequest.name = 1) holding bytes that are not UTF-8. */
function invalidUtf8Get(): Buffer {
  const bad = Buffer.from([0x61, 0xff, 0xfe, 0xc3, 0x28, 0x62]);
  const version = Buffer.from("1.0.0");
  return Buffer.concat([Buffer.from([0x0a, bad.length]), bad, Buffer.from([0x12, version.length]), version]);
}

/** CreateComponent (validate_only) whose deployment.config is a google.protobuf.Struct nested `depth` levels deep. */
function deeplyNestedCreateBytes(depth: number): Buffer {
  // Struct.fields = 1 (map entry: key = 1, value = 2); Value.struct_value = 5.
  let struct: Buffer = Buffer.alloc(0);
  for (let i = 0; i < depth; i++) {
    const entry = Buffer.concat([lengthDelimited(1, Buffer.from("n")), lengthDelimited(2, lengthDelimited(5, struct))]);
    struct = lengthDelimited(1, entry);
  }
  const deployment = lengthDelimited(
    9,
    Buffer.concat([lengthDelimited(1, Buffer.from("terraform")), lengthDelimited(3, struct)]),
  );
  const component = lengthDelimited(
    1,
    Buffer.concat([lengthDelimited(1, Buffer.from("deep")), lengthDelimited(2, Buffer.from("1.0.0")), deployment]),
  );
  return Buffer.concat([Buffer.from([0x10, 0x01]), component]);
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

function lengthDelimited(field: number, body: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(body.length), body]);
}

/**
 * Protobuf bytes that do not decode: INTERNAL, as connect-es and the gRPC
 * libraries answer them ("Error parsing request proto" in grpc's
 * doc/statuscodes.md), with the decoder's reason, over every protocol.
 */
const UNDECODABLE = ["internal"];
function undecodable(reason = /\S/): RegExp {
  return new RegExp(`^parse binary: .*${reason.source}`, reason.flags);
}

function rawCases(): HostileCase[] {
  const cases: HostileCase[] = [];
  const auth = { authorization: admin.headers.authorization };
  const path = (method: string) => `${SERVICE}/${method}`;
  const overAll = (label: string, method: string, body: Buffer, expected: string[], message?: RegExp) => {
    cases.push({
      label: `grpc: ${label}`,
      send: () => rawGrpc.call(path(method), frame(body), auth),
      expect: expected,
      ...(message ? { message } : {}),
    });
    cases.push({
      label: `grpc-web: ${label}`,
      send: () => grpcWebCall(server.url, path(method), frame(body), auth),
      expect: expected,
      ...(message ? { message } : {}),
    });
    cases.push({
      label: `connect: ${label}`,
      send: () => connectCall(server.url, path(method), body, "application/proto", auth),
      expect: expected,
      ...(message ? { message } : {}),
    });
  };
  /** A server-streaming method: Connect sends it as an enveloped stream, not a unary body. */
  const overAllStreaming = (label: string, method: string, envelope: Buffer, expected: string[], message?: RegExp) => {
    cases.push({
      label: `grpc: ${label}`,
      send: () => rawGrpc.call(path(method), envelope, auth),
      expect: expected,
      ...(message ? { message } : {}),
    });
    cases.push({
      label: `grpc-web: ${label}`,
      send: () => grpcWebCall(server.url, path(method), envelope, auth),
      expect: expected,
      ...(message ? { message } : {}),
    });
    cases.push({
      label: `connect stream: ${label}`,
      send: () => connectStreamCall(server.url, path(method), envelope, auth),
      expect: expected,
      ...(message ? { message } : {}),
    });
  };

  for (let i = 0; i < 12; i++) {
    const bytes = randomBytesSeeded(1000 + i, 1 + ((i * 37) % 300));
    overAll(
      `random bytes #${i} as CreateComponent`,
      "CreateComponent",
      bytes,
      decodes(bytes) ? ["invalid_argument"] : UNDECODABLE,
      decodes(bytes) ? /component/ : undecodable(),
    );
  }
  const full = validateOnlyRequestBytes();
  const cuts = [...Array(full.length - 3).keys()].map((i) => i + 3).filter((cut) => !decodes(full.subarray(0, cut)));
  for (const cut of cuts.filter((_, i) => i % Math.max(1, Math.floor(cuts.length / 8)) === 0).slice(0, 8)) {
    overAll(
      `CreateComponent truncated to ${cut} of ${full.length} bytes`,
      "CreateComponent",
      full.subarray(0, cut),
      UNDECODABLE,
      undecodable(),
    );
  }
  overAll("a string field that is not UTF-8", "GetComponent", invalidUtf8Get(), UNDECODABLE, undecodable(/utf-8/i));
  overAll(
    "deployment.config nested 40 levels deep",
    "CreateComponent",
    deeplyNestedCreateBytes(40),
    ["invalid_argument"],
    /config must be nested at most/,
  );
  // protobuf-es stops decoding at 100 levels, so deeper nesting never reaches validation (nor the stack's limit).
  overAll(
    "deployment.config nested 2000 levels deep",
    "CreateComponent",
    deeplyNestedCreateBytes(2000),
    UNDECODABLE,
    undecodable(/maximum recursion depth/),
  );
  cases.push({
    label: "connect: deployment.config nested 2000 levels deep as JSON",
    send: () =>
      connectCall(
        server.url,
        path("CreateComponent"),
        JSON.stringify({
          validateOnly: true,
          component: { name: "deep", version: "1.0.0", deployment: { engine: "terraform", config: deepStruct(2000) } },
        }),
        "application/json",
        auth,
      ),
    expect: ["invalid_argument"],
    message: /maximum recursion depth/,
  });
  overAll(
    "a field with a length past the end",
    "GetComponent",
    Buffer.from([0x0a, 0xff, 0xff, 0x03, 0x61]),
    UNDECODABLE,
    undecodable(),
  );
  overAll("a wire type that does not exist", "ListComponents", Buffer.from([0x0f, 0x01]), UNDECODABLE, undecodable());
  overAll(
    "a varint of 11 bytes",
    "ListComponents",
    Buffer.from([0x08, ...Array(10).fill(0xff), 0x01]),
    UNDECODABLE,
    undecodable(),
  );
  overAllStreaming(
    "WatchEvents with a wire type that does not exist",
    "WatchEvents",
    frame(Buffer.from([0x0f, 0x01])),
    UNDECODABLE,
    undecodable(),
  );
  overAllStreaming(
    "WatchEvents with a truncated field",
    "WatchEvents",
    frame(Buffer.from([0x0a, 0x05, 0x61])),
    UNDECODABLE,
    undecodable(),
  );

  // Oversize messages: a real body past server.maxRequestBytes, and an envelope that only claims to be huge.
  const oversize = toBinary(
    GetComponentRequestSchema,
    create(GetComponentRequestSchema, { name: "x".repeat(MAX_REQUEST_BYTES + 1024), version: "1.0.0" }),
  );
  overAll(
    "a message past maxRequestBytes",
    "GetComponent",
    Buffer.from(oversize),
    ["resource_exhausted"],
    /exceed|max|limit|size/i,
  );
  cases.push({
    label: "grpc: an envelope claiming 4 GiB",
    send: () => rawGrpc.call(path("GetComponent"), frame(Buffer.from([0x0a, 0x01, 0x61]), 0xffffffff), auth),
    expect: ["resource_exhausted"],
  });
  cases.push({
    label: "grpc-web: an envelope claiming 4 GiB",
    send: () => grpcWebCall(server.url, path("GetComponent"), frame(Buffer.from([0x0a, 0x01, 0x61]), 0xffffffff), auth),
    expect: ["resource_exhausted"],
  });
  cases.push({
    label: "grpc: an envelope claiming more bytes than sent",
    send: () => rawGrpc.call(path("GetComponent"), frame(Buffer.from([0x0a, 0x01, 0x61]), 400), auth),
    expect: ["invalid_argument"],
  });
  // A protocol violation the gRPC spec answers INTERNAL: no encoding declared, so the compressed flag must be 0.
  const compressedWithoutEncoding = frame(Buffer.from([0x0a, 0x01, 0x61]), 3, 1);
  cases.push({
    label: "grpc: a compressed flag without grpc-encoding",
    send: () => rawGrpc.call(path("GetComponent"), compressedWithoutEncoding, auth),
    expect: ["internal"],
    message: /received compressed envelope, but do not know how to decompress/,
  });
  cases.push({
    label: "grpc-web: a compressed flag without grpc-encoding",
    send: () => grpcWebCall(server.url, path("GetComponent"), compressedWithoutEncoding, auth),
    expect: ["internal"],
    message: /received compressed envelope, but do not know how to decompress/,
  });
  cases.push({
    label: "connect stream: a compressed flag without connect-content-encoding",
    send: () => connectStreamCall(server.url, path("WatchEvents"), compressedWithoutEncoding, auth),
    expect: ["internal"],
    message: /received compressed envelope, but do not know how to decompress/,
  });

  // Wrong content types.
  const valid = Buffer.from(toBinary(ListComponentsRequestSchema, create(ListComponentsRequestSchema, {})));
  const contentTypes: [string | undefined, Buffer | string, string[], RegExp?][] = [
    ["text/plain", "hello", ["http_415"]],
    ["application/xml", "<list/>", ["http_415"]],
    ["application/x-www-form-urlencoded", "a=1", ["http_415"]],
    [undefined, valid, ["http_415"]],
    ["application/json", valid, ["invalid_argument"]],
    ["application/proto", '{"pageSize": 1}', UNDECODABLE, undecodable()],
    ["application/json", '{"pageSize": "lots"}', ["invalid_argument"]],
    // Unknown JSON fields are ignored (forward compatibility), as protobuf-es does by default.
    ["application/json", '{"pageSize": 1, "unknownField": 1}', ["ok"]],
    ["application/json", '{"filter": {"labels": [1, 2]}}', ["invalid_argument"]],
    ["application/json", "[".repeat(5000), ["invalid_argument"]],
    [
      "application/json",
      Buffer.from([0x7b, 0x22, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x42, 0x79, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      ["invalid_argument"],
    ],
    ["application/json; charset=latin1", "{}", ["http_415", "invalid_argument"]],
  ];
  for (const [type, body, expected, message] of contentTypes) {
    cases.push({
      label: `connect: ListComponents as ${type ?? "no content type"} (${String(body).slice(0, 20)})`,
      send: () => connectCall(server.url, path("ListComponents"), body, type, auth),
      expect: expected,
      ...(message ? { message } : {}),
    });
  }
  cases.push({
    label: "grpc: application/grpc+json carrying protobuf",
    send: () =>
      rawGrpc.call(path("ListComponents"), frame(Buffer.from([0x08, 0x96, 0x01])), {
        ...auth,
        "content-type": "application/grpc+json",
      }),
    expect: ["invalid_argument"],
  });
  // A gRPC content type we do not serve is a gRPC status a gRPC client can read (a bare HTTP 415 reads as UNKNOWN).
  cases.push({
    label: "grpc: application/grpc+xml",
    send: () => rawGrpc.call(path("ListComponents"), frame(valid), { ...auth, "content-type": "application/grpc+xml" }),
    expect: ["unimplemented"],
    message: /application\/grpc\+xml is not served/,
  });
  cases.push({
    label: "grpc-web: application/grpc-web+xml",
    send: () =>
      grpcWebCall(server.url, path("ListComponents"), frame(valid), {
        ...auth,
        "content-type": "application/grpc-web+xml",
      }),
    expect: ["unimplemented"],
    message: /application\/grpc-web\+xml is not served/,
  });
  cases.push({
    label: "grpc: an unknown method",
    send: () => rawGrpc.call(`${SERVICE}/DropAllTables`, frame(valid), auth),
    expect: ["unimplemented"],
  });
  cases.push({
    label: "connect: an unknown service",
    send: () => connectCall(server.url, "/evil.Service/Run", "{}", "application/json", auth),
    expect: ["unimplemented", "http_404"],
  });
  return cases;
}

// ---------------------------------------------------------------- oversized values, headers and paths

/** Past every field's limit, under server.maxRequestBytes: the answer must still be one short header line. */
const OVERSIZED = "o".repeat(256 * 1024);
const OVERSIZED_MESSAGE = /\(26214\d characters\)/;

/** A 256 KiB value in every string field of every request, over one typed client. */
function oversizedFieldCases(protocol: Protocol): HostileCase[] {
  const client = () => clients.clients[protocol];
  const o = OVERSIZED;
  const cases: HostileCase[] = [];
  const add = (
    label: string,
    send: () => Promise<unknown> | AsyncIterable<unknown>,
    expected: string[],
    message: RegExp = OVERSIZED_MESSAGE,
  ) =>
    cases.push({ label: `${protocol}: oversized ${label}`, send: () => outcomeOf(send()), expect: expected, message });
  const invalid = ["invalid_argument"];
  const create = (component: ComponentInit) => () => client().createComponent({ component }, admin);
  add("component.name", create(sampleComponent({ name: o })), invalid);
  add("component.version", create(sampleComponent({ version: o })), invalid);
  add("component.provider", create(sampleComponent({ provider: o })), invalid);
  add("component.category", create(sampleComponent({ category: o })), invalid);
  add("component.description", create(sampleComponent({ description: o })), invalid, /description.*262144/);
  add("label key", create(sampleComponent({ labels: { [o]: "v" } })), invalid);
  add("label value", create(sampleComponent({ labels: { team: o } })), invalid);
  add("input name", create(sampleComponent({ inputs: [{ name: o, type: 1 }] })), invalid);
  const input = (init: object) => create(sampleComponent({ inputs: [{ name: "x", type: 1, ...init }] }));
  add("input description", input({ description: o }), invalid, /description.*262144/);
  add("input pattern", input({ validation: { pattern: o } }), invalid, /pattern.*262144/);
  add("output name", create(sampleComponent({ outputs: [{ name: o, type: 1 }] })), invalid);
  add("deployment.engine", create(sampleComponent({ deployment: { engine: o, config: {} } })), invalid);
  const engineVersion = { engine: "terraform", engineVersion: o, config: {} };
  add("engine_version", create(sampleComponent({ deployment: engineVersion })), invalid, /engine_?[vV]ersion.*262144/);
  add("source.commit", create(sampleComponent({ source: { commit: o } })), invalid);
  add("GetComponent.name", () => client().getComponent({ name: o }, admin), invalid);
  add(
    "GetComponent.version",
    () => client().getComponent({ name: "seed-mysql", version: o }, admin),
    invalid,
    /version/,
  );
  add("ListComponents.page_token", () => client().listComponents({ pageToken: o }, admin), invalid, /page_token/);
  add("ListComponents.order_by", () => client().listComponents({ orderBy: o }, admin), invalid);
  const filter = { provider: o, category: o, labels: { [o]: o } };
  add("ListComponents filter values", () => client().listComponents({ filter }, admin), ["ok"]);
  add("SearchComponents.query", () => client().searchComponents({ query: o }, admin), invalid, /query/);
  add("ListComponentVersions.name", () => client().listComponentVersions({ name: o }, admin), invalid);
  const compare = { name: "seed-mysql", baseVersion: o, targetVersion: "1.0.0" };
  add("CompareComponentVersions.base_version", () => client().compareComponentVersions(compare, admin), invalid);
  add("DeleteComponent.name", () => client().deleteComponent({ name: o, version: "1.0.0" }, admin), invalid);
  const etag = { name: "seed-mysql", version: "1.0.0", etag: o };
  add("DeleteComponent.etag", () => client().deleteComponent(etag, admin), invalid, /etag/);
  const update = { component: { ...etag, description: "d" } };
  add("UpdateComponent.component.etag", () => client().updateComponent(update, admin), invalid, /etag/);
  add("WatchEvents.filter.names", () => client().watchEvents({ filter: { names: [o] } }, admin), invalid);
  add("Health/Check.service", () => healthClients[protocol].check({ service: o }), ["not_found"]);
  add("SyncService.repository", () => syncClients[protocol].getSyncStatus({ repository: o }, admin), ["not_found"]);
  return cases;
}

/** Oversized headers and paths, over each protocol's transport: HTTP/2 takes a 64 KiB header list, HTTP/1.1 16 KiB. */
function oversizedHeaderCases(): HostileCase[] {
  const auth = { authorization: admin.headers.authorization };
  const list = `${SERVICE}/ListComponents`;
  const body = Buffer.from(toBinary(ListComponentsRequestSchema, create(ListComponentsRequestSchema, {})));
  const cases: HostileCase[] = [];
  const grpcSize = 48 * 1024;
  const http1Size = 12 * 1024;
  const headers: [string, (size: number) => Record<string, string>, string[]][] = [
    ["grpc-timeout", (n) => ({ ...auth, "grpc-timeout": "9".repeat(n) }), ["invalid_argument"]],
    ["grpc-encoding", (n) => ({ ...auth, "grpc-encoding": "x".repeat(n) }), ["unimplemented"]],
    ["authorization", (n) => ({ authorization: `Bearer ${"k".repeat(n)}` }), ["unauthenticated"]],
    ["x-request-id", (n) => ({ ...auth, "x-request-id": "r".repeat(n) }), ["ok"]],
    ["a header of no meaning", (n) => ({ ...auth, "x-anything": "z".repeat(n) }), ["ok"]],
  ];
  for (const [label, make, expected] of headers) {
    cases.push({
      label: `grpc: a ${grpcSize}-byte ${label}`,
      send: () => rawGrpc.call(list, frame(body), make(grpcSize)),
      expect: expected,
    });
    cases.push({
      label: `grpc-web: a ${http1Size}-byte ${label}`,
      send: () => grpcWebCall(server.url, list, frame(body), make(http1Size)),
      expect: expected,
    });
  }
  cases.push({
    label: `connect: a ${http1Size}-byte connect-timeout-ms`,
    send: () =>
      connectCall(server.url, list, "{}", "application/json", { ...auth, "connect-timeout-ms": "9".repeat(http1Size) }),
    expect: ["invalid_argument"],
  });
  cases.push({
    label: "connect: a 20 KiB header, past Node's HTTP/1.1 limit",
    send: () =>
      connectCall(server.url, list, "{}", "application/json", { ...auth, "x-anything": "z".repeat(20 * 1024) }),
    expect: ["http_431"],
  });
  cases.push({
    label: "grpc: a 30 KiB method path",
    send: () => rawGrpc.call(`${SERVICE}/${"P".repeat(30 * 1024)}`, frame(body), auth),
    expect: ["unimplemented"],
    message: /unknown method/,
  });
  cases.push({
    label: "connect: a 12 KiB method path",
    send: () => connectCall(server.url, `${SERVICE}/${"P".repeat(12 * 1024)}`, "{}", "application/json", auth),
    expect: ["unimplemented"],
    message: /unknown method/,
  });
  return cases;
}

/** grpc-timeout values that do not parse are INVALID_ARGUMENT naming the header; long valid ones mean no deadline. */
function grpcTimeoutCases(): HostileCase[] {
  const auth = { authorization: admin.headers.authorization };
  const list = `${SERVICE}/ListComponents`;
  const body = Buffer.from(toBinary(ListComponentsRequestSchema, create(ListComponentsRequestSchema, {})));
  const watch = frame(
    Buffer.from(toBinary(WatchEventsRequestSchema, create(WatchEventsRequestSchema, { startRevision: -1n }))),
  );
  const malformed = ["", "S", "1", "-1S", "1.5S", "123456789S", "99999999X", "1s", `${"9".repeat(1000)}S`];
  const cases: HostileCase[] = [];
  for (const value of malformed) {
    const shown = value.length > 20 ? `${value.length} characters` : JSON.stringify(value);
    cases.push({
      label: `grpc: grpc-timeout ${shown}`,
      send: () => rawGrpc.call(list, frame(body), { ...auth, "grpc-timeout": value }),
      expect: ["invalid_argument"],
      message: /grpc timeout/,
    });
    cases.push({
      label: `grpc: WatchEvents (raw stream path) with grpc-timeout ${shown}`,
      send: () => rawGrpc.call(`${SERVICE}/WatchEvents`, watch, { ...auth, "grpc-timeout": value }),
      expect: ["invalid_argument"],
      message: /grpc timeout/,
    });
  }
  for (const value of ["2147484S", "99999999S", "99999999H", "99999999M"]) {
    cases.push({
      label: `grpc: grpc-timeout ${value} (past what a timer holds: no deadline)`,
      send: () => rawGrpc.call(list, frame(body), { ...auth, "grpc-timeout": value }),
      expect: ["ok"],
    });
    cases.push({
      label: `grpc: WatchEvents (raw stream path) with grpc-timeout ${value} fails only on its request`,
      send: () => rawGrpc.call(`${SERVICE}/WatchEvents`, watch, { ...auth, "grpc-timeout": value }),
      expect: ["invalid_argument"],
      message: /start_revision/,
    });
  }
  return cases;
}

/** Two credentials in one request: refused, whichever comes first. */
function repeatedCredentialCases(): HostileCase[] {
  const path = `${SERVICE}/CreateComponent`;
  const request = create(CreateComponentRequestSchema, { component: sampleComponent({ name: "two-keys" }) });
  const binary = Buffer.from(toBinary(CreateComponentRequestSchema, request));
  const pairs: [string, [string, string]][] = [
    ["admin key, then garbage", [admin.headers.authorization, "Bearer garbage"]],
    ["admin key, then reader key", [admin.headers.authorization, reader.headers.authorization]],
    ["reader key, then admin key", [reader.headers.authorization, admin.headers.authorization]],
  ];
  const cases: HostileCase[] = [];
  const message = /2 authorization headers/;
  for (const [label, values] of pairs) {
    cases.push({
      label: `grpc: two authorization headers (${label})`,
      send: () =>
        curlGrpcCall(
          server.url + path,
          frame(binary),
          values.map((v) => ["authorization", v]),
        ),
      expect: ["unauthenticated"],
      message,
    });
    cases.push({
      label: `grpc-web: two authorization headers (${label})`,
      send: async () => {
        const answer = await http1Request(server.url + path, frame(binary), {
          "content-type": "application/grpc-web+proto",
          authorization: values,
        });
        return grpcWebOutcome(answer.headers, answer.body);
      },
      expect: ["unauthenticated"],
      message,
    });
    cases.push({
      label: `connect: two authorization headers (${label})`,
      send: async () => {
        const answer = await http1Request(server.url + path, binary, {
          "content-type": "application/proto",
          authorization: values,
        });
        return connectOutcome(answer.status, answer.body);
      },
      expect: ["unauthenticated"],
      message,
    });
  }
  return cases;
}

// ---------------------------------------------------------------- the run

describe("hostile inputs", () => {
  it("answers bad requests with their status and a clear message, stays up, frees memory, writes nothing", async () => {
    const cases = [
      ...PROTOCOLS.flatMap(typedCases),
      ...PROTOCOLS.flatMap(oversizedFieldCases),
      ...rawCases(),
      ...oversizedHeaderCases(),
      ...grpcTimeoutCases(),
      ...repeatedCredentialCases(),
    ];
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const gc = forceGc();
    const before = await catalogSnapshot(clients.clients.grpc);

    // Warm-up: one pass over a sample, so lazily built state is not counted as a leak.
    for (const c of cases.filter((_, i) => i % 10 === 0)) await c.send();
    const baseline = await heapAfterGc(gc);

    const failures: string[] = [];
    for (const c of cases) {
      const outcome = await c.send();
      const problems: string[] = [];
      if (!c.expect.includes(outcome.code)) problems.push(`got ${outcome.code}, expected ${c.expect.join(" or ")}`);
      if (outcome.code !== "ok" && !outcome.code.startsWith("http_")) {
        if (outcome.message.trim() === "") problems.push("empty message");
        if (/\n\s+at /.test(outcome.message)) problems.push("stack trace in message");
        if (outcome.message.length > MAX_MESSAGE_CHARS) problems.push("message longer than one short header line");
        if (!/^[\x20-\x7e]*$/.test(outcome.message)) problems.push("message not printable ASCII");
        if (c.message && !c.message.test(outcome.message)) problems.push(`message does not match ${c.message}`);
        for (const secret of Object.values(keys.apiKeys))
          if (outcome.message.includes(secret)) problems.push("message echoes an API key");
      }
      if (problems.length > 0)
        failures.push(`${c.label}: ${problems.join("; ")} — ${JSON.stringify(outcome.message.slice(0, 300))}`);
    }
    expect(failures, `${failures.length} of ${cases.length} cases`).toEqual([]);

    // Still up: health SERVING and an ordinary read works over every protocol.
    const health = createClient(Health, createGrpcTransport({ baseUrl: server.url }));
    expect((await health.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    for (const protocol of PROTOCOLS)
      await clients.clients[protocol].getComponent({ name: "seed-mysql", version: "1.0.0" }, reader);

    const after = await heapAfterGc(gc);
    // Tolerance for allocator noise and connection pools; a leak of the corpus (oversize bodies alone are 2 MiB
    // each) would exceed it.
    expect(after - baseline).toBeLessThan(24 * 1024 * 1024);

    const unchanged = await catalogSnapshot(clients.clients.grpc);
    expect(unchanged.revision).toBe(before.revision);
    expect(unchanged.content).toBe(before.content);
  }, 240_000);
});

describe("patterns with bounded cost", () => {
  // A backtracking engine would hang the server on these; RE2 answers in linear time.
  it.each(BACKTRACKING_PATTERNS)("refuses or bounds the pathological pattern %s", async (pattern) => {
    const component = sampleComponent({
      inputs: [
        {
          name: "x",
          type: 1,
          validation: { pattern },
          defaultValue: { kind: { case: "stringValue", value: `${"a".repeat(40)}!` } },
        },
      ],
    });
    const outcome = await outcomeOf(clients.clients.grpc.createComponent({ component, validateOnly: true }, admin));
    expect(outcome.code).toBe("invalid_argument");
  });
});
