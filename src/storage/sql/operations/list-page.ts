/**
 * list: one keyset page (plus one row, to know whether another follows).
 * The revision is read first, so the page reflects at least that revision.
 */
import { decodeListCursor, encodeListCursor, pageSizeOf } from "../../core/cursor.js";
import { rowOf } from "../../core/ordering.js";
import type { ComponentRecord } from "../../records.js";
import type { ListQuery, Page } from "../../store.js";
import type { SqlSession, SqlStatements } from "../dialect.js";
import { revisionBounds } from "./revision-bounds.js";

export async function listPage(
  session: SqlSession,
  sql: SqlStatements,
  query: ListQuery,
): Promise<Page<ComponentRecord>> {
  const order = { ...query.orderBy, allVersions: query.allVersions };
  const after = query.cursor === undefined ? undefined : decodeListCursor(query.cursor, order);
  const pageSize = pageSizeOf(query.pageSize);
  const { current } = await revisionBounds(session, sql);
  const rows = await session.rows(sql.listPage(query, after, pageSize + 1));
  const items = rows.slice(0, pageSize).map((row) => sql.record(row));
  const page: Page<ComponentRecord> = { items, revision: current };
  const last = items.at(-1);
  if (rows.length > pageSize && last !== undefined) page.nextCursor = encodeListCursor(order, rowOf(last));
  return page;
}
