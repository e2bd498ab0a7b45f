/**
 * Deep-freezes plain JSON data so stored records can be handed to callers
 * without copying: a caller mutating a returned record gets a TypeError
 * instead of silently changing the catalog.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}
