/**
 * The Manager's checks of request fields that are not the component itself
 * (validation.ts has those): names, exact versions, min revisions, etags,
 * order, page size, filters and search terms. Each throws INVALID_ARGUMENT naming the field
 * (domain names: the API translates them to proto names, src/api/field-paths.ts).
 */
import { CatalogError, type FieldViolation, quoted, REASONS } from "../errors/index.js";
import { isValidVersion } from "../semver/index.js";
import type { ComponentRecord } from "../storage/records.js";
import type { ComponentFilter, OrderField } from "../storage/store.js";
import { componentNameViolation } from "./names.js";
import { etagOf } from "./requests.js";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;
const MAX_SEARCH_TERMS = 16;
const MAX_SEARCH_TERM_LENGTH = 64;

export function requireComponentName(name: string, field: string): void {
  const problem = componentNameViolation(field, name);
  if (problem !== undefined) throw CatalogError.invalid([problem]);
}

/** A read's min_revision: 0 (any revision) or a catalog revision. */
export function checkMinRevision(minRevision: number): void {
  if (Number.isSafeInteger(minRevision) && minRevision >= 0) return;
  throw CatalogError.invalid([
    {
      field: "minRevision",
      description: `must be 0 (any revision) or a catalog revision, not ${minRevision}`,
      reason: REASONS.minRevision,
    },
  ]);
}

export function checkExactVersion(version: string, field: string): void {
  if (version === "") throw CatalogError.invalid([{ field, description: "is required", reason: REASONS.required }]);
  if (!isValidVersion(version)) {
    throw CatalogError.invalid([
      {
        field,
        description: `${quoted(version)} is not an exact SemVer 2.0 version such as 1.2.3`,
        reason: REASONS.semver,
      },
    ]);
  }
}

export function parseEtag(etag: string, field: string): number | undefined {
  if (etag === "") return undefined;
  const match = /^"r(\d{1,15})"$/.exec(etag);
  if (!match) {
    throw CatalogError.invalid([
      { field, description: "is not an etag this server issued", reason: REASONS.etagMalformed },
    ]);
  }
  return Number(match[1]);
}

export function etagMismatch(name: string, current: ComponentRecord): CatalogError {
  return new CatalogError(
    "ABORTED",
    `etag does not match: ${name} ${current.version} changed since it was read ` +
      `(current etag ${etagOf(current)}); read it again and retry`,
  );
}

/** The order_by values parseOrderBy accepts, as its error message lists them. */
const ORDER_BY_VALUES = `"name", "name desc", "update_time" or "update_time desc"`;

export function parseOrderBy(orderBy: string): { field: OrderField; descending: boolean } {
  const normalized = orderBy.trim().replace(/\s+/g, " ");
  switch (normalized) {
    case "":
    case "name":
    case "name asc":
      return { field: "name", descending: false };
    case "name desc":
      return { field: "name", descending: true };
    case "update_time":
    case "update_time asc":
      return { field: "updateTime", descending: false };
    case "update_time desc":
      return { field: "updateTime", descending: true };
    default:
      throw CatalogError.invalid([
        {
          field: "orderBy",
          description: `${quoted(orderBy)} is not supported; use ${ORDER_BY_VALUES}`,
          reason: REASONS.orderBy,
        },
      ]);
  }
}

export function effectivePageSize(pageSize: number): number {
  if (pageSize < 0) {
    throw CatalogError.invalid([
      { field: "pageSize", description: `must not be negative (got ${pageSize})`, reason: REASONS.pageSize },
    ]);
  }
  if (pageSize === 0) return DEFAULT_PAGE_SIZE;
  return Math.min(pageSize, MAX_PAGE_SIZE);
}

export function checkFilter(filter: ComponentFilter): void {
  const violations: FieldViolation[] = [];
  for (const [index, name] of (filter.names ?? []).entries()) {
    const problem = componentNameViolation(`filter.names[${index}]`, name);
    if (problem !== undefined) violations.push(problem);
  }
  const labelCount = Object.keys(filter.labels ?? {}).length;
  if (labelCount > 64) {
    violations.push({
      field: "filter.labels",
      description: `has ${labelCount} entries; at most 64 are allowed`,
      reason: REASONS.maxItems,
    });
  }
  if (violations.length > 0) throw CatalogError.invalid(violations);
}

export function searchTerms(query: string): string[] {
  const terms = query
    .toLowerCase()
    .split(/[^\p{L}\p{N}_.-]+/u)
    .filter((t) => t !== "");
  if (terms.length === 0) {
    throw CatalogError.invalid([
      { field: "query", description: "must contain at least one search term", reason: REASONS.required },
    ]);
  }
  if (terms.length > MAX_SEARCH_TERMS) {
    throw CatalogError.invalid([
      {
        field: "query",
        description: `has ${terms.length} terms; at most ${MAX_SEARCH_TERMS} are allowed`,
        reason: REASONS.maxItems,
      },
    ]);
  }
  const long = terms.find((t) => t.length > MAX_SEARCH_TERM_LENGTH);
  if (long) {
    throw CatalogError.invalid([
      {
        field: "query",
        description: `term "${long.slice(0, 20)}..." is longer than ${MAX_SEARCH_TERM_LENGTH} characters`,
        reason: REASONS.maxLength,
      },
    ]);
  }
  return [...new Set(terms)];
}
