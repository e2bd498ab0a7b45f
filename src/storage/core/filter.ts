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

/** What a ComponentFilter looks at in one version. */
export interface FilterFields {
  deprecated: boolean;
  provider: string;
  category: string;
  engine: string;
  labels: Readonly<Record<string, string>>;
}

/** Whether a version with these fields passes a ComponentFilter (`names` is applied by the caller's row source). */
export function matchesFilterFields(fields: FilterFields, filter: ComponentFilter): boolean {
  if (!filter.includeDeprecated && fields.deprecated) return false;
  if (isSet(filter.provider) && fields.provider !== filter.provider) return false;
  if (isSet(filter.category) && fields.category !== filter.category) return false;
  if (isSet(filter.deploymentEngine) && fields.engine !== filter.deploymentEngine) return false;
  if (filter.labels !== undefined) {
    for (const [key, value] of Object.entries(filter.labels)) {
      if (!Object.hasOwn(fields.labels, key) || fields.labels[key] !== value) return false;
    }
  }
  return true;
}

/** Whether one version passes a ComponentFilter (the `names` entry is applied by the caller's row source). */
export function matchesFilter(record: ComponentRecord, filter: ComponentFilter): boolean {
  return matchesFilterFields(
    {
      deprecated: record.deprecation.deprecated,
      provider: record.provider,
      category: record.category,
      engine: record.deployment.engine,
      labels: record.labels,
    },
    filter,
  );
}
