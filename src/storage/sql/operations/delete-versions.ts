/**
 * deleteVersions: the named versions (or all of them) as one "deleted"
 * event each, SemVer-descending; NOT_FOUND when any is missing, ABORTED on
 * a stale revision when exactly one is named. Nothing named, nothing written.
 */
import { sortDescending, versionKey } from "../../../semver/index.js";
import { checkExpectedRevision, componentNotFound, versionNotFound } from "../../core/errors.js";
import type { ComponentEvent, ComponentRecord, WriteMeta } from "../../records.js";
import { normalizeTime } from "../columns.js";
import type { SqlStatements } from "../dialect.js";
import type { WriteStep } from "./commit-write.js";

export function deleteVersions(
  sql: SqlStatements,
  name: string,
  selection: readonly string[] | "all",
  meta: WriteMeta,
  expectedRevision: number | undefined,
): WriteStep {
  return async (tx, versions, revisions) => {
    const targets = chooseTargets(name, versions, selection, expectedRevision);
    if (targets.length === 0) return { events: [], versions };
    const keys = targets.map((record) => versionKey(record.version));
    await tx.run(sql.deleteVersions(name, keys));
    const time = normalizeTime(meta.time);
    const events: ComponentEvent[] = targets.map((component) => ({
      revision: revisions.next(),
      type: "deleted",
      time,
      component,
      actor: meta.actor,
    }));
    const gone = new Set(targets);
    return { events, versions: versions.filter((record) => !gone.has(record)) };
  };
}

function chooseTargets(
  name: string,
  versions: readonly ComponentRecord[],
  selection: readonly string[] | "all",
  expectedRevision: number | undefined,
): ComponentRecord[] {
  if (selection === "all") {
    if (versions.length === 0) throw componentNotFound(name);
    return [...versions];
  }
  const byKey = new Map<string, ComponentRecord>();
  for (const version of selection) {
    const key = versionKey(version);
    const found = versions.find((record) => versionKey(record.version) === key);
    if (found === undefined) throw versionNotFound(name, version);
    byKey.set(key, found);
  }
  const targets = sortDescending([...byKey.values()], (record) => record.version);
  if (selection.length === 1 && targets[0] !== undefined) checkExpectedRevision(targets[0], expectedRevision);
  return targets;
}
