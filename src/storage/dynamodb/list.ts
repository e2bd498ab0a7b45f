/**
 * List and search pages. Rows come from the narrowest source the filter
 * allows (named components from the base table, else the byProvider or
 * byCategory partition, else the byName or byUpdateTime partition of every
 * LATEST or VERSION item). When the source is already sorted by the
 * requested field, the read starts at the cursor and stops as soon as the
 * page is decided; otherwise the whole source partition is read and sorted
 * in process. README.md beside this file gives the cost of each case.
 * Order, filter, cursor and scoring come from core/, so every backend pages
 * identically.
 */
import type { QueryCommandInput } from "@aws-sdk/client-dynamodb";
import { decodeListCursor, encodeListCursor, pageSizeOf } from "../core/cursor.js";
import { isSet, matchesFilter } from "../core/filter.js";
import { type ListOrder, type Row, type RowKey, rowComparator, rowOf } from "../core/ordering.js";
import { searchPage as rankedPage } from "../core/search.js";
import type { ComponentRecord } from "../records.js";
import type { ComponentFilter, ListQuery, OrderField, Page, ScoredComponent, SearchQuery } from "../store.js";
import { ATTR, afterPrefix, INDEX, type RowKind, recordOf, timeIndexPrefix } from "./models.js";
import { type DynamoContext, queryItems, readLatest, readRevisionBounds, readVersions } from "./queries.js";

interface IndexSource {
  index: string;
  hashAttr: string;
  hashValue: string;
  rangeAttr: string;
  sortedBy: OrderField;
}

function indexSourceFor(filter: ComponentFilter, kind: RowKind, field: OrderField): IndexSource {
  if (isSet(filter.provider)) {
    return {
      index: INDEX.byProvider,
      hashAttr: ATTR.provider,
      hashValue: `${kind}#${filter.provider}`,
      rangeAttr: ATTR.nameKey,
      sortedBy: "name",
    };
  }
  if (isSet(filter.category)) {
    return {
      index: INDEX.byCategory,
      hashAttr: ATTR.category,
      hashValue: `${kind}#${filter.category}`,
      rangeAttr: ATTR.nameKey,
      sortedBy: "name",
    };
  }
  if (field === "updateTime") {
    return {
      index: INDEX.byUpdateTime,
      hashAttr: ATTR.kind,
      hashValue: kind,
      rangeAttr: ATTR.timeKey,
      sortedBy: "updateTime",
    };
  }
  return { index: INDEX.byName, hashAttr: ATTR.kind, hashValue: kind, rangeAttr: ATTR.nameKey, sortedBy: "name" };
}

/** The key condition for `source`, starting at the cursor's primary value when the source is sorted by it. */
function keyCondition(
  source: IndexSource,
  order: ListOrder,
  after: RowKey | undefined,
): Omit<QueryCommandInput, "TableName"> {
  if (!after || source.sortedBy !== order.field) {
    return {
      KeyConditionExpression: "#h = :h",
      ExpressionAttributeNames: { "#h": source.hashAttr },
      ExpressionAttributeValues: { ":h": { S: source.hashValue } },
    };
  }
  const names = { "#h": source.hashAttr, "#r": source.rangeAttr };
  const start = order.field === "name" ? after.name : timeIndexPrefix(after.updateMs);
  return {
    KeyConditionExpression: order.descending ? "#h = :h AND #r < :start" : "#h = :h AND #r >= :start",
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: {
      ":h": { S: source.hashValue },
      ":start": { S: order.descending ? afterPrefix(start) : start },
    },
  };
}

/** Whether `row` comes strictly after `boundary` in the source's primary order. */
function pastBoundary(row: Row, boundary: Row, order: ListOrder): boolean {
  const cmp =
    order.field === "name"
      ? row.name < boundary.name
        ? -1
        : row.name > boundary.name
          ? 1
          : 0
      : row.updateMs - boundary.updateMs;
  return order.descending ? cmp < 0 : cmp > 0;
}

async function rowsOfNames(
  ctx: DynamoContext,
  names: readonly string[],
  allVersions: boolean,
): Promise<ComponentRecord[]> {
  const unique = [...new Set(names)];
  const perName = await Promise.all(
    unique.map(async (name) => {
      if (allVersions) return readVersions(ctx, name);
      const latest = await readLatest(ctx, name);
      return latest ? [latest] : [];
    }),
  );
  return perName.flat();
}

/**
 * Candidate rows after the cursor that pass the filter: at least pageSize + 1
 * of them when that many exist, and every row that could sort before the
 * (pageSize + 1)-th.
 */
async function candidateRows(
  ctx: DynamoContext,
  query: ListQuery,
  order: ListOrder,
  after: RowKey | undefined,
  pageSize: number,
): Promise<Row[]> {
  const compare = rowComparator(order);
  const keep = (record: ComponentRecord): Row | undefined => {
    if (!matchesFilter(record, query.filter)) return undefined;
    const row = rowOf(record);
    return after && compare(row, after) <= 0 ? undefined : row;
  };
  if (query.filter.names !== undefined) {
    const records = await rowsOfNames(ctx, query.filter.names, query.allVersions);
    return records.map(keep).filter((row): row is Row => row !== undefined);
  }
  const source = indexSourceFor(query.filter, query.allVersions ? "VERSION" : "LATEST", order.field);
  const streaming = source.sortedBy === order.field;
  const rows: Row[] = [];
  let boundary: Row | undefined;
  const items = queryItems(ctx, `listing components (${source.index})`, {
    ...keyCondition(source, order, after),
    IndexName: source.index,
    ScanIndexForward: !order.descending,
    ...(streaming ? { Limit: Math.min(1000, Math.max(25, (pageSize + 1) * 2)) } : {}),
  });
  for await (const item of items) {
    const record = recordOf(item);
    if (boundary && pastBoundary(rowOf(record), boundary, order)) break;
    const row = keep(record);
    if (!row) continue;
    rows.push(row);
    if (streaming && !boundary && rows.length === pageSize + 1) boundary = row;
  }
  return rows;
}

export async function listPage(ctx: DynamoContext, query: ListQuery): Promise<Page<ComponentRecord>> {
  const order: ListOrder = { ...query.orderBy, allVersions: query.allVersions };
  const after = query.cursor ? decodeListCursor(query.cursor, order) : undefined;
  const pageSize = pageSizeOf(query.pageSize);
  const { current } = await readRevisionBounds(ctx);
  const rows = await candidateRows(ctx, query, order, after, pageSize);
  rows.sort(rowComparator(order));
  const pageRows = rows.slice(0, pageSize);
  const page: Page<ComponentRecord> = { items: pageRows.map((row) => row.record), revision: current };
  const last = pageRows.at(-1);
  if (rows.length > pageSize && last) page.nextCursor = encodeListCursor(order, last);
  return page;
}

/** Search reads every LATEST item (or the named ones) and ranks in process: DynamoDB has no text index. */
export async function searchPage(ctx: DynamoContext, query: SearchQuery): Promise<Page<ScoredComponent>> {
  const { current } = await readRevisionBounds(ctx);
  if (query.filter.names !== undefined) {
    return rankedPage(await rowsOfNames(ctx, query.filter.names, false), query, current);
  }
  const latest: ComponentRecord[] = [];
  const items = queryItems(ctx, "searching components", {
    IndexName: INDEX.byName,
    KeyConditionExpression: "#h = :h",
    ExpressionAttributeNames: { "#h": ATTR.kind },
    ExpressionAttributeValues: { ":h": { S: "LATEST" } },
  });
  for await (const item of items) latest.push(recordOf(item));
  return rankedPage(latest, query, current);
}
