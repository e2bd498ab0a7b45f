import { describe, expect, it } from "vitest";
import {
  bumpBetween,
  compareVersions,
  isValidVersion,
  parseSelector,
  pickLatest,
  resolveRange,
  sortDescending,
  translateTerraformConstraint,
  versionKey,
} from "./index.js";

interface V {
  version: string;
  deprecated?: boolean;
}
const v = (version: string, deprecated = false): V => ({ version, deprecated });
const versionOf = (x: V) => x.version;
const isDeprecated = (x: V) => x.deprecated === true;

function resolve(items: V[], selector: string): string | undefined {
  const parsed = parseSelector(selector);
  if ("error" in parsed) throw new Error(parsed.error);
  if (parsed.kind === "latest") return pickLatest(items, versionOf, isDeprecated)?.version;
  if (parsed.kind === "exact") return items.find((x) => compareVersions(x.version, parsed.version) === 0)?.version;
  return resolveRange(items, parsed.range, versionOf, isDeprecated)?.version;
}

describe("version syntax", () => {
  it.each(["1.2.3", "0.0.0", "1.2.3-alpha.1", "1.2.3+build.5", "1.2.3-rc.1+sha.abc", "10.20.30"])(
    "accepts %s",
    (text) => {
      expect(isValidVersion(text)).toBe(true);
    },
  );

  it.each([
    "v1.2.3",
    "=1.2.3",
    "1.2",
    "1",
    "01.2.3",
    "1.2.3-",
    "1.2.3-01",
    " 1.2.3",
    "1.2.3 ",
    "",
    "latest",
    "1.2.3.4",
  ])("refuses %j", (text) => {
    expect(isValidVersion(text)).toBe(false);
  });
});

describe("precedence", () => {
  it("orders the SemVer 2.0 specification's example chain", () => {
    const chain = [
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-alpha.beta",
      "1.0.0-beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
      "2.0.0",
      "2.1.0",
      "2.1.1",
    ];
    const shuffled = [...chain].reverse();
    expect(sortDescending(shuffled, (x) => x).reverse()).toEqual(chain);
  });

  it("ignores build metadata: 1.2.0+a equals 1.2.0 and shares its key", () => {
    expect(compareVersions("1.2.0+a", "1.2.0")).toBe(0);
    expect(compareVersions("1.2.0+a", "1.2.0+b")).toBe(0);
    expect(versionKey("1.2.0+a")).toBe("1.2.0");
    expect(versionKey("1.2.0-rc.1+a")).toBe("1.2.0-rc.1");
  });

  it("sorts a pre-release below its release and above the previous release", () => {
    expect(compareVersions("1.3.0-rc.1", "1.3.0")).toBeLessThan(0);
    expect(compareVersions("1.3.0-rc.1", "1.2.9")).toBeGreaterThan(0);
  });
});

describe("latest", () => {
  it("is the highest release that is not deprecated", () => {
    expect(resolve([v("1.0.0"), v("1.2.0"), v("1.1.0")], "latest")).toBe("1.2.0");
    expect(resolve([v("1.0.0"), v("1.2.0", true), v("1.1.0")], "latest")).toBe("1.1.0");
    expect(resolve([v("1.0.0"), v("1.2.0", true)], "")).toBe("1.0.0");
  });

  it("never picks a pre-release while a release exists", () => {
    expect(resolve([v("1.0.0"), v("2.0.0-rc.1")], "latest")).toBe("1.0.0");
  });

  it("is the highest release when every release is deprecated", () => {
    expect(resolve([v("1.0.0", true), v("1.2.0", true), v("2.0.0-rc.1")], "latest")).toBe("1.2.0");
  });

  it("falls back to pre-releases when there is no release", () => {
    expect(resolve([v("1.0.0-alpha"), v("1.0.0-beta")], "latest")).toBe("1.0.0-beta");
    expect(resolve([v("1.0.0-alpha"), v("1.0.0-beta", true)], "latest")).toBe("1.0.0-alpha");
  });

  it("is nothing for no versions", () => {
    expect(resolve([], "latest")).toBeUndefined();
  });
});

