/**
 * List order and keyset cursors. A cursor encodes the sort key of the last
 * row of a page (never an offset), so the next page starts strictly after
 * that key however the catalog changed in between.
 *
 * Order: the primary field in the requested direction; ties by name
 * ascending, then version SemVer-descending, whatever the direction.
 * In latest mode a row is a component, so its key has no version: a name's
 * latest version may change between pages without the name repeating.
 */
import { CatalogError } from "../../errors/index.js";
import { compareVersions } from "../../semver/index.js";
import type { ComponentRecord } from "../records.js";
import type { OrderField } from "../store.js";

export interface ListOrder {
  field: OrderField;
  descending: boolean;
  allVersions: boolean;
}

/** The sort key of a list row. `version` is ignored in latest mode. */
export interface RowKey {
  updateMs: number;
  name: string;
  version: string;
}

/** A list row: its key plus the record it shows. */
export interface Row extends RowKey {
  record: ComponentRecord;
}

/** Milliseconds since the epoch of an ISO time; unparseable times sort first. */
export function timeKey(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? 0 : ms;
}

export function rowOf(record: ComponentRecord): Row {
  return { updateMs: timeKey(record.updateTime), name: record.name, version: record.version, record };
}

export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function rowComparator(order: ListOrder): (a: RowKey, b: RowKey) => number {
  const direction = order.descending ? -1 : 1;
  return (a, b) => {
    if (order.field === "updateTime") {
      if (a.updateMs !== b.updateMs) return (a.updateMs - b.updateMs) * direction;
      const byName = compareNames(a.name, b.name);
      if (byName !== 0) return byName;
    } else {
      const byName = compareNames(a.name, b.name);
      if (byName !== 0) return byName * direction;
    }
    return order.allVersions ? compareVersions(b.version, a.version) : 0;
  };
}

interface ListCursor {
  k: "list";
  f: OrderField;
  d: boolean;
  a: boolean;
  t: number;
  n: string;
  v: string;
}

interface SearchCursor {
  k: "search";
  s: number;
  n: string;
}

function encode(payload: ListCursor | SearchCursor): string {
  return Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
}

function decode(cursor: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // falls through to the INVALID_ARGUMENT below
  }
  throw invalidCursor("it could not be decoded");
}

function invalidCursor(why: string): CatalogError {
  return CatalogError.invalid([
    { field: "page_token", description: `the page token is not valid: ${why}`, reason: "INVALID_PAGE_TOKEN" },
  ]);
}

export function encodeListCursor(order: ListOrder, last: RowKey): string {
  return encode({
    k: "list",
    f: order.field,
    d: order.descending,
    a: order.allVersions,
    t: last.updateMs,
    n: last.name,
    v: order.allVersions ? last.version : "",
  });
}

/** The key a list cursor resumes after; INVALID_ARGUMENT when it is not one of ours or not for this order. */
export function decodeListCursor(cursor: string, order: ListOrder): RowKey {
  const raw = decode(cursor);
  if (raw.k !== "list" || typeof raw.t !== "number" || typeof raw.n !== "string" || typeof raw.v !== "string") {
    throw invalidCursor("it is not a list page token");
  }
  if (raw.f !== order.field || raw.d !== order.descending || raw.a !== order.allVersions) {
    throw invalidCursor("it was issued for a different order or mode");
  }
  return { updateMs: raw.t, name: raw.n, version: raw.v };
}

export interface ScoreKey {
  score: number;
  name: string;
}

export function encodeSearchCursor(last: ScoreKey): string {
  return encode({ k: "search", s: last.score, n: last.name });
}

export function decodeSearchCursor(cursor: string): ScoreKey {
  const raw = decode(cursor);
  if (raw.k !== "search" || typeof raw.s !== "number" || typeof raw.n !== "string") {
    throw invalidCursor("it is not a search page token");
  }
  return { score: raw.s, name: raw.n };
}

/** Search order: score descending, then name ascending. */
export function compareScored(a: ScoreKey, b: ScoreKey): number {
  return a.score !== b.score ? b.score - a.score : compareNames(a.name, b.name);
}
