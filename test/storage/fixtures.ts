/**
 * Records, names and clocks for storage tests. Every test takes fresh names
 * from `uniqueName`, so suites can run against a shared database that still
 * holds rows from other tests and earlier runs.
 */
import { randomBytes } from "node:crypto";
import type { NewComponentRecord, WriteMeta } from "../../src/storage/records.js";

const runId = randomBytes(3).toString("hex");
let nameCounter = 0;

/** A DNS-1123 label no other test (and no earlier run) uses. */
export function uniqueName(stem: string): string {
  nameCounter += 1;
  return `${stem}-${runId}-${nameCounter}`;
}

/** A lower-case token that occurs nowhere else in the catalog. */
export function uniqueToken(): string {
  return `q${randomBytes(5).toString("hex")}`;
}

export function newRecord(
  name: string,
  version: string,
  overrides: Partial<NewComponentRecord> = {},
): NewComponentRecord {
  return {
    name,
    version,
    provider: "aws",
    category: "database",
    description: "a managed relational database",
    labels: { team: "platform" },
    deprecation: { deprecated: false, message: "" },
    inputs: [
      {
        name: "instance_class",
        type: "string",
        description: "instance size",
        default: "db.t3.micro",
        required: false,
        sensitive: false,
        validation: { allowedValues: ["db.t3.micro", "db.t3.small"] },
      },
    ],
    outputs: [{ name: "endpoint", type: "string", description: "connection endpoint", sensitive: false }],
    deployment: { engine: "terraform", engineVersion: "1.6.0", config: { module: "rds", nested: { sizes: [1, 2] } } },
    contentDigest: `sha256:${name}:${version}`,
    ...overrides,
  };
}

/** Write metadata from a clock that moves one second per call, so updateTime order is known. */
export function metaClock(startIso = "2030-01-01T00:00:00.000Z"): () => WriteMeta {
  let ms = Date.parse(startIso);
  return () => {
    ms += 1000;
    return { actor: "contract-test", time: new Date(ms).toISOString() };
  };
}
