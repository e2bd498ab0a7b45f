/**
 * The rules a component must satisfy before it is published, as pure
 * functions: every violation names the field path (e.g.
 * `component.inputs[2].validation.pattern`), says the rule in a sentence and
 * carries a machine `reason`. Paths use the domain field names of
 * src/storage/records.ts. Validation collects every violation it can find
 * instead of stopping at the first, and never throws on malformed input.
 */
import { RE2JS } from "re2js";
import { type FieldViolation, REASONS, type Reason } from "../errors/index.js";
import { isValidVersion } from "../semver/index.js";
import {
  type InputSpec,
  type JsonValue,
  type MutablePatch,
  type NewComponentRecord,
  type OutputSpec,
  VALUE_TYPES,
  type ValidationRules,
  type ValueType,
} from "../storage/records.js";
import { canonicalJson, effectiveRules, showValue } from "./digest.js";
import { componentNameViolation, NAME_MAX_LENGTH } from "./names.js";

/** What a publisher sends: a version before its digest, revisions, times and deprecation state exist. */
export type ComponentDraft = Omit<NewComponentRecord, "contentDigest" | "deprecation">;

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

export { isComponentName } from "./names.js";

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LOWERCASE_TOKEN = /^[a-z0-9][a-z0-9\-_.]{0,62}$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;
const COMMIT_HASH = /^[0-9a-f]{7,64}$/;

type Violations = FieldViolation[];

function violation(out: Violations, field: string, reason: Reason, description: string): void {
  out.push({ field, description, reason });
}

