/**
 * NESTOR_* environment variables, derived from the config schema: every key
 * can be set as NESTOR_ + its path in upper snake case
 * (storage.postgres.poolSize -> NESTOR_STORAGE_POSTGRES_POOL_SIZE). A value
 * is turned into the key's type before the schema checks it: numbers and
 * booleans ("true"/"1", "false"/"0") from their text, lists of mappings from
 * JSON, other lists from comma-separated text. Text that does not convert is
 * passed on as it is, so the schema reports it like a bad value in a file.
 */
import type { z } from "zod";

export type LeafKind = "number" | "boolean" | "text" | "mappings" | "list";

export interface Leaf {
  /** Dotted key path, e.g. "storage.postgres.poolSize". */
  path: string;
  kind: LeafKind;
}

/** The schema under its wrappers (defaults, pipes, transforms). */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = current._zod.def as unknown as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    if (def.innerType !== undefined) current = def.innerType;
    else if (def.type === "pipe" && def.in !== undefined) current = def.in;
    else return current;
  }
}

function kindOf(schema: z.ZodType): LeafKind {
  const def = unwrap(schema)._zod.def as unknown as { type: string; element?: z.ZodType };
  if (def.type === "number") return "number";
  if (def.type === "boolean") return "boolean";
  if (def.type === "array") return def.element && unwrap(def.element)._zod.def.type === "object" ? "mappings" : "list";
  return "text";
}

/** The object shape of `schema`, or undefined when it is not a mapping. */
export function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const def = unwrap(schema)._zod.def as unknown as { type: string; shape?: Record<string, z.ZodType> };
  return def.type === "object" ? def.shape : undefined;
}

/** The schema of each item when `schema` is a list, else undefined. */
export function elementOf(schema: z.ZodType): z.ZodType | undefined {
  const def = unwrap(schema)._zod.def as unknown as { type: string; element?: z.ZodType };
  return def.type === "array" ? def.element : undefined;
}

/** Every settable key under `schema` (mappings are walked, lists are leaves). */
export function leavesOf(schema: z.ZodType, prefix = ""): Leaf[] {
  const shape = shapeOf(schema);
  if (shape === undefined) return [{ path: prefix.slice(0, -1), kind: kindOf(schema) }];
  return Object.entries(shape).flatMap(([key, child]) => leavesOf(child, `${prefix}${key}.`));
}

export function envName(path: string): string {
  return `NESTOR_${path
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/\./g, "_")
    .toUpperCase()}`;
}

/** The value of an environment variable as the key's type, or the text itself when it does not convert. */
export function fromEnv(raw: string, kind: LeafKind): unknown {
  switch (kind) {
    case "number": {
      const n = raw.trim() === "" ? Number.NaN : Number(raw);
      return Number.isFinite(n) ? n : raw;
    }
    case "boolean":
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      return raw;
    case "mappings":
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return raw;
      }
    case "list":
      return raw
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== "");
    case "text":
      return raw;
  }
}
