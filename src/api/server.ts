/**
 * The transport: one port speaking gRPC and gRPC-Web over HTTP/2, and
 * Connect (JSON and binary) over HTTP/1.1 and HTTP/2.
 *
 * Cleartext: Node's HTTP/2 server cannot take HTTP/1.1, so a plain TCP server
 * looks at the first bytes of each connection and hands the socket to the
 * HTTP/2 server when they are the HTTP/2 preface ("PRI * HTTP/2.0"), else to
 * the HTTP/1.1 server. TLS: ALPN chooses, and the HTTP/2 server takes
 * HTTP/1.1 with allowHTTP1.
 *
 * RPCs go to connect-node's stock adapter, with every handler guarded
 * (protocol-edge.ts) and grpc-message written as the gRPC spec has it (the
 * servers' response classes, grpc-message.ts); WatchEvents over gRPC is served on the raw stream
 * (grpc-server-streams.ts). Stalled connections and streams are cut
 * (connection-deadlines.ts).
 *
 * HTTP/2 session limits, per connection: at most MAX_CONCURRENT_STREAMS
 * streams (SETTINGS_MAX_CONCURRENT_STREAMS; clients queue calls beyond it),
 * and MAX_SESSION_MEMORY_MB of memory in Node's accounting, which counts
 * every byte written to a stream until flow control lets it out. The raw
 * stream path keeps at most about two 16 KiB slices in flight per stream
 * (32 KiB), so every stream of a full connection can be replaying at once;
 * past the budget Node refuses new streams (ENHANCE_YOUR_CALM).
 */
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import type { ConnectRouter, Interceptor, MethodImplSpec } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { CleanupStack } from "../cleanup-stack.js";
import type { ServerConfig } from "../config/schema.js";
import type { Logger } from "../logging/index.js";
import { peerContextValues, secureServerOptions, streamPeerContextValues, watchTlsFiles } from "./auth/index.js";
import { ACCEPT_COMPRESSION } from "./compression.js";
import { applyHttp1Deadlines, startHttp1Deadlines, trackHttp2Deadlines } from "./connection-deadlines.js";
import { headerSafeMessage } from "./errors.js";
import { SPEC_GRPC_MESSAGE_RESPONSES } from "./grpc-message.js";
import { grpcServerStreamRouter, type StreamRoute } from "./grpc-server-streams.js";
import { withCallInterceptor } from "./interceptors.js";
import { guardRoutes } from "./protocol-edge.js";
import { type JsonWriterOptions, toJsonStringWithCache } from "./wire-cache.js";

export interface RunningServer {
  /** The bound address, e.g. 127.0.0.1:8080 (port resolved when 0 was asked). */
  readonly address: { host: string; port: number };
  readonly url: string;
  /**
   * Stops accepting connections, sends GOAWAY to HTTP/2 sessions, lets calls
   * in flight finish for up to `graceMs`, then destroys what is left.
   */
  close(graceMs: number): Promise<void>;
}

export interface ServeOptions {
  config: ServerConfig;
  logger: Logger;
  routes: (router: ConnectRouter) => void;
  /** Run inside the call interceptor, so their errors are mapped and logged (authorization, limits). */
  interceptors?: Interceptor[];
  /**
   * Server-streaming methods (also registered in `routes`) whose gRPC calls
   * are served on the raw HTTP/2 stream instead of through connect-node, for
   * their memory per open stream (see grpc-server-streams.ts).
   */
  rawGrpcStreams?: MethodImplSpec[];
  /**
   * Plain HTTP routes on the same port (static assets, Server-Sent Events),
   * asked in order for requests no RPC route serves; the first whose
   * `matches` is true answers. RPC paths always take precedence.
   */
  httpRoutes?: HttpRoute[];
}

export type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
export type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;
type NodeHandler = (req: NodeRequest, res: NodeResponse) => void;

export interface HttpRoute {
  matches(req: NodeRequest): boolean;
  handle(req: NodeRequest, res: NodeResponse): void;
}

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n");
const MAX_CONCURRENT_STREAMS = 2_048;
const MAX_SESSION_MEMORY_MB = 64;

