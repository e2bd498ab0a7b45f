/**
 * Component names: DNS-1123 labels (lower-case letters, digits and '-', at
 * most 63 characters, starting and ending with a letter or digit), as
 * Kubernetes names them. The one rule and its one wording, used by
 * validation (publish, Git sync), the Manager's read and write requests, and
 * the API's watch filters.
 */
import { type FieldViolation, quoted, REASONS } from "../errors/index.js";

export const NAME_MAX_LENGTH = 63;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Whether `name` is a valid component name. */
export function isComponentName(name: string): boolean {
  return name.length <= NAME_MAX_LENGTH && DNS1123_LABEL.test(name);
}

/** What is wrong with `name` as the component name at `field`, or undefined when nothing is. */
export function componentNameViolation(field: string, name: string): FieldViolation | undefined {
  if (name === "") return { field, description: "name is required", reason: REASONS.required };
  if (isComponentName(name)) return undefined;
  return {
    field,
    description:
      `name ${quoted(name)} must be a DNS-1123 label: lower-case letters, digits and '-', ` +
      `at most ${NAME_MAX_LENGTH} characters, starting and ending with a letter or digit`,
    reason: REASONS.dns1123Label,
  };
}
