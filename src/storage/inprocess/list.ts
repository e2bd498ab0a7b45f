/**
 * ComponentSearcher.list over CatalogState. Rows come from the maintained
 * indexes starting right after the cursor key, so a page costs
 * O(log N + rows scanned) rather than a sort of the catalog; rows are
 * filtered on their slots and only the page's versions are decoded.
 */
import { compareVersions } from "../../semver/index.js";
import { decodeListCursor, encodeListCursor, pageSizeOf } from "../core/cursor.js";
import { matchesFilterFields } from "../core/filter.js";
import { type ListOrder, type RowKey, rowComparator } from "../core/ordering.js";
import type { ComponentRecord } from "../records.js";
import type { ListQuery, Page } from "../store.js";
import type { CatalogState, VersionSlot } from "./state.js";

export function listComponents(
  state: CatalogState,
  query: ListQuery,
  decode: (slot: VersionSlot) => ComponentRecord,
): Page<ComponentRecord> {
  const order: ListOrder = { ...query.orderBy, allVersions: query.allVersions };
  const after = query.cursor ? decodeListCursor(query.cursor, order) : undefined;
  const pageSize = pageSizeOf(query.pageSize);
  const rows: VersionSlot[] = [];
  let more = false;
  for (const slot of rowsAfter(state, order, after, query.filter.names)) {
    if (!matchesFilterFields(slot, query.filter)) continue;
    if (rows.length === pageSize) {
      more = true;
      break;
    }
    rows.push(slot);
  }
  const last = rows.at(-1);
  const page: Page<ComponentRecord> = { items: rows.map(decode), revision: state.revision };
  if (more && last) page.nextCursor = encodeListCursor(order, last);
  return page;
}

/** The ordered row sequence strictly after `after`. */
function rowsAfter(
  state: CatalogState,
  order: ListOrder,
  after: RowKey | undefined,
  names: readonly string[] | undefined,
): Iterable<VersionSlot> {
  if (names !== undefined) return rowsOfNames(state, order, after, names);
  if (order.field === "updateTime") return state.timeIndex(order).after(after);
  return rowsByName(state, order, after);
}

/** A `names` filter picks few rows: gather them and sort, instead of walking the catalog. */
function* rowsOfNames(
  state: CatalogState,
  order: ListOrder,
  after: RowKey | undefined,
  names: readonly string[],
): Iterable<VersionSlot> {
  const compare = rowComparator(order);
  const rows: VersionSlot[] = [];
  for (const name of new Set(names)) {
    const entry = state.entry(name);
    if (!entry) continue;
    if (order.allVersions) rows.push(...entry.sorted);
    else if (entry.latest) rows.push(entry.latest);
  }
  rows.sort(compare);
  for (const row of rows) {
    if (after === undefined || compare(row, after) > 0) yield row;
  }
}

function* rowsByName(state: CatalogState, order: ListOrder, after: RowKey | undefined): Iterable<VersionSlot> {
  const names = state.names;
  const step = order.descending ? -1 : 1;
  let i: number;
  if (after === undefined) i = order.descending ? names.length - 1 : 0;
  else if (order.descending) i = names.lowerBound(after.name) - 1;
  else i = names.upperBound(after.name);
  // In all-versions mode the cursor's own name may still hold versions below the cursor's.
  if (after !== undefined && order.allVersions) {
    const entry = state.entry(after.name);
    if (entry) for (const slot of entry.sorted) if (compareVersions(slot.version, after.version) < 0) yield slot;
  }
  for (; i >= 0 && i < names.length; i += step) {
    const name = names.at(i);
    const entry = name === undefined ? undefined : state.entry(name);
    if (!entry) continue;
    if (order.allVersions) yield* entry.sorted;
    else if (entry.latest) yield entry.latest;
  }
}
