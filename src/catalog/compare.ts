/**
 * CompareComponentVersions: the read-only form of the publish compatibility
 * check between two stored versions of a name, the bump it needs, the
 * compatibility modes it satisfies and the name's policy.
 */
import { bumpBetween, compareVersions, versionKey } from "../semver/index.js";
import type { ComponentRecord } from "../storage/records.js";
import type { ReadView } from "../storage/store.js";
import { compareContent, earlierOnLine } from "./compatibility.js";
import { satisfiedModes } from "./compatibility-policy.js";
import { contentOf } from "./content.js";
import { effectivePolicy } from "./policies.js";
import { checkExactVersion, requireComponentName } from "./request-checks.js";
import type { CompareResult } from "./requests.js";
import { versionNotFound } from "./resolution.js";

const BUMP_RANK = { none: 0, patch: 1, minor: 2, major: 3 } as const;

/**
 * CompareComponentVersions: the read-only form of the publish compatibility
 * check, with the modes the change satisfies and the name's policy.
 */
export async function compareStored(
  readView: () => Promise<ReadView>,
  name: string,
  baseVersion: string,
  targetVersion: string,
): Promise<CompareResult> {
  requireComponentName(name, "name");
  checkExactVersion(baseVersion, "baseVersion");
  checkExactVersion(targetVersion, "targetVersion");
  const { revision: current, reader } = await readView();
  const [versions, policy] = await Promise.all([reader.listVersions(name), reader.getPolicy(name)]);
  const find = (version: string) => versions.find((r) => versionKey(r.version) === versionKey(version));
  const [base, target] = [find(baseVersion), find(targetVersion)];
  if (!base) throw await versionNotFound(reader, name, `base_version ${baseVersion}`);
  if (!target) throw await versionNotFound(reader, name, `target_version ${targetVersion}`);
  const report = compareContent(contentOf(base), contentOf(target));
  const actual = compareVersions(target.version, base.version) > 0 ? bumpBetween(base.version, target.version) : "none";
  const versioned = (record: ComponentRecord) => ({ version: record.version, content: contentOf(record) });
  const line = earlierOnLine(versions.map(versioned), base.version);
  return {
    report,
    bumpSufficient: BUMP_RANK[actual] >= BUMP_RANK[report.requiredBump],
    satisfiedModes: satisfiedModes(versioned(base), contentOf(target), line),
    policy: effectivePolicy(name, policy),
    revision: current,
  };
}
