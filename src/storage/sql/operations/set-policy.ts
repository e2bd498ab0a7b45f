/** setPolicy: stores a name's compatibility policy (insert or replace) as event "policy_changed". */
import { policyRecordOf } from "../../core/registry.js";
import type { CompatibilityMode, PolicyEvent, WriteMeta } from "../../records.js";
import { normalizeTime } from "../columns.js";
import type { SqlSession, SqlStatements } from "../dialect.js";

export function setPolicy(
  sql: SqlStatements,
  name: string,
  mode: CompatibilityMode,
  meta: WriteMeta,
): (tx: SqlSession, revision: number) => Promise<PolicyEvent> {
  return async (tx, revision) => {
    const time = normalizeTime(meta.time);
    const policy = policyRecordOf(name, mode, { ...meta, time }, revision);
    await tx.run(sql.upsertPolicy(policy));
    return { revision, type: "policy_changed", time, policy, actor: meta.actor };
  };
}
