/**
 * A replica's batch of primary events on its transaction: a version event
 * writes its version row whole (created, updated, yanked, unyanked: the
 * event carries the version's whole state, yank included) or removes it
 * (deleted), then each touched name's latest marker is recomputed from its
 * rows (core's latest rule, which skips yanked versions); a policy event
 * writes the name's policy row, a consumer event writes or removes its
 * registration row. The switches are exhaustive (core/apply-event.ts), so a
 * new event type is a compile error here rather than an event a replica
 * skips.
 */
import { versionKey } from "../../../semver/index.js";
import { type RegistryChange, registryChangeOf } from "../../core/apply-event.js";
import type { CatalogEvent, ConsumerRecord, PolicyRecord } from "../../records.js";
import { columnsOf } from "../columns.js";
import type { SqlSession, SqlStatements } from "../dialect.js";
import { listVersions } from "./list-versions.js";
import { refreshLatest } from "./refresh-latest.js";

export async function applyEventsOn(
  tx: SqlSession,
  sql: SqlStatements,
  events: readonly CatalogEvent[],
): Promise<void> {
  const touched = new Set<string>();
  for (const event of events) {
    const change = registryChangeOf(event);
    if (change !== undefined) {
      await applyRegistryChange(tx, sql, change);
      continue;
    }
    if (!("component" in event)) continue;
    const { component } = event;
    touched.add(component.name);
    if (event.type === "deleted") await tx.run(sql.deleteVersions(component.name, [versionKey(component.version)]));
    else await tx.run(sql.upsertVersion(columnsOf(component)));
  }
  for (const name of touched) await refreshLatest(tx, sql, name, await listVersions(tx, sql, name));
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
