/**
 * A version's content (what a publish fixes for good: provider, category,
 * inputs, outputs, deployment), and the publish-time compatibility check
 * over it under the name's policy.
 */
import type { ComponentContent, ComponentRecord, PolicyRecord } from "../storage/records.js";
import { checkPolicy, DEFAULT_MODE } from "./compatibility-policy.js";

/**
 * FAILED_PRECONDITION when publishing `version` with `content` would violate
 * the name's compatibility policy (`policy`, or the default when it has none).
 */
export function checkCompatible(
  name: string,
  existing: readonly ComponentRecord[],
  version: string,
  content: ComponentContent,
  policy: PolicyRecord | undefined,
): void {
  // The first version of a name has nothing to be compatible with (its version was validated before this is called).
  if (existing.length === 0) return;
  const versions = existing.map((record) => ({ version: record.version, content: contentOf(record) }));
  checkPolicy(name, versions, version, content, policy?.mode ?? DEFAULT_MODE);
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
