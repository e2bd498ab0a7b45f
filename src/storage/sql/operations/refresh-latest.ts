/**
 * Moves a name's latest marker (core/ordering.ts latestOf over its versions
 * after the write) so that list pages in latest mode read one indexed row
 * per component. Touches only the rows whose marker changes.
 */
import { versionKey } from "../../../semver/index.js";
import { latestOf } from "../../core/ordering.js";
import type { ComponentRecord } from "../../records.js";
import type { LatestMark, SqlSession, SqlStatements } from "../dialect.js";

export async function refreshLatest(
  tx: SqlSession,
  sql: SqlStatements,
  name: string,
  versions: readonly ComponentRecord[],
): Promise<void> {
  const mark = latestMark(name, versions);
  await tx.run(sql.markLatest(name, mark.versionKey));
}

/** Where `name`'s latest marker belongs among `versions` (all of the name's versions). */
export function latestMark(name: string, versions: readonly ComponentRecord[]): LatestMark {
  const latest = latestOf(versions);
  return { name, versionKey: latest === undefined ? null : versionKey(latest.version) };
}
