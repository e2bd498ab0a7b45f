/**
 * How the catalog serves the built web app over HTTP, next to its RPC routes
 * on the same port: the fallback to index.html, cache headers, compression,
 * conditional requests, path traversal, and RPC precedence.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import * as http2 from "node:http2";
import net from "node:net";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isWebAppRequest } from "../../src/api/web-app.js";
import { type Harness, repoRoot, startHarness, tempDir } from "../api/harness.js";
import { buildWebApp } from "./browser.js";

let web: { dir: string; remove(): void };
let h: Harness;
let scriptPath: string;

beforeAll(async () => {
  web = await buildWebApp();
  h = await startHarness((config) => {
    config.server.webAppDir = web.dir;
  });
  const script = readdirSync(join(web.dir, "assets")).find((name) => name.endsWith(".js"));
  scriptPath = `/assets/${script}`;
});

afterAll(async () => {
  await h?.close();
  web?.remove();
});

const url = (path: string) => `${h.server.url}${path}`;

/** One HTTP/1.1 request with the path sent byte for byte (fetch would normalise `..` away). */
async function rawGet(port: number, path: string): Promise<{ status: number; head: string; body: string }> {
  const socket = net.connect(port, "127.0.0.1");
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  const [head = "", body = ""] = text.split("\r\n\r\n", 2);
  return { status: Number(head.split(" ")[1]), head, body };
}

