/**
 * grpc-message as the gRPC spec writes it, for @grpc/grpc-js.
 *
 * Connect-ES (@connectrpc/connect, pinned to an exact version in
 * package.json) writes grpc-message with encodeURIComponent, which also
 * escapes ':', ';', ',', '/' and other reserved characters; @grpc/grpc-js
 * decodes with decodeURI, which leaves exactly those escaped, so its users
 * would read "invalid request%3A name%3A ...". The spec percent-encodes only
 * bytes outside printable ASCII, and '%' itself. This module rewrites the
 * header on every response that carries one; test/api/grpc-message.test.ts
 * fails when a Connect-ES upgrade changes what it writes, so the rewrite can
 * be re-checked (or dropped) then.
 */
import type * as http from "node:http";
import type * as http2 from "node:http2";

/**
 * The grpc-message header value for a message, percent-encoded as the gRPC
 * spec asks, spaces at either end included. `value` is the header as
 * Connect wrote it (or the plain message: decoding what is not
 * percent-encoded leaves it as it is).
 */
export function grpcMessageHeaderValue(value: string): string {
  let message: string;
  try {
    message = decodeURIComponent(value);
  } catch {
    message = value;
  }
  let out = "";
  for (const byte of Buffer.from(message, "utf8")) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  // An HTTP/2 field value must not start or end with whitespace (RFC 9113, 8.2.1); Node drops such a header.
  return out.replace(/^ +| +$/g, (spaces) => "%20".repeat(spaces.length));
}

type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;
type NodeHandler = (req: NodeRequest, res: NodeResponse) => void;
type HeaderBag = Record<string, unknown>;

/**
 * `handler` with grpc-message rewritten wherever it writes one: in the
 * headers of a trailers-only response, else in the trailers.
 */
export function withSpecEncodedGrpcMessage(handler: NodeHandler): NodeHandler {
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
