/** listVersions: every version of a name, SemVer-descending (the version_order index). */
import type { ComponentRecord } from "../../records.js";
import type { SqlSession, SqlStatements } from "../dialect.js";

export async function listVersions(session: SqlSession, sql: SqlStatements, name: string): Promise<ComponentRecord[]> {
  const rows = await session.rows(sql.listVersions(name));
  return rows.map((row) => sql.record(row));
}
