/**
 * A publisher's write scope (name prefixes, providers) as the Manager applies
 * it: once early for a fast answer, and again inside the store's write guard,
 * against the versions stored at that moment, which decides.
 */
import type { ComponentRecord, WriteGuard } from "../storage/records.js";
import type { WriteAuthorizer, WriteOptions } from "./requests.js";

/** Calls `authorize` with the write's own providers plus those of `stored`, each once. */
export function authorizeAgainst(
  authorize: WriteAuthorizer,
  name: string,
  ownProviders: readonly string[],
  stored: readonly ComponentRecord[],
): void {
  authorize(name, [...new Set([...ownProviders, ...stored.map((record) => record.provider)])]);
}

/** WriteMeta's guard for an update or delete: the scope check against the versions at the write. */
export function scopeGuard(name: string, options: WriteOptions): { guard?: WriteGuard } {
  const { authorize } = options;
  if (!authorize) return {};
  return { guard: (current) => authorizeAgainst(authorize, name, [], current) };
}
