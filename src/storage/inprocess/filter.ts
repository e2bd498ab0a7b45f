import type { ComponentRecord } from "../records.js";
import type { ComponentFilter } from "../store.js";

/** Whether one version passes a ComponentFilter (the `names` entry is applied by the caller's row source). */
export function matchesFilter(record: ComponentRecord, filter: ComponentFilter): boolean {
  if (!filter.includeDeprecated && record.deprecation.deprecated) return false;
  if (filter.provider !== undefined && filter.provider !== "" && record.provider !== filter.provider) return false;
  if (filter.category !== undefined && filter.category !== "" && record.category !== filter.category) return false;
  if (
    filter.deploymentEngine !== undefined &&
    filter.deploymentEngine !== "" &&
    record.deployment.engine !== filter.deploymentEngine
  ) {
    return false;
  }
  if (filter.labels !== undefined) {
    for (const [key, value] of Object.entries(filter.labels)) {
      if (!Object.hasOwn(record.labels, key) || record.labels[key] !== value) return false;
    }
  }
  return true;
}
