/** updateVersion: the mutable fields of one version as event "updated"; NOT_FOUND, or ABORTED on a stale revision. */
import { versionKey } from "../../../semver/index.js";
import { checkExpectedRevision, versionNotFound } from "../../core/errors.js";
import { updatedRecord } from "../../core/patch.js";
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
    const revision = revisions.next();
    const time = normalizeTime(meta.time);
    const updated = updatedRecord(existing, structuredClone(patch), { ...meta, time }, revision);
    await tx.run(sql.updateVersion(columnsOf(updated)));
    return {
      events: [{ revision, type: "updated", time, component: updated, actor: meta.actor }],
      versions: versions.map((stored) => (stored === existing ? updated : stored)),
    };
  };
}
