/**
 * A replica's batch of primary events on its transaction. Each event
 * carries its version's whole state, so only the last event of each
 * version in the batch matters: the batch's surviving versions are written
 * in one multi-row upsert, its deleted ones removed per name, and the
 * touched names' latest markers recomputed from one read of their rows and
 * written in one statement. A batch costs a handful of round trips, not
 * three per event: a replica keeps up with its primary on a busy database
 * (bench/hybrid measures the lag). The switch is exhaustive, so a new event
 * type is a compile error here rather than an event a replica skips.
 */
import { versionKey } from "../../../semver/index.js";
import type { CatalogEvent, ComponentRecord } from "../../records.js";
import { columnsOf } from "../columns.js";
import type { SqlSession, SqlStatements } from "../dialect.js";
import { latestMark } from "./refresh-latest.js";

/** Rows per upsert statement: far below either database's parameter limit (23 columns a row). */
const UPSERT_CHUNK = 500;

export async function applyEventsOn(
  tx: SqlSession,
  sql: SqlStatements,
  events: readonly CatalogEvent[],
): Promise<void> {
  const last = lastEventOfEachVersion(events);
  if (last.size === 0) return;
  const upserts: ComponentRecord[] = [];
  const deletes = new Map<string, string[]>();
  for (const event of last.values()) {
    switch (event.type) {
      case "created":
      case "updated":
        upserts.push(event.component);
        break;
      case "deleted": {
        const { name, version } = event.component;
        deletes.set(name, [...(deletes.get(name) ?? []), versionKey(version)]);
        break;
      }
      default: {
        const unknown: never = event.type;
        throw new Error(`event type ${String(unknown)} has no rule for replicas`);
      }
    }
  }
  await upsertVersions(tx, sql, upserts);
  for (const [name, keys] of deletes) await tx.run(sql.deleteVersions(name, keys));
  await refreshLatestOf(tx, sql, [...new Set(events.map((event) => event.component.name))]);
}

/** Writes versions whole, a chunk of rows per statement. */
export async function upsertVersions(
  tx: SqlSession,
  sql: SqlStatements,
  records: readonly ComponentRecord[],
): Promise<void> {
  for (let i = 0; i < records.length; i += UPSERT_CHUNK) {
    await tx.run(sql.upsertVersions(records.slice(i, i + UPSERT_CHUNK).map(columnsOf)));
  }
}

/** The last event of each version (name and version key) in the batch, in the batch's order. */
function lastEventOfEachVersion(events: readonly CatalogEvent[]): Map<string, CatalogEvent> {
  const last = new Map<string, CatalogEvent>();
  for (const event of events) {
    const key = `${event.component.name}\u0000${versionKey(event.component.version)}`;
    last.delete(key);
    last.set(key, event);
  }
  return last;
}

/** Recomputes the latest marker of each name from its rows after the batch, as a write does. */
async function refreshLatestOf(tx: SqlSession, sql: SqlStatements, names: readonly string[]): Promise<void> {
  const byName = new Map<string, ComponentRecord[]>(names.map((name) => [name, []]));
  for (const row of await tx.rows(sql.listVersionsOf(names))) {
    const record = sql.record(row);
    byName.get(record.name)?.push(record);
  }
  await tx.run(sql.markLatestOf([...byName].map(([name, versions]) => latestMark(name, versions))));
}
