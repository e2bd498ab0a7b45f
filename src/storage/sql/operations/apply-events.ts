/**
 * A replica's batch of primary events on its transaction: each event
 * writes its version row whole (created, updated) or removes it (deleted),
 * then each touched name's latest marker is recomputed from its rows. The
 * switch is exhaustive, so a new event type is a compile error here rather
 * than an event a replica skips.
 */
import { versionKey } from "../../../semver/index.js";
import type { CatalogEvent } from "../../records.js";
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
    const { component } = event;
    touched.add(component.name);
    switch (event.type) {
      case "created":
      case "updated":
        await tx.run(sql.upsertVersion(columnsOf(component)));
        break;
      case "deleted":
        await tx.run(sql.deleteVersions(component.name, [versionKey(component.version)]));
        break;
      default: {
        const unknown: never = event.type;
        throw new Error(`event type ${String(unknown)} has no rule for replicas`);
      }
    }
  }
  for (const name of touched) await refreshLatest(tx, sql, name, await listVersions(tx, sql, name));
}