/** The listening servers: `outer` accepts connections; `h1` is the cleartext HTTP/1.1 server, if any. */
interface Servers {
  outer: net.Server;
  h2: http2.Http2Server | http2.Http2SecureServer;
  h1: http.Server | undefined;
  tls: boolean;
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const { config, logger } = options;
  const cleanup = new CleanupStack();
  try {
    const callInterceptors = withCallInterceptor(logger, options.interceptors ?? []);
    const servers = createServers(config, rpcHandler(options, callInterceptors), logger, cleanup);
    const rawStreams = rawStreamRoute(options, callInterceptors);
    const deadlines = trackHttp2Deadlines(servers.h2, config);
    cleanup.defer(() => deadlines.stop());
    routeStreams(servers.h2, (stream, headers, rawHeaders) => {
      deadlines.streamOpened(stream);
      return rawStreams?.(stream, headers, rawHeaders) ?? false;
    });
    const connections = trackConnections(servers);
    await listen(servers.outer, config);
    const address = { host: config.host, port: (servers.outer.address() as net.AddressInfo).port };
    const hostForUrl = address.host.includes(":") ? `[${address.host}]` : address.host;
    const url = `${servers.tls ? "https" : "http"}://${hostForUrl}:${address.port}`;
    logger.info("listening", {
      url,
      protocols: ["grpc", "grpc-web", "connect"],
      tls: servers.tls,
      mtls: servers.tls && config.tls.clientCaFile !== "",
    });
    return {
      address,
      url,
      async close(graceMs) {
        await connections.drain(graceMs);
        await cleanup.close();
      },
    };
  } catch (err) {
    await cleanup.close();
    throw err;
  }
}

/**
 * connect's JSON options: protobuf-es's defaults, and the writer that puts a record's or event's JSON text,
 * made once, into every response that carries it (src/api/wire-cache.ts; connect calls it through the option
 * scripts/rewrite-connect.mjs adds, and serialises with protobuf-es alone where that step has not run).
 */
const JSON_OPTIONS: JsonWriterOptions & { toJsonString: typeof toJsonStringWithCache } = {
  toJsonString: toJsonStringWithCache,
};

/** The Node handler for RPCs: connect-node's adapter over guarded routes; plain HTTP routes next. */
function rpcHandler(options: ServeOptions, interceptors: Interceptor[]): NodeHandler {
  const httpRoutes = options.httpRoutes ?? [];
  const readMaxBytes = options.config.maxRequestBytes;
  return connectNodeAdapter({
    routes: guardRoutes(options.routes, { acceptCompression: ACCEPT_COMPRESSION, readMaxBytes }),
    readMaxBytes,
    acceptCompression: ACCEPT_COMPRESSION,
    jsonOptions: JSON_OPTIONS,
    interceptors,
    contextValues: peerContextValues,
    // Unknown methods answer UNIMPLEMENTED (see answerUnknownMethod), not a bare 404.
    fallback: (nodeReq, nodeRes) => {
      const [req, res] = [nodeReq as NodeRequest, nodeRes as unknown as NodeResponse];
      const route = httpRoutes.find((candidate) => candidate.matches(req));
      if (route !== undefined) route.handle(req, res);
      else answerUnknownMethod(req, res);
    },
  });
}

function rawStreamRoute(options: ServeOptions, interceptors: Interceptor[]): StreamRoute | undefined {
  if ((options.rawGrpcStreams ?? []).length === 0) return undefined;
  return grpcServerStreamRouter({
    methods: options.rawGrpcStreams ?? [],
    interceptors,
    readMaxBytes: options.config.maxRequestBytes,
    acceptCompression: ACCEPT_COMPRESSION,
    contextValues: streamPeerContextValues,
    logger: options.logger,
  });
}

function createServers(config: ServerConfig, handler: NodeHandler, logger: Logger, cleanup: CleanupStack): Servers {
  const settings = { maxConcurrentStreams: MAX_CONCURRENT_STREAMS };
  if (config.tls.certFile !== "" && config.tls.keyFile !== "") {
    const secure = http2.createSecureServer(
      {
        ...secureServerOptions(config.tls),
        ...SPEC_GRPC_MESSAGE_RESPONSES.http2,
        handshakeTimeout: config.prefaceTimeoutMs,
        maxSessionMemory: MAX_SESSION_MEMORY_MB,
        settings,
      },
      handler,
    );
    applyHttp1Deadlines(secure, config);
    cleanup.defer(watchTlsFiles(secure, config.tls, logger));
    return { outer: secure as unknown as net.Server, h2: secure, h1: undefined, tls: true };
  }
  const h2 = http2.createServer(
    { maxSessionMemory: MAX_SESSION_MEMORY_MB, settings, ...SPEC_GRPC_MESSAGE_RESPONSES.http2 },
    handler,
  );
  const h1 = http.createServer(SPEC_GRPC_MESSAGE_RESPONSES.http1, handler);
  cleanup.defer(startHttp1Deadlines(h1, config));
  const outer = net.createServer((socket) => {
    sniffProtocol(socket, (isHttp2) => (isHttp2 ? h2 : h1).emit("connection", socket), config.prefaceTimeoutMs);
  });
  return { outer, h2, h1, tls: false };
}

