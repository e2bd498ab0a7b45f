/**
 * The one mapping from errors to status codes, and the bounds every status
 * answered by this server keeps. Handlers throw CatalogError (or let one
 * through from the Manager); everything else is INTERNAL and is logged,
 * never shown to the caller.
 *
 * Bounds: a status travels in header lines (grpc-message and
 * grpc-status-details-bin, which repeats the message), and a gRPC client
 * that receives a header list larger than it accepts gets a reset stream
 * instead of a status (grpc-java accepts 8 KiB of metadata in all). So the
 * message is printable ASCII of at most MAX_MESSAGE_CHARS, and the
 * google.rpc.BadRequest detail holds at most MAX_VIOLATIONS short
 * violations: together about 4 KiB at worst, typically a few hundred bytes.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, RetryInfoSchema } from "../../gen/ts/src/google/rpc/error_details_pb.js";
import { CatalogError, type ErrorCode, type FieldViolation } from "../errors/index.js";
import { withWireFieldPaths } from "./field-paths.js";

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

export const MAX_MESSAGE_CHARS = 1024;
export const MAX_VIOLATIONS = 8;
const MAX_FIELD_CHARS = 128;
const MAX_DESCRIPTION_CHARS = 200;
const MAX_REASON_CHARS = 64;

const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/;
const LONG_RUN_CHARS = 64;
const LONG_RUN = new RegExp(`[^ ]{${LONG_RUN_CHARS + 1},}`, "g");

/** The start of a long run and its length; short enough that it is no long run itself. */
function shortRun(run: string): string {
  return `${run.slice(0, LONG_RUN_CHARS - 4)}... (${run.length} characters)`;
}

/**
 * A status message fit for one line of a header, and the same in every
 * client: printable ASCII only. Every other UTF-16 code unit (a newline or
 * other control character, "é", each half of an emoji's surrogate pair) is
 * written as a JSON-style escape, `\u00e9`, so user input echoed in a message
 * reads alike in grpc-go, grpcio, grpc-js and curl, and cannot break a log
 * line or a terminal. A run of more than LONG_RUN_CHARS characters without
 * a space (a caller's value echoed whole, wherever the message was written)
 * keeps its start and says how long it was; messages still
 * past `max` characters are cut, saying so.
 */
export function headerSafeMessage(message: string, max = MAX_MESSAGE_CHARS): string {
  let ascii = NOT_PRINTABLE_ASCII.test(message)
    ? message.replace(/[^\x20-\x7e]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`)
    : message;
  if (ascii.length > LONG_RUN_CHARS) ascii = ascii.replace(LONG_RUN, shortRun);
  if (ascii.length <= max) return ascii;
  const suffix = `... (cut from ${ascii.length} characters)`;
  // Never half an escape: a cut \u00e9 would read as different text.
  return ascii.slice(0, max - suffix.length).replace(/\\(u[0-9a-f]{0,3})?$/, "") + suffix;
}

/** `err` within the bounds: itself when it already is, else a copy with the message made safe. */
export function boundedConnectError(err: ConnectError): ConnectError {
  const message = headerSafeMessage(err.rawMessage);
  if (message === err.rawMessage) return err;
  const bounded = new ConnectError(message, err.code, err.metadata, undefined, err.cause);
  bounded.details = err.details;
  return bounded;
}

/** The google.rpc.BadRequest detail for `violations`: the first MAX_VIOLATIONS, each cut short. */
export function badRequestDetail(violations: readonly FieldViolation[]) {
  return {
    desc: BadRequestSchema,
    value: create(BadRequestSchema, {
      fieldViolations: violations.slice(0, MAX_VIOLATIONS).map((v) => ({
        field: headerSafeMessage(v.field, MAX_FIELD_CHARS),
        description: headerSafeMessage(v.description, MAX_DESCRIPTION_CHARS),
        reason: headerSafeMessage(v.reason ?? "", MAX_REASON_CHARS),
      })),
    }),
  };
}

/** The google.rpc.RetryInfo detail of an error that says when to retry (none otherwise). */
function retryDetail(err: CatalogError) {
  if (err.retryDelayMs === undefined) return [];
  const ms = Math.max(0, Math.round(err.retryDelayMs));
  const retryDelay = { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
  return [{ desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay }) }];
}

/** The ConnectError for `err`; `onInternal` is told of errors that are not CatalogErrors. */
export function toConnectError(err: unknown, onInternal: (err: unknown) => void): ConnectError {
  if (err instanceof ConnectError) return boundedConnectError(err);
  if (err instanceof CatalogError) {
    const wire = withWireFieldPaths(err);
    const details = [
      ...(wire.fieldViolations.length > 0 ? [badRequestDetail(wire.fieldViolations)] : []),
      ...retryDetail(err),
    ];
    return new ConnectError(headerSafeMessage(wire.message), CODES[wire.code], undefined, details, err);
  }
  onInternal(err);
  return new ConnectError("internal error; the server log has the details", Code.Internal);
}
