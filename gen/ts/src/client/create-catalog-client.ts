/**
 * One factory for a CatalogService client over Node's HTTP stack: gRPC
 * (HTTP/2, the default), gRPC-Web or Connect. TLS follows the URL scheme
 * (https:// dials TLS, http:// plaintext); auth tokens travel as headers.
 */
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type * as http2 from "node:http2";
import { CatalogService } from "../nestor/catalog/v1/catalog_service_pb.js";
import { readYourWritesInterceptor, RevisionTracker } from "./read-your-writes.js";

export type CatalogClient = Client<typeof CatalogService>;

export type CatalogProtocol = "grpc" | "grpc-web" | "connect";

/** Static headers, or a function called before every request (for tokens that rotate). */
export type HeaderSource = Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);

export interface CatalogClientOptions {
  /** Wire protocol; the server speaks all three on one port. Default "grpc". */
  protocol?: CatalogProtocol;
  /** Headers sent with every call, e.g. `{ authorization: "Bearer <token>" }`. */
  headers?: HeaderSource;
  /** Deadline for unary calls in milliseconds. Streams (WatchEvents) never get it. Default none. */
  timeoutMs?: number;
  /** Extra interceptors, run after the header interceptor. */
  interceptors?: Interceptor[];
  /** TLS settings for https:// URLs, e.g. `{ ca: readFileSync("ca.pem") }`. */
  tls?: Pick<http2.SecureClientSessionOptions, "ca" | "cert" | "key" | "servername" | "rejectUnauthorized">;
  /**
   * Read your own writes on a catalog that reads from replicas: every read
   * that sets no min_revision is sent the highest revision this client has
   * seen. `true` keeps a tracker per client; pass a RevisionTracker to share
   * one (and to read it).
   */
  readYourWrites?: boolean | RevisionTracker;
}

export function createCatalogClient(url: string, options: CatalogClientOptions = {}): CatalogClient {
  const client = createClient(CatalogService, createCatalogTransport(url, options));
  return options.timeoutMs === undefined ? client : withUnaryDeadline(client, options.timeoutMs);
}

/**
 * The transport createCatalogClient uses, for the server's other services:
 * `createClient(SyncService, createCatalogTransport(url, options))`. `timeoutMs`
 * is not applied here; pass it per call.
 */
export function createCatalogTransport(url: string, options: CatalogClientOptions = {}): Transport {
  const baseUrl = checkedBaseUrl(url);
  const tracker = options.readYourWrites === true ? new RevisionTracker() : options.readYourWrites || undefined;
  const interceptors = [
    ...(options.headers ? [headerInterceptor(options.headers)] : []),
    ...(tracker ? [readYourWritesInterceptor(tracker)] : []),
    ...(options.interceptors ?? []),
  ];
  const common = { baseUrl, interceptors, nodeOptions: options.tls ?? {} };
  switch (options.protocol ?? "grpc") {
    case "grpc":
      return createGrpcTransport(common);
    case "grpc-web":
      return createGrpcWebTransport({ ...common, httpVersion: "2" });
    case "connect":
      return createConnectTransport({ ...common, httpVersion: "2" });
  }
}

function checkedBaseUrl(url: string): string {
  const protocol = URL.canParse(url) ? new URL(url).protocol : "";
  if (protocol !== "http:" && protocol !== "https:") {
    throw new Error(`createCatalogClient: expected an http:// or https:// URL, got "${url}"`);
  }
  return url.replace(/\/+$/, "");
}

function headerInterceptor(source: HeaderSource): Interceptor {
  return (next) => async (req) => {
    const headers = typeof source === "function" ? await source() : source;
    for (const [key, value] of Object.entries(headers)) req.header.set(key, value);
    return next(req);
  };
}

/**
 * A transport-wide default timeout would also cut WatchEvents streams, so the
 * deadline is applied per unary method instead; a call's own `timeoutMs` wins.
 */
function withUnaryDeadline(client: CatalogClient, timeoutMs: number): CatalogClient {
  const unary = <Req, Res, Opts extends { timeoutMs?: number }>(call: (req: Req, opts?: Opts) => Promise<Res>) =>
    (req: Req, opts?: Opts) => call(req, { timeoutMs, ...opts } as Opts);
  return {
    ...client,
    createComponent: unary(client.createComponent),
    getComponent: unary(client.getComponent),
    updateComponent: unary(client.updateComponent),
    deleteComponent: unary(client.deleteComponent),
    listComponents: unary(client.listComponents),
    searchComponents: unary(client.searchComponents),
    listComponentVersions: unary(client.listComponentVersions),
    compareComponentVersions: unary(client.compareComponentVersions),
  };
}
