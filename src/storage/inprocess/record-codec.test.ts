import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ComponentRecord, JsonValue } from "../records.js";
import { decodeRecord, encodeRecord, RecordDecoder } from "./record-codec.js";

function record(overrides: Partial<ComponentRecord> = {}): ComponentRecord {
  return {
    name: "aws-rds-mysql",
    version: "1.2.0-rc.1+build.7",
    provider: "aws",
    category: "database",
    description: "Managed MySQL, caf\u00e9 \u2603",
    labels: { team: "platform", "tier.example.com/level": "gold" },
    deprecation: { deprecated: true, message: "use 2.x", time: "2030-01-02T00:00:00.000Z" },
    inputs: [
      {
        name: "size",
        type: "integer",
        description: "GiB",
        default: null,
        required: false,
        sensitive: true,
        validation: { minimum: 20, maximum: 1000, allowedValues: [20, 40] },
      },
      { name: "id", type: "string", description: "", required: true, sensitive: false, validation: {} },
    ],
    outputs: [{ name: "endpoint", type: "string", description: "where", sensitive: false }],
    deployment: { engine: "terraform", engineVersion: ">= 1.6", config: { module: { source: "x", ref: [1, null] } } },
    source: { repository: "platform", commit: "abc123", path: "db/rds.yaml" },
    contentDigest: "sha256:00",
    createTime: "2030-01-01T00:00:00.000Z",
    updateTime: "2030-01-03T00:00:00.000Z",
    createRevision: 7,
    updateRevision: 9,
    createActor: "alice",
    updateActor: "bob",
    ...overrides,
  };
}

describe("record codec", () => {
  it("round-trips a record with every optional part present, a null default and non-ASCII text", () => {
    expect(decodeRecord(encodeRecord(record()))).toEqual(record());
  });

  it("round-trips a record whose optional parts are absent", () => {
    const bare = record({ deprecation: { deprecated: false, message: "" } });
    delete bare.source;
    const decoded = decodeRecord(encodeRecord(bare));
    expect(decoded).toEqual(bare);
    expect("source" in decoded).toBe(false);
    expect("time" in decoded.deprecation).toBe(false);
    expect("default" in (decoded.inputs[1] ?? {})).toBe(false);
  });

  it("round-trips any JSON default and deployment config", () => {
    const json: fc.Arbitrary<JsonValue> = fc.jsonValue() as fc.Arbitrary<JsonValue>;
    fc.assert(
      fc.property(json, fc.dictionary(fc.string(), json), (value, config) => {
        const input = { ...record().inputs[0]!, default: value };
        const subject = record({ inputs: [input], deployment: { engine: "e", engineVersion: "1", config } });
        // JSON normalises -0 to 0, as every backend storing JSON does.
        expect(decodeRecord(encodeRecord(subject))).toEqual(JSON.parse(JSON.stringify(subject)));
      }),
      { numRuns: 300 },
    );
  });

  it("is about half the size of the record's JSON", () => {
    expect(encodeRecord(record()).length).toBeLessThan(JSON.stringify(record()).length * 0.7);
  });
});

describe("RecordDecoder", () => {
  it("hands out the same frozen record for a blob while it is cached, and a fresh one after eviction", () => {
    const decoder = new RecordDecoder(2);
    const [a, b, c] = ["a", "b", "c"].map((name) => encodeRecord(record({ name })));
    const first = decoder.record(a!);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.inputs[0])).toBe(true);
    expect(decoder.record(a!)).toBe(first);
    decoder.record(b!);
    decoder.record(c!);
    const again = decoder.record(a!);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
