/** The catalog's current revision and compaction mark, from the revision row. */
import type { RevisionBounds } from "../../store.js";
import type { SqlSession, SqlStatements } from "../dialect.js";

export async function revisionBounds(session: SqlSession, sql: SqlStatements): Promise<RevisionBounds> {
  const [row] = await session.rows(sql.revisionBounds());
  return row === undefined ? { current: 0, compacted: 0 } : sql.bounds(row);
}
