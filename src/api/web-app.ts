/**
 * The web catalog browser (web/, built by Vite into dist/web) served at / on
 * the catalog's own port. It is one of serve()'s httpRoutes, which are asked
 * only for requests no RPC route serves: a gRPC or Connect call never reaches
 * this module.
 *
 * Hand-written rather than sirv (what `vite preview` serves with): sirv
 * streams each file from disk on every request out of a list scanned at
 * start, and a file removed after the scan (a rebuild under a running server)
 * raised an unhandled stream error that ended the process (ENOENT, sirv
 * 3.0.2). The built app is a few hundred KiB, so it is read into memory once,
 * on the first request, with its gzip and brotli forms; after that a request
 * never touches the disk, and what is served is the set of files one build
 * made, whatever happens to the directory later.
 *
 * Paths: a file of the build is served as is; any other path falls back to
 * index.html (the app routes in the browser), except under /assets/ (a
 * missing hashed asset is a 404, not HTML under a script's name), under /v1/
 * (the HTTP API's prefix), and paths shaped like an RPC (`/pkg.Service/Method`),
 * which keep their UNIMPLEMENTED answer.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type * as http from "node:http";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { brotliCompress, gzip, constants as zlibConstants } from "node:zlib";
import { lookup as mimeType } from "mrmime";
import type { Logger } from "../logging/index.js";
import type { HttpRoute, NodeRequest, NodeResponse } from "./server.js";

/** Hashed file names: a changed file gets a new name, so browsers may keep these for good. */
const IMMUTABLE = "public, max-age=31536000, immutable";
/** Everything else (index.html above all) is revalidated on every load, cheaply through its ETag. */
const REVALIDATE = "no-cache";
/** The app loads only its own files and calls only its own origin's API. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");
const COMPRESSIBLE = /^(text\/|application\/(javascript|json|manifest\+json|xml)|image\/svg\+xml)/;
const MIN_COMPRESSED_BYTES = 1024;

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

interface Asset {
  type: string;
  etag: string;
  cacheControl: string;
  identity: Buffer;
  gzip?: Buffer;
  br?: Buffer;
}

type WebApp = { built: true; assets: Map<string, Asset>; index: Asset } | { built: false; dir: string };

/** The dist/web directory `npm run build` writes, next to the package.json above this module (src/ or dist/src/). */
export function defaultWebAppDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return join(dir, "dist", "web");
}

/** The route serving the app built into `dir` ("" = defaultWebAppDir()). */
export function webAppRoute(dir: string, logger: Logger): HttpRoute {
  const root = dir === "" ? defaultWebAppDir() : dir;
  let loading: Promise<WebApp> | undefined;
  const app = () => {
    loading ??= loadWebApp(root).then((loaded) => {
      if (!loaded.built) logger.warn("web app not built: / answers 404 until `npm run build`", { dir: root });
      return loaded;
    });
    return loading;
  };
  return {
    matches: (req) => isWebAppRequest(req.method ?? "", pathOf(req.url ?? "/")),
    handle(req, res) {
      app().then(
        (loaded) => answer(loaded, req, res),
        (err: unknown) => {
          logger.error("web app could not be read", { dir: root, error: String(err) });
          loading = undefined;
          sendText(req, res, 500, "the web app could not be read; see the server log\n");
        },
      );
    },
  };
}

/** GET and HEAD of any path but the HTTP API's (/v1/) and RPC-shaped ones (`/pkg.Service/Method`). */
export function isWebAppRequest(method: string, path: string): boolean {
  if (method !== "GET" && method !== "HEAD") return false;
  if (path === "/v1" || path.startsWith("/v1/")) return false;
  return !/^\/[^/]*\.[^/]*\/[^/]*$/.test(path);
}

async function loadWebApp(root: string): Promise<WebApp> {
  if (!existsSync(join(root, "index.html"))) return { built: false, dir: root };
  const assets = new Map<string, Asset>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const urlPath = `/${relative(root, file).split(sep).join("/")}`;
    assets.set(urlPath, await loadAsset(file, urlPath));
  }
  return { built: true, assets, index: assets.get("/index.html")! };
}

