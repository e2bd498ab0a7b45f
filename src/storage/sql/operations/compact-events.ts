/**
 * Drops events through a revision and raises the compaction mark, in one
 * transaction holding the revision row's lock, so no write interleaves.
 * The current revision's event always stays, so readers can tell "nothing
 * new" from "compacted".
 */
import type { SqlDatabase, SqlStatements } from "../dialect.js";

export async function compactEvents(db: SqlDatabase, sql: SqlStatements, throughRevision: number): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.rows(sql.lockRevisionBounds());
    const bounds = row === undefined ? { current: 0, compacted: 0 } : sql.bounds(row);
    const through = Math.min(Math.floor(throughRevision), bounds.current - 1);
    if (through <= bounds.compacted) return { value: undefined, rollback: true };
    for (const statement of sql.compactEvents(through)) await tx.run(statement);
    return { value: undefined };
  });
}
