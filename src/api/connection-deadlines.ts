/**
 * Deadlines for connections and HTTP/2 streams that stall, so a client
 * that opens sockets and sends nothing (or trickles bytes) cannot hold
 * them, or the calls behind them, forever. Node keeps none of these by
 * default behind this server's protocol sniffer: its HTTP/1.1 header and
 * request deadlines are checked only for a server that listens itself, and
 * HTTP/2 has none.
 *
 *   new connection   prefaceTimeoutMs to send its first bytes (server.ts,
 *                    sniffProtocol; for TLS the handshake timeout)
 *   HTTP/1.1         Node's own headersTimeoutMs and requestTimeoutMs,
 *                    checked every CHECK_INTERVAL_MS (startHttp1Deadlines);
 *                    idle keep-alive connections close after idleTimeoutMs
 *   HTTP/2 stream    the client's side (headers and request messages) must
 *                    end within requestTimeoutMs, else the stream is reset
 *                    (a stream that sends HEADERS and never any DATA)
 *   HTTP/2 session   closed with GOAWAY after idleTimeoutMs without an open
 *                    stream; open streams (a WatchEvents idling for hours)
 *                    keep it
 *
 * Per stream this costs one map entry and one 'close' listener; a sweep
 * every CHECK_INTERVAL_MS walks the streams still receiving their request.
 */
import type * as http from "node:http";
import * as http2 from "node:http2";
import type { ServerConfig } from "../config/schema.js";

const CHECK_INTERVAL_MS = 1_000;

type Deadlines = Pick<ServerConfig, "headersTimeoutMs" | "requestTimeoutMs" | "idleTimeoutMs">;

/**
 * Node checks an HTTP/1.1 server's header and request deadlines from a
 * timer it starts on 'listening'; the cleartext HTTP/1.1 server is handed
 * its sockets by the sniffer and never listens, so it is told it does.
 * Returns the stop (close() clears that timer).
 */
export function startHttp1Deadlines(server: http.Server, deadlines: Deadlines): () => void {
  applyHttp1Deadlines(server, deadlines);
  server.emit("listening");
  return () => {
    server.close();
  };
}

/** The HTTP/1.1 deadlines on a server that serves HTTP/1.1 (the cleartext one, or TLS with allowHTTP1). */
export function applyHttp1Deadlines(server: http.Server | http2.Http2SecureServer, deadlines: Deadlines): void {
  const target = server as unknown as {
    headersTimeout: number;
    requestTimeout: number;
    keepAliveTimeout?: number;
    connectionsCheckingInterval: number;
  };
  target.headersTimeout = deadlines.headersTimeoutMs;
  target.requestTimeout = Math.max(deadlines.requestTimeoutMs, deadlines.headersTimeoutMs);
  target.keepAliveTimeout = deadlines.idleTimeoutMs;
  target.connectionsCheckingInterval = CHECK_INTERVAL_MS;
}

/**
 * Watches the HTTP/2 sessions and streams of `server`: call `streamOpened`
 * for every stream (before it is routed). Returns the stop function.
 */
export function trackHttp2Deadlines(
  server: http2.Http2Server | http2.Http2SecureServer,
  deadlines: Deadlines,
): { streamOpened(stream: http2.ServerHttp2Stream): void; stop(): void } {
  const receiving = new Map<http2.ServerHttp2Stream, number>();
  const sessions = new WeakMap<http2.Http2Session, SessionIdle>();
  server.on("session", (session: http2.ServerHttp2Session) => {
    const idle = new SessionIdle(session, deadlines.idleTimeoutMs);
    sessions.set(session, idle);
    session.once("close", () => idle.stop());
  });
  const sweep = setInterval(() => {
    const expired = performance.now() - deadlines.requestTimeoutMs;
    for (const [stream, opened] of receiving) {
      if (stream.destroyed || stream.readableEnded || stream.endAfterHeaders) receiving.delete(stream);
      else if (opened < expired) {
        receiving.delete(stream);
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }
    }
  }, CHECK_INTERVAL_MS);
  sweep.unref();
  return {
    streamOpened(stream) {
      if (!stream.endAfterHeaders) receiving.set(stream, performance.now());
      const idle = sessions.get(stream.session as http2.Http2Session);
      if (idle === undefined) return;
      idle.opened();
      stream.once("close", () => {
        receiving.delete(stream);
        idle.closed();
      });
    },
    stop: () => clearInterval(sweep),
  };
}

/** A session's open streams, and the timer that closes it once it has had none for `idleMs`. */
class SessionIdle {
  private open = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly session: http2.ServerHttp2Session,
    private readonly idleMs: number,
  ) {
    this.arm();
  }

  opened(): void {
    this.open++;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  closed(): void {
    this.open--;
    if (this.open === 0) this.arm();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private arm(): void {
    this.timer = setTimeout(() => {
      if (this.open === 0 && !this.session.closed) this.session.close();
    }, this.idleMs);
    this.timer.unref();
  }
}
