/**
 * Shared setup for the security suites: key material (API keys, RSA / P-256 /
 * HMAC JWT keys, a JWKS file, a CA with server and client certificates made
 * by the openssl CLI), JWT signing, and one Connect-ES client per protocol
 * (gRPC, gRPC-Web, Connect JSON) for a running server.
 */
import { execFileSync } from "node:child_process";
import { createHmac, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Client, createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
  Http2SessionManager,
} from "@connectrpc/connect-node";
import { afterAll, beforeAll } from "vitest";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { hashApiKey } from "../../src/api/auth/index.js";
import type { CatalogConfig } from "../../src/config/schema.js";

export const ISSUER = "https://issuer.test";
export const AUDIENCE = "nestor-catalog";

export interface KeyMaterial {
  dir: string;
  apiKeys: { reader: string; publisher: string; scoped: string; admin: string };
  rsa: KeyObject;
  ec: KeyObject;
  hmac: Buffer;
  jwksFile: string;
}

export function makeKeyMaterial(dir: string): KeyMaterial {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const hmac = randomBytes(32);
  const jwks = {
    keys: [
      { ...rsa.publicKey.export({ format: "jwk" }), kid: "rsa-1", use: "sig" },
      { ...ec.publicKey.export({ format: "jwk" }), kid: "ec-1" },
      { kty: "oct", k: hmac.toString("base64url"), kid: "hs-1" },
    ],
  };
  const jwksFile = join(dir, "jwks.json");
  writeFileSync(jwksFile, JSON.stringify(jwks));
  const key = () => `nck_${randomBytes(24).toString("base64url")}`;
  return {
    dir,
    apiKeys: { reader: key(), publisher: key(), scoped: key(), admin: key() },
    rsa: rsa.privateKey,
    ec: ec.privateKey,
    hmac,
    jwksFile,
  };
}

/** Auth config: four API keys (reader, publisher, a publisher scoped to "team-a-" / aws, admin) and one JWT issuer. */
export function withAuth(keys: KeyMaterial): (config: CatalogConfig) => void {
  return (config) => {
    config.auth.apiKeys = [
      { name: "reader", hash: hashApiKey(keys.apiKeys.reader), role: "reader", namePrefixes: [], providers: [] },
      {
        name: "publisher",
        hash: hashApiKey(keys.apiKeys.publisher),
        role: "publisher",
        namePrefixes: [],
        providers: [],
      },
      {
        name: "team-a",
        hash: hashApiKey(keys.apiKeys.scoped),
        role: "publisher",
        namePrefixes: ["team-a-"],
        providers: ["aws"],
      },
      { name: "ops", hash: hashApiKey(keys.apiKeys.admin), role: "admin", namePrefixes: [], providers: [] },
    ];
    config.auth.jwt.issuers = [
      {
        issuer: ISSUER,
        audiences: [AUDIENCE],
        jwksFile: keys.jwksFile,
        jwksUrl: "",
        algorithms: ["RS256", "ES256", "HS256"],
        rolesClaim: "roles",
        defaultRole: "",
        namePrefixesClaim: "nestor_name_prefixes",
        providersClaim: "nestor_providers",
      },
    ];
  };
}

type Alg = "RS256" | "ES256" | "HS256" | "none";

/** A signed compact JWT. Claims default to a valid reader token for ISSUER/AUDIENCE, valid for 5 minutes. */
export function signJwt(
  keys: KeyMaterial,
  options: { alg?: Alg; kid?: string; claims?: Record<string, unknown>; header?: Record<string, unknown> } = {},
): string {
  const alg = options.alg ?? "RS256";
  const now = Math.floor(Date.now() / 1000);
  const header = {
    alg,
    typ: "JWT",
    kid: options.kid ?? { RS256: "rsa-1", ES256: "ec-1", HS256: "hs-1", none: undefined }[alg],
    ...options.header,
  };
  const claims = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: "alice",
    iat: now,
    exp: now + 300,
    roles: ["reader"],
    ...options.claims,
  };
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const signed = `${encode(header)}.${encode(claims)}`;
  const data = Buffer.from(signed);
  let signature: Buffer;
  if (alg === "RS256") signature = sign("sha256", data, keys.rsa);
  else if (alg === "ES256") signature = sign("sha256", data, { key: keys.ec, dsaEncoding: "ieee-p1363" });
  else if (alg === "HS256") signature = createHmac("sha256", keys.hmac).update(data).digest();
  else signature = Buffer.alloc(0);
  return `${signed}.${signature.toString("base64url")}`;
}

