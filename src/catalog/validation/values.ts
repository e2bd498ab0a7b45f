/**
 * The value rule engine: the types inputs and outputs declare, the rules on
 * them (length, range, RE2 pattern, allowed values), checks that the rules
 * themselves are well-formed, and checkValue, which decides whether a value
 * satisfies a type and rules (a default at publish, a value given for an
 * input).
 */
import { RE2JS } from "re2js";
import { REASONS, type Reason } from "../../errors/index.js";
import { type JsonValue, VALUE_TYPES, type ValidationRules, type ValueType } from "../../storage/records.js";
import { canonicalJson, effectiveRules, showValue } from "../digest.js";
import {
  charCount,
  checkFinite,
  checkString,
  describeJsonType,
  isPlainObject,
  LIMITS,
  type Violations,
  violation,
} from "./checks.js";

/** Type names that fit each rule, for the "rule does not apply" message. */
const RULE_TYPES: Record<keyof ValidationRules, readonly ValueType[]> = {
  minLength: ["string", "list"],
  maxLength: ["string", "list"],
  pattern: ["string"],
  allowedValues: VALUE_TYPES,
  minimum: ["number", "integer"],
  maximum: ["number", "integer"],
};

export function isValueType(value: unknown): value is ValueType {
  return typeof value === "string" && (VALUE_TYPES as readonly string[]).includes(value);
}

/**
 * Patterns are RE2 (the syntax Go processors and most policy engines run),
 * matched with a linear-time engine: a published pattern cannot make
 * validation backtrack catastrophically, whatever its shape.
 */
export function compilePattern(pattern: string): RE2JS | undefined {
  const compiled = compiledPattern(pattern);
  return "regex" in compiled ? compiled.regex : undefined;
}

type CompiledPattern = { regex: RE2JS } | { error: string };
/** Compiled patterns by source: a sync publishes many versions sharing patterns, each checked twice (rule, default). */
const compiledPatterns = new Map<string, CompiledPattern>();
const MAX_CACHED_PATTERNS = 1024;

/**
 * The pattern compiled (RE2JS matchers hold no per-match state, so one may
 * serve every check), or why it does not compile.
 */
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

/** Why a value does not satisfy its type and rules: the rule's name and a sentence. */
export interface ValueProblem {
  reason: Reason;
  description: string;
}

/**
 * Why `value` does not satisfy `type` and `rules`, or undefined when it does:
 * the one value rule engine, for defaults at publish and for the values
 * given for inputs (ValidateInputs). Integers must be whole numbers; a
 * pattern must match the whole string; lengths count characters of a
 * string or elements of a list. Rules that do not apply to the type, and a
 * pattern that does not compile, are ignored here: validateComponent
 * reports those. With `redact` (a sensitive input) the description never
 * shows the value, its length or what it matched.
 */
export function valueProblem(
  value: JsonValue,
  type: ValueType,
  rules: ValidationRules,
  options: { redact?: boolean } = {},
): ValueProblem | undefined {
  const shown = (text: string) => (options.redact ? "" : text);
  const typeProblem = valueTypeProblem(value, type);
  if (typeProblem) {
    return { reason: REASONS.wrongType, description: options.redact ? `must be ${articled(type)}` : typeProblem };
  }
  const effective = effectiveRules(rules);
  if (effective.allowedValues !== undefined) {
    const text = canonicalJson(value);
    if (!effective.allowedValues.some((allowed) => canonicalJson(allowed) === text)) {
      const allowed = options.redact
        ? "the allowed values"
        : effective.allowedValues.map((v) => showValue(v)).join(", ");
      return {
        reason: REASONS.notAllowed,
        description: `must be one of ${allowed}${shown(`; got ${showValue(value)}`)}`,
      };
    }
  }
  if (typeof value === "string" || Array.isArray(value)) {
    const length = typeof value === "string" ? charCount(value) : value.length;
    const unit = typeof value === "string" ? "characters" : "elements";
    if (effective.minLength !== undefined && length < effective.minLength) {
      return {
        reason: REASONS.minLength,
        description: `must have at least ${effective.minLength} ${unit}${shown(`, has ${length}`)}`,
      };
    }
    if (effective.maxLength !== undefined && length > effective.maxLength) {
      return {
        reason: REASONS.maxLength,
        description: `must have at most ${effective.maxLength} ${unit}${shown(`, has ${length}`)}`,
      };
    }
  }
  if (typeof value === "string" && effective.pattern !== undefined) {
    const regex = compilePattern(effective.pattern);
    if (regex && !regex.matches(value)) {
      return {
        reason: REASONS.patternMismatch,
        description: `must match the pattern ${effective.pattern} in full${shown(`; got ${showValue(value)}`)}`,
      };
    }
  }
  if (typeof value === "number") {
    if (effective.minimum !== undefined && value < effective.minimum)
      return { reason: REASONS.range, description: `must be at least ${effective.minimum}${shown(`, got ${value}`)}` };
    if (effective.maximum !== undefined && value > effective.maximum)
      return { reason: REASONS.range, description: `must be at most ${effective.maximum}${shown(`, got ${value}`)}` };
  }
  return undefined;
}

/** valueProblem's sentence alone (defaults at publish). */
export function checkValue(value: JsonValue, type: ValueType, rules: ValidationRules): string | undefined {
  return valueProblem(value, type, rules)?.description;
}

/** "a string", "an integer", ... for a type's name. */
function articled(type: ValueType): string {
  const noun = type === "map" || type === "object" ? `object (${type})` : type;
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

export function valueTypeProblem(value: JsonValue, type: ValueType): string | undefined {
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

export function checkPattern(out: Violations, field: string, pattern: unknown): void {
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

export function checkBound(out: Violations, field: string, value: unknown, kind: "length" | "number"): value is number {
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

export function checkRules(out: Violations, field: string, type: ValueType | undefined, rules: unknown): void {
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

export function checkAllowedValues(out: Violations, field: string, type: ValueType | undefined, values: unknown): void {
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
