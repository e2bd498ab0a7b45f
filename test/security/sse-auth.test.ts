/**
 * GET /v1/events under authentication, through `curl -N` against a real
 * server: the RPC's own checks (credentials, the reader role WatchEvents
 * needs, rate limits) answered as HTTP statuses (401 with WWW-Authenticate,
 * 403, 429 with Retry-After), and the per-identity stream limit counting
 * event streams and WatchEvents streams together.
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type CatalogServer, startCatalogServer } from "../../src/app.js";
import type { CallLimitsConfig } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { expectConnectError, tempDir, testConfig, useAuthenticatedServer } from "../api/harness.js";
import { CurlEventStream, curlOnce } from "../support/sse-curl.js";
import { bearer, makeKeyMaterial, protocolClients, signJwt, withAuth } from "./helpers.js";

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function refusal(url: string, headers: Record<string, string> = {}) {
  const answer = await curlOnce(`${url}/v1/events`, { headers });
  return { ...answer, json: JSON.parse(answer.body) as { code: string; message: string } };
}

describe("credentials and roles", () => {
  const running = useAuthenticatedServer("nestor-sse-auth-");
  const url = () => running.server.url;

  it("answers 401 with WWW-Authenticate without credentials, naming the role needed", async () => {
    const { status, headers, json } = await refusal(url());
    expect(status).toBe(401);
    expect(headers).toMatch(/^www-authenticate: Bearer/im);
    expect(json.code).toBe("unauthenticated");
    expect(json.message).toContain("WatchEvents needs the reader role");
  });

  it("answers 401 before looking at the parameters", async () => {
    const answer = await curlOnce(`${url()}/v1/events?start_revision=ten`);
    expect(answer.status).toBe(401);
  });

  it("answers 401 to an unknown API key without echoing it, and to a malformed header", async () => {
    const guess = `nck_${"y".repeat(40)}`;
    const unknown = await refusal(url(), auth(guess));
    expect(unknown.status).toBe(401);
    expect(unknown.json.message).toContain("not a known API key");
    expect(unknown.body).not.toContain(guess);
    const malformed = await refusal(url(), { authorization: "Basic abc" });
    expect(malformed.status).toBe(401);
    expect(malformed.json.message).toContain('"Bearer <token>"');
  });

  it("answers 403 to a caller without the reader role, naming the role and the caller", async () => {
    const token = signJwt(running.keys, { claims: { sub: "mallory", roles: [] } });
    const { status, json } = await refusal(url(), auth(token));
    expect(status).toBe(403);
    expect(json.code).toBe("permission_denied");
    expect(json.message).toContain("needs the reader role");
    expect(json.message).toContain("has no role");
  });

  it("streams to a reader API key and to a reader JWT", async () => {
    for (const token of [running.keys.apiKeys.reader, signJwt(running.keys)]) {
      const stream = new CurlEventStream(`${url()}/v1/events`, { headers: auth(token) });
      try {
        expect(await stream.next()).toMatchObject({ event: "progress" });
        expect(stream.status).toBe(200);
      } finally {
        await stream.close();
      }
    }
  });
});

describe("limits", () => {
  const dir = tempDir("nestor-sse-limits-");
  const keys = makeKeyMaterial(dir.path);
  const servers: CatalogServer[] = [];
  const start = async (limits: CallLimitsConfig) => {
    const server = await startCatalogServer(
      testConfig((config) => {
        withAuth(keys)(config);
        config.server.limits = limits;
      }),
      silentLogger,
    );
    servers.push(server);
    return server;
  };
  afterAll(async () => {
    for (const server of servers) await server.shutdown();
    dir.remove();
  });

  let capped: CatalogServer;
  beforeAll(async () => {
    capped = await start({ requestsPerSecond: 0, burst: 0, maxStreamsPerIdentity: 1 });
  });

  it("counts an identity's event streams and WatchEvents streams together, frees the slot when one ends", async () => {
    const clients = protocolClients(capped.url);
    const reader = auth(keys.apiKeys.reader);
    const open = new CurlEventStream(`${capped.url}/v1/events`, { headers: reader });
    try {
      await open.next();
      const second = await refusal(capped.url, reader);
      expect(second.status).toBe(429);
      expect(second.json.code).toBe("resource_exhausted");
      expect(second.json.message).toContain("already holds 1 open streams (server.limits.maxStreamsPerIdentity)");
      const watch = clients.clients.grpc.watchEvents({ startRevision: 0n }, bearer(keys.apiKeys.reader));
      await expectConnectError(watch[Symbol.asyncIterator]().next(), Code.ResourceExhausted);
      // Another identity has its own allowance.
      const other = new CurlEventStream(`${capped.url}/v1/events`, { headers: auth(keys.apiKeys.publisher) });
      expect(await other.next()).toMatchObject({ event: "progress" });
      await other.close();
    } finally {
      await open.close();
    }
    // The closed stream's slot comes back; a WatchEvents stream then holds it against event streams.
    const abort = new AbortController();
    await vi.waitFor(
      async () => {
        const watch = clients.clients.grpc.watchEvents(
          { startRevision: 0n },
          { ...bearer(keys.apiKeys.reader), signal: abort.signal },
        );
        await watch[Symbol.asyncIterator]().next();
      },
      { timeout: 5_000, interval: 100 },
    );
    try {
      expect((await refusal(capped.url, reader)).status).toBe(429);
    } finally {
      abort.abort();
      clients.close();
    }
  });

  it("answers 429 with Retry-After past an identity's rate", async () => {
    const limited = await start({ requestsPerSecond: 0.01, burst: 1, maxStreamsPerIdentity: 0 });
    const reader = auth(keys.apiKeys.reader);
    const first = new CurlEventStream(`${limited.url}/v1/events`, { headers: reader });
    try {
      await first.next();
      const { status, headers, json } = await refusal(limited.url, reader);
      expect(status).toBe(429);
      expect(json.message).toContain("rate limit exceeded for api-key:reader (server.limits.requestsPerSecond)");
      expect(Number(/^retry-after: (\d+)/im.exec(headers)?.[1])).toBeGreaterThan(0);
    } finally {
      await first.close();
    }
  });
});
