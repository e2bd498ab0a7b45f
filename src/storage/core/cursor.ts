/**
 * Keyset page cursors and the page-size rule, one format for every backend.
 * A cursor encodes the sort key of the last row of a page (never an offset),
 * so the next page starts strictly after that key however the catalog
 * changed in between; it names the order it was issued for, and a cursor
 * presented to another order or mode fails INVALID_ARGUMENT.
 */
import { parseVersion } from "../../semver/index.js";
import { invalidPageToken } from "./errors.js";
import type { ListOrder, RowKey } from "./ordering.js";

interface ListCursor {
  k: "list";
  f: ListOrder["field"];
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

/** A search row's position: score descending, then name ascending. */
export interface ScoreKey {
  score: number;
  name: string;
}

/**
 * Rows a store serves per page: callers may pass any number, and a store
 * serves at least one row (the Manager applies the API's default and
 * maximum before it asks).
 */
export function pageSizeOf(requested: number): number {
  return Math.max(1, Math.floor(requested));
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
  throw invalidPageToken("it could not be decoded");
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
  if (
    raw.k !== "list" ||
    typeof raw.t !== "number" ||
    !Number.isFinite(raw.t) ||
    typeof raw.n !== "string" ||
    typeof raw.v !== "string"
  ) {
    throw invalidPageToken("it is not a list page token");
  }
  if (raw.f !== order.field || raw.d !== order.descending || raw.a !== order.allVersions) {
    throw invalidPageToken("it was issued for a different order or mode");
  }
  if (order.allVersions && parseVersion(raw.v) === undefined) throw invalidPageToken("its version is not SemVer");
  return { updateMs: raw.t, name: raw.n, version: raw.v };
}

export function encodeSearchCursor(last: ScoreKey): string {
  return encode({ k: "search", s: last.score, n: last.name });
}

export function decodeSearchCursor(cursor: string): ScoreKey {
  const raw = decode(cursor);
  if (raw.k !== "search" || typeof raw.s !== "number" || !Number.isFinite(raw.s) || typeof raw.n !== "string") {
    throw invalidPageToken("it is not a search page token");
  }
  return { score: raw.s, name: raw.n };
}
