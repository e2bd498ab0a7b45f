/**
 * Labels, as Kubernetes has them: `[prefix/]name` keys with a DNS-1123
 * subdomain prefix, short values, at most 64 labels.
 */
import { REASONS } from "../../errors/index.js";
import { checkString, describeJsonType, isPlainObject, LIMITS, type Violations, violation } from "./checks.js";

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf("/");
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined) {
    if (prefix.length === 0 || prefix.length > LIMITS.labelPrefixLength || !DNS1123_SUBDOMAIN.test(prefix)) {
      return (
        `the prefix "${prefix}" must be a DNS-1123 subdomain ` +
        `(lower-case letters, digits, '-' and '.', at most ${LIMITS.labelPrefixLength} characters)`
      );
    }
  }
  if (name.length === 0) return "the name part is empty";
  if (name.length > LIMITS.labelNameLength) return `the name part must be at most ${LIMITS.labelNameLength} characters`;
  if (!LABEL_NAME.test(name)) {
    return (
      "the name part may hold only letters, digits, '-', '_' and '.', " +
      "and must start and end with a letter or digit"
    );
  }
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  if (value === "") return undefined;
  if (value.length > LIMITS.labelValueLength) return `must be at most ${LIMITS.labelValueLength} characters`;
  if (!LABEL_NAME.test(value)) {
    return "may hold only letters, digits, '-', '_' and '.', and must start and end with a letter or digit";
  }
  return undefined;
}

/** Kubernetes label rules: `[prefix/]name` keys, short values, at most 64 labels. */
export function checkLabels(out: Violations, field: string, labels: unknown): void {
  if (labels === undefined) return;
  if (!isPlainObject(labels)) {
    return violation(out, field, REASONS.wrongType, `labels must be a map of strings, got ${describeJsonType(labels)}`);
  }
  const keys = Object.keys(labels);
  if (keys.length > LIMITS.labels) {
    violation(out, field, REASONS.maxItems, `at most ${LIMITS.labels} labels are allowed, got ${keys.length}`);
  }
  for (const key of keys) {
    const path = `${field}[${JSON.stringify(key)}]`;
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) violation(out, path, REASONS.labelKey, `label key "${key}" is invalid: ${keyProblem}`);
    const value = labels[key];
    if (!checkString(out, path, value, `label "${key}"`)) continue;
    const valueProblem = labelValueProblem(value);
    if (valueProblem) violation(out, path, REASONS.labelValue, `label value "${value}" ${valueProblem}`);
  }
}
