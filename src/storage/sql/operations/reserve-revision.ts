/**
 * The first step of every write: lock the revision row and move it on by
 * one. Every writer takes this lock first, so writes are serialised in
 * commit order and revisions are gapless (a write that fails rolls its
 * reservation back with everything else). Returns the reserved revision.
 */
import type { SqlSession, SqlStatements } from "../dialect.js";

export async function reserveRevision(tx: SqlSession, sql: SqlStatements): Promise<number> {
  let reserved: number | undefined;
  for (const statement of sql.reserveRevision()) {
    const [row] = await tx.rows<unknown>(statement);
    if (row !== undefined) reserved = sql.bounds(row).current;
  }
  if (reserved === undefined) throw new Error("the revision row is missing: is the schema migrated?");
  return reserved;
}
