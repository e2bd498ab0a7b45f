/**
 * Transport security against real servers: TLS with a minimum of 1.2,
 * client certificates (mTLS) mapped to identities over all three protocols,
 * certificates from an untrusted CA, required client certificates,
 * certificate hot reload, the loopback-only default without authentication,
 * --insecure, the hash-key command and the auth config rules.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tls from "node:tls";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { hashApiKey, isLoopbackHost } from "../../src/api/auth/index.js";
import { type CatalogServer, startCatalogServer } from "../../src/app.js";
import { ConfigError, loadConfig } from "../../src/config/load.js";
import type { CatalogConfig } from "../../src/config/schema.js";
import { createLogger, silentLogger } from "../../src/logging/index.js";
import { expectConnectError, repoRoot, sampleComponent, tempDir, testConfig } from "../api/harness.js";
import {
  bearer,
  type Certificates,
  makeCertificates,
  makeKeyMaterial,
  PROTOCOLS,
  protocolClients,
  serverCertificate,
  withAuth,
} from "./helpers.js";

const dir = tempDir("nestor-tls-");
const certs: Certificates = makeCertificates(dir.path);
const keys = makeKeyMaterial(dir.path);

function tlsConfig(adjust: (config: CatalogConfig) => void = () => {}): CatalogConfig {
  return testConfig((config) => {
    withAuth(keys)(config);
    config.server.tls = {
      certFile: certs.certFile,
      keyFile: certs.keyFile,
      clientCaFile: certs.caFile,
      requireClientCert: false,
      reloadIntervalMs: 100,
    };
    config.auth.clientCertificates = [
      { subject: "spiffe://nestor.test/publisher", role: "publisher", namePrefixes: [], providers: [] },
    ];
    adjust(config);
  });
}

afterAll(() => dir.remove());

describe("mTLS", () => {
  let server: CatalogServer;
  beforeAll(async () => {
    server = await startCatalogServer(tlsConfig(), silentLogger);
  });
  afterAll(() => server.shutdown());

  const ca = () => readFileSync(certs.caFile);
  const withClientCert = () => ({
    ca: ca(),
    cert: readFileSync(certs.clientCertFile),
    key: readFileSync(certs.clientKeyFile),
  });

  it.each(PROTOCOLS)(
    "maps a verified client certificate's SAN to its identity over %s and records it on writes",
    async (protocol) => {
      expect(server.url).toMatch(/^https:/);
      const own = protocolClients(server.url.replace("127.0.0.1", "localhost"), withClientCert());
      try {
        const name = `mtls-${protocol}`;
        const created = await own.clients[protocol].createComponent({ component: sampleComponent({ name }) });
        const [event] = await server.store.readEvents(Number(created.revision) - 1, 1);
        expect(event?.actor).toBe("cert:spiffe://nestor.test/publisher");
      } finally {
        own.close();
      }
    },
  );

  it.each(PROTOCOLS)(
    "treats a TLS client without a certificate as anonymous over %s (UNAUTHENTICATED), while bearer tokens still work",
    async (protocol) => {
      const own = protocolClients(server.url, { ca: ca() });
      try {
        await expectConnectError(own.clients[protocol].listComponents({}), Code.Unauthenticated);
        await own.clients[protocol].listComponents({}, bearer(keys.apiKeys.reader));
      } finally {
        own.close();
      }
    },
  );

  it.each(PROTOCOLS)(
    "refuses a bearer token beside a client certificate mapped to an identity over %s (two credentials)",
    async (protocol) => {
      const own = protocolClients(server.url.replace("127.0.0.1", "localhost"), withClientCert());
      try {
        const name = `two-credentials-${protocol}`;
        const err = await expectConnectError(
          own.clients[protocol].createComponent({ component: sampleComponent({ name }) }, bearer(keys.apiKeys.reader)),
          Code.Unauthenticated,
        );
        expect(err.rawMessage).toBe(
          "the request carries two credentials, a bearer token and a client certificate mapped to " +
            "cert:spiffe://nestor.test/publisher; send exactly one",
        );
        await expectConnectError(own.clients[protocol].getComponent({ name }), Code.NotFound);
      } finally {
        own.close();
      }
    },
  );

  it("authenticates gRPC WatchEvents (a raw HTTP/2 stream) by client certificate, refuses it without one", async () => {
    const withCert = protocolClients(server.url.replace("127.0.0.1", "localhost"), withClientCert());
    const without = protocolClients(server.url, { ca: ca() });
    try {
      const stream = withCert.clients.grpc.watchEvents({ startRevision: 0n })[Symbol.asyncIterator]();
      const first = await stream.next();
      expect(first.done).toBe(false);
      await stream.return?.();
      const err = await expectConnectError(
        (async () => {
          for await (const _ of without.clients.grpc.watchEvents({ startRevision: 0n })) return;
        })(),
        Code.Unauthenticated,
      );
      expect(err.rawMessage).toContain("WatchEvents needs the reader role");
    } finally {
      withCert.close();
      without.close();
    }
  });

  it("does not trust a certificate signed by another CA", async () => {
    const own = protocolClients(server.url, {
      ca: ca(),
      cert: readFileSync(certs.strangerCertFile),
      key: readFileSync(certs.strangerKeyFile),
    });
    try {
      await expectConnectError(own.clients.grpc.listComponents({}), Code.Unauthenticated);
    } finally {
      own.close();
    }
  });

  it("refuses handshakes below TLS 1.2", async () => {
    const outcome = await handshake(server.port, { ca: ca(), maxVersion: "TLSv1.1", minVersion: "TLSv1" });
    expect(outcome.ok).toBe(false);
    const modern = await handshake(server.port, { ca: ca(), minVersion: "TLSv1.2" });
    expect(modern.ok).toBe(true);
  });
});

describe("required client certificates", () => {
  it("refuses a handshake without a client certificate and accepts one with it", async () => {
    const server = await startCatalogServer(
      tlsConfig((config) => (config.server.tls.requireClientCert = true)),
      silentLogger,
    );
    try {
      const ca = readFileSync(certs.caFile);
      expect((await handshake(server.port, { ca, probe: true })).ok).toBe(false);
      const own = protocolClients(server.url, {
        ca,
        cert: readFileSync(certs.clientCertFile),
        key: readFileSync(certs.clientKeyFile),
      });
      try {
        await own.clients.connect.listComponents({});
      } finally {
        own.close();
      }
    } finally {
      await server.shutdown();
    }
  });
});

describe("certificate hot reload", () => {
  it("serves a rotated certificate on new connections without a restart", async () => {
    const own = tempDir("nestor-reload-");
    try {
      for (const file of ["ca.crt", "ca.key"]) writeFileSync(join(own.path, file), readFileSync(join(dir.path, file)));
      serverCertificate(own.path, "server", "ca", "before-rotation");
      const logged: string[] = [];
      const server = await startCatalogServer(
        tlsConfig((config) => {
          config.server.tls = {
            ...config.server.tls,
            certFile: join(own.path, "server.crt"),
            keyFile: join(own.path, "server.key"),
          };
        }),
        createLogger({ level: "info", format: "json", write: (line) => logged.push(line) }),
      );
      try {
        const ca = readFileSync(certs.caFile);
        expect((await handshake(server.port, { ca })).subjectCn).toBe("before-rotation");
        serverCertificate(own.path, "server", "ca", "after-rotation");
        await vi.waitFor(async () => expect((await handshake(server.port, { ca })).subjectCn).toBe("after-rotation"), {
          timeout: 6_000,
          interval: 100,
        });
        // A broken rotation (a key that does not match) keeps the previous certificate.
        writeFileSync(join(own.path, "server.key"), readFileSync(certs.clientKeyFile));
        await vi.waitFor(() => expect(logged.join("\n")).toContain("TLS files changed but cannot be used"), {
          timeout: 6_000,
          interval: 50,
        });
        expect((await handshake(server.port, { ca })).subjectCn).toBe("after-rotation");
      } finally {
        await server.shutdown();
      }
    } finally {
      own.remove();
    }
  });
});

describe("secure by default", () => {
  it("refuses to listen on a non-loopback address without authentication", async () => {
    const config = testConfig((c) => (c.server.host = "0.0.0.0"));
    await expect(startCatalogServer(config, silentLogger)).rejects.toThrow(
      /refusing to listen on 0\.0\.0\.0 without authentication.*--insecure/,
    );
  });

  it("starts with --insecure and warns at every start", async () => {
    for (let start = 0; start < 2; start++) {
      const lines: string[] = [];
      const server = await startCatalogServer(
        testConfig((c) => {
          c.server.host = "0.0.0.0";
          c.server.insecure = true;
        }),
        createLogger({ level: "info", format: "json", write: (line) => lines.push(line) }),
      );
      await server.shutdown();
      expect(lines.some((line) => line.includes('"level":"warn"') && line.includes("INSECURE"))).toBe(true);
    }
  });

  it("listens anywhere once authentication is configured", async () => {
    const server = await startCatalogServer(
      testConfig((c) => {
        withAuth(keys)(c);
        c.server.host = "0.0.0.0";
      }),
      silentLogger,
    );
    await server.shutdown();
  });

  it("knows which hosts are loopback", () => {
    expect(["127.0.0.1", "127.1.2.3", "::1", "localhost", "::ffff:127.0.0.1"].every(isLoopbackHost)).toBe(true);
    expect(["0.0.0.0", "::", "10.0.0.1", "example.com", ""].some(isLoopbackHost)).toBe(false);
  });
});

describe("nestor-catalog hash-key", () => {
  const cli = (args: string[], input?: string) =>
    execFileSync(process.execPath, ["--import", "tsx", join(repoRoot, "src/main.ts"), ...args], {
      cwd: repoRoot,
      input,
      encoding: "utf8",
      stdio: ["pipe", "pipe", "pipe"],
    });

  it("prints a new key and the hash the config takes", () => {
    const out = cli(["hash-key"]);
    const key = /key: +(\S+)/.exec(out)?.[1];
    const hash = /hash: +(\S+)/.exec(out)?.[1];
    expect(key).toMatch(/^nck_[A-Za-z0-9_-]{43}$/);
    expect(hash).toBe(hashApiKey(key!));
  });

  it("hashes a key read from standard input", () => {
    expect(cli(["hash-key", "--stdin"], "my-key\n").trim()).toBe(hashApiKey("my-key"));
  });
});

describe("auth config", () => {
  const load = (yaml: string, env: NodeJS.ProcessEnv = {}) => {
    const file = join(dir.path, `config-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    return loadConfig({ file, env });
  };

  it("reads API keys, issuers and limits from YAML, filling item defaults", () => {
    const config = load(`
server:
  limits: { requestsPerSecond: 10, burst: 20, maxStreamsPerIdentity: 4 }
auth:
  apiKeys:
    - { name: ci, hash: "${hashApiKey("k")}", role: publisher, namePrefixes: [team-a-] }
  jwt:
    issuers:
      - { issuer: "https://id.example", audiences: [nestor], jwksFile: /etc/jwks.json }
`);
    expect(config.auth.apiKeys[0]).toEqual({
      name: "ci",
      hash: hashApiKey("k"),
      role: "publisher",
      namePrefixes: ["team-a-"],
      providers: [],
    });
    expect(config.auth.jwt.issuers[0]?.algorithms).toEqual(["RS256", "ES256"]);
    expect(config.server.limits.maxStreamsPerIdentity).toBe(4);
  });

  it("reads API keys from NESTOR_AUTH_API_KEYS as JSON", () => {
    const config = loadConfig({
      env: { NESTOR_AUTH_API_KEYS: JSON.stringify([{ name: "ops", hash: hashApiKey("x"), role: "admin" }]) },
    });
    expect(config.auth.apiKeys[0]?.role).toBe("admin");
  });

  it.each([
    [
      "a plain key instead of a hash",
      `auth: { apiKeys: [ { name: a, hash: "secret-key" } ] }`,
      /hash must be "sha256:"/,
    ],
    [
      "an unknown role",
      `auth: { apiKeys: [ { name: a, hash: "${hashApiKey("a")}", role: root } ] }`,
      /role must be one of reader, publisher, admin/,
    ],
    [
      "an issuer without audiences",
      `auth: { jwt: { issuers: [ { issuer: x, jwksFile: f } ] } }`,
      /audiences must name at least one/,
    ],
    [
      "an unsupported algorithm",
      `auth: { jwt: { issuers: [ { issuer: x, audiences: [a], jwksFile: f, algorithms: [none] } ] } }`,
      /algorithms\[0\] must be one of RS256, ES256, HS256 \(got "none"\)/,
    ],
    [
      "client certificates without a client CA",
      `auth: { clientCertificates: [ { subject: x } ] }`,
      /needs server.tls.clientCaFile/,
    ],
    [
      "an unknown key in an item",
      `auth: { apiKeys: [ { name: a, hash: "${hashApiKey("a")}", secret: y } ] }`,
      /unknown key "auth.apiKeys\[0\].secret"/,
    ],
    ["a negative limit", `server: { limits: { burst: -1 } }`, /server.limits.burst must be 0/],
  ])("refuses %s", (_what, yaml, message) => {
    expect(() => load(yaml)).toThrow(ConfigError);
    expect(() => load(yaml)).toThrow(message);
  });
});

interface HandshakeOutcome {
  ok: boolean;
  subjectCn: string | undefined;
}

/**
 * One TLS handshake to the server; with `probe`, also waits for the server's verdict on a missing client
 * certificate (TLS 1.3 reports it after the handshake).
 */
function handshake(port: number, options: tls.ConnectionOptions & { probe?: boolean }): Promise<HandshakeOutcome> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      servername: "localhost",
      ALPNProtocols: ["http/1.1"],
      ...options,
    });
    let settled = false;
    const done = (outcome: HandshakeOutcome) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(outcome);
    };
    socket.once("secureConnect", () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      const outcome = { ok: socket.authorized, subjectCn: typeof cn === "string" ? cn : undefined };
      if (!options.probe) return done(outcome);
      socket.write("GET / HTTP/1.1\r\nhost: localhost\r\n\r\n");
      socket.once("data", () => done(outcome));
      socket.once("end", () => done({ ok: false, subjectCn: undefined }));
    });
    socket.once("error", () => done({ ok: false, subjectCn: undefined }));
  });
}
