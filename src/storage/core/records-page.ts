/**
 * One list page over records already in hand (a handful of named
 * components read whole), ordered, filtered and cut by core's rules, so a
 * backend that reads such rows pages them exactly as every other does.
 */
import type { ComponentRecord } from "../records.js";
import type { ListQuery, Page } from "../store.js";
import { decodeListCursor, encodeListCursor, pageSizeOf } from "./cursor.js";
import { matchesFilter } from "./filter.js";
import { type ListOrder, rowComparator, rowOf } from "./ordering.js";

/** `rows`: each component's latest version in latest mode, every version in all-versions mode. */
export function pageOfRecords(
  rows: Iterable<ComponentRecord>,
  query: ListQuery,
  revision: number,
): Page<ComponentRecord> {
  const order: ListOrder = { ...query.orderBy, allVersions: query.allVersions };
  const after = query.cursor === undefined ? undefined : decodeListCursor(query.cursor, order);
  const compare = rowComparator(order);
  const kept = [];
  for (const record of rows) {
    if (!matchesFilter(record, query.filter)) continue;
    const row = rowOf(record);
    if (after === undefined || compare(row, after) > 0) kept.push(row);
  }
  kept.sort(compare);
  const pageSize = pageSizeOf(query.pageSize);
  const pageRows = kept.slice(0, pageSize);
  const page: Page<ComponentRecord> = { items: pageRows.map((row) => row.record), revision };
  const last = pageRows.at(-1);
  if (kept.length > pageSize && last !== undefined) page.nextCursor = encodeListCursor(order, last);
  return page;
}
