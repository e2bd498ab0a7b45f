/** getVersion: one version by name and version key (build metadata ignored). */
import { versionKey } from "../../../semver/index.js";
import type { ComponentRecord } from "../../records.js";
import type { SqlSession, SqlStatements } from "../dialect.js";

export async function getVersion(
  session: SqlSession,
  sql: SqlStatements,
  name: string,
  version: string,
): Promise<ComponentRecord | undefined> {
  const [row] = await session.rows(sql.getVersion(name, versionKey(version)));
  return row === undefined ? undefined : sql.record(row);
}
