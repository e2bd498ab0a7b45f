/**
 * The one mapping from errors to status codes. Handlers throw CatalogError
 * (or let one through from the Manager); everything else is INTERNAL and is
 * logged, never shown to the caller.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/ts/src/google/rpc/error_details_pb.js";
import { CatalogError, type ErrorCode } from "../errors/index.js";

const CODES: Record<ErrorCode, Code> = {
  INVALID_ARGUMENT: Code.InvalidArgument,
  NOT_FOUND: Code.NotFound,
  ALREADY_EXISTS: Code.AlreadyExists,
  FAILED_PRECONDITION: Code.FailedPrecondition,
  ABORTED: Code.Aborted,
  OUT_OF_RANGE: Code.OutOfRange,
  RESOURCE_EXHAUSTED: Code.ResourceExhausted,
  DEADLINE_EXCEEDED: Code.DeadlineExceeded,
  UNAVAILABLE: Code.Unavailable,
  UNAUTHENTICATED: Code.Unauthenticated,
  PERMISSION_DENIED: Code.PermissionDenied,
  INTERNAL: Code.Internal,
};

/**
 * A status message fit for one line of a header, and the same in every
 * client: printable ASCII only. Every other UTF-16 code unit (a newline or
 * other control character, "é", each half of an emoji's surrogate pair) is
 * written as a JSON-style escape, `\u00e9`, so user input echoed in a message
 * reads alike in grpc-go, grpcio, grpc-js and curl, and cannot break a log
 * line or a terminal. Very long messages are cut.
 */
export function headerSafeMessage(message: string): string {
  const ascii = message.replace(/[^\x20-\x7e]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return ascii.length > 4096 ? `${ascii.slice(0, 4093)}...` : ascii;
}

/**
 * The `grpc-message` header value for a message, percent-encoded as the gRPC
 * spec asks: only bytes outside printable ASCII, and '%' itself, are escaped.
 * Connect-ES encodes with encodeURIComponent, which also escapes ':', ';',
 * ',', '/' and other reserved characters; @grpc/grpc-js decodes with
 * decodeURI, which leaves exactly those escaped, so its users would read
 * "invalid request%3A name%3A ...". `value` is the header as Connect wrote it.
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
  return out;
}

/** The ConnectError for `err`; `onInternal` is told of errors that are not CatalogErrors. */
export function toConnectError(err: unknown, onInternal: (err: unknown) => void): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof CatalogError) {
    const details =
      err.fieldViolations.length > 0
        ? [
            {
              desc: BadRequestSchema,
              value: create(BadRequestSchema, {
                fieldViolations: err.fieldViolations.map((v) => ({
                  field: v.field,
                  description: headerSafeMessage(v.description),
                  reason: v.reason ?? "",
                })),
              }),
            },
          ]
        : [];
    return new ConnectError(headerSafeMessage(err.message), CODES[err.code], undefined, details, err);
  }
  onInternal(err);
  return new ConnectError("internal error; the server log has the details", Code.Internal);
}
