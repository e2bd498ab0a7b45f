import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FieldViolation } from "../errors/index.js";
import type { JsonObject, JsonValue, ValidationRules, ValueType } from "../storage/records.js";
import { makeInput, makeOutput, sampleDraft } from "./content-fixtures.js";
import {
  type ComponentDraft,
  checkValue,
  jsonBytesBound,
  validateComponent,
  validateMutablePatch,
} from "./validation.js";

/** The violations of the sample draft after `change` edits it. */
function violationsAfter(change: (draft: ComponentDraft) => void): FieldViolation[] {
  const draft = sampleDraft();
  change(draft);
  return validateComponent(draft);
}

/** The (field, reason) pairs, the part of a violation a client acts on. */
function fieldsAndReasons(violations: readonly FieldViolation[]): [string, string | undefined][] {
  return violations.map((v) => [v.field, v.reason]);
}

function expectOnly(violations: readonly FieldViolation[], field: string, reason: string): FieldViolation {
  expect(fieldsAndReasons(violations)).toEqual([[field, reason]]);
  return violations[0]!;
}

function nested(depth: number): JsonObject {
  let value: JsonObject = {};
  for (let i = 1; i < depth; i++) value = { level: value };
  return value;
}

describe("validateComponent", () => {
  it("accepts a complete, valid component", () => {
    expect(validateComponent(sampleDraft())).toEqual([]);
  });

  it("uses the given field prefix in every path", () => {
    const draft = sampleDraft();
    draft.name = "Bad";
    expect(fieldsAndReasons(validateComponent(draft, "request.component"))).toEqual([
      ["request.component.name", "DNS1123_LABEL"],
    ]);
  });

  describe("name", () => {
    it.each(["a", "aws-rds-mysql", "0db", "a".repeat(63)])("accepts the DNS-1123 label %s", (name) => {
      expect(violationsAfter((d) => (d.name = name))).toEqual([]);
    });

    it.each(["Aws-rds", "-rds", "rds-", "rds_mysql", "rds.mysql", "a".repeat(64)])(
      "refuses %s as not a DNS-1123 label",
      (name) => {
        const v = expectOnly(
          violationsAfter((d) => (d.name = name)),
          "component.name",
          "DNS1123_LABEL",
        );
        expect(v.description).toContain("DNS-1123 label");
      },
    );

    it("requires a name", () => {
      expectOnly(
        violationsAfter((d) => (d.name = "")),
        "component.name",
        "REQUIRED",
      );
    });
  });

  describe("version", () => {
    it.each(["1.2.0", "0.0.1", "1.2.0-rc.1", "1.2.0+build.5", "2.0.0-alpha.1+sha.abc"])(
      "accepts the SemVer version %s",
      (version) => {
        expect(violationsAfter((d) => (d.version = version))).toEqual([]);
      },
    );

    it("refuses a leading 'v' and says what to write instead", () => {
      const v = expectOnly(
        violationsAfter((d) => (d.version = "v1.2.0")),
        "component.version",
        "SEMVER",
      );
      expect(v.description).toContain(`use "1.2.0"`);
    });

    it.each(["1.2", "1", "01.2.0", "1.2.0-", "latest", " 1.2.0", "1.2.0\n"])(
      "refuses %j as not SemVer 2.0",
      (version) => {
        expectOnly(
          violationsAfter((d) => (d.version = version)),
          "component.version",
          "SEMVER",
        );
      },
    );

    it("requires a version", () => {
      expectOnly(
        violationsAfter((d) => (d.version = "")),
        "component.version",
        "REQUIRED",
      );
    });
  });

  describe("provider and category", () => {
    it.each(["provider", "category"] as const)("requires %s", (field) => {
      expectOnly(
        violationsAfter((d) => (d[field] = "")),
        `component.${field}`,
        "REQUIRED",
      );
    });

    it.each([
      ["provider", "AWS"],
      ["provider", "-aws"],
      ["category", "data base"],
      ["category", "_db"],
      ["category", "d".repeat(64)],
    ] as const)("refuses %s %j as not a lower-case token", (field, value) => {
      expectOnly(
        violationsAfter((d) => (d[field] = value)),
        `component.${field}`,
        "TOKEN_FORMAT",
      );
    });

    it.each(["k8s", "google-cloud", "on_prem", "v1.beta", "d".repeat(63)])("accepts the token %s", (value) => {
      expect(violationsAfter((d) => (d.provider = value))).toEqual([]);
    });
  });

  describe("description", () => {
    it("allows 4096 characters, counting an emoji as one", () => {
      expect(violationsAfter((d) => (d.description = "🦀".repeat(4096)))).toEqual([]);
    });

    it("refuses more than 4096 characters", () => {
      expectOnly(
        violationsAfter((d) => (d.description = "x".repeat(4097))),
        "component.description",
        "MAX_LENGTH",
      );
    });
  });

  describe("labels", () => {
    it.each(["app", "app.kubernetes.io/name", "example.com/Team_Name", "a-b.c_d"])("accepts the key %s", (key) => {
      expect(violationsAfter((d) => (d.labels = { [key]: "x" }))).toEqual([]);
    });

    it.each([
      ["Example.com/name", "prefix"],
      ["/name", "prefix"],
      ["a/b/c", "name part"],
      ["example.com/", "name part is empty"],
      ["-app", "name part"],
      ["app-", "name part"],
      ["has space", "name part"],
      ["n".repeat(64), "at most 63"],
      [`${"p".repeat(254)}/name`, "prefix"],
    ])("refuses the key %j naming the problem (%s)", (key, problem) => {
      const v = expectOnly(
        violationsAfter((d) => (d.labels = { [key]: "x" })),
        `component.labels[${JSON.stringify(key)}]`,
        "LABEL_KEY",
      );
      expect(v.description).toContain(problem);
    });

    it.each(["", "v1.2", "Prod_East-1"])("accepts the value %j", (value) => {
      expect(violationsAfter((d) => (d.labels = { env: value }))).toEqual([]);
    });

    it.each(["has space", "-x", "x.", "v".repeat(64)])("refuses the value %j", (value) => {
      expectOnly(
        violationsAfter((d) => (d.labels = { env: value })),
        `component.labels["env"]`,
        "LABEL_VALUE",
      );
    });

    it("allows 64 labels and refuses 65", () => {
      const labels = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`l${i}`, "x"]));
      expect(violationsAfter((d) => (d.labels = labels(64)))).toEqual([]);
      expectOnly(
        violationsAfter((d) => (d.labels = labels(65))),
        "component.labels",
        "MAX_ITEMS",
      );
    });
  });

  describe("inputs and outputs", () => {
    it.each(["1size", "_size", "size-gb", "size gb", `s${"x".repeat(128)}`])("refuses the input name %j", (name) => {
      expectOnly(
        violationsAfter((d) => (d.inputs[1]!.name = name)),
        "component.inputs[1].name",
        "IDENTIFIER",
      );
    });

    it("accepts identifiers of letters, digits and underscores up to 128 characters", () => {
      expect(violationsAfter((d) => (d.inputs[1]!.name = `S${"_9".repeat(63)}a`))).toEqual([]);
    });

    it("names the duplicate input and the element it repeats", () => {
      const v = expectOnly(
        violationsAfter((d) => (d.inputs[2]!.name = "identifier")),
        "component.inputs[2].name",
        "DUPLICATE_NAME",
      );
      expect(v.description).toContain(`"identifier" is already used by inputs[0]`);
    });

    it("names a duplicate output", () => {
      const v = expectOnly(
        violationsAfter((d) => d.outputs.push(makeOutput({ name: "port" }))),
        "component.outputs[2].name",
        "DUPLICATE_NAME",
      );
      expect(v.description).toContain("outputs[1]");
    });

    it("allows an input and an output to share a name", () => {
      expect(violationsAfter((d) => d.outputs.push(makeOutput({ name: "size" })))).toEqual([]);
    });

    it("refuses an output name that is not an identifier", () => {
      expectOnly(
        violationsAfter((d) => (d.outputs[0]!.name = "end.point")),
        "component.outputs[0].name",
        "IDENTIFIER",
      );
    });

    it.each([
      ["inputs", "component.inputs[0].type"],
      ["outputs", "component.outputs[0].type"],
    ] as const)("refuses an unknown type in %s", (kind, field) => {
      const v = expectOnly(
        violationsAfter((d) => ((d[kind][0] as { type: string }).type = "unspecified")),
        field,
        "VALUE_TYPE",
      );
      expect(v.description).toContain("string, number, integer, boolean, list, map, object");
    });

    it("allows 256 inputs and refuses 257", () => {
      const inputs = (count: number) => Array.from({ length: count }, (_, i) => makeInput({ name: `in${i}` }));
      expect(violationsAfter((d) => (d.inputs = inputs(256)))).toEqual([]);
      expectOnly(
        violationsAfter((d) => (d.inputs = inputs(257))),
        "component.inputs",
        "MAX_ITEMS",
      );
    });

    it("refuses 257 outputs", () => {
      const outputs = Array.from({ length: 257 }, (_, i) => makeOutput({ name: `out${i}` }));
      expectOnly(
        violationsAfter((d) => (d.outputs = outputs)),
        "component.outputs",
        "MAX_ITEMS",
      );
    });

    it.each([
      ["inputs", "component.inputs[3].description"],
      ["outputs", "component.outputs[1].description"],
    ] as const)("refuses an element description over 2048 characters in %s", (kind, field) => {
      const draft = sampleDraft();
      draft[kind].at(-1)!.description = "x".repeat(2048);
      expect(validateComponent(draft)).toEqual([]);
      draft[kind].at(-1)!.description = "x".repeat(2049);
      expectOnly(validateComponent(draft), field, "MAX_LENGTH");
    });

    it("refuses a required input that has a default", () => {
      const v = expectOnly(
        violationsAfter((d) => (d.inputs[0]!.default = "main")),
        "component.inputs[0].default",
        "REQUIRED_WITH_DEFAULT",
      );
      expect(v.description).toContain("required");
    });

    it("accepts an optional input without a default", () => {
      expect(violationsAfter((d) => d.inputs.push(makeInput({ name: "tags", type: "map" })))).toEqual([]);
    });
  });

  describe("validation rules", () => {
    function withInput(input: Parameters<typeof makeInput>[0]): FieldViolation[] {
      return violationsAfter((d) => d.inputs.push(makeInput(input)));
    }
    const at = (rule: string) => `component.inputs[4].validation.${rule}`;

    it.each([
      ["minLength", "number", { minLength: 1 }],
      ["maxLength", "boolean", { maxLength: 1 }],
      ["minimum", "string", { minimum: 1 }],
      ["maximum", "list", { maximum: 1 }],
      ["pattern", "list", { pattern: "a" }],
      ["pattern", "integer", { pattern: "[0-9]+" }],
    ] as const)("refuses %s on a %s input", (rule, type, validation) => {
      expectOnly(withInput({ name: "x", type, validation }), at(rule), "RULE_NOT_APPLICABLE");
    });

    it("accepts length rules on lists and bounds on numbers", () => {
      expect(withInput({ name: "zones", type: "list", validation: { minLength: 1, maxLength: 3 } })).toEqual([]);
      expect(withInput({ name: "ratio", type: "number", validation: { minimum: 0.5, maximum: 0.5 } })).toEqual([]);
    });

    it("treats an empty pattern and empty allowed values as no rule, whatever the type", () => {
      expect(withInput({ name: "count", type: "integer", validation: { pattern: "", allowedValues: [] } })).toEqual([]);
    });

    it("refuses minLength above maxLength", () => {
      const v = expectOnly(
        withInput({ name: "x", validation: { minLength: 5, maxLength: 3 } }),
        at("minLength"),
        "BOUNDS_INVERTED",
      );
      expect(v.description).toBe("minLength (5) must not exceed maxLength (3)");
    });

    it("refuses minimum above maximum", () => {
      expectOnly(
        withInput({ name: "x", type: "number", validation: { minimum: 2, maximum: 1 } }),
        at("minimum"),
        "BOUNDS_INVERTED",
      );
    });

    it.each([-1, 1.5, Number.NaN])("refuses the length bound %s", (bound) => {
      expectOnly(withInput({ name: "x", validation: { maxLength: bound } }), at("maxLength"), "INVALID_BOUND");
    });

    it("refuses a non-finite numeric bound", () => {
      expectOnly(
        withInput({ name: "x", type: "number", validation: { maximum: Number.POSITIVE_INFINITY } }),
        at("maximum"),
        "INVALID_BOUND",
      );
    });

    it("refuses a pattern that is not valid RE2", () => {
      const v = expectOnly(
        withInput({ name: "x", validation: { pattern: "([a-z]" } }),
        at("pattern"),
        "PATTERN_INVALID",
      );
      expect(v.description).toContain("not a valid RE2 regular expression");
    });

    it.each(["(?=a)b", "(a)\\1", "(?<!x)y"])(
      "refuses the Perl-only construct in %s, which RE2 processors cannot run",
      (pattern) => {
        expectOnly(withInput({ name: "x", validation: { pattern } }), at("pattern"), "PATTERN_INVALID");
      },
    );

    it("accepts Unicode property escapes", () => {
      expect(withInput({ name: "x", validation: { pattern: "\\p{L}[\\p{L}\\p{N} ]*" } })).toEqual([]);
    });

    it("refuses a pattern over 1024 characters", () => {
      expect(withInput({ name: "x", validation: { pattern: "a".repeat(1024) } })).toEqual([]);
      expectOnly(
        withInput({ name: "x", validation: { pattern: "a".repeat(1025) } }),
        at("pattern"),
        "PATTERN_TOO_LONG",
      );
    });

    it.each(["(a+)+b", "(a*)*b", "(a|aa)*$", "(.*a){12}", "^(a?){25}a{25}$"])(
      "checks a default against the backtracking-prone pattern %s with a linear-time engine",
      (pattern) => {
        const v = expectOnly(
          withInput({ name: "x", default: `${"a".repeat(5000)}!`, validation: { pattern } }),
          "component.inputs[4].default",
          "DEFAULT_INVALID",
        );
        expect(v.description).toContain("must match the pattern");
      },
    );

    it("names the pattern of the third input by its index", () => {
      expectOnly(
        violationsAfter((d) => (d.inputs[2]!.validation = { pattern: "(d+" })),
        "component.inputs[2].validation.pattern",
        "PATTERN_INVALID",
      );
    });

    it("refuses an allowed value of the wrong type, naming its index", () => {
      const v = expectOnly(
        withInput({ name: "x", type: "integer", validation: { allowedValues: [1, 2.5, 3] } }),
        at("allowedValues[1]"),
        "ALLOWED_VALUE_TYPE",
      );
      expect(v.description).toContain("whole number");
    });

    it("refuses a repeated allowed value, objects compared regardless of key order", () => {
      expectOnly(
        withInput({ name: "x", validation: { allowedValues: ["a", "b", "a"] } }),
        at("allowedValues[2]"),
        "ALLOWED_VALUE_DUPLICATE",
      );
      const objects = [
        { a: 1, b: 2 },
        { b: 2, a: 1 },
      ];
      expectOnly(
        withInput({ name: "x", type: "object", validation: { allowedValues: objects } }),
        at("allowedValues[1]"),
        "ALLOWED_VALUE_DUPLICATE",
      );
    });

    it("allows 256 allowed values and refuses 257", () => {
      const values = (count: number) => Array.from({ length: count }, (_, i) => `v${i}`);
      expect(withInput({ name: "x", validation: { allowedValues: values(256) } })).toEqual([]);
      expectOnly(
        withInput({ name: "x", validation: { allowedValues: values(257) } }),
        at("allowedValues"),
        "MAX_ITEMS",
      );
    });
  });

  describe("default values", () => {
    const at = "component.inputs[4].default";
    it.each<[ValueType, ValidationRules, JsonValue, string]>([
      ["string", {}, 5, "must be a string"],
      ["integer", {}, 2.5, "whole number"],
      ["integer", { minimum: 1, maximum: 10 }, 11, "at most 10"],
      ["number", { minimum: 1 }, 0.5, "at least 1"],
      ["string", { pattern: "[a-z]+" }, "abc1", "in full"],
      ["string", { allowedValues: ["a", "b"] }, "c", "one of"],
      ["string", { minLength: 3 }, "ab", "at least 3 characters"],
      ["list", { maxLength: 1 }, [1, 2], "at most 1 elements"],
      ["boolean", {}, "true", "must be a boolean"],
      ["map", {}, [], "must be an object"],
      ["object", {}, null, "got null"],
    ])("refuses a %s default that breaks %j: %j", (type, validation, value, problem) => {
      const v = expectOnly(
        violationsAfter((d) => d.inputs.push(makeInput({ name: "x", type, validation, default: value }))),
        at,
        "DEFAULT_INVALID",
      );
      expect(v.description).toContain(problem);
    });

    it("accepts a default that satisfies its type and every rule", () => {
      const input = makeInput({
        name: "x",
        type: "integer",
        default: 4,
        validation: { minimum: 1, maximum: 10, allowedValues: [2, 4, 8] },
      });
      expect(violationsAfter((d) => d.inputs.push(input))).toEqual([]);
    });
  });

  describe("deployment", () => {
    it("requires an engine", () => {
      expectOnly(
        violationsAfter((d) => (d.deployment.engine = "")),
        "component.deployment.engine",
        "REQUIRED",
      );
    });

    it("refuses an engine that is not a lower-case token", () => {
      expectOnly(
        violationsAfter((d) => (d.deployment.engine = "Terraform")),
        "component.deployment.engine",
        "TOKEN_FORMAT",
      );
    });

    it("requires the deployment itself", () => {
      const draft: unknown = { ...sampleDraft(), deployment: undefined };
      expectOnly(validateComponent(draft as ComponentDraft), "component.deployment", "REQUIRED");
    });

    it("refuses an engineVersion over 128 characters", () => {
      expect(violationsAfter((d) => (d.deployment.engineVersion = "1".repeat(128)))).toEqual([]);
      expectOnly(
        violationsAfter((d) => (d.deployment.engineVersion = "1".repeat(129))),
        "component.deployment.engineVersion",
        "MAX_LENGTH",
      );
    });

    it.each([[[]], [null], ["text"]])("refuses a config that is not a JSON object: %j", (config) => {
      const draft: unknown = { ...sampleDraft(), deployment: { engine: "helm", engineVersion: "", config } };
      expectOnly(validateComponent(draft as ComponentDraft), "component.deployment.config", "JSON_OBJECT");
    });

    it("allows config nested 32 levels deep and refuses 33", () => {
      expect(violationsAfter((d) => (d.deployment.config = nested(32)))).toEqual([]);
      expectOnly(
        violationsAfter((d) => (d.deployment.config = nested(33))),
        "component.deployment.config",
        "MAX_DEPTH",
      );
    });

    it("refuses very deep config without overflowing the stack", () => {
      expectOnly(
        violationsAfter((d) => (d.deployment.config = nested(100_000))),
        "component.deployment.config",
        "MAX_DEPTH",
      );
    });

    it("refuses config larger than 256 KiB once serialized", () => {
      const blob = (bytes: number) => ({ blob: "x".repeat(bytes - `{"blob":""}`.length) });
      expect(violationsAfter((d) => (d.deployment.config = blob(256 * 1024)))).toEqual([]);
      expectOnly(
        violationsAfter((d) => (d.deployment.config = blob(256 * 1024 + 1))),
        "component.deployment.config",
        "MAX_SIZE",
      );
    });
  });

  describe("source", () => {
    it("is optional", () => {
      expect(violationsAfter((d) => delete d.source)).toEqual([]);
    });

    it.each([
      "https://alice:s3cret@github.com/example/c.git",
      "https://ghp_token@github.com/example/c.git",
      "ssh://git:pw@host/repo",
    ])("refuses credentials in %s", (repository) => {
      const v = expectOnly(
        violationsAfter((d) => (d.source!.repository = repository)),
        "component.source.repository",
        "CREDENTIALS_IN_URL",
      );
      expect(v.description).not.toContain("s3cret");
    });

    it.each([
      "git@github.com:example/c.git",
      "ssh://git@github.com/example/c.git",
      "/srv/git/components",
      "https://github.com/a@b",
    ])("accepts %s", (repository) => {
      expect(violationsAfter((d) => (d.source!.repository = repository))).toEqual([]);
    });

    it("refuses a repository over 2048 characters", () => {
      expectOnly(
        violationsAfter((d) => (d.source!.repository = `https://h/${"r".repeat(2039)}`)),
        "component.source.repository",
        "MAX_LENGTH",
      );
    });

    it.each(["abc1234", "0123456789abcdef0123456789abcdef01234567", "f".repeat(64), ""])(
      "accepts the commit %j",
      (commit) => {
        expect(violationsAfter((d) => (d.source!.commit = commit))).toEqual([]);
      },
    );

    it.each(["abc123", "g123456", "ABC1234", "f".repeat(65)])("refuses the commit %j", (commit) => {
      expectOnly(
        violationsAfter((d) => (d.source!.commit = commit)),
        "component.source.commit",
        "COMMIT_HASH",
      );
    });

    it("refuses a path over 1024 characters", () => {
      expectOnly(
        violationsAfter((d) => (d.source!.path = "p".repeat(1025))),
        "component.source.path",
        "MAX_LENGTH",
      );
    });
  });

  it("refuses a component larger than 1 MiB once serialized", () => {
    const bigValues = Array.from({ length: 256 }, (_, i) => `${i}-${"x".repeat(4096)}`);
    const v = expectOnly(
      violationsAfter((d) => d.inputs.push(makeInput({ name: "big", validation: { allowedValues: bigValues } }))),
      "component",
      "MAX_SIZE",
    );
    expect(v.description).toContain("1048576 bytes");
  });

  it("reports every violation at once rather than the first", () => {
    const violations = violationsAfter((d) => {
      d.name = "Bad";
      d.version = "v1";
      d.inputs[1]!.default = "twenty";
    });
    expect(fieldsAndReasons(violations)).toEqual([
      ["component.name", "DNS1123_LABEL"],
      ["component.version", "SEMVER"],
      ["component.inputs[1].default", "DEFAULT_INVALID"],
    ]);
  });

  it("reports malformed shapes as violations instead of throwing", () => {
    const malformed: unknown = {
      name: 7,
      version: "1.0.0",
      provider: "aws",
      category: "db",
      labels: ["x"],
      inputs: [null, { name: "a", type: "string", validation: "none" }],
      outputs: "none",
      deployment: { engine: "helm" },
    };
    expect(fieldsAndReasons(validateComponent(malformed as ComponentDraft))).toEqual([
      ["component.name", "WRONG_TYPE"],
      ["component.labels", "WRONG_TYPE"],
      ["component.inputs[0]", "WRONG_TYPE"],
      ["component.inputs[1].validation", "WRONG_TYPE"],
      ["component.outputs", "WRONG_TYPE"],
    ]);
  });
});

