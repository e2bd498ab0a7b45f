import { describe, expect, it } from "vitest";
import { COMPATIBILITY_MODES, type CompatibilityMode, type ComponentContent } from "../storage/records.js";
import { checkPolicy, policyRefusal, policyViolations, satisfiedModes } from "./compatibility-policy.js";
import { makeInput, sampleContent } from "./content-fixtures.js";

function edited(change: (content: ComponentContent) => void): ComponentContent {
  const content = sampleContent();
  change(content);
  return content;
}

const v1 = sampleContent();
/** One more optional input: consumers of v1 keep working; consumers setting it break on v1. */
const additive = edited((x) => x.inputs.push(makeInput({ name: "backup_days", type: "integer", default: 7 })));
/** The size minimum raised: consumers of v1 passing a small size break. */
const tightened = edited((x) => {
  x.inputs[1]!.validation = { ...x.inputs[1]!.validation, minimum: 100 };
});

const modesViolated = (existing: { version: string; content: ComponentContent }[], candidate: ComponentContent) =>
  COMPATIBILITY_MODES.filter((mode) => policyViolations(existing, "1.2.0", candidate, mode).length > 0);

describe("policyViolations", () => {
  it("checks backward, forward and both directions against the highest earlier release", () => {
    const existing = [{ version: "1.1.0", content: v1 }];
    expect(modesViolated(existing, additive)).toEqual(["forward", "full", "forward_transitive", "full_transitive"]);
    expect(modesViolated(existing, tightened)).toEqual(["backward", "full", "backward_transitive", "full_transitive"]);
    expect(modesViolated(existing, v1)).toEqual([]);
  });

  it("checks every earlier release of the line in the transitive modes, only the highest otherwise", () => {
    // 1.1.0 tightened a rule while the name's policy was NONE; 1.2.0 repeats 1.1.0.
    const existing = [
      { version: "1.0.0", content: v1 },
      { version: "1.1.0", content: tightened },
      { version: "0.9.0", content: additive },
    ];
    expect(modesViolated(existing, tightened)).toEqual(["backward_transitive", "full_transitive"]);
    const violations = policyViolations(existing, "1.2.0", tightened, "backward_transitive");
    expect(violations.map((v) => [v.against, v.direction, v.change.path])).toEqual([
      ["1.0.0", "backward", "inputs.size.validation.minimum"],
    ]);
  });

  it("never checks across a major version, and checks nothing for a name's first version or under NONE", () => {
    expect(policyViolations([{ version: "1.4.0", content: v1 }], "2.0.0", tightened, "full_transitive")).toEqual([]);
    expect(policyViolations([], "1.0.0", tightened, "full")).toEqual([]);
    expect(policyViolations([{ version: "1.1.0", content: v1 }], "1.2.0", tightened, "none")).toEqual([]);
  });
});

describe("policyRefusal", () => {
  it("is FAILED_PRECONDITION listing each violation by version and direction, and the policy", () => {
    const existing = [
      { version: "1.0.0", content: v1 },
      { version: "1.1.0", content: v1 },
    ];
    const both = edited((x) => {
      x.inputs.push(makeInput({ name: "backup_days", type: "integer", default: 7 }));
      x.inputs[1]!.validation = { ...x.inputs[1]!.validation, minimum: 100 };
    });
    let refusal: unknown;
    try {
      checkPolicy("rds", existing, "1.2.0", both, "full_transitive");
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toMatchObject({ code: "FAILED_PRECONDITION" });
    const message = (refusal as Error).message;
    expect(message).toContain("publishing 1.2.0 would break consumers of 1.1.0: inputs.size.validation.minimum");
    expect(message).toContain("would break consumers of 1.0.0");
    expect(message).toContain("is not forward compatible with 1.1.0");
    expect(message).toContain("inputs.backup_days");
    expect(message).toContain("the compatibility policy of rds is FULL_TRANSITIVE");
    expect(message).toContain("bump the major version");
  });

  it("words the default policy's refusal as a backward break", () => {
    const violations = policyViolations([{ version: "0.3.0", content: v1 }], "0.3.1", tightened, "backward");
    const message = policyRefusal("rds", "0.3.1", "backward", violations).message;
    expect(message).toMatch(/^publishing 0\.3\.1 would break consumers of 0\.3\.0: inputs\.size/);
    expect(message).toContain("policy of rds is BACKWARD: bump the minor version");
  });
});

describe("satisfiedModes", () => {
  const all = (modes: CompatibilityMode[]) => [...modes].sort();
  it("names the modes a change satisfies on content alone", () => {
    const base = { version: "1.0.0", content: v1 };
    expect(all(satisfiedModes(base, v1, []))).toEqual(all([...COMPATIBILITY_MODES]));
    expect(all(satisfiedModes(base, additive, []))).toEqual(["backward", "backward_transitive", "none"]);
    expect(all(satisfiedModes(base, tightened, []))).toEqual(["forward", "forward_transitive", "none"]);
  });

  it("holds the transitive modes to the releases of the base's line as well", () => {
    const base = { version: "1.1.0", content: tightened };
    const line = [{ version: "1.0.0", content: v1 }];
    expect(all(satisfiedModes(base, tightened, line))).toEqual(
      all(["none", "backward", "forward", "full", "forward_transitive"]),
    );
  });
});
