/**
 * Compatibility of component specs, like `buf breaking` for protos: the
 * changes from one version's content to another's, each classified by the
 * SemVer bump it needs, and the publish-time check that refuses a breaking
 * change within a compatibility line.
 */
import { compareVersions, parseVersion } from "../semver/index.js";
import type { ComponentContent, InputSpec, JsonValue, OutputSpec, ValidationRules } from "../storage/records.js";
import { canonicalJson, effectiveRules, jsonEquals, ownMember, reorderedNames, showValue } from "./digest.js";

export type Bump = "patch" | "minor" | "major";

export interface SpecChange {
  /** Where, naming elements by name: `inputs.instance_class.validation.pattern`. */
  path: string;
  /** True exactly when `bump` is "major": consumers of the base version may break. */
  breaking: boolean;
  description: string;
  bump: Bump;
}

export interface CompatibilityReport {
  /** Ordered by path (then description). */
  changes: SpecChange[];
  breaking: boolean;
  requiredBump: "none" | Bump;
}

const BUMP_RANK = { none: 0, patch: 1, minor: 2, major: 3 } as const;

type Changes = SpecChange[];

function change(out: Changes, path: string, bump: Bump, description: string): void {
  out.push({ path, breaking: bump === "major", description, bump });
}

function typed(element: { name: string; type: string }): string {
  return `${element.name} (${element.type})`;
}

function byName<T extends { name: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((item) => [item.name, item]));
}

/** A lower bound (minLength, minimum): raising or adding it tightens. */
function compareLowerBound(out: Changes, path: string, what: string, base?: number, target?: number): void {
  if (base === target) return;
  if (base === undefined) return change(out, path, "major", `${what} rule ${target} was added where there was none`);
  if (target === undefined) return change(out, path, "minor", `${what} rule ${base} was removed`);
  if (target > base) return change(out, path, "major", `${what} was raised from ${base} to ${target}`);
  change(out, path, "minor", `${what} was lowered from ${base} to ${target}`);
}

/** An upper bound (maxLength, maximum): lowering or adding it tightens. */
function compareUpperBound(out: Changes, path: string, what: string, base?: number, target?: number): void {
  if (base === target) return;
  if (base === undefined) return change(out, path, "major", `${what} rule ${target} was added where there was none`);
  if (target === undefined) return change(out, path, "minor", `${what} rule ${base} was removed`);
  if (target < base) return change(out, path, "major", `${what} was lowered from ${base} to ${target}`);
  change(out, path, "minor", `${what} was raised from ${base} to ${target}`);
}

function showValues(values: readonly JsonValue[]): string {
  return values.map((value) => showValue(value)).join(", ");
}

function compareAllowedValues(
  out: Changes,
  path: string,
  what: string,
  base?: JsonValue[],
  target?: JsonValue[],
): void {
  if (base === undefined && target === undefined) return;
  if (base === undefined) {
    return change(
      out,
      path,
      "major",
      `${what} allowed values were restricted to ${showValues(target ?? [])} where any value was allowed`,
    );
  }
  if (target === undefined)
    return change(out, path, "minor", `${what} allowed values rule (${showValues(base)}) was removed`);
  const baseKeys = new Set(base.map(canonicalJson));
  const targetKeys = new Set(target.map(canonicalJson));
  const removed = base.filter((value) => !targetKeys.has(canonicalJson(value)));
  const added = target.filter((value) => !baseKeys.has(canonicalJson(value)));
  if (removed.length > 0) change(out, path, "major", `${what} no longer allows ${showValues(removed)}`);
  if (added.length > 0) change(out, path, "minor", `${what} now also allows ${showValues(added)}`);
}

function compareRules(
  out: Changes,
  path: string,
  inputName: string,
  baseRules: ValidationRules,
  targetRules: ValidationRules,
): void {
  const base = effectiveRules(baseRules);
  const target = effectiveRules(targetRules);
  const what = `input ${inputName}`;
  compareLowerBound(out, `${path}.minLength`, `${what} minLength`, base.minLength, target.minLength);
  compareUpperBound(out, `${path}.maxLength`, `${what} maxLength`, base.maxLength, target.maxLength);
  compareLowerBound(out, `${path}.minimum`, `${what} minimum`, base.minimum, target.minimum);
  compareUpperBound(out, `${path}.maximum`, `${what} maximum`, base.maximum, target.maximum);
  if (base.pattern !== target.pattern) {
    const patternPath = `${path}.pattern`;
    if (base.pattern === undefined)
      change(out, patternPath, "major", `${what} pattern ${target.pattern} was added where there was none`);
    else if (target.pattern === undefined)
      change(out, patternPath, "minor", `${what} pattern ${base.pattern} was removed`);
    // Whether one regular expression accepts a superset of another is not decidable cheaply;
    // any change may reject old values.
    else change(out, patternPath, "major", `${what} pattern changed from ${base.pattern} to ${target.pattern}`);
  }
  compareAllowedValues(out, `${path}.allowedValues`, what, base.allowedValues, target.allowedValues);
}

