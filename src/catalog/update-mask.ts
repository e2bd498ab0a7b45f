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
  if (!whole && !paths.has("deprecation.deprecated") && !paths.has("deprecation.message")) return undefined;
  const wanted = request.deprecation ?? { deprecated: false, message: "" };
  const deprecated = whole || paths.has("deprecation.deprecated") ? wanted.deprecated : current.deprecated;
  const message = whole || paths.has("deprecation.message") ? wanted.message : current.message;
  if (!deprecated) return { deprecated: false, message };
  const time = current.deprecated && current.time ? current.time : now;
  return { deprecated: true, message, time };
}

/** True when applying `patch` to `current` changes nothing (the update then writes nothing). */
export function isNoOp(current: ComponentRecord, patch: MutablePatch): boolean {
  if (patch.description !== undefined && patch.description !== current.description) return false;
  if (patch.labels !== undefined && !sameLabels(patch.labels, current.labels)) return false;
  if (patch.deprecation !== undefined) {
    const d = patch.deprecation;
    if (d.deprecated !== current.deprecation.deprecated || d.message !== current.deprecation.message) return false;
  }
  return true;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && b[k] === a[k]);
}
