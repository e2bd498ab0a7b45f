/**
 * The building blocks of validation: how a violation is recorded, the limits
 * every rule refers to, and the checks of scalar fields (strings, names,
 * versions, tokens, finite numbers). Each check appends to the list it is
 * given and never throws on malformed input.
 */
import { type FieldViolation, REASONS, type Reason } from "../../errors/index.js";
import { isValidVersion } from "../../semver/index.js";
import type { JsonValue } from "../../storage/records.js";
import { componentNameViolation, NAME_MAX_LENGTH } from "../names.js";

export const LIMITS = {
  nameLength: NAME_MAX_LENGTH,
  tokenLength: 63,
  descriptionLength: 4096,
  elementDescriptionLength: 2048,
  deprecationMessageLength: 1024,
  labels: 64,
  labelNameLength: 63,
  labelPrefixLength: 253,
  labelValueLength: 63,
  elements: 256,
  allowedValues: 256,
  patternLength: 1024,
  engineVersionLength: 128,
  configBytes: 256 * 1024,
  configDepth: 32,
  repositoryLength: 2048,
  sourcePathLength: 1024,
  componentBytes: 1024 * 1024,
} as const;

const LOWERCASE_TOKEN = /^[a-z0-9][a-z0-9\-_.]{0,62}$/;

export type Violations = FieldViolation[];

export function violation(out: Violations, field: string, reason: Reason, description: string): void {
  out.push({ field, description, reason });
}

/** Length in characters (Unicode code points), as the proto's string rules count. */
export function charCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

export function isPlainObject(value: unknown): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function describeJsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return `a ${typeof value}`;
}

/** Non-finite numbers reported per value at most: one bad array should not flood the answer. */
const MAX_NON_FINITE_REPORTED = 8;

/**
 * Refuses NaN and ±Infinity anywhere inside a JSON value: JSON cannot write
 * them (so a stored one would fail every JSON read), yet `1e400` in a JSON
 * request parses to Infinity and a binary google.protobuf.Value can carry
 * either. Each is named by its path.
 */
export function checkFinite(out: Violations, field: string, value: unknown): void {
  let reported = 0;
  const walk = (node: unknown, path: string, depth: number): void => {
    if (reported >= MAX_NON_FINITE_REPORTED || depth > LIMITS.configDepth + 1) return;
    if (typeof node === "number" && !Number.isFinite(node)) {
      reported++;
      violation(out, path, REASONS.finiteNumber, `must be a finite number, got ${node}`);
    } else if (Array.isArray(node)) {
      node.forEach((item, index) => walk(item, `${path}[${index}]`, depth + 1));
    } else if (isPlainObject(node)) {
      for (const key of Object.keys(node)) walk(node[key], `${path}.${key}`, depth + 1);
    }
  };
  walk(value, field, 0);
}

export function checkString(out: Violations, field: string, value: unknown, what: string): value is string {
  if (typeof value === "string") return true;
  violation(out, field, REASONS.wrongType, `${what} must be a string, got ${describeJsonType(value)}`);
  return false;
}

export function checkMaxChars(out: Violations, field: string, value: unknown, max: number, what: string): void {
  if (!checkString(out, field, value, what)) return;
  const length = charCount(value);
  if (length > max) {
    violation(out, field, REASONS.maxLength, `${what} must be at most ${max} characters, got ${length}`);
  }
}

export function checkName(out: Violations, field: string, name: unknown): void {
  if (!checkString(out, field, name, "name")) return;
  const problem = componentNameViolation(field, name);
  if (problem !== undefined) out.push(problem);
}

export function checkVersion(out: Violations, field: string, version: unknown): void {
  if (!checkString(out, field, version, "version")) return;
  if (version === "") return violation(out, field, REASONS.required, "version is required");
  if (version.trim() !== version) {
    return violation(out, field, REASONS.semver, `version "${version}" must not have leading or trailing whitespace`);
  }
  if (isValidVersion(version)) return;
  if (/^[vV]/.test(version) && isValidVersion(version.slice(1))) {
    return violation(
      out,
      field,
      REASONS.semver,
      `version "${version}" must be SemVer 2.0 without a leading 'v': use "${version.slice(1)}"`,
    );
  }
  violation(
    out,
    field,
    REASONS.semver,
    `version "${version}" must be a SemVer 2.0 version such as 1.2.0, 1.2.0-rc.1 or 1.2.0+build.5`,
  );
}

export function checkToken(out: Violations, field: string, value: unknown, what: string): void {
  if (!checkString(out, field, value, what)) return;
  if (value === "") return violation(out, field, REASONS.required, `${what} is required`);
  if (!LOWERCASE_TOKEN.test(value)) {
    violation(
      out,
      field,
      REASONS.token,
      `${what} "${value}" must be a lower-case token: a letter or digit, then up to 62 ` +
        `lower-case letters, digits, '-', '_' or '.'`,
    );
  }
}
