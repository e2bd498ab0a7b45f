/**
 * Test support: small, valid component specs to start from. Each builder
 * returns a fresh object, so a test can change it freely.
 */
import type { ComponentContent, InputSpec, OutputSpec } from "../storage/records.js";
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
      makeInput({ name: "identifier", description: "Database identifier", required: true, validation: { pattern: "[a-z][a-z0-9-]*", maxLength: 63 } }),
      makeInput({ name: "size", type: "integer", description: "Storage in GiB", default: 20, validation: { minimum: 20, maximum: 1000 } }),
      makeInput({
        name: "instance_class",
        description: "Instance class",
        default: "db.t3.micro",
        validation: { allowedValues: ["db.t3.micro", "db.t3.small", "db.m5.large"] },
      }),
      makeInput({ name: "password", description: "Master password", required: true, sensitive: true, validation: { minLength: 12 } }),
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
    source: { repository: "https://github.com/example/components.git", commit: "0123456789abcdef0123456789abcdef01234567", path: "rds/mysql.yaml" },
  };
}
