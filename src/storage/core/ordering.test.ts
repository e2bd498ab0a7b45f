import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareVersions, isValidVersion } from "../../semver/index.js";
import { sortableVersion } from "./ordering.js";

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
/** DynamoDB orders string sort keys by their UTF-8 bytes. */
const byteOrder = (a: string, b: string) => sign(Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));

const numericPart = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.nat({ max: Number.MAX_SAFE_INTEGER - 1 }));
const alphanumericIdentifier = fc.stringMatching(/^[0-9A-Za-z-]{1,8}$/).filter((id) => !/^[0-9]+$/.test(id));
const identifier = fc.oneof(
  numericPart.map(String),
  alphanumericIdentifier,
  fc.constantFrom("alpha", "beta", "rc", "a-", "A", "0a"),
);
const build = fc.option(fc.stringMatching(/^[0-9A-Za-z-]{1,6}(\.[0-9A-Za-z-]{1,6}){0,2}$/), { nil: undefined });

const version = fc
  .record({
    major: numericPart,
    minor: numericPart,
    patch: numericPart,
    pre: fc.array(identifier, { maxLength: 4 }),
    build,
  })
  .map(({ major, minor, patch, pre, build: meta }) => {
    const core = `${major}.${minor}.${patch}`;
    return `${core}${pre.length > 0 ? `-${pre.join(".")}` : ""}${meta ? `+${meta}` : ""}`;
  })
  .filter(isValidVersion);

/** Pairs that share a prefix, so ties on major/minor/patch and pre-release prefixes are common. */
const relatedPair = fc
  .tuple(
    fc.constantFrom("1.0.0", "0.0.1", "10.2.3"),
    fc.array(identifier, { maxLength: 3 }),
    fc.array(identifier, { maxLength: 3 }),
    fc.array(identifier, { maxLength: 3 }),
  )
  .map(([core, shared, a, b]) => {
    const make = (tail: string[]) => {
      const ids = [...shared, ...tail];
      return ids.length > 0 ? `${core}-${ids.join(".")}` : core;
    };
    return [make(a), make(b)] as const;
  })
  .filter(([a, b]) => isValidVersion(a) && isValidVersion(b));

describe("sortableVersion (DynamoDB sort key encoding)", () => {
  it("orders any two versions by their bytes exactly as SemVer precedence does", () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        expect(byteOrder(sortableVersion(a), sortableVersion(b))).toBe(sign(compareVersions(a, b)));
      }),
      { numRuns: 5000 },
    );
  });

  it("orders versions sharing a core and pre-release prefix as SemVer precedence does", () => {
    fc.assert(
      fc.property(relatedPair, ([a, b]) => {
        expect(byteOrder(sortableVersion(a), sortableVersion(b))).toBe(sign(compareVersions(a, b)));
      }),
      { numRuns: 5000 },
    );
  });

  it("sorts the SemVer 2.0 specification's precedence example in order", () => {
    const spec = [
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
      "10.0.0",
    ];
    const shuffled = [...spec].reverse();
    expect(shuffled.sort((a, b) => byteOrder(sortableVersion(a), sortableVersion(b)))).toEqual(spec);
  });

  it("gives versions that differ only in build metadata the same key", () => {
    expect(sortableVersion("1.2.3+build.7")).toBe(sortableVersion("1.2.3"));
    expect(sortableVersion("1.2.3-rc.1+abc")).toBe(sortableVersion("1.2.3-rc.1"));
  });

  it("refuses text that is not a SemVer version with INVALID_ARGUMENT", () => {
    expect(() => sortableVersion("v1.2")).toThrowError(/not a SemVer version/);
  });
});