describe("checkValue", () => {
  it.each([
    ["string", "x"],
    ["number", 1.5],
    ["integer", 3],
    ["integer", -0],
    ["boolean", false],
    ["list", [1, "a"]],
    ["map", { a: "b" }],
    ["object", { a: { b: [1] } }],
  ] as const)("accepts a %s value %j", (type, value) => {
    expect(checkValue(value as JsonValue, type, {})).toBeUndefined();
  });

  it("refuses a fractional integer with the reason", () => {
    expect(checkValue(1.5, "integer", {})).toBe("must be a whole number, got 1.5");
  });

  it("matches a pattern against the whole string, not a substring", () => {
    expect(checkValue("abc", "string", { pattern: "b" })).toContain("in full");
    expect(checkValue("b", "string", { pattern: "b" })).toBeUndefined();
    expect(checkValue("ab", "string", { pattern: "a|ab" })).toBeUndefined();
  });

  it("counts string length in characters", () => {
    expect(checkValue("🦀🦀", "string", { maxLength: 2 })).toBeUndefined();
    expect(checkValue("🦀🦀🦀", "string", { maxLength: 2 })).toBe("must have at most 2 characters, has 3");
  });

  it("compares allowed values structurally", () => {
    expect(checkValue({ b: 1, a: 2 }, "object", { allowedValues: [{ a: 2, b: 1 }] })).toBeUndefined();
    expect(checkValue({ a: 3 }, "object", { allowedValues: [{ a: 2 }] })).toContain("must be one of");
  });

  it("applies inclusive numeric bounds", () => {
    expect(checkValue(10, "number", { minimum: 10, maximum: 10 })).toBeUndefined();
    expect(checkValue(9.99, "number", { minimum: 10 })).toBe("must be at least 10, got 9.99");
  });

  it("ignores rules that do not apply to the type and patterns that do not compile", () => {
    expect(checkValue(5, "integer", { pattern: "x", minLength: 9 })).toBeUndefined();
    expect(checkValue("x", "string", { pattern: "(" })).toBeUndefined();
  });
});