export type CatalogClient = Client<typeof CatalogService>;
export type Protocol = "grpc" | "grpc-web" | "connect";
export const PROTOCOLS: Protocol[] = ["grpc", "grpc-web", "connect"];

export interface ProtocolClients {
  clients: Record<Protocol, CatalogClient>;
  close(): void;
}

/** One client per protocol; gRPC over HTTP/2, gRPC-Web and Connect (JSON) over HTTP/1.1. */
export function protocolClients(baseUrl: string, nodeOptions: Record<string, unknown> = {}): ProtocolClients {
  const sessions = new Http2SessionManager(baseUrl, undefined, nodeOptions);
  return {
    clients: {
      grpc: createClient(CatalogService, createGrpcTransport({ baseUrl, sessionManager: sessions, nodeOptions })),
      "grpc-web": createClient(CatalogService, createGrpcWebTransport({ baseUrl, httpVersion: "1.1", nodeOptions })),
      connect: createClient(
        CatalogService,
        createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false, nodeOptions }),
      ),
    },
    close: () => sessions.abort(),
  };
}

/**
 * For a test file: one client per protocol against `baseUrl()` (read once its servers are up), made before the
 * file's tests and closed after them. Returns the client of a protocol.
 */
export function useProtocolClients(baseUrl: () => string): (protocol: Protocol) => CatalogClient {
  let opened: ProtocolClients | undefined;
  beforeAll(() => {
    opened = protocolClients(baseUrl());
  });
  afterAll(() => opened?.close());
  return (protocol) => {
    if (!opened) throw new Error("protocol clients are used before the file's beforeAll ran");
    return opened.clients[protocol];
  };
}

export function bearer(token: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${token}` } };
}

export interface Certificates {
  caFile: string;
  caKeyFile: string;
  certFile: string;
  keyFile: string;
  /** Client certificate with CN=publisher.example (and a SAN URI). */
  clientCertFile: string;
  clientKeyFile: string;
  /** A client certificate from a CA the server does not trust. */
  strangerCertFile: string;
  strangerKeyFile: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: "pipe" });
}

/** A CA and certificates signed by it: server (127.0.0.1, localhost) and client; plus a client from another CA. */
export function makeCertificates(dir: string): Certificates {
  const ca = (name: string) => {
    openssl(
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.crt`,
        "-days",
        "2",
        "-subj",
        `/CN=${name}`,
      ],
      dir,
    );
  };
  ca("ca");
  ca("other-ca");
  serverCertificate(dir, "server", "ca");
  leaf(dir, "client", "ca", "/CN=publisher.example", "subjectAltName=URI:spiffe://nestor.test/publisher");
  leaf(dir, "stranger", "other-ca", "/CN=publisher.example", "subjectAltName=DNS:stranger.example");
  return {
    caFile: join(dir, "ca.crt"),
    caKeyFile: join(dir, "ca.key"),
    certFile: join(dir, "server.crt"),
    keyFile: join(dir, "server.key"),
    clientCertFile: join(dir, "client.crt"),
    clientKeyFile: join(dir, "client.key"),
    strangerCertFile: join(dir, "stranger.crt"),
    strangerKeyFile: join(dir, "stranger.key"),
  };
}

/** (Re)issues the server certificate `name`.crt/.key, signed by `caName`, for 127.0.0.1 and localhost. */
export function serverCertificate(dir: string, name: string, caName: string, cn = "nestor-server"): void {
  leaf(dir, name, caName, `/CN=${cn}`, "subjectAltName=IP:127.0.0.1,DNS:localhost");
}

function leaf(dir: string, name: string, caName: string, subject: string, extension: string): void {
  openssl(
    [
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      `${name}.key.new`,
      "-out",
      `${name}.csr`,
      "-subj",
      subject,
    ],
    dir,
  );
  writeFileSync(join(dir, `${name}.ext`), `${extension}\n`);
  openssl(
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${caName}.crt`,
      "-CAkey",
      `${caName}.key`,
      "-CAcreateserial",
      "-out",
      `${name}.crt.new`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
    ],
    dir,
  );
  // Rename both into place, key first, so a watcher never sees a certificate without its key for long.
  execFileSync("mv", [`${name}.key.new`, `${name}.key`], { cwd: dir });
  execFileSync("mv", [`${name}.crt.new`, `${name}.crt`], { cwd: dir });
}
