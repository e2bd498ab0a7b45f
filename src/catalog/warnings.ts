/**
 * What a reader of a version should know about it, beside the version
 * itself (OpenTofu's registry `warnings`): it is deprecated (with its
 * replacement and sunset, when the deprecation names them), or yanked.
 * Every read response carries them, so processors can show them to people.
 */
import type { ComponentRecord, ComponentReference } from "../storage/records.js";
import type { Clock } from "./clock.js";

export type WarningKind = "deprecated" | "yanked";

export interface Warning {
  kind: WarningKind;
  /** One sentence for people. */
  message: string;
  name: string;
  version: string;
  replacement?: ComponentReference;
  /** ISO time after which the version is no longer supported. */
  sunsetTime?: string;
}

/**
 * The warnings about one version; `clock` decides whether a sunset has
 * passed, and is read only for a version that has one (every other read,
 * almost all of them, costs no Date).
 */
export function warningsOf(record: ComponentRecord, clock: Clock): Warning[] {
  const warnings: Warning[] = [];
  const { name, version, deprecation, yank } = record;
  if (yank !== undefined) {
    const reason = yank.reason === "" ? "" : `: ${yank.reason}`;
    warnings.push({
      kind: "yanked",
      message: `${name} ${version} was yanked${reason}; no version constraint resolves to it any more`,
      name,
      version,
    });
  }
  if (deprecation.deprecated) {
    const parts = [`${name} ${version} is deprecated${deprecation.message === "" ? "" : `: ${deprecation.message}`}`];
    if (deprecation.replacement) parts.push(`use ${referenceText(deprecation.replacement)} instead`);
    if (deprecation.sunsetTime) {
      const passed = Date.parse(deprecation.sunsetTime) <= clock.now().getTime();
      parts.push(`${passed ? "unsupported since" : "supported until"} ${deprecation.sunsetTime}`);
    }
    warnings.push({
      kind: "deprecated",
      message: parts.join("; "),
      name,
      version,
      ...(deprecation.replacement ? { replacement: deprecation.replacement } : {}),
      ...(deprecation.sunsetTime ? { sunsetTime: deprecation.sunsetTime } : {}),
    });
  }
  return warnings;
}

/** The warnings about every version on a page, in page order, all at one reading of `clock` (if any). */
export function warningsOfAll(records: readonly ComponentRecord[], clock: Clock): Warning[] {
  let now: Date | undefined;
  const once: Clock = { now: () => (now ??= clock.now()) };
  return records.flatMap((record) => warningsOf(record, once));
}

function referenceText(reference: ComponentReference): string {
  const constraint = reference.constraint.trim();
  return constraint === "" || constraint === "latest" ? reference.name : `${reference.name} ${constraint}`;
}