describe("constraints", () => {
  const catalog = [
    v("0.9.0"),
    v("1.0.0"),
    v("1.2.0"),
    v("1.2.5"),
    v("1.3.0-beta.1"),
    v("1.4.0"),
    v("1.9.9", true),
    v("2.0.0"),
    v("2.1.0-rc.1"),
    v("3.0.0-alpha"),
  ];

  it.each([
    ["^1.2", "1.4.0"],
    ["^1.2.5", "1.4.0"],
    ["~1.2.0", "1.2.5"],
    ["~1.2", "1.2.5"],
    [">=1.0 <2.0", "1.4.0"],
    [">=1.0.0, <1.3.0", "1.2.5"],
    ["1.x", "1.4.0"],
    ["1.2.x", "1.2.5"],
    ["*", "2.0.0"],
    ["^0.9", "0.9.0"],
    ["<1.0.0 || >=2.0.0", "2.0.0"],
    ["~> 1.2", "1.4.0"],
    ["~> 1.2.0", "1.2.5"],
    ["~> 1", "1.4.0"],
    ["~>2.0", "2.0.0"],
    ["1.2.5", "1.2.5"],
    ["1.2.5+build", "1.2.5"],
  ])("%s resolves to %s", (selector, expected) => {
    expect(resolve(catalog, selector)).toBe(expected);
  });

  it("prefers a non-deprecated match but returns a deprecated one when it is the only match", () => {
    expect(resolve(catalog, ">=1.9.0 <2.0.0")).toBe("1.9.9");
    expect(resolve(catalog, "^1.4")).toBe("1.4.0");
  });

  it("matches pre-releases only when the constraint names one of the same version", () => {
    expect(resolve(catalog, "^1.3.0-beta.0")).toBe("1.4.0");
    expect(resolve(catalog, ">=1.3.0-beta.0 <1.3.0")).toBe("1.3.0-beta.1");
    expect(resolve(catalog, "^3.0.0")).toBeUndefined();
    expect(resolve(catalog, "~2.1.0-rc.0")).toBe("2.1.0-rc.1");
  });

  it("finds nothing when no version satisfies", () => {
    expect(resolve(catalog, "^4")).toBeUndefined();
  });

  it("translates Terraform's pessimistic operator", () => {
    expect(translateTerraformConstraint("~> 1.2")).toBe(">=1.2.0 <2.0.0-0");
    expect(translateTerraformConstraint("~> 1.2.3")).toBe(">=1.2.3 <1.3.0-0");
    expect(translateTerraformConstraint("~> 1")).toBe(">=1.0.0 <2.0.0-0");
  });

  it.each(["^", ">>1", "1.2.3.4.5", "abc", ">=1.0 <"])("reports %j as neither a version nor a constraint", (text) => {
    const parsed = parseSelector(text);
    expect(parsed).toHaveProperty("error");
    expect((parsed as { error: string }).error).toContain(text.trim());
  });

  it("treats empty and 'latest' as latest and an exact version as exact", () => {
    expect(parseSelector("")).toEqual({ kind: "latest" });
    expect(parseSelector("latest")).toEqual({ kind: "latest" });
    expect(parseSelector("1.2.3")).toEqual({ kind: "exact", version: "1.2.3" });
  });
});

describe("bumps", () => {
  it.each([
    ["1.2.3", "2.0.0", "major"],
    ["1.2.3", "1.3.0", "minor"],
    ["1.2.3", "1.2.4", "patch"],
    ["1.2.3-rc.1", "1.2.3", "patch"],
    ["1.2.3", "1.2.3+b", "none"],
  ])("%s → %s is %s", (from, to, bump) => {
    expect(bumpBetween(from, to)).toBe(bump);
  });
});
