/**
 * The rules ValidateInputs applies to the values given for a version's
 * inputs: one violation per problem at its path, the rule's reason, and
 * never a sensitive value in any description.
 */
import { describe, expect, it } from "vitest";
import { REASONS } from "../errors/index.js";
import type { ComponentRecord, JsonObject } from "../storage/records.js";
import { makeInput, sampleContent } from "./content-fixtures.js";
import { inputViolations, MAX_INPUT_VIOLATIONS, valuePath } from "./inputs.js";

function record(overrides: Partial<ComponentRecord> = {}): ComponentRecord {
  return {
    ...sampleContent(),
    name: "aws-rds-mysql",
    version: "1.2.0",
    description: "",
    labels: {},
    deprecation: { deprecated: false, message: "" },
    contentDigest: "sha256:0",
    createTime: "2030-01-01T00:00:00Z",
    updateTime: "2030-01-01T00:00:00Z",
    createRevision: 1,
    updateRevision: 1,
    createActor: "test",
    updateActor: "test",
    ...overrides,
  };
}

const GOOD: JsonObject = {
  identifier: "orders",
  size: 100,
  instance_class: "db.t3.small",
  password: "s3cret-passw0rd",
};

function violationsOf(values: JsonObject, component = record()) {
  return inputViolations(component, values).map((v) => [v.field, v.reason]);
}

describe("inputViolations", () => {
  it("accepts values that satisfy every rule, and leaves inputs with defaults out", () => {
    expect(inputViolations(record(), GOOD)).toEqual([]);
    expect(inputViolations(record(), { identifier: "orders", password: "s3cret-passw0rd" })).toEqual([]);
  });

  it("names an unknown input and lists the version's inputs", () => {
    const [unknown] = inputViolations(record(), { ...GOOD, storage_gb: 5 });
    expect(unknown).toMatchObject({ field: "values.storage_gb", reason: REASONS.unknownInput });
    expect(unknown?.description).toContain("aws-rds-mysql 1.2.0");
    expect(unknown?.description).toContain("identifier, size, instance_class, password");
  });

  it("reports a missing required input; null counts as not given", () => {
    expect(violationsOf({ identifier: "orders" })).toEqual([["values.password", REASONS.required]]);
    expect(violationsOf({ identifier: null, password: "s3cret-passw0rd" })).toEqual([
      ["values.identifier", REASONS.required],
    ]);
  });

  it("reports each rule with its reason", () => {
    expect(violationsOf({ ...GOOD, size: "big" })).toEqual([["values.size", REASONS.wrongType]]);
    expect(violationsOf({ ...GOOD, size: 20.5 })).toEqual([["values.size", REASONS.wrongType]]);
    expect(violationsOf({ ...GOOD, size: 5 })).toEqual([["values.size", REASONS.range]]);
    expect(violationsOf({ ...GOOD, size: 5000 })).toEqual([["values.size", REASONS.range]]);
    expect(violationsOf({ ...GOOD, identifier: "x".repeat(64) })).toEqual([["values.identifier", REASONS.maxLength]]);
    expect(violationsOf({ ...GOOD, identifier: "9lives" })).toEqual([["values.identifier", REASONS.patternMismatch]]);
    expect(violationsOf({ ...GOOD, instance_class: "db.x1" })).toEqual([["values.instance_class", REASONS.notAllowed]]);
    expect(violationsOf({ ...GOOD, password: "short" })).toEqual([["values.password", REASONS.minLength]]);
  });

  it("says what was wrong with a value that is not sensitive", () => {
    const [range] = inputViolations(record(), { ...GOOD, size: 5 });
    expect(range?.description).toBe("must be at least 20, got 5");
    const [allowed] = inputViolations(record(), { ...GOOD, instance_class: "db.x1" });
    expect(allowed?.description).toBe('must be one of "db.t3.micro", "db.t3.small", "db.m5.large"; got "db.x1"');
    const [pattern] = inputViolations(record(), { ...GOOD, identifier: "9lives" });
    expect(pattern?.description).toContain('got "9lives"');
  });

  it("never shows a sensitive value, its length or its type's contents", () => {
    const secret = "hunter2-TOP-SECRET";
    const component = record({
      inputs: [
        makeInput({ name: "token", sensitive: true, validation: { pattern: "tok_[a-z]+", maxLength: 8 } }),
        makeInput({ name: "pin", type: "integer", sensitive: true, validation: { minimum: 1000 } }),
        makeInput({ name: "tier", sensitive: true, validation: { allowedValues: ["gold-tier-secret"] } }),
      ],
    });
    const cases: JsonObject[] = [{ token: secret }, { pin: 12.75 }, { pin: 7 }, { tier: secret }, { token: 987654 }];
    for (const values of cases) {
      const [problem] = inputViolations(component, values);
      expect(problem?.description).toMatch(/^\(sensitive, not shown\) /);
      for (const leak of [secret, "hunter2", "12.75", "7", "987654", "gold-tier-secret", String(secret.length)]) {
        expect(problem?.description, JSON.stringify(values)).not.toContain(leak);
      }
    }
  });

  it("writes keys that are not identifiers in brackets", () => {
    expect(valuePath("size")).toBe("values.size");
    expect(valuePath("storage gb")).toBe('values["storage gb"]');
    expect(violationsOf({ ...GOOD, "a.b": 1 })).toEqual([['values["a.b"]', REASONS.unknownInput]]);
  });

  it("keeps at most MAX_INPUT_VIOLATIONS violations, the last saying how many more", () => {
    const values: JsonObject = { ...GOOD };
    for (let i = 0; i < 150; i++) values[`extra_${i}`] = i;
    const violations = inputViolations(record(), values);
    expect(violations).toHaveLength(MAX_INPUT_VIOLATIONS);
    expect(violations.at(-1)).toEqual({
      field: "values",
      description: "and 51 more violations",
      reason: REASONS.maxItems,
    });
  });
});
