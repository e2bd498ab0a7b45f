/**
 * grpc-message as the gRPC spec writes it, for @grpc/grpc-js.
 *
 * Connect-ES (@connectrpc/connect, pinned to an exact version in
 * package.json) writes grpc-message with encodeURIComponent, which also
 * escapes ':', ';', ',', '/' and other reserved characters; @grpc/grpc-js
 * decodes with decodeURI, which leaves exactly those escaped, so its users
 * would read "invalid request%3A name%3A ...". The spec percent-encodes only
 * bytes outside printable ASCII, and '%' itself. The servers' response
 * classes below rewrite the header on every response that carries one;
 * test/api/grpc-message.test.ts fails when a Connect-ES upgrade changes what
 * it writes, so the rewrite can be re-checked (or dropped) then.
 */
import * as http from "node:http";
import * as http2 from "node:http2";

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

type HeaderBag = Record<string, unknown>;

/** Headers as a response writes them, with grpc-message re-encoded when they carry one. */
function reencode(headers: unknown): unknown {
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) return headers;
  const message = (headers as HeaderBag)["grpc-message"];
  if (typeof message !== "string") return headers;
  return { ...(headers as HeaderBag), "grpc-message": grpcMessageHeaderValue(message) };
}

/**
 * Response classes for the servers (http.createServer's `ServerResponse`,
 * http2's `Http1ServerResponse` and `Http2ServerResponse` options) that
 * rewrite grpc-message wherever it is written: in the headers of a
 * trailers-only response, else in the trailers. Overriding the methods on
 * the class, rather than on each response object, costs a call nothing
 * beyond the check in `reencode`.
 */
type WriteHead = (...args: unknown[]) => unknown;

export class SpecGrpcMessageHttp1Response extends http.ServerResponse {
  override writeHead(statusCode: number, headers?: http.OutgoingHttpHeaders | http.OutgoingHttpHeader[]): this;
  override writeHead(
    statusCode: number,
    statusMessage?: string,
    headers?: http.OutgoingHttpHeaders | http.OutgoingHttpHeader[],
  ): this;
  override writeHead(...args: unknown[]): this {
    (super.writeHead as WriteHead).apply(this, args.map(reencode));
    return this;
  }

  override addTrailers(headers: http.OutgoingHttpHeaders | ReadonlyArray<[string, string]>): void {
    super.addTrailers(reencode(headers) as typeof headers);
  }
}

export class SpecGrpcMessageHttp2Response extends http2.Http2ServerResponse {
  override writeHead(statusCode: number, headers?: http.OutgoingHttpHeaders | readonly string[]): this;
  override writeHead(
    statusCode: number,
    statusMessage: string,
    headers?: http.OutgoingHttpHeaders | readonly string[],
  ): this;
  override writeHead(...args: unknown[]): this {
    (super.writeHead as WriteHead).apply(this, args.map(reencode));
    return this;
  }

  override addTrailers(trailers: http.OutgoingHttpHeaders): void {
    super.addTrailers(reencode(trailers) as typeof trailers);
  }
}

/** Server options that install the response classes above. */
export const SPEC_GRPC_MESSAGE_RESPONSES = {
  http1: { ServerResponse: SpecGrpcMessageHttp1Response },
  http2: {
    Http1ServerResponse: SpecGrpcMessageHttp1Response,
    Http2ServerResponse: SpecGrpcMessageHttp2Response,
  },
} as const;
