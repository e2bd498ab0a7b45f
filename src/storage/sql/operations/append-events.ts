/** Logs a write's events (revision, type, time, actor, the component or other payload) in one statement. */
import type { CatalogEvent } from "../../records.js";
import type { SqlSession, SqlStatements } from "../dialect.js";

export async function appendEvents(tx: SqlSession, sql: SqlStatements, events: readonly CatalogEvent[]): Promise<void> {
  if (events.length > 0) await tx.run(sql.appendEvents(events));
}
