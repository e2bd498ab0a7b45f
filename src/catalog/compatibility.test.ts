import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ComponentContent } from "../storage/records.js";
import { checkPublishCompatibility, compareContent, type SpecChange } from "./compatibility.js";
import { arbitraryContent, makeInput, makeOutput, sampleContent } from "./content-fixtures.js";
import { contentDigest } from "./digest.js";

function edited(change: (content: ComponentContent) => void): ComponentContent {
  const content = sampleContent();
  change(content);
  return content;
}

/** The changes from the sample content to the edited one, as (path, bump) pairs. */
function changesAfter(change: (content: ComponentContent) => void): SpecChange[] {
  return compareContent(sampleContent(), edited(change)).changes;
}

function expectOnlyChange(
  change: (content: ComponentContent) => void,
  path: string,
  bump: SpecChange["bump"],
): SpecChange {
  const changes = changesAfter(change);
  expect(changes.map((c) => [c.path, c.bump])).toEqual([[path, bump]]);
  expect(changes[0]!.breaking).toBe(bump === "major");
  return changes[0]!;
}

describe("compareContent", () => {
  it("reports no change and no bump for identical content", () => {
    expect(compareContent(sampleContent(), sampleContent())).toEqual({
      changes: [],
      breaking: false,
      requiredBump: "none",
    });
  });

  describe("breaking changes (major)", () => {
    it("an input removed", () => {
      const c = expectOnlyChange((x) => x.inputs.splice(1, 1), "inputs.size", "major");
      expect(c.description).toBe("input size (integer) was removed");
    });

    it("an output removed", () => {
      const c = expectOnlyChange((x) => x.outputs.splice(0, 1), "outputs.endpoint", "major");
      expect(c.description).toBe("output endpoint (string) was removed");
    });

    it("a new required input", () => {
      const c = expectOnlyChange(
        (x) => x.inputs.push(makeInput({ name: "vpc_id", required: true })),
        "inputs.vpc_id",
        "major",
      );
      expect(c.description).toContain("required input vpc_id (string) was added without a default");
    });

    it("an optional input becoming required", () => {
      const c = expectOnlyChange(
        (x) => {
          x.inputs[1]!.required = true;
          delete x.inputs[1]!.default;
        },
        "inputs.size.required",
        "major",
      );
      expect(c.description).toContain("became required");
    });

    it.each([
      [
        "inputs.size.type",
        (x: ComponentContent) => (x.inputs[1]!.type = "number"),
        "input size type changed from integer to number",
      ],
      [
        "outputs.port.type",
        (x: ComponentContent) => (x.outputs[1]!.type = "string"),
        "output port type changed from integer to string",
      ],
    ])("%s changed", (path, change, description) => {
      expect(expectOnlyChange(change, path, "major").description).toBe(description);
    });

    it("a default removed from an input that was optional by its default", () => {
      const c = expectOnlyChange((x) => delete x.inputs[1]!.default, "inputs.size.default", "major");
      expect(c.description).toBe("input size default 20 was removed, so callers relying on it get no value");
    });

    it("a default removed from an input that stays required is still reported", () => {
      const base = edited((x) => (x.inputs[0]!.default = "main"));
      const changes = compareContent(base, sampleContent()).changes;
      expect(changes.map((c) => [c.path, c.bump])).toEqual([["inputs.identifier.default", "major"]]);
    });

    it.each<[string, (x: ComponentContent) => void, string]>([
      [
        "inputs.password.validation.minLength",
        (x) => (x.inputs[3]!.validation.minLength = 16),
        "input password minLength was raised from 12 to 16",
      ],
      [
        "inputs.identifier.validation.maxLength",
        (x) => (x.inputs[0]!.validation.maxLength = 40),
        "input identifier maxLength was lowered from 63 to 40",
      ],
      [
        "inputs.size.validation.minimum",
        (x) => (x.inputs[1]!.validation.minimum = 21),
        "input size minimum was raised from 20 to 21",
      ],
      [
        "inputs.size.validation.maximum",
        (x) => (x.inputs[1]!.validation.maximum = 500),
        "input size maximum was lowered from 1000 to 500",
      ],
    ])("%s tightened", (path, change, description) => {
      expect(expectOnlyChange(change, path, "major").description).toBe(description);
    });

    it.each<[string, (x: ComponentContent) => void]>([
      ["inputs.identifier.validation.minLength", (x) => (x.inputs[0]!.validation.minLength = 3)],
      ["inputs.password.validation.maxLength", (x) => (x.inputs[3]!.validation.maxLength = 64)],
      ["inputs.size.validation.allowedValues", (x) => (x.inputs[1]!.validation.allowedValues = [20, 50])],
      ["inputs.instance_class.validation.pattern", (x) => (x.inputs[2]!.validation.pattern = "db\\..*")],
    ])("%s added where there was no rule", (path, change) => {
      expect(expectOnlyChange(change, path, "major").description).toMatch(
        /added where there was none|where any value was allowed/,
      );
    });

    it("a minimum or maximum added where there was none", () => {
      const base = edited((x) => (x.inputs[1]!.validation = {}));
      const withMinimum = edited((x) => (x.inputs[1]!.validation = { minimum: 1 }));
      const withMaximum = edited((x) => (x.inputs[1]!.validation = { maximum: 9 }));
      expect(compareContent(base, withMinimum).changes.map((c) => [c.path, c.bump])).toEqual([
        ["inputs.size.validation.minimum", "major"],
      ]);
      expect(compareContent(base, withMaximum).changes.map((c) => [c.path, c.bump])).toEqual([
        ["inputs.size.validation.maximum", "major"],
      ]);
    });

    it("any change to a pattern, even one that looks looser", () => {
      const c = expectOnlyChange(
        (x) => (x.inputs[0]!.validation.pattern = ".*"),
        "inputs.identifier.validation.pattern",
        "major",
      );
      expect(c.description).toBe("input identifier pattern changed from [a-z][a-z0-9-]* to .*");
    });

    it("an allowed value removed, naming it", () => {
      const c = expectOnlyChange(
        (x) => (x.inputs[2]!.validation.allowedValues = ["db.t3.micro", "db.m5.large"]),
        "inputs.instance_class.validation.allowedValues",
        "major",
      );
      expect(c.description).toBe(`input instance_class no longer allows "db.t3.small"`);
    });

    it("the provider changed", () => {
      expect(expectOnlyChange((x) => (x.provider = "gcp"), "provider", "major").description).toBe(
        "provider changed from aws to gcp",
      );
    });

    it("the deployment engine changed", () => {
      expectOnlyChange((x) => (x.deployment.engine = "pulumi"), "deployment.engine", "major");
    });
  });

  describe("compatible additions and loosening (minor)", () => {
    it.each<[string, (x: ComponentContent) => void]>([
      ["inputs.multi_az", (x) => x.inputs.push(makeInput({ name: "multi_az", type: "boolean" }))],
      ["inputs.backup_days", (x) => x.inputs.push(makeInput({ name: "backup_days", type: "integer", default: 7 }))],
      ["outputs.arn", (x) => x.outputs.push(makeOutput({ name: "arn" }))],
      ["inputs.password.validation.minLength", (x) => (x.inputs[3]!.validation.minLength = 8)],
      ["inputs.identifier.validation.maxLength", (x) => (x.inputs[0]!.validation.maxLength = 100)],
      ["inputs.size.validation.minimum", (x) => (x.inputs[1]!.validation.minimum = 10)],
      ["inputs.size.validation.maximum", (x) => (x.inputs[1]!.validation.maximum = 2000)],
      ["inputs.size.validation.maximum", (x) => delete x.inputs[1]!.validation.maximum],
      ["inputs.identifier.validation.pattern", (x) => delete x.inputs[0]!.validation.pattern],
      [
        "inputs.instance_class.validation.allowedValues",
        (x) => x.inputs[2]!.validation.allowedValues!.push("db.m5.xlarge"),
      ],
      ["inputs.instance_class.validation.allowedValues", (x) => delete x.inputs[2]!.validation.allowedValues],
      ["inputs.password.required", (x) => (x.inputs[3]!.required = false)],
      ["inputs.size.default", (x) => (x.inputs[1]!.default = 50)],
      [
        "inputs.identifier.default",
        (x) => {
          x.inputs[0]!.required = false;
          x.inputs[0]!.default = "main";
        },
      ],
      ["inputs.password.sensitive", (x) => (x.inputs[3]!.sensitive = false)],
      ["outputs.endpoint.sensitive", (x) => (x.outputs[0]!.sensitive = true)],
      ["category", (x) => (x.category = "sql")],
      ["deployment.engineVersion", (x) => (x.deployment.engineVersion = ">= 1.7")],
      ["deployment.config", (x) => (x.deployment.config = { ...x.deployment.config, backend: "gcs" })],
    ])("%s", (path, change) => {
      const changes = changesAfter(change);
      expect(changes.map((c) => [c.path, c.bump, c.breaking])).toContainEqual([path, "minor", false]);
      expect(changes.every((c) => c.bump === "minor")).toBe(true);
    });

    it("a required input becoming optional with a default reports both, both minor", () => {
      const changes = changesAfter((x) => {
        x.inputs[0]!.required = false;
        x.inputs[0]!.default = "main";
      });
      expect(changes.map((c) => c.path)).toEqual(["inputs.identifier.default", "inputs.identifier.required"]);
    });

    it("an allowed value swapped for another reports the removal and the addition", () => {
      const changes = changesAfter(
        (x) => (x.inputs[2]!.validation.allowedValues = ["db.t3.micro", "db.t3.small", "db.r5.large"]),
      );
      expect(changes.map((c) => [c.bump, c.description])).toEqual([
        ["major", `input instance_class no longer allows "db.m5.large"`],
        ["minor", `input instance_class now also allows "db.r5.large"`],
      ]);
    });

    it("names the changed config keys", () => {
      const c = expectOnlyChange(
        (x) => (x.deployment.config = { module: {}, backend: "s3", region: "eu" }),
        "deployment.config",
        "minor",
      );
      expect(c.description).toBe("deployment config changed in module, region");
    });
  });

  describe("documentation changes (patch)", () => {
    it.each<[string, (x: ComponentContent) => void]>([
      ["inputs.size.description", (x) => (x.inputs[1]!.description = "Allocated storage in GiB")],
      ["outputs.port.description", (x) => (x.outputs[1]!.description = "TCP port")],
      ["inputs", (x) => x.inputs.reverse()],
      ["outputs", (x) => x.outputs.reverse()],
    ])("%s", (path, change) => {
      const report = compareContent(sampleContent(), edited(change));
      expect(report.changes.map((c) => [c.path, c.bump])).toEqual([[path, "patch"]]);
      expect(report.requiredBump).toBe("patch");
      expect(report.breaking).toBe(false);
    });

    it("names old and new description", () => {
      const c = expectOnlyChange((x) => (x.inputs[1]!.description = "GiB"), "inputs.size.description", "patch");
      expect(c.description).toBe(`input size description changed from "Storage in GiB" to "GiB"`);
    });
  });

  it("treats an empty pattern and empty allowed values as no rule", () => {
    const changes = changesAfter((x) => {
      x.inputs[1]!.validation.pattern = "";
      x.inputs[1]!.validation.allowedValues = [];
    });
    expect(changes).toEqual([]);
  });

  it("requires the highest bump among the changes and orders them by path", () => {
    const report = compareContent(
      sampleContent(),
      edited((x) => {
        x.outputs[0]!.description = "Host name";
        x.category = "sql";
        x.inputs.splice(1, 1);
        x.deployment.engine = "pulumi";
      }),
    );
    expect(report.changes.map((c) => c.path)).toEqual([
      "category",
      "deployment.engine",
      "inputs.size",
      "outputs.endpoint.description",
    ]);
    expect(report.requiredBump).toBe("major");
    expect(report.breaking).toBe(true);
  });

  it("reports no change exactly when the digests are equal, in any order of the arguments", () => {
    fc.assert(
      fc.property(arbitraryContent, arbitraryContent, (a, b) => {
        const same = contentDigest(a) === contentDigest(b);
        expect(compareContent(a, b).changes.length === 0).toBe(same);
        expect(compareContent(b, a).changes.length === 0).toBe(same);
      }),
      { numRuns: 500 },
    );
  });

  it("is deterministic: the same inputs give the same report", () => {
    fc.assert(
      fc.property(arbitraryContent, arbitraryContent, (a, b) => {
        expect(compareContent(a, b)).toEqual(compareContent(structuredClone(a), structuredClone(b)));
      }),
    );
  });
});

