/**
 * Compatibility policies per component name, as Schema Registry's modes:
 * which earlier versions a new version is checked against (the highest
 * release below it on its compatibility line, or every one for the
 * transitive modes) and in which direction (backward: consumers of the
 * earlier version keep working; forward: consumers written for the new
 * version work with the earlier one; full: both). The diff itself is
 * compatibility.ts's compareContent; a breaking change is one whose bump
 * is major.
 */
import { CatalogError } from "../errors/index.js";
import type { CompatibilityMode, ComponentContent } from "../storage/records.js";
import { bumpAdvice, compareContent, earlierOnLine, type SpecChange } from "./compatibility.js";

/** The policy of a name that has none stored: today's publish rule. */
export const DEFAULT_MODE: CompatibilityMode = "backward";

interface ModeRule {
  backward: boolean;
  forward: boolean;
  transitive: boolean;
}

const RULES: Record<CompatibilityMode, ModeRule> = {
  none: { backward: false, forward: false, transitive: false },
  backward: { backward: true, forward: false, transitive: false },
  forward: { backward: false, forward: true, transitive: false },
  full: { backward: true, forward: true, transitive: false },
  backward_transitive: { backward: true, forward: false, transitive: true },
  forward_transitive: { backward: false, forward: true, transitive: true },
  full_transitive: { backward: true, forward: true, transitive: true },
};

/** A mode's name as the API spells it (COMPATIBILITY_MODE_ without the prefix). */
export function modeName(mode: CompatibilityMode): string {
  return mode.toUpperCase();
}

/** One breaking change against one earlier version, in one direction. */
export interface PolicyViolation {
  /** The earlier version broken. */
  against: string;
  /** backward: consumers of `against` break on the new version; forward: the new version's consumers break on it. */
  direction: "backward" | "forward";
  change: SpecChange;
}

interface Versioned {
  version: string;
  content: ComponentContent;
}

/** Every violation of `mode` by publishing `candidate` as `candidateVersion` beside `existing`. */
export function policyViolations(
  existing: readonly Versioned[],
  candidateVersion: string,
  candidate: ComponentContent,
  mode: CompatibilityMode,
): PolicyViolation[] {
  const rule = RULES[mode];
  if (!rule.backward && !rule.forward) return [];
  const earlier = earlierOnLine(existing, candidateVersion);
  const bases = rule.transitive ? earlier : earlier.slice(0, 1);
  return bases.flatMap((base) => violationsAgainst(base, candidate, rule));
}

function violationsAgainst(base: Versioned, target: ComponentContent, rule: ModeRule): PolicyViolation[] {
  const violations: PolicyViolation[] = [];
  const collect = (direction: PolicyViolation["direction"], from: ComponentContent, to: ComponentContent) => {
    for (const change of compareContent(from, to).changes) {
      if (change.breaking) violations.push({ against: base.version, direction, change });
    }
  };
  if (rule.backward) collect("backward", base.content, target);
  if (rule.forward) collect("forward", target, base.content);
  return violations;
}

/**
 * FAILED_PRECONDITION for a publish that violates the name's policy: every
 * violation, grouped by the version and direction it breaks, and the policy.
 */
export function policyRefusal(
  name: string,
  candidateVersion: string,
  mode: CompatibilityMode,
  violations: readonly PolicyViolation[],
): CatalogError {
  const groups = new Map<string, string[]>();
  for (const { against, direction, change } of violations) {
    const heading =
      direction === "backward"
        ? `would break consumers of ${against}`
        : `is not forward compatible with ${against} (consumers written for ${candidateVersion} would break on it)`;
    const group = groups.get(heading) ?? [];
    group.push(`${change.path}: ${change.description}`);
    groups.set(heading, group);
  }
  const parts = [...groups].map(([heading, changes]) => `${heading}: ${changes.join("; ")}`);
  return new CatalogError(
    "FAILED_PRECONDITION",
    `publishing ${candidateVersion} ${parts.join("; and it ")} — the compatibility policy of ${name} is ` +
      `${modeName(mode)}: ${bumpAdvice(candidateVersion)}, or change the policy (SetCompatibilityPolicy)`,
  );
}

/** Throws policyRefusal when publishing `candidateVersion` would violate `mode`. */
export function checkPolicy(
  name: string,
  existing: readonly Versioned[],
  candidateVersion: string,
  candidate: ComponentContent,
  mode: CompatibilityMode,
): void {
  const violations = policyViolations(existing, candidateVersion, candidate, mode);
  if (violations.length > 0) throw policyRefusal(name, candidateVersion, mode, violations);
}

/**
 * The modes a change from `base` to `target` satisfies, judged on content
 * alone (the major-bump escape of publishing does not apply): backward when
 * consumers of base keep working on target, forward when target's consumers
 * work with base, full when both; the transitive modes against `line`, the
 * releases of base's compatibility line up to base, as well.
 */
export function satisfiedModes(
  base: Versioned,
  target: ComponentContent,
  line: readonly Versioned[],
): CompatibilityMode[] {
  const holds = (bases: readonly Versioned[], rule: ModeRule) =>
    bases.every((entry) => violationsAgainst(entry, target, rule).length === 0);
  return (Object.keys(RULES) as CompatibilityMode[]).filter((mode) => {
    const rule = RULES[mode];
    return holds(rule.transitive ? [base, ...line] : [base], rule);
  });
}
