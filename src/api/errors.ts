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
 * Status messages travel in the `grpc-message` header, percent-encoded
 * outside printable ASCII. @grpc/grpc-js shows them undecoded, so messages
 * are kept to printable ASCII without '%': anything else is written as a
 * \uXXXX escape, which reads the same in every client.
 */
export function headerSafeMessage(message: string): string {
  let out = "";
  for (const ch of message) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x20 && cp <= 0x7e && ch !== "%") out += ch;
    else if (ch === "%") out += " percent";
    else if (ch === "\n" || ch === "\t") out += " ";
    else out += cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, "0")}`;
  }
  return out.length > 4096 ? out.slice(0, 4093) + "..." : out;
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
