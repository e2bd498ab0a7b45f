/**
 * ComponentSearcher.list over CatalogState. Rows come from the maintained
 * indexes starting right after the cursor key, so a page costs
 * O(log N + rows scanned) rather than a sort of the catalog.
 */
import { compareVersions } from "../../semver/index.js";
import { decodeListCursor, encodeListCursor, pageSizeOf } from "../core/cursor.js";
import { matchesFilter } from "../core/filter.js";
import { type ListOrder, type Row, type RowKey, rowComparator, rowOf } from "../core/ordering.js";
import type { ComponentRecord } from "../records.js";
import type { ListQuery, Page } from "../store.js";
import type { CatalogState } from "./state.js";

export function listComponents(state: CatalogState, query: ListQuery): Page<ComponentRecord> {
  const order: ListOrder = { ...query.orderBy, allVersions: query.allVersions };
  const after = query.cursor ? decodeListCursor(query.cursor, order) : undefined;
  const pageSize = pageSizeOf(query.pageSize);
  const items: ComponentRecord[] = [];
  let more = false;
  for (const record of rowsAfter(state, order, after, query.filter.names)) {
    if (!matchesFilter(record, query.filter)) continue;
    if (items.length === pageSize) {
      more = true;
      break;
    }
    items.push(record);
  }
  const last = items.at(-1);
  const page: Page<ComponentRecord> = { items, revision: state.revision };
  if (more && last) page.nextCursor = encodeListCursor(order, rowOf(last));
  return page;
}

/** The records of the ordered row sequence strictly after `after`. */
function rowsAfter(
  state: CatalogState,
  order: ListOrder,
  after: RowKey | undefined,
  names: readonly string[] | undefined,
): Iterable<ComponentRecord> {
  if (names !== undefined) return rowsOfNames(state, order, after, names);
  if (order.field === "updateTime") return rowsByTime(state, order, after);
  return rowsByName(state, order, after);
}

/** A `names` filter picks few rows: gather them and sort, instead of walking the catalog. */
function* rowsOfNames(
  state: CatalogState,
  order: ListOrder,
  after: RowKey | undefined,
  names: readonly string[],
): Iterable<ComponentRecord> {
  const compare = rowComparator(order);
  const rows: Row[] = [];
  for (const name of new Set(names)) {
    const entry = state.entry(name);
    if (!entry) continue;
    if (order.allVersions) for (const record of entry.sorted) rows.push(rowOf(record));
    else if (entry.latest) rows.push(rowOf(entry.latest));
  }
  rows.sort(compare);
  for (const row of rows) {
    if (after === undefined || compare(row, after) > 0) yield row.record;
  }
}

function* rowsByTime(state: CatalogState, order: ListOrder, after: RowKey | undefined): Iterable<ComponentRecord> {
  for (const row of state.timeIndex(order).after(after)) yield row.record;
}

function* rowsByName(state: CatalogState, order: ListOrder, after: RowKey | undefined): Iterable<ComponentRecord> {
  const names = state.names;
  const step = order.descending ? -1 : 1;
  let i: number;
  if (after === undefined) i = order.descending ? names.length - 1 : 0;
  else if (order.descending) i = names.lowerBound(after.name) - 1;
  else i = names.upperBound(after.name);
  // In all-versions mode the cursor's own name may still hold versions below the cursor's.
  if (after !== undefined && order.allVersions) {
    const entry = state.entry(after.name);
    if (entry) for (const record of entry.sorted) if (compareVersions(record.version, after.version) < 0) yield record;
  }
  for (; i >= 0 && i < names.length; i += step) {
    const name = names.at(i);
    const entry = name === undefined ? undefined : state.entry(name);
    if (!entry) continue;
    if (order.allVersions) yield* entry.sorted;
    else if (entry.latest) yield entry.latest;
  }
}
