/**
 * UpdateComponent's field mask (AIP-134): which paths may change once a
 * version is published, what a mask (or its absence) sets, what the
 * deprecation becomes, and whether an update changes anything at all.
 */
import { CatalogError, type FieldViolation, REASONS } from "../errors/index.js";
import type { ComponentRecord, Deprecation, MutablePatch } from "../storage/records.js";
import type { UpdateRequest } from "./requests.js";

/** The mutable fields UpdateComponent may set, as named in an update mask. */
export const MUTABLE_PATHS = [
  "description",
  "labels",
  "deprecation",
  "deprecation.deprecated",
  "deprecation.message",
  "deprecation.replacement",
  "deprecation.sunset_time",
] as const;
const IMMUTABLE_PATHS = new Set([
  "name",
  "version",
  "provider",
  "category",
  "inputs",
  "outputs",
  "deployment",
  "source",
]);
const OUTPUT_ONLY_PATHS = new Set([
  "create_time",
  "update_time",
  "create_revision",
  "update_revision",
  "etag",
  "content_digest",
  "deprecation.deprecate_time",
]);

/** The mutable paths an update sets: its mask (checked), or, without one, every populated field (AIP-134). */
export function effectiveMask(request: UpdateRequest): Set<string> {
  const violations: FieldViolation[] = [];
  const paths = new Set<string>();
  request.updateMask.forEach((path, index) => {
    const field = `updateMask.paths[${index}]`;
    if ((MUTABLE_PATHS as readonly string[]).includes(path)) paths.add(path);
    else if (IMMUTABLE_PATHS.has(path.split(".")[0] ?? path)) {
      violations.push({
        field,
        description: `"${path}" is immutable once published; publish a new version to change the spec`,
        reason: REASONS.immutableField,
      });
    } else if (OUTPUT_ONLY_PATHS.has(path)) {
      violations.push({ field, description: `"${path}" is output only`, reason: REASONS.outputOnlyField });
    } else if (path === "yank" || path.startsWith("yank.")) {
      violations.push({
        field,
        description: `"${path}" changes only through YankComponentVersion and UnyankComponentVersion`,
        reason: REASONS.outputOnlyField,
      });
    } else {
      violations.push({
        field,
        description: `"${path}" is not a field of Component; mutable fields are ${MUTABLE_PATHS.join(", ")}`,
        reason: REASONS.unknownField,
      });
    }
  });
  if (violations.length > 0) throw CatalogError.invalid(violations);
  if (request.updateMask.length === 0) {
    // AIP-134: no mask means every populated mutable field.
    if (request.description !== "") paths.add("description");
    if (Object.keys(request.labels).length > 0) paths.add("labels");
    if (request.deprecation) paths.add("deprecation");
    if (paths.size === 0) {
      throw CatalogError.invalid([
        {
          field: "updateMask",
          description: `names no field and the request sets none; set one of ${MUTABLE_PATHS.join(", ")}`,
          reason: REASONS.emptyUpdate,
        },
      ]);
    }
  }
  return paths;
}

/** The deprecation after an update of `paths`, or undefined when the update leaves it alone. */
export function nextDeprecation(
  current: Deprecation,
  request: UpdateRequest,
  paths: Set<string>,
  now: string,
): Deprecation | undefined {
  const whole = paths.has("deprecation");
  const named = (path: (typeof MUTABLE_PATHS)[number]) => whole || paths.has(path);
  if (!whole && ![...paths].some((path) => path.startsWith("deprecation."))) return undefined;
  const wanted = request.deprecation ?? { deprecated: false, message: "" };
  const deprecated = named("deprecation.deprecated") ? wanted.deprecated : current.deprecated;
  const message = named("deprecation.message") ? wanted.message : current.message;
  const replacement = named("deprecation.replacement") ? wanted.replacement : current.replacement;
  const sunsetTime = named("deprecation.sunset_time") ? wanted.sunsetTime : current.sunsetTime;
  if (!deprecated) {
    refuseWithoutDeprecation(named("deprecation.replacement") && wanted.replacement !== undefined, "replacement");
    refuseWithoutDeprecation(named("deprecation.sunset_time") && wanted.sunsetTime !== undefined, "sunsetTime");
    return { deprecated: false, message };
  }
  const time = current.deprecated && current.time ? current.time : now;
  return {
    deprecated: true,
    message,
    time,
    ...(replacement === undefined ? {} : { replacement }),
    ...(sunsetTime === undefined ? {} : { sunsetTime }),
  };
}

/** A replacement or sunset set on a version that is not (or no longer) deprecated. */
function refuseWithoutDeprecation(given: boolean, field: "replacement" | "sunsetTime"): void {
  if (!given) return;
  throw CatalogError.invalid([
    {
      field: `component.deprecation.${field}`,
      description: "applies only to a deprecated version: set deprecation.deprecated to true with it",
      reason: REASONS.conflictingFields,
    },
  ]);
}

/** True when applying `patch` to `current` changes nothing (the update then writes nothing). */
export function isNoOp(current: ComponentRecord, patch: MutablePatch): boolean {
  if (patch.description !== undefined && patch.description !== current.description) return false;
  if (patch.labels !== undefined && !sameLabels(patch.labels, current.labels)) return false;
  if (patch.deprecation !== undefined) {
    const d = patch.deprecation;
    const c = current.deprecation;
    if (d.deprecated !== c.deprecated || d.message !== c.message || d.sunsetTime !== c.sunsetTime) return false;
    if (d.replacement?.name !== c.replacement?.name || d.replacement?.constraint !== c.replacement?.constraint) {
      return false;
    }
  }
  return true;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && b[k] === a[k]);
}
