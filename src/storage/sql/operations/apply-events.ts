/**
 * A replica's batch of primary events on its transaction. A version event
 * (created, updated, yanked, unyanked, deleted) carries its version's whole
 * state, yank included, so only the last event of each version in the
 * batch matters: the batch's surviving versions are written in one
 * multi-row upsert, its deleted ones removed per name, and the touched
 * names' latest markers recomputed (core's latest rule, which skips yanked
 * versions) from one read of their rows and written in one statement. A
 * batch costs a handful of round trips, not three per event: a replica
 * keeps up with its primary on a busy database (bench/hybrid measures the
 * lag). Policy and consumer events are applied one by one in log order:
 * a policy event writes the name's policy row, a consumer event writes or
 * removes its registration row. The switches are exhaustive
 * (core/apply-event.ts and below), so a new event type is a compile error
 * here rather than an event a replica skips.
 */
import { versionKey } from "../../../semver/index.js";
import { type RegistryChange, registryChangeOf } from "../../core/apply-event.js";
import {
  type CatalogEvent,
  type ComponentEvent,
  type ComponentRecord,
  type ConsumerRecord,
  isComponentEvent,
  type PolicyRecord,
} from "../../records.js";
import { columnsOf } from "../columns.js";
import type { SqlSession, SqlStatements } from "../dialect.js";
import { latestMark } from "./refresh-latest.js";

/** Rows per upsert statement: far below either database's parameter limit (24 columns a row). */
const UPSERT_CHUNK = 500;

export async function applyEventsOn(
  tx: SqlSession,
  sql: SqlStatements,
  events: readonly CatalogEvent[],
): Promise<void> {
  const versionEvents: ComponentEvent[] = [];
  for (const event of events) {
    const change = registryChangeOf(event);
    if (change !== undefined) await applyRegistryChange(tx, sql, change);
    else if (isComponentEvent(event)) versionEvents.push(event);
  }
  const last = lastEventOfEachVersion(versionEvents);
  if (last.size === 0) return;
  const upserts: ComponentRecord[] = [];
  const deletes = new Map<string, string[]>();
  for (const event of last.values()) {
    switch (event.type) {
      case "created":
      case "updated":
      case "yanked":
      case "unyanked":
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
  await refreshLatestOf(tx, sql, [...new Set(versionEvents.map((event) => event.component.name))]);
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
function lastEventOfEachVersion(events: readonly ComponentEvent[]): Map<string, ComponentEvent> {
  const last = new Map<string, ComponentEvent>();
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

async function applyRegistryChange(tx: SqlSession, sql: SqlStatements, change: RegistryChange): Promise<void> {
  switch (change.kind) {
    case "policy":
      return void (await tx.run(sql.upsertPolicy(change.policy)));
    case "consumer":
      return void (await tx.run(sql.upsertConsumer(change.consumer)));
    case "consumer_removed":
      return void (await tx.run(sql.deleteConsumer(change.consumer.consumer, change.consumer.name)));
  }
}

/** Writes a name's policy and registrations as a snapshot holds them (a replica's rebuild). */
export async function writeRegistryOn(
  tx: SqlSession,
  sql: SqlStatements,
  policy: PolicyRecord | undefined,
  consumers: readonly ConsumerRecord[],
): Promise<void> {
  if (policy !== undefined) await tx.run(sql.upsertPolicy(policy));
  for (const consumer of consumers) await tx.run(sql.upsertConsumer(consumer));
}