async function loadAsset(file: string, urlPath: string): Promise<Asset> {
  const identity = readFileSync(file);
  const type = mimeType(urlPath) ?? "application/octet-stream";
  const asset: Asset = {
    type: type.startsWith("text/") || type === "application/javascript" ? `${type}; charset=utf-8` : type,
    etag: `"${createHash("sha256").update(identity).digest("base64url").slice(0, 27)}"`,
    cacheControl: urlPath.startsWith("/assets/") ? IMMUTABLE : REVALIDATE,
    identity,
  };
  if (COMPRESSIBLE.test(type) && identity.length >= MIN_COMPRESSED_BYTES) {
    const [gzipped, brotli] = await Promise.all([
      gzipAsync(identity, { level: 9 }),
      brotliAsync(identity, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 9 } }),
    ]);
    if (gzipped.length < identity.length) asset.gzip = gzipped;
    if (brotli.length < identity.length) asset.br = brotli;
  }
  return asset;
}

function answer(app: WebApp, req: NodeRequest, res: NodeResponse): void {
  if (!app.built) {
    return sendText(req, res, 404, `the web app is not built: run \`npm run build\` (no index.html in ${app.dir})\n`);
  }
  const path = decodedPath(req.url ?? "/");
  if (path === undefined) return sendText(req, res, 400, "the request path is not valid percent-encoded UTF-8\n");
  const asset = app.assets.get(path) ?? (path.startsWith("/assets/") ? undefined : app.index);
  if (asset === undefined) return sendText(req, res, 404, `no such file in the web app: ${printable(path)}\n`);
  const headers: Record<string, string> = {
    "content-type": asset.type,
    "cache-control": asset.cacheControl,
    etag: asset.etag,
    vary: "accept-encoding",
    "x-content-type-options": "nosniff",
  };
  if (asset === app.index) {
    headers["content-security-policy"] = CONTENT_SECURITY_POLICY;
    headers["referrer-policy"] = "no-referrer";
  }
  if (matchesEtag(req.headers["if-none-match"], asset.etag)) return respond(req, res, 304, headers);
  const encoding = chooseEncoding(String(req.headers["accept-encoding"] ?? ""), asset);
  const body = encoding === "identity" ? asset.identity : asset[encoding]!;
  if (encoding !== "identity") headers["content-encoding"] = encoding;
  headers["content-length"] = String(body.length);
  respond(req, res, 200, headers, body);
}

function pathOf(url: string): string {
  const query = url.search(/[?#]/);
  return query === -1 ? url : url.slice(0, query);
}

/** The path, percent-decoded; undefined when it does not decode. Lookups are exact map keys, so `..` finds nothing. */
function decodedPath(url: string): string | undefined {
  try {
    return decodeURIComponent(pathOf(url));
  } catch {
    return undefined;
  }
}

function matchesEtag(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const values = (Array.isArray(header) ? header.join(",") : header).split(",").map((v) => v.trim());
  return values.some((value) => value === "*" || value === etag || value === `W/${etag}`);
}

/** br, then gzip, when the client accepts them (q > 0) and the asset has them; else the bytes as they are. */
function chooseEncoding(acceptEncoding: string, asset: Asset): "br" | "gzip" | "identity" {
  const accepted = new Set<string>();
  for (const part of acceptEncoding.toLowerCase().split(",")) {
    const [name, ...params] = part.split(";").map((piece) => piece.trim());
    const q = params.find((param) => param.startsWith("q="));
    if (name && (q === undefined || Number(q.slice(2)) > 0)) accepted.add(name);
  }
  if (asset.br && (accepted.has("br") || accepted.has("*"))) return "br";
  if (asset.gzip && (accepted.has("gzip") || accepted.has("*"))) return "gzip";
  return "identity";
}

function sendText(req: NodeRequest, res: NodeResponse, status: number, text: string): void {
  const body = Buffer.from(text);
  const headers = { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" };
  respond(req, res, status, { ...headers, "content-length": String(body.length) }, body);
}

/**
 * Writes the response (HEAD gets the headers only). The HTTP/1.1 and HTTP/2 compatibility responses share this
 * much; TypeScript cannot call their union directly.
 */
function respond(
  req: NodeRequest,
  res: NodeResponse,
  status: number,
  headers: Record<string, string>,
  body?: Buffer,
): void {
  const response = res as http.ServerResponse;
  response.writeHead(status, headers);
  response.end(req.method === "HEAD" ? undefined : body);
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?");
}
