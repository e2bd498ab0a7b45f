import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ComponentContent, JsonObject, JsonValue } from "../storage/records.js";
import { arbitraryContent, makeInput, makeOutput, sampleContent, sampleDraft } from "./content-fixtures.js";
import {
  canonicalContentJson,
  canonicalJson,
  contentDigest,
  contentProjection,
  describeContentDifferences,
  sha256Hex,
} from "./digest.js";

/** The same JSON value with every object's keys in reverse order. */
function reverseKeys(value: JsonValue): JsonValue {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(reverseKeys);
  return Object.fromEntries(
    Object.keys(value)
      .reverse()
      .map((key) => [key, reverseKeys(value[key]!)]),
  );
}

function edited(change: (content: ComponentContent) => void): ComponentContent {
  const content = sampleContent();
  change(content);
  return content;
}

describe("canonicalJson", () => {
  it("sorts keys at every depth, keeps array order and omits undefined members", () => {
    const value = { b: 1, a: [{ d: null, c: "x" }, 2], e: undefined } as unknown as JsonValue;
    expect(canonicalJson(value)).toBe(`{"a":[{"c":"x","d":null},2],"b":1}`);
  });

  it("writes numbers as JSON does", () => {
    expect(canonicalJson([1.0, -0, 1e21, 0.1])).toBe("[1,0,1e+21,0.1]");
  });

  it("writes an undefined array element as Array.join does (nothing)", () => {
    expect(canonicalJson([1, undefined, 2] as unknown as JsonValue)).toBe("[1,,2]");
  });

  it("escapes strings and keys as JSON does", () => {
    expect(canonicalJson({ 'k"': "line\nbreak" })).toBe(`{"k\\"":"line\\nbreak"}`);
  });
});

describe("contentDigest", () => {
  it("is sha256 over the canonical JSON, written as sha256:<hex>", () => {
    expect(contentDigest(sampleContent())).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("pins the canonical form so digests agree across releases and backends", () => {
    const content: ComponentContent = {
      provider: "aws",
      category: "db",
      inputs: [makeInput({ name: "size", type: "integer", default: 20, validation: { minimum: 1 } })],
      outputs: [makeOutput({ name: "endpoint" })],
      deployment: { engine: "terraform", engineVersion: "", config: {} },
    };
    const canonical =
      `{"category":"db","deployment":{"config":{},"engine":"terraform","engineVersion":""},` +
      `"inputs":[{"default":20,"description":"","name":"size","required":false,"sensitive":false,` +
      `"type":"integer","validation":{"minimum":1}}],` +
      `"outputs":[{"description":"","name":"endpoint","sensitive":false,"type":"string"}],"provider":"aws"}`;
    expect(contentDigest(content)).toBe(`sha256:${createHash("sha256").update(canonical).digest("hex")}`);
  });

  it("hashes the UTF-8 bytes of any text, as a Hash object does (one-shot crypto.hash or its fallback)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (text) => {
        expect(sha256Hex(text)).toBe(createHash("sha256").update(text, "utf8").digest("hex"));
      }),
    );
    expect(sha256Hex("é€𝄞")).toBe(createHash("sha256").update(Buffer.from("é€𝄞", "utf8")).digest("hex"));
  });

  it("writes exactly the canonical JSON of the content projection, for any content and config", () => {
    fc.assert(
      fc.property(arbitraryContent, fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), (content, config) => {
        const withConfig = { ...content, deployment: { ...content.deployment, config: config as JsonObject } };
        expect(canonicalContentJson(withConfig)).toBe(canonicalJson(contentProjection(withConfig)));
      }),
      { numRuns: 500 },
    );
    const record = { ...sampleDraft(), name: "other", createRevision: 3 };
    expect(canonicalContentJson(record)).toBe(canonicalJson(contentProjection(record)));
  });

  it("is stable under object key reordering at any depth", () => {
    fc.assert(
      fc.property(arbitraryContent, fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), (content, config) => {
        const withConfig = { ...content, deployment: { ...content.deployment, config: config as JsonObject } };
        const reordered = reverseKeys(withConfig as unknown as JsonValue) as unknown as ComponentContent;
        expect(contentDigest(reordered)).toBe(contentDigest(withConfig));
      }),
    );
  });

  it("covers only the immutable spec: name, version, labels, description and source do not count", () => {
    const {
      name: _name,
      version: _version,
      description: _description,
      labels: _labels,
      source: _source,
      ...content
    } = sampleDraft();
    const record = { ...sampleDraft(), name: "other", version: "9.9.9", description: "changed", labels: { x: "y" } };
    expect(contentDigest(record)).toBe(contentDigest(content));
  });

  it("treats an empty pattern, empty allowed values and an undefined default as absent", () => {
    const plain = edited((c) => (c.inputs = [makeInput({ name: "a" })]));
    const spelledOut = edited(
      (c) =>
        (c.inputs = [makeInput({ name: "a", default: undefined, validation: { pattern: "", allowedValues: [] } })]),
    );
    expect(contentDigest(spelledOut)).toBe(contentDigest(plain));
  });

  it.each<[string, (c: ComponentContent) => void]>([
    ["provider", (c) => (c.provider = "gcp")],
    ["category", (c) => (c.category = "storage")],
    ["an input name", (c) => (c.inputs[1]!.name = "storage")],
    ["an input type", (c) => (c.inputs[1]!.type = "number")],
    ["an input description", (c) => (c.inputs[1]!.description = "GiB")],
    ["a default", (c) => (c.inputs[1]!.default = 30)],
    ["a default's JSON type", (c) => (c.inputs[1]!.default = "20")],
    ["a removed default", (c) => delete c.inputs[1]!.default],
    ["required", (c) => (c.inputs[1]!.required = true)],
    ["an input's sensitive flag", (c) => (c.inputs[1]!.sensitive = true)],
    ["minLength", (c) => (c.inputs[3]!.validation.minLength = 13)],
    ["maxLength", (c) => (c.inputs[0]!.validation.maxLength = 62)],
    ["pattern", (c) => (c.inputs[0]!.validation.pattern = "[a-z]+")],
    ["allowed values order", (c) => c.inputs[2]!.validation.allowedValues!.reverse()],
    ["minimum", (c) => (c.inputs[1]!.validation.minimum = 21)],
    ["maximum", (c) => (c.inputs[1]!.validation.maximum = 999)],
    ["input order", (c) => c.inputs.reverse()],
    ["an added input", (c) => c.inputs.push(makeInput({ name: "extra" }))],
    ["an output type", (c) => (c.outputs[1]!.type = "string")],
    ["an output description", (c) => (c.outputs[1]!.description = "TCP port")],
    ["an output's sensitive flag", (c) => (c.outputs[0]!.sensitive = true)],
    ["output order", (c) => c.outputs.reverse()],
    ["the engine", (c) => (c.deployment.engine = "pulumi")],
    ["the engine version", (c) => (c.deployment.engineVersion = ">= 1.7")],
    [
      "a nested config value",
      (c) => (c.deployment.config = { ...c.deployment.config, module: { source: "x", ref: "v1.2.0" } }),
    ],
    ["a config key", (c) => (c.deployment.config = { ...c.deployment.config, extra: null })],
  ])("changes when %s changes", (_what, change) => {
    expect(contentDigest(edited(change))).not.toBe(contentDigest(sampleContent()));
  });
});

