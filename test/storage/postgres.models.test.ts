import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareVersions } from "../../src/semver/index.js";
import { versionOrderKey } from "../../src/storage/postgres/models.js";

const numeric = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 1 }));
const identifier = fc.oneof(
  numeric.map(String),
  fc.stringMatching(/^[0-9A-Za-z-]{1,6}$/).filter((text) => !/^[0-9]+$/.test(text)),
);
const version = fc
  .tuple(
    numeric,
    numeric,
    numeric,
    fc.array(identifier, { maxLength: 4 }),
    fc.option(fc.stringMatching(/^[0-9a-z]{1,4}$/)),
  )
  .map(([major, minor, patch, pre, build]) => {
    const core = `${major}.${minor}.${patch}`;
    return `${core}${pre.length > 0 ? `-${pre.join(".")}` : ""}${build === null ? "" : `+${build}`}`;
  });

/** Byte order, as COLLATE "C" compares. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

describe("versionOrderKey", () => {
  it("orders keys byte-wise exactly as SemVer precedence orders versions", () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        expect(Math.sign(byteOrder(versionOrderKey(a), versionOrderKey(b)))).toBe(Math.sign(compareVersions(a, b)));
      }),
      { numRuns: 5_000 },
    );
  });

  it("puts the spec's precedence example in order", () => {
    const ordered = [
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
    const keys = ordered.map(versionOrderKey);
    expect([...keys].sort(byteOrder)).toEqual(keys);
  });
});