describe("checkPublishCompatibility", () => {
  const v1 = sampleContent();
  const withoutSize = edited((x) => x.inputs.splice(1, 1));
  const withExtraOutput = edited((x) => x.outputs.push(makeOutput({ name: "arn" })));

  it("has no base and no violation for the first version", () => {
    expect(checkPublishCompatibility([], "1.0.0", v1)).toEqual({});
  });

  it("compares with the highest earlier release of the same major, among several majors", () => {
    const existing = [
      { version: "1.0.0", content: withoutSize },
      { version: "1.2.0", content: v1 },
      { version: "1.10.0", content: v1 },
      { version: "2.0.0", content: withoutSize },
      { version: "3.1.0", content: withoutSize },
    ];
    expect(checkPublishCompatibility(existing, "1.11.0", withExtraOutput).base).toBe("1.10.0");
    expect(checkPublishCompatibility(existing, "2.1.0", v1).base).toBe("2.0.0");
    expect(checkPublishCompatibility(existing, "1.5.0", v1).base).toBe("1.2.0");
    expect(checkPublishCompatibility(existing, "4.0.0", withoutSize)).toEqual({});
  });

  it("allows a compatible change and returns its report", () => {
    const result = checkPublishCompatibility([{ version: "1.2.0", content: v1 }], "1.3.0", withExtraOutput);
    expect(result.base).toBe("1.2.0");
    expect(result.violation).toBeUndefined();
    expect(result.report?.requiredBump).toBe("minor");
  });

  it("refuses a breaking change within a major, listing every breaking change", () => {
    const broken = edited((x) => {
      x.inputs.splice(1, 1);
      x.outputs[1]!.type = "string";
      x.category = "sql";
    });
    const result = checkPublishCompatibility([{ version: "1.2.0", content: v1 }], "1.3.0", broken);
    expect(result.base).toBe("1.2.0");
    expect(result.report?.breaking).toBe(true);
    expect(result.violation).toBe(
      "publishing 1.3.0 would break consumers of 1.2.0: inputs.size: input size (integer) was removed; " +
        "outputs.port.type: output port type changed from integer to string — " +
        "bump the major version to publish breaking changes",
    );
  });

  it("allows a breaking change with a major bump", () => {
    expect(checkPublishCompatibility([{ version: "1.2.0", content: v1 }], "2.0.0", withoutSize)).toEqual({});
  });

  it("treats the minor as the compatibility line below 1.0.0", () => {
    const existing = [
      { version: "0.2.0", content: v1 },
      { version: "0.2.1", content: v1 },
    ];
    expect(checkPublishCompatibility(existing, "0.3.0", withoutSize)).toEqual({});
    const patch = checkPublishCompatibility(existing, "0.2.2", withoutSize);
    expect(patch.base).toBe("0.2.1");
    expect(patch.violation).toContain("publishing 0.2.2 would break consumers of 0.2.1: inputs.size");
    expect(patch.violation).toContain("bump the minor version (below 1.0.0 the minor is the compatibility line)");
  });

  it("checks a pre-release candidate against the release line it leads to", () => {
    const existing = [{ version: "1.2.0", content: v1 }];
    const result = checkPublishCompatibility(existing, "1.3.0-rc.1", withoutSize);
    expect(result.base).toBe("1.2.0");
    expect(result.violation).toContain("publishing 1.3.0-rc.1 would break consumers of 1.2.0");
    expect(checkPublishCompatibility(existing, "2.0.0-beta.1", withoutSize)).toEqual({});
  });

  it("never uses an existing pre-release as the base", () => {
    const existing = [
      { version: "1.2.0", content: v1 },
      { version: "1.3.0-rc.1", content: withoutSize },
    ];
    const result = checkPublishCompatibility(existing, "1.3.0", v1);
    expect(result.base).toBe("1.2.0");
    expect(result.violation).toBeUndefined();
    expect(checkPublishCompatibility([{ version: "2.0.0-alpha.1", content: v1 }], "2.0.0", withoutSize)).toEqual({});
  });

  it("ignores versions above the candidate and equal to it by precedence", () => {
    const existing = [
      { version: "1.2.0+build.7", content: withoutSize },
      { version: "1.4.0", content: withoutSize },
      { version: "1.1.0", content: v1 },
    ];
    expect(checkPublishCompatibility(existing, "1.2.0", v1).base).toBe("1.1.0");
  });

  it("skips existing entries that are not SemVer and refuses a candidate that is not", () => {
    expect(checkPublishCompatibility([{ version: "garbage", content: v1 }], "1.0.0", withoutSize)).toEqual({});
    expect(checkPublishCompatibility([], "v1.0", v1).violation).toBe("v1.0 is not a SemVer 2.0 version");
  });
});