describe("describeContentDifferences", () => {
  it("finds nothing between equal contents, whatever the key order", () => {
    const reordered = reverseKeys(sampleContent() as unknown as JsonValue) as unknown as ComponentContent;
    expect(describeContentDifferences(sampleContent(), reordered)).toEqual([]);
  });

  it("names a changed default with both values", () => {
    expect(
      describeContentDifferences(
        sampleContent(),
        edited((c) => (c.inputs[1]!.default = 30)),
      ),
    ).toEqual(["inputs.size.default differs (20 vs 30)"]);
  });

  it("names removed and added elements", () => {
    const changed = edited((c) => {
      c.inputs.splice(1, 1);
      c.outputs.push(makeOutput({ name: "arn" }));
    });
    expect(describeContentDifferences(sampleContent(), changed)).toEqual(["inputs.size removed", "outputs.arn added"]);
  });

  it("names top-level, rule, output and deployment differences", () => {
    const changed = edited((c) => {
      c.provider = "gcp";
      c.inputs[0]!.validation.pattern = "[a-z]+";
      c.outputs[1]!.type = "string";
      c.deployment.engineVersion = ">= 1.7";
      c.deployment.config = {
        ...c.deployment.config,
        module: { source: "git::https://example.com/modules/rds.git", ref: "v1.3.0" },
      };
    });
    expect(describeContentDifferences(sampleContent(), changed)).toEqual([
      `provider differs ("aws" vs "gcp")`,
      `inputs.identifier.validation.pattern differs ("[a-z][a-z0-9-]*" vs "[a-z]+")`,
      `outputs.port.type differs ("integer" vs "string")`,
      `deployment.engineVersion differs (">= 1.6" vs ">= 1.7")`,
      `deployment.config.module.ref differs ("v1.2.0" vs "v1.3.0")`,
    ]);
  });

  it("shows an absent value as none and shortens long ones", () => {
    const changed = edited((c) => {
      delete c.inputs[1]!.default;
      c.inputs[0]!.description = "x".repeat(200);
    });
    const differences = describeContentDifferences(sampleContent(), changed);
    expect(differences).toContain("inputs.size.default differs (20 vs none)");
    expect(differences.find((d) => d.startsWith("inputs.identifier.description"))!.length).toBeLessThan(150);
  });

  it("names a reorder of inputs", () => {
    expect(
      describeContentDifferences(
        sampleContent(),
        edited((c) => c.inputs.reverse()),
      ),
    ).toEqual([
      "inputs order differs (identifier, size, instance_class, password vs password, instance_class, size, identifier)",
    ]);
  });

  it("caps the number of config differences it lists", () => {
    const wide = (value: number) =>
      Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${String(i).padStart(2, "0")}`, value]));
    const differences = describeContentDifferences(
      edited((c) => (c.deployment.config = wide(1))),
      edited((c) => (c.deployment.config = wide(2))),
    );
    expect(differences).toHaveLength(11);
    expect(differences.at(-1)).toBe("deployment.config: 5 more differences");
  });

  it("is empty exactly when the digests are equal", () => {
    fc.assert(
      fc.property(arbitraryContent, arbitraryContent, (a, b) => {
        const same = contentDigest(a) === contentDigest(b);
        expect(describeContentDifferences(a, b).length === 0).toBe(same);
      }),
      { numRuns: 500 },
    );
  });
});
