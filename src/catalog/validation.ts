/**
 * The rules a component must satisfy before it is published, as pure
 * functions: every violation names the field path (e.g.
 * `component.inputs[2].validation.pattern`), says the rule in a sentence and
 * carries a machine `reason`. Paths use the domain field names of
 * src/storage/records.ts. Validation collects every violation it can find
 * instead of stopping at the first, and never throws on malformed input.
 * The rules live in validation/: limits and scalar checks (checks.ts),
 * labels, the value rule engine (values.ts), inputs and outputs
 * (elements.ts), deployment and source, sizes.
 */
import { type FieldViolation, REASONS } from "../errors/index.js";
import { parseSelector } from "../semver/index.js";
import type { InputSpec, MutablePatch, NewComponentRecord, OutputSpec } from "../storage/records.js";
import { componentNameViolation } from "./names.js";
import {
  checkMaxChars,
  checkName,
  checkToken,
  checkVersion,
  describeJsonType,
  isPlainObject,
  LIMITS,
  type Violations,
  violation,
} from "./validation/checks.js";
import { checkDeployment, checkSource } from "./validation/deployment.js";
import { checkElements, checkInputRest } from "./validation/elements.js";
import { checkLabels } from "./validation/labels.js";
import { sizeOver } from "./validation/sizes.js";

export { isComponentName } from "./names.js";
export { LIMITS } from "./validation/checks.js";
export { jsonBytesBound } from "./validation/sizes.js";
export { checkValue } from "./validation/values.js";

/** What a publisher sends: a version before its digest, revisions, times and deprecation state exist. */
export type ComponentDraft = Omit<NewComponentRecord, "contentDigest" | "deprecation" | "yank">;

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
  // A value too deep to serialize has already been reported where it is (config depth);
  // say it here only if nothing else did.
  if (size.over && (size.bytes !== undefined || out.length === 0)) {
    violation(
      out,
      fieldPrefix,
      REASONS.maxSize,
      `the component must serialize to at most ${LIMITS.componentBytes} bytes of JSON, ` +
        `got ${size.bytes ?? "an unserializable value"}`,
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
    } else {
      if (deprecation.message !== undefined) {
        checkMaxChars(
          out,
          `${prefix}.deprecation.message`,
          deprecation.message,
          LIMITS.deprecationMessageLength,
          "deprecation message",
        );
      }
      checkReplacement(out, `${prefix}.deprecation.replacement`, deprecation.replacement);
    }
  }
  return out;
}

/** A deprecation's replacement: a component name and a version selector GetComponent would take. */
function checkReplacement(out: Violations, field: string, replacement: unknown): void {
  if (replacement === undefined) return;
  if (!isPlainObject(replacement)) {
    return violation(
      out,
      field,
      REASONS.wrongType,
      `replacement must be an object, got ${describeJsonType(replacement)}`,
    );
  }
  const name = componentNameViolation(`${field}.name`, String(replacement.name ?? ""));
  if (name) out.push(name);
  const selector = parseSelector(String(replacement.constraint ?? ""));
  if ("error" in selector) violation(out, `${field}.constraint`, REASONS.versionSelector, selector.error);
}
