/**
 * How large and how deep JSON values are, bounded: the deployment config's
 * depth and size, and a whole component's serialized size.
 */

/** Nesting depth of a JSON value (a scalar is 0, `{}` is 1), counting no deeper than `limit + 1`. */
export function jsonDepth(value: unknown, limit: number): number {
  if (typeof value !== "object" || value === null) return 0;
  if (limit < 0) return 1;
  const children = Array.isArray(value) ? value : Object.values(value);
  let deepest = 0;
  for (const child of children) {
    deepest = Math.max(deepest, jsonDepth(child, limit - 1));
    if (deepest > limit) break;
  }
  return 1 + deepest;
}

/** UTF-8 size of the JSON text of `value`, or undefined when it cannot be serialized (too deep, cyclic). */
export function serializedBytes(value: unknown): number | undefined {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
  } catch {
    return undefined;
  }
}

/** Nesting below which jsonBytesBound walks plain data; deeper (or cyclic) values are measured exactly. */
const BOUND_DEPTH = 64;

/**
 * An upper bound on serializedBytes(value), or undefined when the value is
 * not plain JSON data (class instances, toJSON, BigInt, too deep, cyclic)
 * and only JSON.stringify can tell. Each string counts 6 bytes per UTF-16
 * unit plus its quotes (the most JSON escaping and UTF-8 can make of it),
 * each number 32 (the longest number JSON writes has 25 characters, e.g.
 * -0.0000012345678901234567). Much cheaper than
 * serializing: every publish checks a size limit that almost every
 * component is far below.
 */
export function jsonBytesBound(value: unknown, depth = 0): number | undefined {
  switch (typeof value) {
    case "string":
      return value.length * 6 + 2;
    case "number":
      return 32;
    case "boolean":
      return 5;
    case "undefined":
      return 4; // nothing as a member; "null" as a list element
    case "object":
      break;
    default:
      return undefined;
  }
  if (value === null) return 4;
  if (depth >= BOUND_DEPTH) return undefined;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if ("toJSON" in value) return undefined;
  if (Array.isArray(value)) {
    if (prototype !== Array.prototype) return undefined;
    let total = 2 + value.length;
    for (let i = 0; i < value.length; i++) {
      const item = jsonBytesBound(value[i], depth + 1);
      if (item === undefined) return undefined;
      total += item;
    }
    return total;
  }
  if (prototype !== Object.prototype && prototype !== null) return undefined;
  let total = 2;
  for (const key of Object.keys(value)) {
    const member = jsonBytesBound((value as Record<string, unknown>)[key], depth + 1);
    if (member === undefined) return undefined;
    total += key.length * 6 + 4 + member;
  }
  return total;
}

/**
 * Whether `value` serializes to more than `limit` bytes: the exact size when
 * it does (or cannot be serialized: undefined), else "within" without
 * serializing when the cheap bound already shows it.
 */
export function sizeOver(value: unknown, limit: number): { over: false } | { over: true; bytes: number | undefined } {
  const bound = jsonBytesBound(value);
  if (bound !== undefined && bound <= limit) return { over: false };
  const bytes = serializedBytes(value);
  return bytes === undefined || bytes > limit ? { over: true, bytes } : { over: false };
}
