/**
 * A version's content (what a publish fixes for good: provider, category,
 * inputs, outputs, deployment), and the publish-time compatibility check
 * over it.
 */
import { CatalogError } from "../errors/index.js";
import type { ComponentContent, ComponentRecord } from "../storage/records.js";
import { checkPublishCompatibility } from "./compatibility.js";

/** FAILED_PRECONDITION when publishing `version` with `content` would break consumers of an existing version. */
export function checkCompatible(
  existing: readonly ComponentRecord[],
  version: string,
  content: ComponentContent,
): void {
  // The first version of a name has nothing to be compatible with (its version was validated before this is called).
  if (existing.length === 0) return;
  const compatibility = checkPublishCompatibility(
    existing.map((record) => ({ version: record.version, content: contentOf(record) })),
    version,
    content,
  );
  if (compatibility.violation) throw new CatalogError("FAILED_PRECONDITION", compatibility.violation);
}

/** The content fields of a record or draft, and nothing else. */
export function contentOf(source: ComponentContent): ComponentContent {
  return {
    provider: source.provider,
    category: source.category,
    inputs: source.inputs,
    outputs: source.outputs,
    deployment: source.deployment,
  };
}
