/**
 * Reading the catalog's errors: the status code is on ConnectError.code, the
 * readable message on rawMessage, and INVALID_ARGUMENT carries a
 * google.rpc.BadRequest detail naming each offending field.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../google/rpc/error_details_pb.js";

export interface FieldViolation {
  /** Path of the offending field, e.g. "component.version". */
  field: string;
  /** The rule it broke, in a sentence. */
  description: string;
  reason: string;
}

/** The field violations of an INVALID_ARGUMENT error; empty for anything else. */
export function fieldViolations(err: unknown): FieldViolation[] {
  if (!(err instanceof ConnectError)) return [];
  return err.findDetails(BadRequestSchema).flatMap((detail) =>
    detail.fieldViolations.map((v) => ({ field: v.field, description: v.description, reason: v.reason })),
  );
}

/** True when a watch asked for revisions the event log no longer holds: re-list, then watch again. */
export function isRelistNeeded(err: unknown): boolean {
  return err instanceof ConnectError && err.code === Code.OutOfRange;
}
