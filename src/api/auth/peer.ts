/**
 * What the transport knows about the other end of a call, handed to the
 * interceptors as a context value: the remote address (to limit anonymous
 * callers per address) and, over TLS, the client certificate if the
 * handshake verified it against the configured client CA.
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

/**
 * The adapter's `contextValues` hook: records the peer of each request. The
 * peer is worked out once per connection (the HTTP/2 session, or the
 * HTTP/1.1 socket) and shared by its requests: reaching the socket through
 * the session's proxy and reading the certificate cost more than the rest
 * of a cached GetComponent.
 */
export function peerContextValues(req: http.IncomingMessage | http2.Http2ServerRequest): ContextValues {
  // Over HTTP/2, the request's socket is a proxy; the session holds the real (TLS) socket.
  if (req instanceof http2.Http2ServerRequest) return streamPeerContextValues(req.stream);
  return contextValuesFor(req.socket, req.socket);
}

/** The same for a call served on the raw HTTP/2 stream (grpc-server-streams.ts). */
export function streamPeerContextValues(stream: http2.Http2Stream): ContextValues {
  return contextValuesFor(stream.session, stream.session?.socket);
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
