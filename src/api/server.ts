/**
 * The transport: one port speaking gRPC and gRPC-Web over HTTP/2, and
 * Connect (JSON and binary) over HTTP/1.1 and HTTP/2.
 *
 * Cleartext: Node's HTTP/2 server cannot take HTTP/1.1, so a plain TCP server
 * looks at the first bytes of each connection and hands the socket to the
 * HTTP/2 server when they are the HTTP/2 preface ("PRI * HTTP/2.0"), else to
 * the HTTP/1.1 server. TLS: ALPN chooses, and the HTTP/2 server takes
 * HTTP/1.1 with allowHTTP1.
 */
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import type { ConnectRouter, Interceptor, MethodImplSpec } from "@connectrpc/connect";
import type { ServerConfig } from "../config/schema.js";
import type { Logger } from "../logging/index.js";
import { peerContextValues, secureServerOptions, streamPeerContextValues, watchTlsFiles } from "./auth/index.js";
import { grpcMessageHeaderValue } from "./errors.js";
import { grpcServerStreamRouter } from "./grpc-server-streams.js";
import { withCallInterceptor } from "./interceptors.js";
import { ACCEPT_COMPRESSION, type NodeRequestHandler as RequestHandler, rpcRequestHandler } from "./node-adapter.js";

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

export interface HttpRoute {
  matches(req: NodeRequest): boolean;
  handle(req: NodeRequest, res: NodeResponse): void;
}

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n");

export async function serve({
  config,
  logger,
  routes,
  interceptors = [],
  rawGrpcStreams = [],
  httpRoutes = [],
}: ServeOptions): Promise<RunningServer> {
  const callInterceptors = withCallInterceptor(logger, interceptors);
  const handler = withSpecEncodedGrpcMessage(
    rpcRequestHandler({
      routes,
      readMaxBytes: config.maxRequestBytes,
      interceptors: callInterceptors,
      contextValues: peerContextValues,
      // Plain HTTP routes next; unknown methods answer UNIMPLEMENTED (see answerUnknownMethod), not a bare 404.
      fallback: (req, res) => {
        const route = httpRoutes.find((candidate) => candidate.matches(req));
        if (route !== undefined) route.handle(req, res);
        else answerUnknownMethod(req, res);
      },
      logger,
    }),
  );

  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.Http2Session>();
  const tls = config.tls.certFile !== "" && config.tls.keyFile !== "";
  let outer: net.Server;
  let h2: http2.Http2Server | http2.Http2SecureServer;
  let h1: http.Server | undefined;
  let stopWatchingTls = () => {};

  if (tls) {
    const secure = http2.createSecureServer(secureServerOptions(config.tls), handler);
    stopWatchingTls = watchTlsFiles(secure, config.tls, logger);
    h2 = secure;
    outer = h2 as unknown as net.Server;
  } else {
    h2 = http2.createServer({}, handler);
    h1 = http.createServer(handler);
    h1.keepAliveTimeout = 65_000;
    const plainH1 = h1;
    const plainH2 = h2;
    outer = net.createServer((socket) => {
      sniffProtocol(socket, (isHttp2) => (isHttp2 ? plainH2 : plainH1).emit("connection", socket));
    });
  }
  if (rawGrpcStreams.length > 0) {
    routeRawStreams(
      h2,
      grpcServerStreamRouter({
        methods: rawGrpcStreams,
        interceptors: callInterceptors,
        readMaxBytes: config.maxRequestBytes,
        acceptCompression: ACCEPT_COMPRESSION,
        contextValues: streamPeerContextValues,
        logger,
      }),
    );
  }
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

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      stopWatchingTls();
      reject(err);
    };
    outer.once("error", onError);
    outer.listen(config.port, config.host, () => {
      outer.off("error", onError);
      resolve();
    });
  });
  const bound = outer.address() as net.AddressInfo;
  const address = { host: config.host, port: bound.port };
  const hostForUrl = address.host.includes(":") ? `[${address.host}]` : address.host;
  const url = `${tls ? "https" : "http"}://${hostForUrl}:${address.port}`;
  logger.info("listening", {
    url,
    protocols: ["grpc", "grpc-web", "connect"],
    tls,
    mtls: tls && config.tls.clientCaFile !== "",
  });

  return {
    address,
    url,
    async close(graceMs) {
      stopWatchingTls();
      const closed = new Promise<void>((resolve) => outer.close(() => resolve()));
      for (const session of sessions) session.close();
      h1?.closeIdleConnections();
      const deadline = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      deadline.unref();
      const idle = setInterval(() => h1?.closeIdleConnections(), 100);
      await closed;
      clearInterval(idle);
      clearTimeout(deadline);
    },
  };
}