/** Length in characters (Unicode code points), as the proto's string rules count. */
function charCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function isPlainObject(value: unknown): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeJsonType(value: unknown): string {
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
function checkFinite(out: Violations, field: string, value: unknown): void {
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

function checkString(out: Violations, field: string, value: unknown, what: string): value is string {
  if (typeof value === "string") return true;
  violation(out, field, REASONS.wrongType, `${what} must be a string, got ${describeJsonType(value)}`);
  return false;
}

function checkMaxChars(out: Violations, field: string, value: unknown, max: number, what: string): void {
  if (!checkString(out, field, value, what)) return;
  const length = charCount(value);
  if (length > max) {
    violation(out, field, REASONS.maxLength, `${what} must be at most ${max} characters, got ${length}`);
  }
}

function checkName(out: Violations, field: string, name: unknown): void {
  if (!checkString(out, field, name, "name")) return;
  const problem = componentNameViolation(field, name);
  if (problem !== undefined) out.push(problem);
}

function checkVersion(out: Violations, field: string, version: unknown): void {
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

function checkToken(out: Violations, field: string, value: unknown, what: string): void {
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

function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf("/");
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined) {
    if (prefix.length === 0 || prefix.length > LIMITS.labelPrefixLength || !DNS1123_SUBDOMAIN.test(prefix)) {
      return `the prefix "${prefix}" must be a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most ${LIMITS.labelPrefixLength} characters)`;
    }
  }
  if (name.length === 0) return "the name part is empty";
  if (name.length > LIMITS.labelNameLength) return `the name part must be at most ${LIMITS.labelNameLength} characters`;
  if (!LABEL_NAME.test(name)) {
    return "the name part may hold only letters, digits, '-', '_' and '.', and must start and end with a letter or digit";
  }
  return undefined;
}

function labelValueProblem(value: string): string | undefined {
  if (value === "") return undefined;
  if (value.length > LIMITS.labelValueLength) return `must be at most ${LIMITS.labelValueLength} characters`;
  if (!LABEL_NAME.test(value)) {
    return "may hold only letters, digits, '-', '_' and '.', and must start and end with a letter or digit";
  }
  return undefined;
}

/** Kubernetes label rules: `[prefix/]name` keys, short values, at most 64 labels. */
function checkLabels(out: Violations, field: string, labels: unknown): void {
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

/** Type names that fit each rule, for the "rule does not apply" message. */
const RULE_TYPES: Record<keyof ValidationRules, readonly ValueType[]> = {
  minLength: ["string", "list"],
  maxLength: ["string", "list"],
  pattern: ["string"],
  allowedValues: VALUE_TYPES,
  minimum: ["number", "integer"],
  maximum: ["number", "integer"],
};

function isValueType(value: unknown): value is ValueType {
  return typeof value === "string" && (VALUE_TYPES as readonly string[]).includes(value);
}

/**
 * Patterns are RE2 (the syntax Go processors and most policy engines run),
 * matched with a linear-time engine: a published pattern cannot make
 * validation backtrack catastrophically, whatever its shape.
 */
function compilePattern(pattern: string): RE2JS | undefined {
  const compiled = compiledPattern(pattern);
  return "regex" in compiled ? compiled.regex : undefined;
}

type CompiledPattern = { regex: RE2JS } | { error: string };
/** Compiled patterns by source: a sync publishes many versions sharing patterns, each checked twice (rule, default). */
const compiledPatterns = new Map<string, CompiledPattern>();
const MAX_CACHED_PATTERNS = 1024;

/** The pattern compiled (RE2JS matchers hold no per-match state, so one may serve every check), or why it does not compile. */
function compiledPattern(pattern: string): CompiledPattern {
  const known = compiledPatterns.get(pattern);
  if (known) return known;
  let compiled: CompiledPattern;
  try {
    compiled = { regex: RE2JS.compile(pattern) };
  } catch (err) {
    compiled = { error: err instanceof Error ? err.message : String(err) };
  }
  // Patterns are at most 1 KiB; a full cache is simply dropped, which keeps this bounded without LRU bookkeeping.
  if (compiledPatterns.size >= MAX_CACHED_PATTERNS) compiledPatterns.clear();
  compiledPatterns.set(pattern, compiled);
  return compiled;
}

/**
 * Why `value` does not satisfy `type` and `rules`, or undefined when it does.
 * Integers must be whole numbers; a pattern must match the whole string;
 * lengths count characters of a string or elements of a list. Rules that do
 * not apply to the type, and a pattern that does not compile, are ignored
 * here: validateComponent
 * reports those.
 */
export function checkValue(value: JsonValue, type: ValueType, rules: ValidationRules): string | undefined {
  const typeProblem = valueTypeProblem(value, type);
  if (typeProblem) return typeProblem;
  const effective = effectiveRules(rules);
  if (effective.allowedValues !== undefined) {
    const text = canonicalJson(value);
    if (!effective.allowedValues.some((allowed) => canonicalJson(allowed) === text)) {
      return `must be one of ${effective.allowedValues.map((v) => showValue(v)).join(", ")}; got ${showValue(value)}`;
    }
  }
  if (typeof value === "string" || Array.isArray(value)) {
    const length = typeof value === "string" ? charCount(value) : value.length;
    const unit = typeof value === "string" ? "characters" : "elements";
    if (effective.minLength !== undefined && length < effective.minLength) {
      return `must have at least ${effective.minLength} ${unit}, has ${length}`;
    }
    if (effective.maxLength !== undefined && length > effective.maxLength) {
      return `must have at most ${effective.maxLength} ${unit}, has ${length}`;
    }
  }
  if (typeof value === "string" && effective.pattern !== undefined) {
    const regex = compilePattern(effective.pattern);
    if (regex && !regex.matches(value))
      return `must match the pattern ${effective.pattern} in full; got ${showValue(value)}`;
  }
  if (typeof value === "number") {
    if (effective.minimum !== undefined && value < effective.minimum)
      return `must be at least ${effective.minimum}, got ${value}`;
    if (effective.maximum !== undefined && value > effective.maximum)
      return `must be at most ${effective.maximum}, got ${value}`;
  }
  return undefined;
}

function valueTypeProblem(value: JsonValue, type: ValueType): string | undefined {
  // The description of what was given is built only for a problem: this runs for every default and allowed value.
  switch (type) {
    case "string":
      return typeof value === "string" ? undefined : `must be a string, got ${describeJsonType(value)}`;
    case "number":
      return typeof value === "number" && Number.isFinite(value)
        ? undefined
        : `must be a finite number, got ${describeJsonType(value)}`;
    case "integer":
      if (typeof value !== "number" || !Number.isFinite(value))
        return `must be an integer, got ${describeJsonType(value)}`;
      return Number.isInteger(value) ? undefined : `must be a whole number, got ${value}`;
    case "boolean":
      return typeof value === "boolean" ? undefined : `must be a boolean, got ${describeJsonType(value)}`;
    case "list":
      return Array.isArray(value) ? undefined : `must be a list, got ${describeJsonType(value)}`;
    case "map":
    case "object":
      return isPlainObject(value) ? undefined : `must be an object (${type}), got ${describeJsonType(value)}`;
  }
}

function checkPattern(out: Violations, field: string, pattern: unknown): void {
  if (!checkString(out, field, pattern, "pattern")) return;
  if (pattern.length > LIMITS.patternLength) {
    return violation(
      out,
      field,
      REASONS.patternTooLong,
      `pattern must be at most ${LIMITS.patternLength} characters, got ${pattern.length}`,
    );
  }
  const compiled = compiledPattern(pattern);
  if ("error" in compiled) {
    return violation(
      out,
      field,
      REASONS.patternInvalid,
      `pattern is not a valid RE2 regular expression: ${compiled.error}`,
    );
  }
}

function checkBound(out: Violations, field: string, value: unknown, kind: "length" | "number"): value is number {
  if (kind === "length") {
    if (typeof value === "number" && Number.isInteger(value) && value >= 0) return true;
    violation(
      out,
      field,
      REASONS.invalidBound,
      `must be a non-negative whole number, got ${showValue(value as JsonValue)}`,
    );
    return false;
  }
  if (typeof value === "number" && Number.isFinite(value)) return true;
  const shown = typeof value === "number" ? String(value) : showValue(value as JsonValue);
  violation(out, field, REASONS.invalidBound, `must be a finite number, got ${shown}`);
  return false;
}

function checkRules(out: Violations, field: string, type: ValueType | undefined, rules: unknown): void {
  if (rules === undefined) return;
  if (!isPlainObject(rules)) {
    return violation(out, field, REASONS.wrongType, `validation must be an object, got ${describeJsonType(rules)}`);
  }
  const effective = effectiveRules(rules as ValidationRules);
  for (const rule of Object.keys(RULE_TYPES) as (keyof ValidationRules)[]) {
    if (effective[rule] === undefined || type === undefined) continue;
    if (!RULE_TYPES[rule].includes(type)) {
      violation(
        out,
        `${field}.${rule}`,
        REASONS.ruleNotApplicable,
        `${rule} does not apply to a ${type} input (it applies to ${RULE_TYPES[rule].join(" and ")})`,
      );
    }
  }
  const { minLength, maxLength, minimum, maximum, pattern, allowedValues } = effective;
  const minLengthOk = minLength !== undefined && checkBound(out, `${field}.minLength`, minLength, "length");
  const maxLengthOk = maxLength !== undefined && checkBound(out, `${field}.maxLength`, maxLength, "length");
  if (minLengthOk && maxLengthOk && minLength > maxLength) {
    violation(
      out,
      `${field}.minLength`,
      REASONS.boundsInverted,
      `minLength (${minLength}) must not exceed maxLength (${maxLength})`,
    );
  }
  const minimumOk = minimum !== undefined && checkBound(out, `${field}.minimum`, minimum, "number");
  const maximumOk = maximum !== undefined && checkBound(out, `${field}.maximum`, maximum, "number");
  if (minimumOk && maximumOk && minimum > maximum) {
    violation(
      out,
      `${field}.minimum`,
      REASONS.boundsInverted,
      `minimum (${minimum}) must not exceed maximum (${maximum})`,
    );
  }
  if (pattern !== undefined) checkPattern(out, `${field}.pattern`, pattern);
  if (allowedValues !== undefined) checkAllowedValues(out, `${field}.allowedValues`, type, allowedValues);
}

function checkAllowedValues(out: Violations, field: string, type: ValueType | undefined, values: unknown): void {
  if (!Array.isArray(values)) {
    return violation(out, field, REASONS.wrongType, `allowedValues must be a list, got ${describeJsonType(values)}`);
  }
  if (values.length > LIMITS.allowedValues) {
    violation(out, field, REASONS.maxItems, `at most ${LIMITS.allowedValues} allowed values, got ${values.length}`);
  }
  const seen = new Map<string, number>();
  values.forEach((value: JsonValue, index) => {
    const path = `${field}[${index}]`;
    if (typeof value === "object") checkFinite(out, path, value);
    const problem = type === undefined ? undefined : valueTypeProblem(value, type);
    if (problem) violation(out, path, REASONS.allowedValueType, `allowed value ${showValue(value)} ${problem}`);
    const text = canonicalJson(value);
    const first = seen.get(text);
    if (first !== undefined) {
      violation(
        out,
        path,
        REASONS.allowedValueDuplicate,
        `allowed value ${showValue(value)} repeats allowedValues[${first}]; allowed values must be unique`,
      );
    } else {
      seen.set(text, index);
    }
  });
}

interface ElementCheck<T> {
  kind: "input" | "output";
  checkRest?: (out: Violations, field: string, element: T, type: ValueType | undefined) => void;
}

function checkElements<T extends InputSpec | OutputSpec>(
  out: Violations,
  field: string,
  elements: unknown,
  { kind, checkRest }: ElementCheck<T>,
): void {
  if (!Array.isArray(elements)) {
    return violation(out, field, REASONS.wrongType, `${kind}s must be a list, got ${describeJsonType(elements)}`);
  }
  if (elements.length > LIMITS.elements) {
    violation(out, field, REASONS.maxItems, `at most ${LIMITS.elements} ${kind}s are allowed, got ${elements.length}`);
  }
  const firstIndexByName = new Map<string, number>();
  elements.forEach((element: unknown, index) => {
    const path = `${field}[${index}]`;
    if (!isPlainObject(element)) {
      return violation(
        out,
        path,
        REASONS.wrongType,
        `each ${kind} must be an object, got ${describeJsonType(element)}`,
      );
    }
    const { name, type, description } = element;
    if (checkString(out, `${path}.name`, name, `${kind} name`)) {
      if (name === "") violation(out, `${path}.name`, REASONS.required, `${kind} name is required`);
      else if (!IDENTIFIER.test(name)) {
        violation(
          out,
          `${path}.name`,
          REASONS.identifier,
          `${kind} name "${name}" must start with a letter and hold only letters, digits and '_', at most 128 characters`,
        );
      }
      const first = firstIndexByName.get(name);
      if (first !== undefined) {
        violation(
          out,
          `${path}.name`,
          REASONS.duplicateName,
          `${kind} name "${name}" is already used by ${field.split(".").pop()}[${first}]; ${kind} names must be unique`,
        );
      } else {
        firstIndexByName.set(name, index);
      }
    }
    if (!isValueType(type)) {
      violation(
        out,
        `${path}.type`,
        REASONS.valueType,
        `${kind} type ${showValue(type)} must be one of ${VALUE_TYPES.join(", ")}`,
      );
    }
    if (description !== undefined) {
      checkMaxChars(out, `${path}.description`, description, LIMITS.elementDescriptionLength, `${kind} description`);
    }
    checkRest?.(out, path, element as unknown as T, isValueType(type) ? type : undefined);
  });
}

function checkInputRest(out: Violations, path: string, input: InputSpec, type: ValueType | undefined): void {
  checkRules(out, `${path}.validation`, type, input.validation);
  if (input.default === undefined) return;
  // A bare number is checked against the input's type below; numbers inside a list or object only here.
  if (typeof input.default === "object") checkFinite(out, `${path}.default`, input.default);
  if (input.required === true) {
    violation(
      out,
      `${path}.default`,
      REASONS.requiredWithDefault,
      `a required input must not have a default (required means the user must give a value); drop the default or set required to false`,
    );
  }
  if (type === undefined) return;
  const rules = isPlainObject(input.validation) ? input.validation : {};
  const problem = checkValue(input.default, type, rules);
  if (problem) {
    violation(
      out,
      `${path}.default`,
      REASONS.defaultInvalid,
      `the default value must satisfy the input's own type and rules: ${problem}`,
    );
  }
}

/** Nesting depth of a JSON value (a scalar is 0, `{}` is 1), counting no deeper than `limit + 1`. */
function jsonDepth(value: unknown, limit: number): number {
  if (typeof value !== "object" || value === null) return 0;
  if (limit < 0) return 1;
  const children = Array.isArray(value) ? value : Object.values(value);
  let deepest = 0;
  for (const child of children) {
    deepest = Math.max(deepest, jsonDepth(child, limit - 1));
    if (deepest > limit) break;
  }
  return 1 + deepest;
}

/** UTF-8 size of the JSON text of `value`, or undefined when it cannot be serialized (too deep, cyclic). */
function serializedBytes(value: unknown): number | undefined {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
  } catch {
    return undefined;
  }
}

/** Nesting below which jsonBytesBound walks plain data; deeper (or cyclic) values are measured exactly. */
const BOUND_DEPTH = 64;

/**
 * An upper bound on serializedBytes(value), or undefined when the value is
 * not plain JSON data (class instances, toJSON, BigInt, too deep, cyclic)
 * and only JSON.stringify can tell. Each string counts 6 bytes per UTF-16
 * unit plus its quotes (the most JSON escaping and UTF-8 can make of it),
 * each number 32 (the longest number JSON writes has 25 characters, e.g.
 * -0.0000012345678901234567). Much cheaper than
 * serializing: every publish checks a size limit that almost every
 * component is far below.
 */
export function jsonBytesBound(value: unknown, depth = 0): number | undefined {
  switch (typeof value) {
    case "string":
      return value.length * 6 + 2;
    case "number":
      return 32;
    case "boolean":
      return 5;
    case "undefined":
      return 4; // nothing as a member; "null" as a list element
    case "object":
      break;
    default:
      return undefined;
  }
  if (value === null) return 4;
  if (depth >= BOUND_DEPTH) return undefined;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if ("toJSON" in value) return undefined;
  if (Array.isArray(value)) {
    if (prototype !== Array.prototype) return undefined;
    let total = 2 + value.length;
    for (let i = 0; i < value.length; i++) {
      const item = jsonBytesBound(value[i], depth + 1);
      if (item === undefined) return undefined;
      total += item;
    }
    return total;
  }
  if (prototype !== Object.prototype && prototype !== null) return undefined;
  let total = 2;
  for (const key of Object.keys(value)) {
    const member = jsonBytesBound((value as Record<string, unknown>)[key], depth + 1);
    if (member === undefined) return undefined;
    total += key.length * 6 + 4 + member;
  }
  return total;
}

/**
 * Whether `value` serializes to more than `limit` bytes: the exact size when
 * it does (or cannot be serialized: undefined), else "within" without
 * serializing when the cheap bound already shows it.
 */
function sizeOver(value: unknown, limit: number): { over: false } | { over: true; bytes: number | undefined } {
  const bound = jsonBytesBound(value);
  if (bound !== undefined && bound <= limit) return { over: false };
  const bytes = serializedBytes(value);
  return bytes === undefined || bytes > limit ? { over: true, bytes } : { over: false };
}

function checkDeployment(out: Violations, field: string, deployment: unknown): void {
  if (!isPlainObject(deployment)) {
    return violation(
      out,
      field,
      REASONS.required,
      `deployment is required (an object with engine, engineVersion and config)`,
    );
  }
  checkToken(out, `${field}.engine`, deployment.engine, "deployment engine");
  if (deployment.engineVersion !== undefined) {
    checkMaxChars(out, `${field}.engineVersion`, deployment.engineVersion, LIMITS.engineVersionLength, "engineVersion");
  }
  const config = deployment.config;
  if (config === undefined) return;
  if (!isPlainObject(config)) {
    return violation(
      out,
      `${field}.config`,
      REASONS.jsonObject,
      `config must be a JSON object, got ${describeJsonType(config)}`,
    );
  }
  const depth = jsonDepth(config, LIMITS.configDepth);
  if (depth > LIMITS.configDepth) {
    return violation(
      out,
      `${field}.config`,
      REASONS.maxDepth,
      `config must be nested at most ${LIMITS.configDepth} levels deep`,
    );
  }
  checkFinite(out, `${field}.config`, config);
  const size = sizeOver(config, LIMITS.configBytes);
  if (size.over) {
    violation(
      out,
      `${field}.config`,
      REASONS.maxSize,
      `config must serialize to at most ${LIMITS.configBytes} bytes of JSON, got ${size.bytes ?? "an unserializable value"}`,
    );
  }
}

/**
 * True when `repository` is a URL carrying credentials: a password in the
 * user info of any scheme (`https://user:token@host`), or any user info at
 * all in an http(s) URL, where a bare user name is usually an access token.
 * `ssh://git@host/...` and scp-like `git@host:org/repo` stay allowed.
 */
function hasCredentials(repository: string): boolean {
  const url = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)/.exec(repository);
  if (!url) return false;
  const authority = url[2]!;
  const at = authority.lastIndexOf("@");
  if (at === -1) return false;
  const userInfo = authority.slice(0, at);
  return userInfo.includes(":") || /^https?$/i.test(url[1]!);
}

function checkSource(out: Violations, field: string, source: unknown): void {
  if (source === undefined) return;
  if (!isPlainObject(source)) {
    return violation(out, field, REASONS.wrongType, `source must be an object, got ${describeJsonType(source)}`);
  }
  const { repository, commit, path } = source;
  if (repository !== undefined && checkString(out, `${field}.repository`, repository, "repository")) {
    if (repository.length > LIMITS.repositoryLength) {
      violation(
        out,
        `${field}.repository`,
        REASONS.maxLength,
        `repository must be at most ${LIMITS.repositoryLength} characters, got ${repository.length}`,
      );
    } else if (hasCredentials(repository)) {
      violation(
        out,
        `${field}.repository`,
        REASONS.credentialsInUrl,
        "repository URL must not contain credentials (user:password@ or a token as user name); configure Git credentials outside the catalog",
      );
    }
  }
  if (
    commit !== undefined &&
    checkString(out, `${field}.commit`, commit, "commit") &&
    commit !== "" &&
    !COMMIT_HASH.test(commit)
  ) {
    violation(
      out,
      `${field}.commit`,
      REASONS.commitHash,
      `commit "${commit}" must be a lower-case hexadecimal hash of 7 to 64 characters`,
    );
  }
  if (path !== undefined) checkMaxChars(out, `${field}.path`, path, LIMITS.sourcePathLength, "source path");
}

/** Every rule a component must satisfy to be published; empty when it is valid. */
export function validateComponent(input: ComponentDraft, fieldPrefix = "component"): FieldViolation[] {
  const out: Violations = [];
  const draft: unknown = input;
  if (!isPlainObject(draft)) {
    violation(out, fieldPrefix, REASONS.required, `${fieldPrefix} is required`);
    return out;
  }
  const field = (name: string) => `${fieldPrefix}.${name}`;
  checkName(out, field("name"), draft.name);
  checkVersion(out, field("version"), draft.version);
  checkToken(out, field("provider"), draft.provider, "provider");
  checkToken(out, field("category"), draft.category, "category");
  if (draft.description !== undefined) {
    checkMaxChars(out, field("description"), draft.description, LIMITS.descriptionLength, "description");
  }
  checkLabels(out, field("labels"), draft.labels);
  checkElements<InputSpec>(out, field("inputs"), draft.inputs, { kind: "input", checkRest: checkInputRest });
  checkElements<OutputSpec>(out, field("outputs"), draft.outputs, { kind: "output" });
  checkDeployment(out, field("deployment"), draft.deployment);
  checkSource(out, field("source"), draft.source);
  const size = sizeOver(draft, LIMITS.componentBytes);
  // A value too deep to serialize has already been reported where it is (config depth); say it here only if nothing else did.
  if (size.over && (size.bytes !== undefined || out.length === 0)) {
    violation(
      out,
      fieldPrefix,
      REASONS.maxSize,
      `the component must serialize to at most ${LIMITS.componentBytes} bytes of JSON, got ${size.bytes ?? "an unserializable value"}`,
    );
  }
  return out;
}

/** The rules for UpdateComponent's mutable fields; absent fields are not checked. */
export function validateMutablePatch(patch: MutablePatch, prefix = "component"): FieldViolation[] {
  const out: Violations = [];
  if (patch.description !== undefined) {
    checkMaxChars(out, `${prefix}.description`, patch.description, LIMITS.descriptionLength, "description");
  }
  checkLabels(out, `${prefix}.labels`, patch.labels);
  const deprecation: unknown = patch.deprecation;
  if (deprecation !== undefined) {
    if (!isPlainObject(deprecation)) {
      violation(
        out,
        `${prefix}.deprecation`,
        REASONS.wrongType,
        `deprecation must be an object, got ${describeJsonType(deprecation)}`,
      );
    } else if (deprecation.message !== undefined) {
      checkMaxChars(
        out,
        `${prefix}.deprecation.message`,
        deprecation.message,
        LIMITS.deprecationMessageLength,
        "deprecation message",
      );
    }
  }
  return out;
}
