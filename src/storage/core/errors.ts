/**
 * The errors a store raises, each worded once for every backend (store.ts
 * lists which codes a store may throw). A message names the component,
 * version and revision at fault and, where the caller can act, what to do.
 */
import { CatalogError, REASONS } from "../../errors/index.js";
import type { ComponentRecord } from "../records.js";

/** NOT_FOUND: one version of a component. */
export function versionNotFound(name: string, version: string): CatalogError {
  return new CatalogError("NOT_FOUND", `component "${name}" version ${version} not found`);
}

/** NOT_FOUND: a component with no versions at all. */
export function componentNotFound(name: string): CatalogError {
  return new CatalogError("NOT_FOUND", `component "${name}" not found`);
}

/** ALREADY_EXISTS: the version (by SemVer precedence, build metadata ignored) is taken. */
export function versionExists(existing: Pick<ComponentRecord, "name" | "version" | "updateRevision">): CatalogError {
  return new CatalogError(
    "ALREADY_EXISTS",
    `component "${existing.name}" version ${existing.version} already exists (revision ${existing.updateRevision})`,
  );
}

/** ABORTED: a write's expected revision is not the version's current one. */
export function staleRevision(record: ComponentRecord, expectedRevision: number): CatalogError {
  return new CatalogError(
    "ABORTED",
    `component "${record.name}" version ${record.version} is at revision ${record.updateRevision}, ` +
      `not the expected ${expectedRevision}; re-read it and retry`,
  );
}

/** Throws staleRevision when `expectedRevision` is given and differs from the record's. */
export function checkExpectedRevision(record: ComponentRecord, expectedRevision: number | undefined): void {
  if (expectedRevision !== undefined && expectedRevision !== record.updateRevision) {
    throw staleRevision(record, expectedRevision);
  }
}

/** OUT_OF_RANGE: readEvents after a revision the log no longer holds. */
export function compactedAway(afterRevision: number, compacted: number): CatalogError {
  return new CatalogError(
    "OUT_OF_RANGE",
    `events after revision ${afterRevision} were compacted away; the oldest event held is revision ` +
      `${compacted + 1}, so read from revision ${compacted} or later (or re-list)`,
  );
}

/** UNAVAILABLE: `what` (e.g. `postgres store (schema "x")`) cannot serve the call, and why. */
export function storeUnavailable(what: string, cause: unknown): CatalogError {
  return CatalogError.unavailable(what, cause);
}

/** UNAVAILABLE: a call on a store after close(). */
export function storeClosed(what: string): CatalogError {
  return CatalogError.unavailable(what, "it is closed");
}

/** INVALID_ARGUMENT on page_token: a cursor the store did not issue, or issued for another query. */
export function invalidPageToken(why: string): CatalogError {
  return CatalogError.invalid([
    { field: "page_token", description: `the page token is not valid: ${why}`, reason: REASONS.pageTokenMalformed },
  ]);
}

/** FAILED_PRECONDITION: a replica fed by one primary was offered another's events. */
export function fedByAnotherPrimary(where: string, recorded: string, offered: string): CatalogError {
  return new CatalogError(
    "FAILED_PRECONDITION",
    `${where} was fed by primary ${recorded}, not ${offered}: refusing to mix two catalogs in one replica ` +
      "(point the replica at an empty place, or empty this one)",
  );
}

/** NOT_FOUND: a consumer registration. */
export function consumerNotFound(consumer: string, name: string): CatalogError {
  return new CatalogError("NOT_FOUND", `consumer "${consumer}" is not registered for component "${name}"`);
}
