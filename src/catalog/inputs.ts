/**
 * ValidateInputs: the values a user would give a component's inputs,
 * checked against the version a selector resolves to, with the value rule
 * engine publishing uses for defaults (validation/values.ts valueProblem):
 * every unknown input, missing required input, wrong type, bound, length,
 * RE2 pattern and allowed-value violation, each at its path
 * (`values.<input>`), in the shape of a BadRequest field violation. A
 * sensitive input's value is never shown, in any message.
 */
import type { FieldViolation } from "../errors/index.js";
import { REASONS } from "../errors/index.js";
import type { ComponentRecord, InputSpec, JsonObject } from "../storage/records.js";
import type { ReadResult } from "./requests.js";
import { valueProblem } from "./validation/values.js";

/** Violations past this many are summed up in one last violation on `values`. */
export const MAX_INPUT_VIOLATIONS = 100;

export interface InputsResult extends ReadResult {
  violations: FieldViolation[];
}

/** The path of a value in the request: `values.name`, or `values["any key"]` for a key that is no identifier. */
export function valuePath(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `values.${key}` : `values[${JSON.stringify(key)}]`;
}

/** Every problem with `values` as the inputs of `component`; empty when they would be accepted. */
export function inputViolations(component: ComponentRecord, values: JsonObject): FieldViolation[] {
  const out: FieldViolation[] = [];
  const inputs = new Map<string, InputSpec>(component.inputs.map((input) => [input.name, input]));
  const known = component.inputs.map((input) => input.name);
  const more = known.length > 10 ? ", ..." : "";
  const listed = known.length === 0 ? "it has none" : `its inputs are ${known.slice(0, 10).join(", ")}${more}`;
  for (const key of Object.keys(values)) {
    if (inputs.has(key)) continue;
    out.push({
      field: valuePath(key),
      description: `is not an input of ${component.name} ${component.version} (${listed})`,
      reason: REASONS.unknownInput,
    });
  }
  for (const input of component.inputs) {
    const value = Object.hasOwn(values, input.name) ? values[input.name] : undefined;
    // null is "not given", as a YAML key without a value reads.
    if (value === undefined || value === null) {
      if (input.required && input.default === undefined) {
        out.push({
          field: valuePath(input.name),
          description: `is required: ${component.name} ${component.version} has no default for it`,
          reason: REASONS.required,
        });
      }
      continue;
    }
    const problem = valueProblem(value, input.type, input.validation, { redact: input.sensitive });
    if (problem) {
      const description = input.sensitive ? `(sensitive, not shown) ${problem.description}` : problem.description;
      out.push({ field: valuePath(input.name), description, reason: problem.reason });
    }
  }
  return capped(out);
}

function capped(violations: FieldViolation[]): FieldViolation[] {
  if (violations.length <= MAX_INPUT_VIOLATIONS) return violations;
  const kept = violations.slice(0, MAX_INPUT_VIOLATIONS - 1);
  const more = violations.length - kept.length;
  return [...kept, { field: "values", description: `and ${more} more violations`, reason: REASONS.maxItems }];
}