function compareInput(out: Changes, base: InputSpec, target: InputSpec): void {
  const path = `inputs.${base.name}`;
  const what = `input ${base.name}`;
  if (base.type !== target.type)
    change(out, `${path}.type`, "major", `${what} type changed from ${base.type} to ${target.type}`);
  if (base.required !== target.required) {
    if (target.required)
      change(out, `${path}.required`, "major", `${what} became required, so callers that omit it now fail`);
    else change(out, `${path}.required`, "minor", `${what} is no longer required`);
  }
  if (!jsonEquals(base.default, target.default)) {
    if (target.default === undefined) {
      // A newly required input cannot keep its default; the required change already says it breaks.
      if (!target.required || base.required) {
        change(
          out,
          `${path}.default`,
          "major",
          `${what} default ${showValue(base.default)} was removed, so callers relying on it get no value`,
        );
      }
    } else if (base.default === undefined) {
      change(out, `${path}.default`, "minor", `${what} gained the default ${showValue(target.default)}`);
    } else {
      change(
        out,
        `${path}.default`,
        "minor",
        `${what} default changed from ${showValue(base.default)} to ${showValue(target.default)}`,
      );
    }
  }
  if (base.sensitive !== target.sensitive) {
    change(
      out,
      `${path}.sensitive`,
      "minor",
      `${what} ${target.sensitive ? "became sensitive" : "is no longer sensitive"}`,
    );
  }
  if (base.description !== target.description) {
    change(
      out,
      `${path}.description`,
      "patch",
      `${what} description changed from ${showValue(base.description)} to ${showValue(target.description)}`,
    );
  }
  compareRules(out, `${path}.validation`, base.name, base.validation, target.validation);
}

function compareOutput(out: Changes, base: OutputSpec, target: OutputSpec): void {
  const path = `outputs.${base.name}`;
  const what = `output ${base.name}`;
  if (base.type !== target.type)
    change(out, `${path}.type`, "major", `${what} type changed from ${base.type} to ${target.type}`);
  if (base.sensitive !== target.sensitive) {
    change(
      out,
      `${path}.sensitive`,
      "minor",
      `${what} ${target.sensitive ? "became sensitive" : "is no longer sensitive"}`,
    );
  }
  if (base.description !== target.description) {
    change(
      out,
      `${path}.description`,
      "patch",
      `${what} description changed from ${showValue(base.description)} to ${showValue(target.description)}`,
    );
  }
}

function addedInput(out: Changes, input: InputSpec): void {
  if (input.required) {
    change(
      out,
      `inputs.${input.name}`,
      "major",
      `required input ${typed(input)} was added without a default, so existing callers do not provide it`,
    );
  } else {
    const detail = input.default === undefined ? "" : ` with default ${showValue(input.default)}`;
    change(out, `inputs.${input.name}`, "minor", `optional input ${typed(input)} was added${detail}`);
  }
}

function addedOutput(out: Changes, output: OutputSpec): void {
  change(out, `outputs.${output.name}`, "minor", `output ${typed(output)} was added`);
}

/**
 * Elements are matched by name; declaration order matters to forms and docs, not to callers, so a
 * reorder is a patch.
 */
function compareElements<T extends { name: string; type: string }>(
  out: Changes,
  kind: "inputs" | "outputs",
  base: readonly T[],
  target: readonly T[],
  compare: (out: Changes, base: T, target: T) => void,
  added: (out: Changes, element: T) => void,
): void {
  const targetByName = byName(target);
  const baseByName = byName(base);
  for (const element of base) {
    const next = targetByName.get(element.name);
    if (next) compare(out, element, next);
    else
      change(
        out,
        `${kind}.${element.name}`,
        "major",
        `${kind === "inputs" ? "input" : "output"} ${typed(element)} was removed`,
      );
  }
  for (const element of target) if (!baseByName.has(element.name)) added(out, element);
  const reorder = reorderedNames(base, target);
  if (reorder)
    change(
      out,
      kind,
      "patch",
      `${kind} were reordered from ${reorder.before.join(", ")} to ${reorder.after.join(", ")}`,
    );
}

function compareConfig(
  out: Changes,
  base: ComponentContent["deployment"]["config"],
  target: ComponentContent["deployment"]["config"],
): void {
  if (jsonEquals(base, target)) return;
  const keys = [...new Set([...Object.keys(base), ...Object.keys(target)])].sort();
  const changed = keys.filter((key) => !jsonEquals(ownMember(base, key), ownMember(target, key)));
  change(out, "deployment.config", "minor", `deployment config changed in ${changed.join(", ")}`);
}

