/**
 * Page tokens (AIP-158): opaque to clients, base64url of the store's keyset
 * cursor plus a fingerprint of the request's other fields, so a token reused
 * with a different filter or order fails clearly instead of returning a
 * wrong page.
 */
import { createHash } from "node:crypto";
import { CatalogError, REASONS } from "../errors/index.js";
import type { JsonValue } from "../storage/records.js";
import { canonicalJson } from "./digest.js";

interface TokenBody {
  c: string;
  f: string;
}

export function fingerprint(request: unknown): string {
  const json = JSON.parse(JSON.stringify(request) ?? "null") as JsonValue;
  return createHash("sha256").update(canonicalJson(json)).digest("base64url").slice(0, 16);
}

export function encodePageToken(cursor: string, requestFingerprint: string): string {
  const body: TokenBody = { c: cursor, f: requestFingerprint };
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

/** The store cursor inside `token`, or undefined for an empty token. */
export function decodePageToken(token: string, requestFingerprint: string, field = "pageToken"): string | undefined {
  if (token === "") return undefined;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    body = undefined;
  }
  if (!isTokenBody(body)) {
    throw CatalogError.invalid([
      { field, description: "is not a page token this server issued", reason: REASONS.pageTokenMalformed },
    ]);
  }
  if (body.f !== requestFingerprint) {
    throw CatalogError.invalid([
      {
        field,
        description:
          "was issued for a request with a different filter, order or page scope; start again without a page token",
        reason: REASONS.pageTokenMismatch,
      },
    ]);
  }
  return body.c;
}

function isTokenBody(value: unknown): value is TokenBody {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Record<string, unknown>).c === "string" &&
    typeof (value as Record<string, unknown>).f === "string"
  );
}