/**
 * Puts `route` in front of the HTTP/2 server's compatibility layer: Node's
 * `request` event comes from a `stream` listener that builds the
 * request/response objects first, so that listener is taken out and called
 * only for the streams `route` leaves alone.
 */
function routeRawStreams(
  h2: http2.Http2Server | http2.Http2SecureServer,
  route: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean,
): void {
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
    (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, flags: number, rawHeaders: string[]) => {
      if (!route(stream, headers)) toCompat.call(h2, stream, headers, flags, rawHeaders);
    },
  );
}

type HeaderBag = Record<string, unknown>;

/**
 * Rewrites `grpc-message` (in headers for trailers-only responses, else in
 * trailers) to the gRPC spec's percent-encoding, so that @grpc/grpc-js shows
 * messages as written (see grpcMessageHeaderValue).
 */
function withSpecEncodedGrpcMessage(handler: RequestHandler): RequestHandler {
  const reencode = (headers: unknown): unknown => {
    if (typeof headers !== "object" || headers === null || Array.isArray(headers)) return headers;
    const message = (headers as HeaderBag)["grpc-message"];
    if (typeof message !== "string") return headers;
    return { ...(headers as HeaderBag), "grpc-message": grpcMessageHeaderValue(message) };
  };
  return (req, res) => {
    const response = res as unknown as {
      writeHead: (...args: unknown[]) => unknown;
      addTrailers: (headers: unknown) => void;
    };
    const writeHead = response.writeHead.bind(res);
    const addTrailers = response.addTrailers.bind(res);
    response.writeHead = (...args: unknown[]) => writeHead(...args.map(reencode));
    response.addTrailers = (headers: unknown) => addTrailers(reencode(headers));
    handler(req, res);
  };
}

/**
 * Paths no service handles. gRPC clients expect status UNIMPLEMENTED in a
 * trailers-only response (a bare HTTP 404 reads as INTERNAL in grpc-go and
 * grpc-js, and breaks grpcurl's reflection fallback); Connect clients
 * expect a JSON error body.
 */
function answerUnknownMethod(
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
): void {
  const path = (req.url ?? "").split("?")[0] ?? "";
  const message = `unknown method ${path.replace(/[^\x20-\x7e]|%/g, "?")}`;
  const contentType = String(req.headers["content-type"] ?? "");
  if (contentType.startsWith("application/grpc")) {
    const grpcType = contentType.startsWith("application/grpc-web") ? contentType : "application/grpc";
    if (res instanceof http2.Http2ServerResponse) {
      res.stream.respond(
        { ":status": 200, "content-type": grpcType, "grpc-status": "12", "grpc-message": message },
        { endStream: true },
      );
      return;
    }
    res.writeHead(200, { "content-type": grpcType, "grpc-status": "12", "grpc-message": message });
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
 * back before the chosen server attaches to it.
 */
export function sniffProtocol(socket: net.Socket, route: (isHttp2: boolean) => void): void {
  let seen = Buffer.alloc(0);
  const onReadable = () => {
    for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) {
      seen = Buffer.concat([seen, chunk]);
    }
    const n = Math.min(seen.length, PREFACE.length);
    const prefixMatches = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (prefixMatches && seen.length < PREFACE.length) return;
    socket.off("readable", onReadable);
    socket.unshift(seen);
    route(prefixMatches);
  };
  socket.on("readable", onReadable);
  socket.once("error", () => socket.destroy());
}
