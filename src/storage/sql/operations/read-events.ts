/**
 * Events after a revision, in order. The rows carry the compaction mark read
 * in the same statement, so a read racing a compaction either sees the
 * events or fails OUT_OF_RANGE, never a silent gap.
 */
import { compactedAway } from "../../core/errors.js";
import type { CatalogEvent } from "../../records.js";
import type { SqlSession, SqlStatements } from "../dialect.js";

export async function readEvents(
  session: SqlSession,
  sql: SqlStatements,
  afterRevision: number,
  limit: number,
): Promise<CatalogEvent[]> {
  const after = Math.max(0, Math.floor(afterRevision));
  const rows = await session.rows(sql.readEvents(after, Math.max(0, Math.floor(limit))));
  const compacted = rows.length === 0 ? 0 : sql.compactedOf(rows[0]);
  if (afterRevision < compacted) throw compactedAway(afterRevision, compacted);
  return rows.filter((row) => sql.hasEvent(row)).map((row) => sql.event(row));
}
