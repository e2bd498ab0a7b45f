/**
 * The one error type of the catalog. Every layer throws it; the API layer maps
 * `code` to a gRPC/Connect status in one place (src/api/errors.ts).
 */
import type { Reason } from "./reasons.js";

export { REASONS, type Reason } from "./reasons.js";
export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "FAILED_PRECONDITION"
  | "ABORTED"
  | "OUT_OF_RANGE"
  | "RESOURCE_EXHAUSTED"
  | "DEADLINE_EXCEEDED"
  | "UNAVAILABLE"
  | "UNAUTHENTICATED"
  | "PERMISSION_DENIED"
  | "INTERNAL";

/** One bad field: `field` is a request path such as `component.inputs[2].name`. */
export interface FieldViolation {
  field: string;
  description: string;
  /** Machine-readable rule name from REASONS, e.g. `DNS1123_LABEL`. */
  reason?: Reason;
}

export interface CatalogErrorOptions {
  cause?: unknown;
  /** How long the caller should wait before retrying (sent as google.rpc.RetryInfo). */
  retryDelayMs?: number;
}

export class CatalogError extends Error {
  override readonly name = "CatalogError";
  /** Set when retrying after this long may succeed (UNAVAILABLE while a replica catches up). */
  readonly retryDelayMs: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fieldViolations: readonly FieldViolation[] = [],
    options?: CatalogErrorOptions,
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryDelayMs = options?.retryDelayMs;
  }

  /**
   * An INVALID_ARGUMENT error whose message lists the violations (the first
   * few when there are many: the message is one header line; every one is in
   * `fieldViolations`).
   */
  static invalid(violations: readonly FieldViolation[]): CatalogError {
    const shown = violations.slice(0, MAX_VIOLATIONS_IN_MESSAGE).map((v) => `${v.field}: ${v.description}`);
    if (violations.length > MAX_VIOLATIONS_IN_MESSAGE)
      shown.push(`and ${violations.length - MAX_VIOLATIONS_IN_MESSAGE} more violations`);
    return new CatalogError("INVALID_ARGUMENT", `invalid request: ${shown.join("; ")}`, violations);
  }

  static unavailable(what: string, cause: unknown): CatalogError {
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new CatalogError("UNAVAILABLE", `${what} is unavailable: ${detail}`, [], { cause });
  }
}

const MAX_VIOLATIONS_IN_MESSAGE = 8;
/** How many characters of a caller's value a message shows. */
const QUOTED_CHARS = 48;

/**
 * A caller's value as an error message shows it: in double quotes, at most
 * its first 48 characters, and then how long it was, e.g.
 * `"aaaa..." (1048576 characters)`. Messages travel in one header line
 * (grpc-message), so they never echo input whole.
 */
export function quoted(value: string): string {
  if (value.length <= QUOTED_CHARS) return `"${value}"`;
  return `"${value.slice(0, QUOTED_CHARS)}..." (${value.length} characters)`;
}

export function isCatalogError(err: unknown, code?: ErrorCode): err is CatalogError {
  return err instanceof CatalogError && (code === undefined || err.code === code);
}
