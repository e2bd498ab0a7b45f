/**
 * The one SemVer implementation of the catalog: parsing, precedence, version
 * keys, "latest" selection and constraint resolution. Built on the `semver`
 * package (SemVer 2.0 precedence, npm range grammar) with Terraform's `~>`
 * operator translated to npm ranges.
 */
import semver from "semver";

const { SemVer, Range } = semver;

/** A parsed SemVer 2.0 version, or undefined when `text` is not one (a leading 'v' is refused). */
export function parseVersion(text: string): semver.SemVer | undefined {
  if (text.length === 0 || text.length > 128 || /^[vV=]/.test(text) || text.trim() !== text) return undefined;
  try {
    return new SemVer(text, { loose: false });
  } catch {
    return undefined;
  }
}

export function isValidVersion(text: string): boolean {
  const parsed = parseVersion(text);
  return parsed !== undefined && parsed.raw === text;
}

/**
 * SemVer precedence: negative when a < b. Pre-releases sort below their
 * release; build metadata is ignored (two versions differing only in build
 * metadata compare equal).
 */
export function compareVersions(a: string, b: string): number {
  return semver.compare(a, b);
}

/**
 * The storage key of a version: the version without build metadata, so that
 * `1.2.0` and `1.2.0+abc` are one version, as their precedence says.
 */
export function versionKey(version: string): string {
  const plus = version.indexOf("+");
  return plus === -1 ? version : version.slice(0, plus);
}

export function isPrerelease(version: string): boolean {
  return (parseVersion(version)?.prerelease.length ?? 0) > 0;
}

export function majorOf(version: string): number {
  const parsed = parseVersion(version);
  if (!parsed) throw new Error(`not a SemVer version: ${version}`);
  return parsed.major;
}

/** Sorts versions SemVer-descending (highest first). Does not mutate. */
export function sortDescending<T>(items: readonly T[], versionOf: (item: T) => string): T[] {
  // Parse each version once, not twice per comparison: a cold start sorts every stored version.
  const keyed = items.map((item) => ({ item, parsed: new SemVer(versionOf(item)) }));
  keyed.sort((x, y) => y.parsed.compare(x.parsed));
  return keyed.map((entry) => entry.item);
}

/** True for items no resolution may pick (yanked versions); by default none. */
export type Excluded<T> = (item: T) => boolean;
const NOTHING_EXCLUDED = () => false;

/**
 * "latest": the highest release (not a pre-release) that is not deprecated;
 * if every release is deprecated, the highest release; with no release at
 * all, the highest pre-release that is not deprecated, else the highest one.
 * Excluded items (yanked versions) are never picked, so a name whose every
 * version is excluded has no latest.
 */
export function pickLatest<T>(
  items: readonly T[],
  versionOf: (item: T) => string,
  isDeprecated: (item: T) => boolean,
  isExcluded: Excluded<T> = NOTHING_EXCLUDED,
): T | undefined {
  let bestActiveRelease: T | undefined;
  let bestRelease: T | undefined;
  let bestActivePre: T | undefined;
  let bestPre: T | undefined;
  // Each version is parsed once; the best-so-far keeps its parse beside it.
  const parsedOf = new Map<T, semver.SemVer>();
  const higher = (a: semver.SemVer, b: T | undefined) =>
    b === undefined || a.compare(parsedOf.get(b) as semver.SemVer) > 0;
  for (const item of items) {
    if (isExcluded(item)) continue;
    const parsed = new SemVer(versionOf(item));
    parsedOf.set(item, parsed);
    const pre = parsed.prerelease.length > 0;
    const deprecated = isDeprecated(item);
    if (!pre) {
      if (higher(parsed, bestRelease)) bestRelease = item;
      if (!deprecated && higher(parsed, bestActiveRelease)) bestActiveRelease = item;
    } else {
      if (higher(parsed, bestPre)) bestPre = item;
      if (!deprecated && higher(parsed, bestActivePre)) bestActivePre = item;
    }
  }
  return bestActiveRelease ?? bestRelease ?? bestActivePre ?? bestPre;
}

/**
 * pickLatest for items already SemVer-descending with distinct precedence
 * (the in-process store keeps each name's versions so): the first of each
 * kind is its highest, so one scan answers without parsing any version. The
 * versions must be valid SemVer: then a version is a pre-release exactly
 * when its key (build metadata dropped) contains '-'. Runs on every write.
 */
