/**
 * Stored records are frozen plain JSON data, so they can be handed to
 * callers without copying: a caller mutating a returned record gets a
 * TypeError instead of silently changing the catalog.
 */

/** Freezes `value` and everything reachable from it (stops at parts already frozen). */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}

/**
 * A frozen deep copy of plain JSON data (what a caller hands to a write, so
 * that changing it afterwards cannot reach the store). Much cheaper than
 * structuredClone on the write path. Keys holding undefined are dropped, as
 * JSON would drop them.
 */
export function frozenCopy<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return Object.freeze(value.map((item: unknown) => frozenCopy(item))) as T;
  const copy: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  // Object.keys rather than Object.entries: no pair array per member on the write path.
  for (const key of Object.keys(source)) {
    const child = source[key];
    if (child === undefined) continue;
    // Assigning "__proto__" (a config key, say) would set the copy's prototype instead of a member.
    if (key === "__proto__")
      Object.defineProperty(copy, key, {
        value: frozenCopy(child),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else copy[key] = frozenCopy(child);
  }
  return Object.freeze(copy) as T;
}
