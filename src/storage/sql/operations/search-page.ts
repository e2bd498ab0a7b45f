/** search: one page of latest versions ranked as core/search.ts ranks them, computed in SQL. */
import { decodeSearchCursor, encodeSearchCursor, pageSizeOf } from "../../core/cursor.js";
import type { Page, ScoredComponent, SearchQuery } from "../../store.js";
import type { SqlSession, SqlStatements } from "../dialect.js";
import { revisionBounds } from "./revision-bounds.js";

export async function searchPage(
  session: SqlSession,
  sql: SqlStatements,
  query: SearchQuery,
): Promise<Page<ScoredComponent>> {
  const after = query.cursor === undefined ? undefined : decodeSearchCursor(query.cursor);
  const pageSize = pageSizeOf(query.pageSize);
  const { current } = await revisionBounds(session, sql);
  const rows = await session.rows(sql.searchPage(query, after, pageSize + 1));
  const items = rows.slice(0, pageSize).map((row) => ({ component: sql.record(row), score: sql.score(row) }));
  const page: Page<ScoredComponent> = { items, revision: current };
  const last = items.at(-1);
  if (rows.length > pageSize && last !== undefined) {
    page.nextCursor = encodeSearchCursor({ score: last.score, name: last.component.name });
  }
  return page;
}