describe("serving the web app at /", () => {
  it("answers / with index.html, revalidated on every load, under a content security policy", async () => {
    const res = await fetch(url("/"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("content-security-policy")).toContain("connect-src 'self'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.text()).toBe(readFileSync(join(web.dir, "index.html"), "utf8"));
  });

  it("falls back to index.html for the app's own paths, dots and all", async () => {
    const index = readFileSync(join(web.dir, "index.html"), "utf8");
    for (const path of ["/components/aws-rds-mysql/versions/1.2.0-rc.1", "/activity", "/sync?x=1", "/no/such/page"]) {
      const res = await fetch(url(path));
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toBe(index);
    }
  });

  it("serves hashed assets as immutable, compressed for clients that accept it", async () => {
    const identity = await fetch(url(scriptPath), { headers: { "accept-encoding": "identity" } });
    expect(identity.status).toBe(200);
    expect(identity.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(identity.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(identity.headers.get("content-encoding")).toBeNull();
    const original = Buffer.from(await identity.arrayBuffer());
    expect(original.equals(readFileSync(join(web.dir, scriptPath)))).toBe(true);

    for (const [encoding, decode] of [
      ["br", brotliDecompressSync],
      ["gzip", gunzipSync],
    ] as const) {
      const raw = await rawRequest(scriptPath, { "accept-encoding": encoding });
      expect(raw.headers["content-encoding"], encoding).toBe(encoding);
      expect(raw.headers.vary).toBe("accept-encoding");
      expect(raw.body.length, encoding).toBeLessThan(original.length);
      expect(decode(raw.body).equals(original), encoding).toBe(true);
    }
  });

  it("answers HEAD with the headers of GET and no body", async () => {
    const get = await fetch(url(scriptPath), { headers: { "accept-encoding": "identity" } });
    const head = await fetch(url(scriptPath), { method: "HEAD", headers: { "accept-encoding": "identity" } });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(get.headers.get("content-length"));
    expect(head.headers.get("etag")).toBe(get.headers.get("etag"));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it("serves the app over HTTP/2 as well (what browsers negotiate over TLS), HEAD without a body", async () => {
    const session = http2.connect(h.server.url);
    try {
      const get = await h2Request(session, { ":path": "/activity", "accept-encoding": "identity" });
      expect(get.headers[":status"]).toBe(200);
      expect(get.headers["cache-control"]).toBe("no-cache");
      expect(get.body.toString("utf8")).toBe(readFileSync(join(web.dir, "index.html"), "utf8"));
      const head = await h2Request(session, { ":method": "HEAD", ":path": scriptPath });
      expect(head.headers[":status"]).toBe(200);
      expect(head.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      expect(head.body.length).toBe(0);
      const missing = await h2Request(session, { ":method": "HEAD", ":path": "/assets/missing.js" });
      expect(missing.headers[":status"]).toBe(404);
      expect(missing.body.length).toBe(0);
      const served = await h2Request(session, { ":path": "/assets/missing.js" });
      expect(served.body.toString("utf8")).toContain("no such file in the web app: /assets/missing.js");
    } finally {
      session.close();
    }
  });

  it("answers 304 Not Modified to a matching If-None-Match", async () => {
    const first = await fetch(url("/"));
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(url("/"), { headers: { "if-none-match": etag! } });
    expect(again.status).toBe(304);
    const changed = await fetch(url("/"), { headers: { "if-none-match": '"something-else"' } });
    expect(changed.status).toBe(200);
  });

  it("answers 404 for a missing asset, naming the path, instead of HTML under a script's name", async () => {
    const res = await fetch(url("/assets/index-missing.js"));
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await res.text()).toContain("/assets/index-missing.js");
  });

  it("never serves a file outside the build, whatever the path says", async () => {
    const packageJson = readFileSync(join(repoRoot, "package.json"), "utf8");
    expect(packageJson).toContain('"name": "nestor-catalog"');
    for (const path of [
      "/assets/../../package.json",
      "/assets/%2e%2e/%2e%2e/package.json",
      "/%2e%2e/%2e%2e/package.json",
      "/..%2f..%2fpackage.json",
      "/assets/..%5c..%5cpackage.json",
      "/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    ]) {
      const res = await rawGet(h.server.port, path);
      expect([200, 404], path).toContain(res.status);
      expect(res.body, path).not.toContain('"name": "nestor-catalog"');
      expect(res.body, path).not.toContain("root:x:0:0");
    }
  });

  it("answers 400 to a path that is not valid percent-encoding, naming the problem", async () => {
    const res = await rawGet(h.server.port, "/components/%E0%A4%A");
    expect(res.status).toBe(400);
    expect(res.body).toContain("percent-encoded");
  });

  it("keeps RPC routes first: Connect calls, unknown methods and other verbs are not the app's", async () => {
    const list = await fetch(url("/nestor.catalog.v1.CatalogService/ListComponents"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(list.status).toBe(200);
    expect(list.headers.get("content-type")).toBe("application/json");

    const unknown = await fetch(url("/nestor.catalog.v1.CatalogService/NoSuchMethod"));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      code: "unimplemented",
      message: "unknown method /nestor.catalog.v1.CatalogService/NoSuchMethod",
    });

    const post = await fetch(url("/components"), { method: "POST", body: "x" });
    expect(post.status).toBe(404);
    expect(((await post.json()) as { code: string }).code).toBe("unimplemented");
  });

  it("leaves /v1/ to the HTTP API", () => {
    expect(isWebAppRequest("GET", "/v1/events")).toBe(false);
    expect(isWebAppRequest("GET", "/v1")).toBe(false);
    expect(isWebAppRequest("GET", "/v1x")).toBe(true);
    expect(isWebAppRequest("GET", "/grpc.health.v1.Health/Check")).toBe(false);
    expect(isWebAppRequest("GET", "/assets/index-abc.js")).toBe(true);
    expect(isWebAppRequest("PUT", "/")).toBe(false);
  });

  it("keeps serving the build it read when the files change under it", async () => {
    const copy = await buildWebApp();
    const server = await startHarness((config) => {
      config.server.webAppDir = copy.dir;
    });
    try {
      const before = await fetch(`${server.server.url}${scriptPath}`);
      expect(before.status).toBe(200);
      const body = await before.text();
      rmSync(join(copy.dir, "assets"), { recursive: true, force: true });
      const after = await fetch(`${server.server.url}${scriptPath}`);
      expect(after.status).toBe(200);
      expect(await after.text()).toBe(body);
    } finally {
      await server.close();
      copy.remove();
    }
  });
});

describe("a server whose web app is not built", () => {
  it("answers / with 404 saying to run npm run build, and keeps serving RPCs", async () => {
    const empty = tempDir("nestor-web-empty-");
    const server = await startHarness((config) => {
      config.server.webAppDir = empty.path;
    });
    try {
      const res = await fetch(`${server.server.url}/`);
      expect(res.status).toBe(404);
      const text = await res.text();
      expect(text).toContain("npm run build");
      expect(text).toContain(empty.path);
      const reply = await server.connectJson.listComponents({});
      expect(reply.components).toEqual([]);
    } finally {
      await server.close();
      empty.remove();
    }
  });
});

/** fetch() decodes bodies itself; this keeps the encoded bytes. */
async function rawRequest(
  path: string,
  headers: Record<string, string>,
): Promise<{ headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${h.server.url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ headers: res.headers as Record<string, string>, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function h2Request(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
): Promise<{ headers: http2.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: true });
    let responseHeaders: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on("response", (received) => {
      responseHeaders = received;
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => resolve({ headers: responseHeaders, body: Buffer.concat(chunks) }));
    stream.on("error", reject);
  });
}
