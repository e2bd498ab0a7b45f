/**
 * Test support: small, valid component specs to start from. Each builder
 * returns a fresh object, so a test can change it freely.
 */
import fc from "fast-check";
import {
  type ComponentContent,
  type InputSpec,
  type JsonValue,
  type OutputSpec,
  VALUE_TYPES,
  type ValidationRules,
} from "../storage/records.js";
import type { ComponentDraft } from "./validation.js";

export function makeInput(overrides: Partial<InputSpec> & { name: string }): InputSpec {
  return { type: "string", description: "", required: false, sensitive: false, validation: {}, ...overrides };
}

export function makeOutput(overrides: Partial<OutputSpec> & { name: string }): OutputSpec {
  return { type: "string", description: "", sensitive: false, ...overrides };
}

/** An `aws-rds-mysql`-like spec: one required input, inputs with defaults and rules, two outputs. */
export function sampleContent(): ComponentContent {
  return {
    provider: "aws",
    category: "database",
    inputs: [
      makeInput({
        name: "identifier",
        description: "Database identifier",
        required: true,
        validation: { pattern: "[a-z][a-z0-9-]*", maxLength: 63 },
      }),
      makeInput({
        name: "size",
        type: "integer",
        description: "Storage in GiB",
        default: 20,
        validation: { minimum: 20, maximum: 1000 },
      }),
      makeInput({
        name: "instance_class",
        description: "Instance class",
        default: "db.t3.micro",
        validation: { allowedValues: ["db.t3.micro", "db.t3.small", "db.m5.large"] },
      }),
      makeInput({
        name: "password",
        description: "Master password",
        required: true,
        sensitive: true,
        validation: { minLength: 12 },
      }),
    ],
    outputs: [
      makeOutput({ name: "endpoint", description: "Connection endpoint" }),
      makeOutput({ name: "port", type: "integer", description: "Port" }),
    ],
    deployment: {
      engine: "terraform",
      engineVersion: ">= 1.6",
      config: { module: { source: "git::https://example.com/modules/rds.git", ref: "v1.2.0" }, backend: "s3" },
    },
  };
}

export function sampleDraft(): ComponentDraft {
  return {
    name: "aws-rds-mysql",
    version: "1.2.0",
    description: "A MySQL database on Amazon RDS",
    labels: { team: "platform", "app.kubernetes.io/part-of": "databases" },
    ...sampleContent(),
    source: {
      repository: "https://github.com/example/components.git",
      commit: "0123456789abcdef0123456789abcdef01234567",
      path: "rds/mysql.yaml",
    },
  };
}

const smallJson = fc.oneof(
  fc.constantFrom<JsonValue>(null, true, 0, 1, 2.5, "", "a", "b"),
  fc.constantFrom<JsonValue>([], ["a"], [1, 2], { k: 1 }, { k: 2, j: "x" }),
);

const arbitraryRules: fc.Arbitrary<ValidationRules> = fc.record(
  {
    minLength: fc.constantFrom(0, 1, 5),
    maxLength: fc.constantFrom(5, 10),
    pattern: fc.constantFrom("", "a+", "[a-z]*"),
    allowedValues: fc.constantFrom<JsonValue[]>([], ["a"], ["a", "b"], [1, 2]),
    minimum: fc.constantFrom(0, 1),
    maximum: fc.constantFrom(10, 20),
  },
  { requiredKeys: [] },
);

const arbitraryInput: fc.Arbitrary<InputSpec> = fc.record(
  {
    name: fc.constantFrom("size", "region", "tags", "count"),
    type: fc.constantFrom(...VALUE_TYPES),
    description: fc.constantFrom("", "d"),
    default: smallJson,
    required: fc.boolean(),
    sensitive: fc.boolean(),
    validation: arbitraryRules,
  },
  { requiredKeys: ["name", "type", "description", "required", "sensitive", "validation"] },
);

const arbitraryOutput: fc.Arbitrary<OutputSpec> = fc.record({
  name: fc.constantFrom("endpoint", "port", "arn"),
  type: fc.constantFrom(...VALUE_TYPES),
  description: fc.constantFrom("", "d"),
  sensitive: fc.boolean(),
});

/**
 * Random contents drawn from small domains, so that two draws are often equal
 * or nearly so. Not necessarily valid (a required input may have a default).
 */
export const arbitraryContent: fc.Arbitrary<ComponentContent> = fc.record({
  provider: fc.constantFrom("aws", "gcp"),
  category: fc.constantFrom("database", "network"),
  inputs: fc.uniqueArray(arbitraryInput, { selector: (input) => input.name, maxLength: 3 }),
  outputs: fc.uniqueArray(arbitraryOutput, { selector: (output) => output.name, maxLength: 2 }),
  deployment: fc.record({
    engine: fc.constantFrom("terraform", "helm"),
    engineVersion: fc.constantFrom("", ">= 1.6"),
    config: fc.dictionary(fc.constantFrom("module", "chart", "values"), smallJson, { maxKeys: 2 }),
  }),
});
