/**
 * Authentication and authorization over all three protocols (gRPC, gRPC-Web,
 * Connect JSON) against a real server: API keys, JWTs (RS256, ES256, HS256;
 * expired, not yet valid, wrong audience, forged, unknown issuer, alg none),
 * roles on every method, publisher scopes, the actor recorded on writes,
 * open health checks, admin-only SyncService, rate and stream limits, a
 * JWKS URL, and logs that name the caller but never the secret.
 */

import { createHmac, createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { RetryInfoSchema } from "../../gen/ts/src/google/rpc/error_details_pb.js";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/ts/src/grpc/health/v1/health_pb.js";
import { CreateComponentRequestSchema } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { SyncService } from "../../gen/ts/src/nestor/catalog/v1/sync_service_pb.js";
import { type CatalogServer, startCatalogServer } from "../../src/app.js";
import type { CatalogConfig } from "../../src/config/schema.js";
import { createLogger } from "../../src/logging/index.js";
import { isComponentEvent } from "../../src/storage/records.js";
import { expectConnectError, sampleComponent, tempDir, testConfig } from "../api/harness.js";
import {
  AUDIENCE,
  bearer,
  ISSUER,
  type KeyMaterial,
  makeKeyMaterial,
  PROTOCOLS,
  type Protocol,
  type ProtocolClients,
  protocolClients,
  signJwt,
  withAuth,
} from "./helpers.js";
import { connectOutcome, curlGrpcCall, frame, grpcWebOutcome, http1Request, type Outcome } from "./wire.js";

const dir = tempDir("nestor-auth-");
const keys: KeyMaterial = makeKeyMaterial(dir.path);
const logLines: string[] = [];
let server: CatalogServer;
let clients: ProtocolClients;

async function start(adjust: (config: CatalogConfig) => void, lines: string[] = []): Promise<CatalogServer> {
  const logger = createLogger({ level: "debug", format: "json", write: (line) => lines.push(line) });
  return startCatalogServer(
    testConfig((config) => {
      withAuth(keys)(config);
      config.server.limits = { requestsPerSecond: 0, burst: 0, maxStreamsPerIdentity: 0 };
      adjust(config);
    }),
    logger,
  );
}

beforeAll(async () => {
  server = await start(() => {}, logLines);
  clients = protocolClients(server.url);
});

afterAll(async () => {
  clients.close();
  await server.shutdown();
  dir.remove();
});

let counter = 0;
const fresh = (prefix: string) => `${prefix}-${++counter}`;

describe.each(PROTOCOLS)("over %s", (protocol) => {
  const client = () => clients.clients[protocol];

  it("refuses a read without credentials as UNAUTHENTICATED, naming the role needed", async () => {
    const err = await expectConnectError(client().listComponents({}), Code.Unauthenticated);
    expect(err.rawMessage).toContain("needs the reader role");
  });

  it("refuses an unknown API key without echoing it", async () => {
    const guess = `nck_${"x".repeat(40)}`;
    const err = await expectConnectError(client().listComponents({}, bearer(guess)), Code.Unauthenticated);
    expect(err.rawMessage).toContain("not a known API key");
    expect(err.rawMessage).not.toContain(guess);
  });

  it("refuses a malformed authorization header", async () => {
    const err = await expectConnectError(
      client().listComponents({}, { headers: { authorization: `Basic ${keys.apiKeys.admin}` } }),
      Code.Unauthenticated,
    );
    expect(err.rawMessage).toContain('"Bearer <token>"');
    expect(err.rawMessage).not.toContain(keys.apiKeys.admin);
  });

  it("lets a reader read and refuses every write method as PERMISSION_DENIED naming the publisher role", async () => {
    const reader = bearer(keys.apiKeys.reader);
    await client().listComponents({}, reader);
    const name = fresh(`rd-${protocol}`);
    const writes = [
      client().createComponent({ component: sampleComponent({ name }) }, reader),
      client().updateComponent({ component: { name, version: "1.0.0", description: "x" } }, reader),
      client().deleteComponent({ name, allVersions: true }, reader),
    ];
    for (const write of writes) {
      const err = await expectConnectError(write, Code.PermissionDenied);
      expect(err.rawMessage).toContain("needs the publisher role");
      expect(err.rawMessage).toContain("api-key:reader has the reader role");
      expect(err.rawMessage).not.toContain(keys.apiKeys.reader);
    }
    await expectConnectError(client().getComponent({ name, version: "1.0.0" }, reader), Code.NotFound);
  });

  it("records the publisher's identity as the actor of its writes", async () => {
    const name = fresh(`pub-${protocol}`);
    const created = await client().createComponent(
      { component: sampleComponent({ name }) },
      bearer(keys.apiKeys.publisher),
    );
    const [event] = (await server.store.readEvents(Number(created.revision) - 1, 1)).filter(isComponentEvent);
    expect(event?.actor).toBe("api-key:publisher");
  });

  it("keeps a scoped publisher inside its name prefixes and providers", async () => {
    const scoped = bearer(keys.apiKeys.scoped);
    const own = fresh(`team-a-${protocol}`);
    await client().createComponent({ component: sampleComponent({ name: own, provider: "aws" }) }, scoped);
    const otherName = await expectConnectError(
      client().createComponent({ component: sampleComponent({ name: fresh(`team-b-${protocol}`) }) }, scoped),
      Code.PermissionDenied,
    );
    expect(otherName.rawMessage).toContain('names start with "team-a-"');
    const otherProvider = await expectConnectError(
      client().createComponent(
        { component: sampleComponent({ name: fresh(`team-a-${protocol}`), provider: "gcp" }) },
        scoped,
      ),
      Code.PermissionDenied,
    );
    expect(otherProvider.rawMessage).toContain('provider "aws"');
    // A component another team published under a matching name, with another provider, stays out of reach.
    const foreign = fresh(`team-a-gcp-${protocol}`);
    await client().createComponent(
      { component: sampleComponent({ name: foreign, provider: "gcp" }) },
      bearer(keys.apiKeys.admin),
    );
    await expectConnectError(
      client().deleteComponent({ name: foreign, allVersions: true }, scoped),
      Code.PermissionDenied,
    );
    await client().deleteComponent({ name: own, allVersions: true }, scoped);
  });

  it.each(["RS256", "ES256", "HS256"] as const)("accepts a valid %s JWT and records its subject", async (alg) => {
    const token = signJwt(keys, { alg, claims: { sub: `bob-${alg}`, roles: ["publisher"] } });
    const name = fresh(`jwt-${alg.toLowerCase()}-${protocol}`);
    const created = await client().createComponent({ component: sampleComponent({ name }) }, bearer(token));
    const [event] = (await server.store.readEvents(Number(created.revision) - 1, 1)).filter(isComponentEvent);
    expect(event?.component.name).toBe(name);
    expect(event?.actor).toBe(`jwt:bob-${alg}@${ISSUER}`);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const badTokens: [string, () => string, string][] = [
    ["expired", () => signJwt(keys, { claims: { exp: now() - 3600 } }), "expired"],
    ["expired past the skew", () => signJwt(keys, { claims: { exp: now() - 61 } }), "expired"],
    ["not valid yet", () => signJwt(keys, { claims: { nbf: now() + 3600 } }), "not valid yet"],
    ["for another audience", () => signJwt(keys, { claims: { aud: "someone-else" } }), "audience"],
    ["from an unknown issuer", () => signJwt(keys, { claims: { iss: "https://evil.test" } }), "issuer is not trusted"],
    ["without expiry", () => signJwt(keys, { claims: { exp: undefined } }), "no expiry"],
    ["unsigned (alg none)", () => signJwt(keys, { alg: "none" }), "algorithm is not accepted"],
    ["forged (claims changed after signing)", () => forge(signJwt(keys), { roles: ["admin"] }), "signature"],
    ["signed with the RSA public key as an HMAC secret", () => confused(keys), "signature"],
    ["with a key id nobody published", () => signJwt(keys, { kid: "rsa-unknown", alg: "HS256" }), "signature"],
  ];
  it.each(badTokens)("refuses a JWT %s as UNAUTHENTICATED without echoing it", async (_what, make, reason) => {
    const token = make();
    const err = await expectConnectError(client().listComponents({}, bearer(token)), Code.Unauthenticated);
    expect(err.rawMessage).toContain(reason);
    for (const part of token.split(".").filter((p) => p.length > 8)) expect(err.rawMessage).not.toContain(part);
  });

  it("accepts a JWT that expired within the clock skew", async () => {
    await client().listComponents({}, bearer(signJwt(keys, { claims: { exp: now() - 5 } })));
  });

  it("denies a valid JWT that carries no role", async () => {
    const err = await expectConnectError(
      client().listComponents({}, bearer(signJwt(keys, { claims: { roles: [] } }))),
      Code.PermissionDenied,
    );
    expect(err.rawMessage).toContain("needs the reader role");
    expect(err.rawMessage).toContain("has no role");
  });
});

/** Replaces the claims of a signed token, keeping the old signature. */
function forge(token: string, claims: Record<string, unknown>): string {
  const [header, payload, signature] = token.split(".") as [string, string, string];
  const original = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
  return `${header}.${Buffer.from(JSON.stringify({ ...original, ...claims })).toString("base64url")}.${signature}`;
}

/** The algorithm-confusion attack: HS256 keyed with the RSA public key's PEM. */
function confused(material: KeyMaterial): string {
  const pem = createPublicKey(material.rsa).export({ format: "pem", type: "spki" });
  const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: ISSUER, aud: AUDIENCE, sub: "mallory", exp: now + 60, roles: ["admin"] };
  const signed = `${encode({ alg: "HS256", kid: "rsa-1" })}.${encode(claims)}`;
  return `${signed}.${createHmac("sha256", pem).update(signed).digest("base64url")}`;
}

describe("more than one credential", () => {
  const CREATE = "/nestor.catalog.v1.CatalogService/CreateComponent";
  const request = (name: string) => create(CreateComponentRequestSchema, { component: sampleComponent({ name }) });
  const createBody = (name: string) => Buffer.from(toBinary(CreateComponentRequestSchema, request(name)));
  /** A CreateComponent with these authorization headers, in this order, over one protocol. */
  const senders: Record<Protocol, (name: string, values: string[]) => Promise<Outcome>> = {
    grpc: (name, values) =>
      curlGrpcCall(
        server.url + CREATE,
        frame(createBody(name)),
        values.map((value) => ["authorization", value]),
      ),
    "grpc-web": async (name, values) => {
      const answer = await http1Request(server.url + CREATE, frame(createBody(name)), {
        "content-type": "application/grpc-web+proto",
        authorization: values,
      });
      return grpcWebOutcome(answer.headers, answer.body);
    },
    connect: async (name, values) => {
      const answer = await http1Request(
        server.url + CREATE,
        toJsonString(CreateComponentRequestSchema, request(name)),
        {
          "content-type": "application/json",
          authorization: values,
        },
      );
      return connectOutcome(answer.status, answer.body);
    },
  };
  const orders: [string, (k: KeyMaterial["apiKeys"]) => [string, string]][] = [
    ["a publisher key, then garbage", (k) => [`Bearer ${k.publisher}`, "Bearer garbage"]],
    ["a publisher key, then a reader key", (k) => [`Bearer ${k.publisher}`, `Bearer ${k.reader}`]],
    ["a reader key, then a publisher key", (k) => [`Bearer ${k.reader}`, `Bearer ${k.publisher}`]],
    ["the same publisher key twice", (k) => [`Bearer ${k.publisher}`, `Bearer ${k.publisher}`]],
  ];

  it.each(PROTOCOLS.flatMap((protocol) => orders.map(([label, values]) => [protocol, label, values] as const)))(
    "refuses two authorization headers over %s (%s) as UNAUTHENTICATED, writing nothing",
    async (protocol, _label, values) => {
      const name = fresh("two-keys");
      const outcome = await senders[protocol](name, values(keys.apiKeys));
      expect(outcome).toEqual({
        code: "unauthenticated",
        message: "the request carries 2 authorization headers; send exactly one credential",
      });
      await expectConnectError(clients.clients.grpc.getComponent({ name }, bearer(keys.apiKeys.reader)), Code.NotFound);
    },
  );

  it.each(PROTOCOLS)("still takes one authorization header over %s", async (protocol) => {
    const name = fresh("one-key");
    const outcome = await senders[protocol](name, [`Bearer ${keys.apiKeys.publisher}`]);
    expect(outcome.code).toBe("ok");
    await clients.clients.grpc.getComponent({ name }, bearer(keys.apiKeys.reader));
  });
});

describe("open and admin-only methods", () => {
  it("answers health checks without credentials", async () => {
    const health = createClient(Health, createGrpcTransport({ baseUrl: server.url }));
    const response = await health.check({ service: "" });
    expect(response.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
  });

  it("keeps SyncService for admins: a publisher is denied naming the admin role", async () => {
    const sync = createClient(SyncService, createGrpcTransport({ baseUrl: server.url }));
    const err = await expectConnectError(
      sync.listSyncStatuses({}, bearer(keys.apiKeys.publisher)),
      Code.PermissionDenied,
    );
    expect(err.rawMessage).toContain("needs the admin role");
    await sync.listSyncStatuses({}, bearer(keys.apiKeys.admin));
  });
});

describe("logs", () => {
  it("name the caller's identity on every call and never contain a secret", async () => {
    await clients.clients.grpc.listComponents({}, bearer(keys.apiKeys.reader));
    await rejection(
      clients.clients.grpc.createComponent(
        { component: sampleComponent({ name: fresh("log") }) },
        bearer(keys.apiKeys.reader),
      ),
    );
    const text = logLines.join("\n");
    expect(text).toContain('"identity":"api-key:reader"');
    for (const secret of Object.values(keys.apiKeys)) expect(text).not.toContain(secret);
    expect(text).not.toContain(keys.hmac.toString("base64url"));
  });
});

async function rejection(promise: Promise<unknown>): Promise<void> {
  await promise.then(
    () => {
      throw new Error("expected a failure");
    },
    () => undefined,
  );
}

describe("limits", () => {
  it("answers RESOURCE_EXHAUSTED with RetryInfo past an identity's burst, not slowing other identities", async () => {
    const limited = await start((config) => {
      config.server.limits = { requestsPerSecond: 0.01, burst: 3, maxStreamsPerIdentity: 0 };
    });
    const own = protocolClients(limited.url);
    try {
      const reader = bearer(keys.apiKeys.reader);
      for (let i = 0; i < 3; i++) await own.clients.grpc.listComponents({}, reader);
      for (const protocol of PROTOCOLS) {
        const err = await expectConnectError(own.clients[protocol].listComponents({}, reader), Code.ResourceExhausted);
        expect(err.rawMessage).toContain("rate limit exceeded for api-key:reader");
        const retry = err.findDetails(RetryInfoSchema)[0];
        expect(retry?.retryDelay?.seconds).toBeGreaterThan(0n);
      }
      await own.clients.connect.listComponents({}, bearer(keys.apiKeys.publisher));
    } finally {
      own.close();
      await limited.shutdown();
    }
  });

  it("caps the open streams of one identity and frees the slot when a stream ends", async () => {
    const capped = await start((config) => {
      config.server.limits = { requestsPerSecond: 0, burst: 0, maxStreamsPerIdentity: 1 };
    });
    const own = protocolClients(capped.url);
    try {
      const reader = bearer(keys.apiKeys.reader);
      const first = new AbortController();
      const stream = own.clients.grpc.watchEvents({ startRevision: 0n }, { ...reader, signal: first.signal });
      const iterator = stream[Symbol.asyncIterator]();
      await iterator.next();
      const err = await expectConnectError(
        drain(own.clients.connect.watchEvents({ startRevision: 0n }, reader)),
        Code.ResourceExhausted,
      );
      expect(err.rawMessage).toContain("already holds 1 open streams");
      // Another identity has its own allowance.
      const other = own.clients["grpc-web"]
        .watchEvents({ startRevision: 0n }, bearer(keys.apiKeys.publisher))
        [Symbol.asyncIterator]();
      await other.next();
      await other.return?.();
      first.abort();
      await iterator.next().catch(() => undefined);
      await vi.waitFor(
        async () => {
          const again = own.clients.grpc.watchEvents({ startRevision: 0n }, reader)[Symbol.asyncIterator]();
          await again.next();
          await again.return?.();
        },
        { timeout: 5_000, interval: 100 },
      );
    } finally {
      own.close();
      await capped.shutdown();
    }
  });
});

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) return;
}

describe("JWKS URL", () => {
  let jwksServer: Server;
  let served = 0;

  beforeAll(async () => {
    jwksServer = createServer((_req, res) => {
      served += 1;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(readFileSync(keys.jwksFile));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
  });
  afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));

  it("verifies tokens against keys fetched from a loopback JWKS URL", async () => {
    const url = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
    const remote = await start((config) => {
      config.auth.jwt.issuers[0]!.jwksFile = "";
      config.auth.jwt.issuers[0]!.jwksUrl = url;
    });
    const own = protocolClients(remote.url);
    try {
      expect(served).toBe(1);
      await own.clients.connect.listComponents({}, bearer(signJwt(keys, { alg: "ES256" })));
      const err = await expectConnectError(
        own.clients.grpc.listComponents({}, bearer(forge(signJwt(keys), { sub: "eve" }))),
        Code.Unauthenticated,
      );
      expect(err).toBeInstanceOf(ConnectError);
    } finally {
      own.close();
      await remote.shutdown();
    }
  });
});