function byPath(a: SpecChange, b: SpecChange): number {
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  return a.description < b.description ? -1 : a.description > b.description ? 1 : 0;
}

/** Every change from `base` to `target`, classified; "none" exactly when the contents are identical. */
export function compareContent(base: ComponentContent, target: ComponentContent): CompatibilityReport {
  const changes: Changes = [];
  if (base.provider !== target.provider) {
    change(changes, "provider", "major", `provider changed from ${base.provider} to ${target.provider}`);
  }
  if (base.category !== target.category) {
    change(changes, "category", "minor", `category changed from ${base.category} to ${target.category}`);
  }
  compareElements(changes, "inputs", base.inputs, target.inputs, compareInput, addedInput);
  compareElements(changes, "outputs", base.outputs, target.outputs, compareOutput, addedOutput);
  const [from, to] = [base.deployment, target.deployment];
  if (from.engine !== to.engine) {
    change(changes, "deployment.engine", "major", `deployment engine changed from ${from.engine} to ${to.engine}`);
  }
  if (from.engineVersion !== to.engineVersion) {
    change(
      changes,
      "deployment.engineVersion",
      "minor",
      `deployment engineVersion changed from ${showValue(from.engineVersion)} to ${showValue(to.engineVersion)}`,
    );
  }
  compareConfig(changes, from.config, to.config);
  changes.sort(byPath);
  const requiredBump = changes.reduce<CompatibilityReport["requiredBump"]>(
    (highest, c) => (BUMP_RANK[c.bump] > BUMP_RANK[highest] ? c.bump : highest),
    "none",
  );
  return { changes, breaking: requiredBump === "major", requiredBump };
}

export interface PublishCompatibility {
  /** The version the candidate was compared with; absent when its line has no earlier release. */
  base?: string;
  report?: CompatibilityReport;
  /** Set when publishing would break consumers of `base`: the message lists every breaking change. */
  violation?: string;
}

/**
 * The publish-time check. The base is the highest existing *release* below
 * the candidate on the candidate's compatibility line: the same major, or for
 * 0.x versions the same major and minor (SemVer gives 0.x no stability
 * promise, so 0.2 → 0.3 may break, while 0.2.1 → 0.2.2 may not). Existing
 * pre-releases are never a base, since they promise nothing; a pre-release
 * candidate (1.3.0-rc.1) is checked like the release it leads to. Build
 * metadata is ignored, as SemVer precedence says.
 */
export function checkPublishCompatibility(
  existing: readonly { version: string; content: ComponentContent }[],
  candidateVersion: string,
  candidate: ComponentContent,
): PublishCompatibility {
  const target = parseVersion(candidateVersion);
  if (!target) return { violation: `${candidateVersion} is not a SemVer 2.0 version` };
  const [base] = earlierOnLine(existing, candidateVersion);
  if (!base) return {};
  const report = compareContent(base.content, candidate);
  if (!report.breaking) return { base: base.version, report };
  const breaking = report.changes.filter((c) => c.breaking).map((c) => `${c.path}: ${c.description}`);
  return {
    base: base.version,
    report,
    violation:
      `publishing ${candidateVersion} would break consumers of ${base.version}: ` +
      `${breaking.join("; ")} — ${bumpAdvice(candidateVersion)}`,
  };
}

/**
 * The existing *releases* below the candidate on its compatibility line,
 * SemVer-descending (the first is what a non-transitive check compares
 * with): the same major, or for 0.x versions the same major and minor.
 * Entries that are not SemVer are skipped; none for a candidate that is not.
 */
export function earlierOnLine<T extends { version: string }>(existing: readonly T[], candidateVersion: string): T[] {
  const target = parseVersion(candidateVersion);
  if (!target) return [];
  const sameLine = (version: string): boolean => {
    const parsed = parseVersion(version);
    if (!parsed || parsed.prerelease.length > 0 || parsed.major !== target.major) return false;
    return target.major > 0 || parsed.minor === target.minor;
  };
  return existing
    .filter((entry) => sameLine(entry.version) && compareVersions(entry.version, candidateVersion) < 0)
    .sort((a, b) => compareVersions(b.version, a.version));
}

/** What to bump to publish a breaking change at `candidateVersion`. */
export function bumpAdvice(candidateVersion: string): string {
  return parseVersion(candidateVersion)?.major === 0
    ? "bump the minor version (below 1.0.0 the minor is the compatibility line) or the major version " +
        "to publish breaking changes"
    : "bump the major version to publish breaking changes";
}
