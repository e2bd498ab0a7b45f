/** insertVersion: a new version as event "created"; ALREADY_EXISTS (with its revision) when the key is taken. */
import { versionKey } from "../../../semver/index.js";
import { versionExists } from "../../core/errors.js";
import type { ComponentRecord, NewComponentRecord, WriteMeta } from "../../records.js";
import { columnsOf, normalizeTime } from "../columns.js";
import type { SqlStatements } from "../dialect.js";
import type { WriteStep } from "./commit-write.js";

export function insertVersion(sql: SqlStatements, record: NewComponentRecord, meta: WriteMeta): WriteStep {
  return async (tx, versions, revisions) => {
    const key = versionKey(record.version);
    const existing = versions.find((stored) => versionKey(stored.version) === key);
    if (existing !== undefined) throw versionExists(existing);
    const revision = revisions.next();
    const time = normalizeTime(meta.time);
    const stored: ComponentRecord = {
      ...structuredClone(record),
      createTime: time,
      updateTime: time,
      createRevision: revision,
      updateRevision: revision,
      createActor: meta.actor,
      updateActor: meta.actor,
    };
    await tx.run(sql.insertVersion(columnsOf(stored)));
    return {
      events: [{ revision, type: "created", time, component: stored, actor: meta.actor }],
      versions: [...versions, stored],
    };
  };
}