/**
 * Puts `route` in front of the HTTP/2 server's compatibility layer: Node's
 * `request` event comes from a `stream` listener that builds the
 * request/response objects first, so that listener is taken out and called
 * only for the streams `route` leaves alone.
 */
function routeStreams(h2: http2.Http2Server | http2.Http2SecureServer, route: StreamRoute): void {
  type StreamListener = (
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    flags: number,
    rawHeaders: string[],
  ) => void;
  const compat = h2.listeners("stream") as StreamListener[];
  if (compat.length !== 1)
    throw new Error(`expected one HTTP/2 stream listener (Node's compatibility layer), found ${compat.length}`);
  const [toCompat] = compat as [StreamListener];
  h2.removeListener("stream", toCompat);
  h2.on(
    "stream",
    (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, flags: number, raw: string[]) => {
      if (!route(stream, headers, raw)) toCompat.call(h2, stream, headers, flags, raw);
    },
  );
}

/** The open sockets and HTTP/2 sessions, and the graceful drain that ends them. */
function trackConnections({ outer, h2, h1 }: Servers): { drain(graceMs: number): Promise<void> } {
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.Http2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  outer.on("connection", (socket: net.Socket) => {
    // Stream messages are small writes: without this, Nagle's algorithm holds them back for ACKs.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return {
    async drain(graceMs) {
      const closed = new Promise<void>((resolve) => outer.close(() => resolve()));
      for (const session of sessions) session.close();
      h1?.closeIdleConnections();
      const idle = setInterval(() => h1?.closeIdleConnections(), 100);
      const deadline = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      deadline.unref();
      await closed;
      clearInterval(idle);
      clearTimeout(deadline);
    },
  };
}

async function listen(outer: net.Server, config: ServerConfig): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    outer.once("error", reject);
    outer.listen(config.port, config.host, () => {
      outer.off("error", reject);
      resolve();
    });
  });
}

/**
 * Paths no service handles. gRPC clients expect status UNIMPLEMENTED in a
 * trailers-only response (a bare HTTP 404 reads as INTERNAL in grpc-go and
 * grpc-js, and breaks grpcurl's reflection fallback); Connect clients
 * expect a JSON error body.
 */
function answerUnknownMethod(req: NodeRequest, res: NodeResponse): void {
  const path = (req.url ?? "").split("?")[0] ?? "";
  const message = headerSafeMessage(`unknown method ${path.length > 200 ? `${path.slice(0, 200)}...` : path}`);
  const contentType = String(req.headers["content-type"] ?? "");
  if (contentType.startsWith("application/grpc")) {
    const grpcType = contentType.startsWith("application/grpc-web") ? contentType.slice(0, 100) : "application/grpc";
    const status = { "content-type": grpcType, "grpc-status": "12", "grpc-message": message };
    if (res instanceof http2.Http2ServerResponse) {
      res.stream.respond({ ":status": 200, ...status }, { endStream: true });
      return;
    }
    res.writeHead(200, status);
    res.end();
    return;
  }
  const body = JSON.stringify({ code: "unimplemented", message });
  (res as http.ServerResponse).writeHead(404, { "content-type": "application/json" });
  res.end(body);
}

/**
 * Reads the first bytes without consuming them and says whether they are the
 * HTTP/2 preface. The socket is read in paused mode so the bytes can be put
 * back before the chosen server attaches to it. A socket that has not sent
 * enough to tell within `timeoutMs` is closed.
 */
export function sniffProtocol(
  socket: net.Socket,
  route: (isHttp2: boolean) => void,
  timeoutMs = Number.POSITIVE_INFINITY,
): void {
  let seen = Buffer.alloc(0);
  const deadline = Number.isFinite(timeoutMs) ? setTimeout(() => socket.destroy(), timeoutMs) : undefined;
  deadline?.unref();
  const onReadable = () => {
    for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) {
      seen = Buffer.concat([seen, chunk]);
    }
    const n = Math.min(seen.length, PREFACE.length);
    const prefixMatches = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (prefixMatches && seen.length < PREFACE.length) return;
    clearTimeout(deadline);
    socket.off("readable", onReadable);
    socket.unshift(seen);
    route(prefixMatches);
  };
  socket.on("readable", onReadable);
  socket.once("error", () => socket.destroy());
  socket.once("close", () => clearTimeout(deadline));
}