describe("validateMutablePatch", () => {
  it("accepts an empty patch and a valid one", () => {
    expect(validateMutablePatch({})).toEqual([]);
    expect(
      validateMutablePatch({
        description: "d",
        labels: { a: "b" },
        deprecation: { deprecated: true, message: "use v2" },
      }),
    ).toEqual([]);
  });

  it("refuses a description over 4096 characters", () => {
    expectOnly(validateMutablePatch({ description: "x".repeat(4097) }), "component.description", "MAX_LENGTH");
  });

  it("applies the label rules", () => {
    expectOnly(validateMutablePatch({ labels: { "bad key": "x" } }, "update"), `update.labels["bad key"]`, "LABEL_KEY");
  });

  it("refuses a deprecation message over 1024 characters", () => {
    expect(validateMutablePatch({ deprecation: { deprecated: true, message: "m".repeat(1024) } })).toEqual([]);
    expectOnly(
      validateMutablePatch({ deprecation: { deprecated: true, message: "m".repeat(1025) } }),
      "component.deprecation.message",
      "MAX_LENGTH",
    );
  });
});

describe("jsonBytesBound (the size check's shortcut)", () => {
  const exactBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");

  it("is never below the UTF-8 size of the JSON text, for any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.string({ unit: "binary" }), fc.double(), (value, text, number) => {
        for (const candidate of [value, { text, number, list: [text, undefined, number] }, [value, text]]) {
          const bound = jsonBytesBound(candidate);
          expect(bound).toBeDefined();
          expect(bound!).toBeGreaterThanOrEqual(exactBytes(candidate));
        }
      }),
      { numRuns: 1000 },
    );
    for (const number of [-0.0000012345678901234567, -1.7976931348623157e308, Number.NaN, -Infinity]) {
      expect(jsonBytesBound(number)!).toBeGreaterThanOrEqual(exactBytes(number));
    }
  });

  it("declines anything JSON.stringify would treat specially, so the exact size decides", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const withToJson = { toJSON: () => "x".repeat(10_000) };
    const arrayWithToJson = Object.assign([1], { toJSON: () => "x".repeat(10_000) });
    for (const value of [
      new Date(0),
      withToJson,
      arrayWithToJson,
      cyclic,
      { n: 1n },
      { f: () => 1 },
      new (class Point {})(),
      [Symbol("s")],
    ]) {
      expect(jsonBytesBound(value)).toBeUndefined();
    }
  });

  it("still refuses config over 256 KiB that only the exact size can tell (multi-byte text)", () => {
    const draft = sampleDraft();
    // 2-byte characters: the bound (6 per character) is over the limit, the exact size just over it too.
    draft.deployment.config = { blob: "é".repeat(128 * 1024) };
    expect(validateComponent(draft).map((v) => v.reason)).toContain("MAX_SIZE");
    draft.deployment.config = { blob: "é".repeat(128 * 1024 - 8) };
    expect(validateComponent(draft).map((v) => v.reason)).not.toContain("MAX_SIZE");
  });
});

describe("patterns checked again and again (compiled once, then reused)", () => {
  it("gives the same answers and the same error for every version that repeats them", () => {
    for (let i = 0; i < 3; i++) {
      expect(checkValue("abc", "string", { pattern: "[a-c]+" })).toBeUndefined();
      expect(checkValue("abd", "string", { pattern: "[a-c]+" })).toContain("must match the pattern [a-c]+");
      const draft = sampleDraft();
      draft.inputs.push(makeInput({ name: "broken", validation: { pattern: "(unclosed" } }));
      const problems = validateComponent(draft).filter((v) => v.reason === "PATTERN_INVALID");
      expect(problems).toHaveLength(1);
      expect(problems[0]!.description).toMatch(/^pattern is not a valid RE2 regular expression: .+/);
    }
  });
});
