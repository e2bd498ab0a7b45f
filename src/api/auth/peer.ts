/**
 * What the transport knows about the other end of a call, handed to the
 * interceptors as context values: the remote address (to limit anonymous
 * callers per address), over TLS the client certificate if the handshake
 * verified it against the configured client CA, and whether the request
 * carried more than one `authorization` header. Node keeps only the first
 * of repeated `authorization` headers in its parsed headers (HTTP/1.1 and
 * HTTP/2 alike), so the count comes from the raw header list.
 */
import type * as http from "node:http";
import * as http2 from "node:http2";
import type * as net from "node:net";
import { type PeerCertificate, TLSSocket } from "node:tls";
import { type ContextValues, createContextKey, createContextValues } from "@connectrpc/connect";

export interface Peer {
  remoteAddress: string;
  /** Present only when the certificate chain verified against server.tls.clientCaFile. */
  verifiedCertificate: PeerCertificate | undefined;
}

export const peerKey = createContextKey<Peer>(
  { remoteAddress: "", verifiedCertificate: undefined },
  { description: "transport peer" },
);

/** How many `authorization` headers the request carried, when more than one (a proxy appended one, say). */
export const repeatedAuthorizationKey = createContextKey<number>(0, {
  description: "authorization headers, when repeated",
});

/**
 * The adapter's `contextValues` hook: records the peer of each request. The
 * peer is worked out once per connection (the HTTP/2 session, or the
 * HTTP/1.1 socket) and shared by its requests: reaching the socket through
 * the session's proxy and reading the certificate cost more than the rest
 * of a cached GetComponent.
 */
export function peerContextValues(req: http.IncomingMessage | http2.Http2ServerRequest): ContextValues {
  // Over HTTP/2, the request's socket is a proxy; the session holds the real (TLS) socket.
  if (req instanceof http2.Http2ServerRequest) return streamPeerContextValues(req.stream, req.rawHeaders);
  return withAuthorizationCount(contextValuesFor(req.socket, req.socket), req.rawHeaders);
}

/** The same for a call served on the raw HTTP/2 stream (grpc-server-streams.ts). */
export function streamPeerContextValues(stream: http2.Http2Stream, rawHeaders: string[]): ContextValues {
  return withAuthorizationCount(contextValuesFor(stream.session, stream.session?.socket), rawHeaders);
}

/** Records repeated `authorization` headers; rawHeaders alternates names and values. */
function withAuthorizationCount(values: ContextValues, rawHeaders: readonly string[]): ContextValues {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 13 && name.toLowerCase() === "authorization") count++;
  }
  if (count > 1) values.set(repeatedAuthorizationKey, count);
  return values;
}

const peers = new WeakMap<object, Peer>();

function contextValuesFor(connection: object | undefined, socket: net.Socket | TLSSocket | undefined): ContextValues {
  const values = createContextValues();
  let peer = connection === undefined ? undefined : peers.get(connection);
  if (peer === undefined) {
    peer = peerOf(socket);
    if (connection !== undefined) peers.set(connection, peer);
  }
  values.set(peerKey, peer);
  return values;
}

function peerOf(socket: net.Socket | TLSSocket | undefined): Peer {
  let verifiedCertificate: PeerCertificate | undefined;
  if (socket instanceof TLSSocket && socket.authorized) {
    const cert = socket.getPeerCertificate();
    if (cert && Object.keys(cert).length > 0) verifiedCertificate = cert;
  }
  return { remoteAddress: socket?.remoteAddress ?? "", verifiedCertificate };
}
