/**
 * ComponentFilter as a predicate over one version, for backends that filter
 * in process (memory, embedded, DynamoDB). SQL backends translate the same
 * rules into WHERE clauses; the contract suite holds them to the same answers.
 */
import type { ComponentRecord } from "../records.js";
import type { ComponentFilter } from "../store.js";

/** An empty string is the proto's "unset", so it filters nothing. */
export function isSet(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}

/** Whether one version passes a ComponentFilter (the `names` entry is applied by the caller's row source). */
export function matchesFilter(record: ComponentRecord, filter: ComponentFilter): boolean {
  if (!filter.includeDeprecated && record.deprecation.deprecated) return false;
  if (isSet(filter.provider) && record.provider !== filter.provider) return false;
  if (isSet(filter.category) && record.category !== filter.category) return false;
  if (isSet(filter.deploymentEngine) && record.deployment.engine !== filter.deploymentEngine) return false;
  if (filter.labels !== undefined) {
    for (const [key, value] of Object.entries(filter.labels)) {
      if (!Object.hasOwn(record.labels, key) || record.labels[key] !== value) return false;
    }
  }
  return true;
}
