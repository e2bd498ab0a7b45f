/** getPolicy: the stored compatibility policy of a name, or undefined for the default. */
import type { PolicyRecord } from "../../records.js";
import type { SqlSession, SqlStatements } from "../dialect.js";

export async function getPolicy(
  session: SqlSession,
  sql: SqlStatements,
  name: string,
): Promise<PolicyRecord | undefined> {
  const [row] = await session.rows(sql.getPolicy(name));
  return row === undefined ? undefined : sql.policy(row);
}
