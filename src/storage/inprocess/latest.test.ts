import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pickLatest, sortDescending, versionKey } from "../../semver/index.js";
import { pickLatestOf as latestOfDescending } from "./state.js";

interface Slot {
  name: string;
  version: string;
  deprecated: boolean;
  yanked: boolean;
}

function record(version: string, deprecated: boolean, yanked = false): Slot {
  return { name: "db", version, deprecated, yanked };
}

const VERSIONS = [
  "0.1.0",
  "1.0.0",
  "1.0.0-rc.1",
  "1.0.0-alpha",
  "1.0.0-alpha.beta",
  "1.2.3",
  "1.2.3+build.7",
  "2.0.0-0",
  "2.0.0",
  "10.0.0",
  "10.0.0-x-y",
  "3.0.0+a-b",
];

describe("latestOfDescending", () => {
  it("picks the highest release that is not deprecated, before any pre-release", () => {
    const sorted = [record("3.0.0-rc.1", false), record("2.0.0", true), record("1.5.0", false), record("1.0.0", false)];
    expect(latestOfDescending(sorted)?.version).toBe("1.5.0");
  });

  it("falls back to the highest release when all are deprecated, to pre-releases only without releases", () => {
    expect(latestOfDescending([record("2.0.0-rc.1", false), record("1.0.0", true)])?.version).toBe("1.0.0");
    expect(latestOfDescending([record("2.0.0-rc.2", true), record("2.0.0-rc.1", false)])?.version).toBe("2.0.0-rc.1");
    expect(latestOfDescending([record("2.0.0-rc.2", true), record("2.0.0-rc.1", true)])?.version).toBe("2.0.0-rc.2");
    expect(latestOfDescending([])).toBeUndefined();
  });

  it("never picks a yanked version, and picks none when every version is yanked", () => {
    expect(latestOfDescending([record("2.0.0", false, true), record("1.0.0", true)])?.version).toBe("1.0.0");
    expect(latestOfDescending([record("2.0.0", false, true), record("1.0.0-rc.1", false)])?.version).toBe("1.0.0-rc.1");
    expect(latestOfDescending([record("2.0.0", false, true), record("1.0.0", false, true)])).toBeUndefined();
  });

  it("treats a '-' in build metadata as no pre-release", () => {
    expect(latestOfDescending([record("3.0.0+a-b", false)])?.version).toBe("3.0.0+a-b");
    expect(latestOfDescending([record("4.0.0-rc.1", false), record("3.0.0+a-b", false)])?.version).toBe("3.0.0+a-b");
  });

  it("agrees with pickLatest on any set of distinct versions in SemVer-descending order", () => {
    const entry = fc.record({ version: fc.constantFrom(...VERSIONS), deprecated: fc.boolean(), yanked: fc.boolean() });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 12 }), (entries) => {
        // One record per version key, as a name's stored versions are.
        const byKey = new Map(entries.map((e) => [versionKey(e.version), record(e.version, e.deprecated, e.yanked)]));
        const sorted = sortDescending([...byKey.values()], (r) => r.version);
        expect(latestOfDescending(sorted)).toBe(
          pickLatest(
            sorted,
            (r) => r.version,
            (r) => r.deprecated,
            (r) => r.yanked,
          ),
        );
      }),
      { numRuns: 500 },
    );
  });
});
