/**
 * An issuer's keys (src/api/auth/jwks.ts + jwt.ts on jose): weak keys stop a
 * JWKS file from loading, a rotated file is picked up without a restart, and
 * a JWKS URL that goes away keeps verifying with the keys fetched before.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { JwtVerifier } from "../../src/api/auth/jwt.js";
import { DEFAULT_CONFIG, type JwtIssuerConfig } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { AUDIENCE, ISSUER, makeKeyMaterial, signJwt } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "nestor-jwks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function issuer(overrides: Partial<JwtIssuerConfig>): JwtIssuerConfig {
  return {
    issuer: ISSUER,
    audiences: [AUDIENCE],
    jwksFile: "",
    jwksUrl: "",
    algorithms: ["RS256", "ES256", "HS256"],
    rolesClaim: "roles",
    defaultRole: "",
    namePrefixesClaim: "nestor_name_prefixes",
    providersClaim: "nestor_providers",
    ...overrides,
  };
}

function verifier(config: JwtIssuerConfig): JwtVerifier {
  return new JwtVerifier({
    issuers: [config],
    clockSkewSeconds: DEFAULT_CONFIG.auth.jwt.clockSkewSeconds,
    logger: silentLogger,
  });
}

function jwksFile(name: string, keys: unknown[]): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ keys }));
  return file;
}

describe("JWT issuer keys", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("refuses to load an RSA key under 2048 bits, naming the key", async () => {
    const weak = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const file = jwksFile("weak-rsa.json", [{ ...weak.publicKey.export({ format: "jwk" }), kid: "weak" }]);
    await expect(verifier(issuer({ jwksFile: file })).load()).rejects.toThrow(
      /keys\[0\]: RSA key of 1024 bits; at least 2048 are required/,
    );
  });

  it("refuses to load an HMAC secret under 32 bytes", async () => {
    const file = jwksFile("weak-hmac.json", [{ kty: "oct", k: randomBytes(16).toString("base64url") }]);
    await expect(verifier(issuer({ jwksFile: file })).load()).rejects.toThrow(/HS256 secret of 16 bytes/);
  });

  it("picks up a rotated JWKS file without a restart", async () => {
    const before = makeKeyMaterial(mkdtempSync(join(dir, "before-")));
    const after = makeKeyMaterial(mkdtempSync(join(dir, "after-")));
    const file = join(dir, "rotating.json");
    writeFileSync(file, readJwks(before.jwksFile));
    const jwt = verifier(issuer({ jwksFile: file }));
    await jwt.load();
    const claims = { sub: "rotating", roles: ["reader"] };
    expect((await jwt.verify(signJwt(before, { claims }))).name).toBe(`jwt:rotating@${ISSUER}`);
    writeFileSync(file, readJwks(after.jwksFile));
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    expect((await jwt.verify(signJwt(after, { claims }))).name).toBe(`jwt:rotating@${ISSUER}`);
    await expect(jwt.verify(signJwt(before, { claims }))).rejects.toThrow(/signature does not verify/);
  });

  it("keeps verifying with the keys fetched before when the JWKS URL goes away", async () => {
    const keys = makeKeyMaterial(mkdtempSync(join(dir, "url-")));
    let serving = true;
    const server: Server = createServer((_req, res) => {
      if (!serving) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(readJwks(keys.jwksFile));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
      vi.useFakeTimers({ toFake: ["Date"] });
      const jwt = verifier(issuer({ jwksUrl: url }));
      await jwt.load();
      const token = () => signJwt(keys, { claims: { sub: "remote", roles: ["reader"] } });
      expect((await jwt.verify(token())).name).toBe(`jwt:remote@${ISSUER}`);
      serving = false;
      // Past the cache's age and its cooldown: jose fetches again, that fails, the keys fetched before still verify.
      vi.setSystemTime(Date.now() + 11 * 60_000);
      expect((await jwt.verify(token())).name).toBe(`jwt:remote@${ISSUER}`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

function readJwks(file: string): string {
  return readFileSync(file, "utf8");
}
