/**
 * Content identity of a published version: the digest that makes republishing
 * the same spec an idempotent no-op, and the list of differences that explains
 * an ALREADY_EXISTS when the same version arrives with different content.
 */
import * as crypto from "node:crypto";
import type { ComponentContent, InputSpec, JsonValue, OutputSpec, ValidationRules } from "../storage/records.js";

/**
 * JSON text with object keys sorted (by UTF-16 code unit, i.e. the default
 * string sort) at every depth, arrays in order, `undefined` members omitted
 * and numbers written as JSON writes them. Equal JSON values give equal text.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  // Plain loops rather than map/filter/sort chains: this runs for every publish (the content digest).
  if (Array.isArray(value)) {
    let text = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ",";
      // As Array.join writes it: an undefined element (not JSON) becomes nothing.
      text += canonicalJson(value[i] as JsonValue) ?? "";
    }
    return `${text}]`;
  }
  const keys = Object.keys(value).sort();
  let text = "{";
  for (const key of keys) {
    const member = value[key];
    if (member === undefined) continue;
    if (text.length > 1) text += ",";
    text += `${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `${text}}`;
}

/** Structural equality of two JSON values (object key order does not matter). */
export function jsonEquals(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * The validation rules with the "no rule" spellings removed. The proto cannot
 * tell an empty pattern or an empty allowed-values list from an unset one, so
 * `pattern: ""` and `allowedValues: []` mean "no rule" here, and a version
 * published through the API and one read from Git get the same digest.
 */
export function effectiveRules(rules: ValidationRules | undefined): ValidationRules {
  const effective: ValidationRules = {};
  if (!rules) return effective;
  if (rules.minLength !== undefined) effective.minLength = rules.minLength;
  if (rules.maxLength !== undefined) effective.maxLength = rules.maxLength;
  if (rules.pattern !== undefined && rules.pattern !== "") effective.pattern = rules.pattern;
  if (rules.allowedValues !== undefined && rules.allowedValues.length > 0)
    effective.allowedValues = rules.allowedValues;
  if (rules.minimum !== undefined) effective.minimum = rules.minimum;
  if (rules.maximum !== undefined) effective.maximum = rules.maximum;
  return effective;
}

function rulesProjection(rules: ValidationRules): { [key: string]: JsonValue } {
  const projected: { [key: string]: JsonValue } = {};
  for (const [key, value] of Object.entries(rules) as [string, JsonValue | undefined][]) {
    if (value !== undefined) projected[key] = value;
  }
  return projected;
}

function inputProjection(input: InputSpec): JsonValue {
  const projected: { [key: string]: JsonValue } = {
    name: input.name,
    type: input.type,
    description: input.description,
    required: input.required,
    sensitive: input.sensitive,
    validation: rulesProjection(effectiveRules(input.validation)),
  };
  if (input.default !== undefined) projected.default = input.default;
  return projected;
}

function outputProjection(output: OutputSpec): JsonValue {
  return { name: output.name, type: output.type, description: output.description, sensitive: output.sensitive };
}

/**
 * Exactly the immutable spec fields, whatever else the object carries (a full
 * ComponentRecord may be passed): name, version, times and mutable fields never
 * reach the digest. The digest is over its canonical JSON (written directly
 * by canonicalContentJson).
 */
export function contentProjection(content: ComponentContent): JsonValue {
  return {
    provider: content.provider,
    category: content.category,
    inputs: content.inputs.map(inputProjection),
    outputs: content.outputs.map(outputProjection),
    deployment: {
      engine: content.deployment.engine,
      engineVersion: content.deployment.engineVersion,
      config: content.deployment.config,
    },
  };
}

/**
 * canonicalJson(contentProjection(content)), written directly: the
 * projection's keys are fixed, so they are emitted in their sorted order
 * without building the projected objects or sorting their keys; only
 * free-form values (defaults, allowed values, config) go through
 * canonicalJson. Tested equal to the projection's canonical JSON.
 */
export function canonicalContentJson(content: ComponentContent): string {
  const { deployment } = content;
  let inputs = "[";
  for (let i = 0; i < content.inputs.length; i++) inputs += (i > 0 ? "," : "") + canonicalInputJson(content.inputs[i]!);
  let outputs = "[";
  for (let i = 0; i < content.outputs.length; i++)
    outputs += (i > 0 ? "," : "") + canonicalOutputJson(content.outputs[i]!);
  const deploymentJson = fixedObject([
    ['"config"', deployment.config],
    ['"engine"', deployment.engine],
    ['"engineVersion"', deployment.engineVersion],
  ]);
  return fixedObject([
    ['"category"', content.category],
    ['"deployment"', RAW, deploymentJson],
    ['"inputs"', RAW, `${inputs}]`],
    ['"outputs"', RAW, `${outputs}]`],
    ['"provider"', content.provider],
  ]);
}

/** Marks a fixedObject member whose JSON text is already written (third element). */
const RAW = Symbol("raw");
type FixedMember =
  | readonly [quotedKey: string, value: JsonValue | undefined]
  | readonly [quotedKey: string, raw: typeof RAW, text: string];

/** `{...}` of members already in sorted key order; undefined values are left out, as canonicalJson does. */
function fixedObject(members: readonly FixedMember[]): string {
  let text = "{";
  for (const member of members) {
    const value = member[1];
    if (value === undefined) continue;
    if (text.length > 1) text += ",";
    text += `${member[0]}:${value === RAW ? member[2] : canonicalJson(value)}`;
  }
  return `${text}}`;
}

function canonicalInputJson(input: InputSpec): string {
  const rules = effectiveRules(input.validation);
  // rulesProjection's keys, sorted: allowedValues, maxLength, maximum, minLength, minimum, pattern.
  const validation = fixedObject([
    ['"allowedValues"', rules.allowedValues],
    ['"maxLength"', rules.maxLength],
    ['"maximum"', rules.maximum],
    ['"minLength"', rules.minLength],
    ['"minimum"', rules.minimum],
    ['"pattern"', rules.pattern],
  ]);
  return fixedObject([
    ['"default"', input.default],
    ['"description"', input.description],
    ['"name"', input.name],
    ['"required"', input.required],
    ['"sensitive"', input.sensitive],
    ['"type"', input.type],
    ['"validation"', RAW, validation],
  ]);
}

function canonicalOutputJson(output: OutputSpec): string {
  return fixedObject([
    ['"description"', output.description],
    ['"name"', output.name],
    ['"sensitive"', output.sensitive],
    ['"type"', output.type],
  ]);
}

/** "sha256:<hex>" over the canonical JSON of the content's immutable fields (contentProjection). */
export function contentDigest(content: ComponentContent): string {
  return `sha256:${sha256Hex(canonicalContentJson(content))}`;
}

/**
 * crypto.hash hashes a short string in one call, without a Hash object: under
 * half the cost of createHash().update().digest() for a definition's ~600
 * bytes, paid on every publish.
 */
export function sha256Hex(text: string): string {
  return crypto.hash("sha256", text, "hex");
}

const MAX_SHOWN_VALUE = 60;
const MAX_CONFIG_DIFFERENCES = 10;

/** A value for a message: JSON, shortened; "none" when absent. */
export function showValue(value: JsonValue | undefined): string {
  if (value === undefined) return "none";
  // JSON writes NaN and Infinity as null; say what they are.
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  const text = canonicalJson(value);
  return text.length > MAX_SHOWN_VALUE ? `${text.slice(0, MAX_SHOWN_VALUE - 1)}…` : text;
}

function differs(path: string, a: JsonValue | undefined, b: JsonValue | undefined): string {
  return `${path} differs (${showValue(a)} vs ${showValue(b)})`;
}

/** Paths inside two JSON values where they differ, e.g. "deployment.config.module.source". */
function jsonDifferencePaths(path: string, a: JsonValue | undefined, b: JsonValue | undefined, out: string[]): void {
  if (jsonEquals(a, b)) return;
  const bothObjects =
    a !== null &&
    b !== null &&
    typeof a === "object" &&
    typeof b === "object" &&
    !Array.isArray(a) &&
    !Array.isArray(b);
  if (!bothObjects) {
    out.push(differs(path, a, b));
    return;
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const key of keys) jsonDifferencePaths(`${path}.${key}`, ownMember(a, key), ownMember(b, key), out);
}

/**
 * The member `key` of a JSON object when it is the object's own, else
 * undefined: user keys such as "toString" or "constructor" must not read
 * what Object.prototype has under that name.
 */
export function ownMember(object: { [key: string]: JsonValue }, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function byName<T extends { name: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((item) => [item.name, item]));
}

/**
 * The names both lists share, in each list's order, when that order differs;
 * undefined when the shared elements keep their relative order.
 */
export function reorderedNames(
  a: readonly { name: string }[],
  b: readonly { name: string }[],
): { before: string[]; after: string[] } | undefined {
  const inA = new Set(a.map((item) => item.name));
  const inB = new Set(b.map((item) => item.name));
  const before = a.map((item) => item.name).filter((name) => inB.has(name));
  const after = b.map((item) => item.name).filter((name) => inA.has(name));
  return before.every((name, i) => name === after[i]) ? undefined : { before, after };
}

function elementDifferences<T extends { name: string }>(
  kind: "inputs" | "outputs",
  a: readonly T[],
  b: readonly T[],
  project: (item: T) => JsonValue,
  out: string[],
): void {
  const before = byName(a);
  const after = byName(b);
  for (const [name, item] of before) {
    const other = after.get(name);
    if (!other) {
      out.push(`${kind}.${name} removed`);
      continue;
    }
    jsonDifferencePaths(`${kind}.${name}`, project(item), project(other), out);
  }
  for (const name of after.keys()) if (!before.has(name)) out.push(`${kind}.${name} added`);
  const reorder = reorderedNames(a, b);
  if (reorder) out.push(`${kind} order differs (${reorder.before.join(", ")} vs ${reorder.after.join(", ")})`);
}

/**
 * Short phrases naming what differs from `a` (the stored version) to `b` (the
 * candidate), values shown as "(a vs b)": e.g. "inputs.size.default differs
 * (10 vs 20)", "outputs.endpoint removed". Empty exactly when the digests are
 * equal.
 */
export function describeContentDifferences(a: ComponentContent, b: ComponentContent): string[] {
  const out: string[] = [];
  if (a.provider !== b.provider) out.push(differs("provider", a.provider, b.provider));
  if (a.category !== b.category) out.push(differs("category", a.category, b.category));
  elementDifferences("inputs", a.inputs, b.inputs, inputProjection, out);
  elementDifferences("outputs", a.outputs, b.outputs, outputProjection, out);
  if (a.deployment.engine !== b.deployment.engine) {
    out.push(differs("deployment.engine", a.deployment.engine, b.deployment.engine));
  }
  if (a.deployment.engineVersion !== b.deployment.engineVersion) {
    out.push(differs("deployment.engineVersion", a.deployment.engineVersion, b.deployment.engineVersion));
  }
  const configDifferences: string[] = [];
  jsonDifferencePaths("deployment.config", a.deployment.config, b.deployment.config, configDifferences);
  out.push(...configDifferences.slice(0, MAX_CONFIG_DIFFERENCES));
  if (configDifferences.length > MAX_CONFIG_DIFFERENCES) {
    out.push(`deployment.config: ${configDifferences.length - MAX_CONFIG_DIFFERENCES} more differences`);
  }
  if (out.length === 0 && contentDigest(a) !== contentDigest(b)) out.push("content differs");
  return out;
}
