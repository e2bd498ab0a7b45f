/**
 * Moves a name's latest marker (core/ordering.ts latestOf over its versions
 * after the write) so that list pages in latest mode read one indexed row
 * per component. Touches only the rows whose marker changes.
 */
import { versionKey } from "../../../semver/index.js";
import { latestOf } from "../../core/ordering.js";
import type { ComponentRecord } from "../../records.js";
import type { SqlSession, SqlStatements } from "../dialect.js";

export async function refreshLatest(
  tx: SqlSession,
  sql: SqlStatements,
  name: string,
  versions: readonly ComponentRecord[],
): Promise<void> {
  const latest = latestOf(versions);
  await tx.run(sql.markLatest(name, latest === undefined ? null : versionKey(latest.version)));
}
