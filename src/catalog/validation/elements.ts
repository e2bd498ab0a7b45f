/**
 * Inputs and outputs: the lists a component declares, each element's name,
 * type, description and rules, and an input's default checked against them.
 */
import { REASONS } from "../../errors/index.js";
import { type InputSpec, type OutputSpec, VALUE_TYPES, type ValueType } from "../../storage/records.js";
import { showValue } from "../digest.js";
import {
  checkFinite,
  checkMaxChars,
  checkString,
  describeJsonType,
  isPlainObject,
  LIMITS,
  type Violations,
  violation,
} from "./checks.js";
import { checkRules, checkValue, isValueType } from "./values.js";

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;

export interface ElementCheck<T> {
  kind: "input" | "output";
  checkRest?: (out: Violations, field: string, element: T, type: ValueType | undefined) => void;
}

export function checkElements<T extends InputSpec | OutputSpec>(
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
          `${kind} name "${name}" must start with a letter and hold only letters, digits and '_', ` +
            "at most 128 characters",
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

export function checkInputRest(out: Violations, path: string, input: InputSpec, type: ValueType | undefined): void {
  checkRules(out, `${path}.validation`, type, input.validation);
  if (input.default === undefined) return;
  // A bare number is checked against the input's type below; numbers inside a list or object only here.
  if (typeof input.default === "object") checkFinite(out, `${path}.default`, input.default);
  if (input.required === true) {
    violation(
      out,
      `${path}.default`,
      REASONS.requiredWithDefault,
      "a required input must not have a default (required means the user must give a value); " +
        "drop the default or set required to false",
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
