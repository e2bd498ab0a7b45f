/**
 * What the transport knows about the other end of a call, handed to the
 * interceptors as a context value: the remote address (to limit anonymous
 * callers per address) and, over TLS, the client certificate if the
 * handshake verified it against the configured client CA.
 */
import type * as http from "node:http";
import * as http2 from "node:http2";
import { TLSSocket, type PeerCertificate } from "node:tls";
import { createContextKey, createContextValues, type ContextValues } from "@connectrpc/connect";

export interface Peer {
  remoteAddress: string;
  /** Present only when the certificate chain verified against server.tls.clientCaFile. */
  verifiedCertificate: PeerCertificate | undefined;
}

export const peerKey = createContextKey<Peer>({ remoteAddress: "", verifiedCertificate: undefined }, { description: "transport peer" });

/** The adapter's `contextValues` hook: records the peer of each request. */
export function peerContextValues(req: http.IncomingMessage | http2.Http2ServerRequest): ContextValues {
  const values = createContextValues();
  // Over HTTP/2, the request's socket is a proxy; the session holds the real TLS socket.
  const socket = req instanceof http2.Http2ServerRequest ? req.stream.session?.socket : req.socket;
  let verifiedCertificate: PeerCertificate | undefined;
  if (socket instanceof TLSSocket && socket.authorized) {
    const cert = socket.getPeerCertificate();
    if (cert && Object.keys(cert).length > 0) verifiedCertificate = cert;
  }
  values.set(peerKey, { remoteAddress: socket?.remoteAddress ?? "", verifiedCertificate });
  return values;
}
