/**
 * The one error type of the catalog. Every layer throws it; the API layer maps
 * `code` to a gRPC/Connect status in one place (src/api/errors.ts).
 */
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
  /** Machine-readable rule name, e.g. `DNS1123_LABEL`. */
  reason?: string;
}

export class CatalogError extends Error {
  override readonly name = "CatalogError";

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fieldViolations: readonly FieldViolation[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** An INVALID_ARGUMENT error whose message lists every violation. */
  static invalid(violations: readonly FieldViolation[]): CatalogError {
    const summary = violations.map((v) => `${v.field}: ${v.description}`).join("; ");
    return new CatalogError("INVALID_ARGUMENT", `invalid request: ${summary}`, violations);
  }

  static unavailable(what: string, cause: unknown): CatalogError {
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new CatalogError("UNAVAILABLE", `${what} is unavailable: ${detail}`, [], { cause });
  }
}

export function isCatalogError(err: unknown, code?: ErrorCode): err is CatalogError {
  return err instanceof CatalogError && (code === undefined || err.code === code);
}