export function pickLatestOfDescending<T>(
  sorted: readonly T[],
  versionOf: (item: T) => string,
  isDeprecated: (item: T) => boolean,
  isExcluded: Excluded<T> = NOTHING_EXCLUDED,
): T | undefined {
  let bestRelease: T | undefined;
  let bestActivePre: T | undefined;
  let bestPre: T | undefined;
  for (const item of sorted) {
    if (isExcluded(item)) continue;
    if (!versionKey(versionOf(item)).includes("-")) {
      if (!isDeprecated(item)) return item;
      bestRelease ??= item;
    } else if (bestRelease === undefined) {
      bestPre ??= item;
      if (!isDeprecated(item)) bestActivePre ??= item;
    }
  }
  return bestRelease ?? bestActivePre ?? bestPre;
}

/** What a `version` argument of GetComponent asks for. */
export type VersionSelector =
  | { kind: "latest" }
  | { kind: "exact"; version: string }
  | { kind: "range"; range: semver.Range; text: string };

const TERRAFORM_PESSIMISTIC = /~>\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?/g;

/**
 * Rewrites Terraform's pessimistic operator to an npm range:
 * `~> 1.2` → `>=1.2.0 <2.0.0-0`, `~> 1.2.3` → `>=1.2.3 <1.3.0-0`, `~> 1` → `>=1.0.0 <2.0.0-0`.
 */
export function translateTerraformConstraint(text: string): string {
  return text.replace(TERRAFORM_PESSIMISTIC, (_m, major: string, minor?: string, patch?: string, pre?: string) => {
    const M = Number(major);
    if (minor === undefined) return `>=${M}.0.0 <${M + 1}.0.0-0`;
    const m = Number(minor);
    if (patch === undefined) return `>=${M}.${m}.0${pre ?? ""} <${M + 1}.0.0-0`;
    return `>=${M}.${m}.${patch}${pre ?? ""} <${M}.${m + 1}.0-0`;
  });
}

/**
 * Parses the `version` argument of a read. Empty or "latest" → latest; a
 * valid SemVer version → exact; anything the range grammar accepts → range.
 * Returns an error message naming the problem otherwise.
 */
export function parseSelector(text: string): VersionSelector | { error: string } {
  const trimmed = text.trim();
  if (trimmed === "" || trimmed === "latest") return { kind: "latest" };
  if (trimmed.length > 256) return { error: "version constraint is longer than 256 characters" };
  if (parseVersion(trimmed)?.raw === trimmed) return { kind: "exact", version: trimmed };
  const npmRange = translateTerraformConstraint(trimmed).replace(/,/g, " ");
  try {
    const range = new Range(npmRange, { loose: false });
    return { kind: "range", range, text: trimmed };
  } catch {
    return { error: `"${trimmed}" is neither a SemVer version, "latest", nor a version constraint` };
  }
}

/**
 * The highest version satisfying `range`. Pre-releases only match when the
 * range itself names a pre-release of the same major.minor.patch (npm rules);
 * among matches, a non-deprecated version is preferred over a deprecated one;
 * excluded items (yanked versions) never match.
 */
export function resolveRange<T>(
  items: readonly T[],
  range: semver.Range,
  versionOf: (item: T) => string,
  isDeprecated: (item: T) => boolean,
  isExcluded: Excluded<T> = NOTHING_EXCLUDED,
): T | undefined {
  const matching = items.filter((item) => !isExcluded(item) && range.test(versionOf(item)));
  const active = matching.filter((item) => !isDeprecated(item));
  const pool = active.length > 0 ? active : matching;
  let best: T | undefined;
  for (const item of pool) {
    if (best === undefined || compareVersions(versionOf(item), versionOf(best)) > 0) best = item;
  }
  return best;
}

/** The bump from `from` to `to`: "major" | "minor" | "patch" | "none" (or "prerelease" steps as patch). */
export function bumpBetween(from: string, to: string): "major" | "minor" | "patch" | "none" {
  const a = parseVersion(from);
  const b = parseVersion(to);
  if (!a || !b) throw new Error(`not SemVer: ${from} → ${to}`);
  if (b.major !== a.major) return "major";
  if (b.minor !== a.minor) return "minor";
  if (b.patch !== a.patch || b.prerelease.join(".") !== a.prerelease.join(".")) return "patch";
  return "none";
}
