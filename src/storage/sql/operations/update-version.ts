/**
 * updateVersion: the mutable state of one version as event "updated" (or
 * "yanked" / "unyanked"); NOT_FOUND, or ABORTED on a stale revision.
 */
import { versionKey } from "../../../semver/index.js";
import { checkExpectedRevision, versionNotFound } from "../../core/errors.js";
import { updateEvent } from "../../core/patch.js";
import type { MutablePatch, WriteMeta } from "../../records.js";
import { columnsOf, normalizeTime } from "../columns.js";
import type { SqlStatements } from "../dialect.js";
import type { WriteStep } from "./commit-write.js";

export function updateVersion(
  sql: SqlStatements,
  name: string,
  version: string,
  patch: MutablePatch,
  meta: WriteMeta,
  expectedRevision: number | undefined,
): WriteStep {
  return async (tx, versions, revisions) => {
    const key = versionKey(version);
    const existing = versions.find((stored) => versionKey(stored.version) === key);
    if (existing === undefined) throw versionNotFound(name, version);
    checkExpectedRevision(existing, expectedRevision);
    const time = normalizeTime(meta.time);
    const event = updateEvent(existing, structuredClone(patch), { ...meta, time }, revisions.next());
    const updated = event.component;
    await tx.run(sql.updateVersion(columnsOf(updated)));
    return { events: [event], versions: versions.map((stored) => (stored === existing ? updated : stored)) };
  };
}
