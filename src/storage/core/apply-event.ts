/**
 * What one logged event does to the versions of its component, written
 * once for the read models that fold events themselves (the Redis replica):
 * created and updated leave the event's record as the version's state,
 * deleted removes the version. The switch is exhaustive, so a new event
 * type is a compile error here rather than an event a replica skips.
 */
import { versionKey } from "../../semver/index.js";
import type { CatalogEvent, ComponentRecord } from "../records.js";

/** Applies `event` to `versions` (one name's versions by version key). */
export function applyEventToVersions(versions: Map<string, ComponentRecord>, event: CatalogEvent): void {
  const key = versionKey(event.component.version);
  switch (event.type) {
    case "created":
    case "updated":
      versions.set(key, event.component);
      return;
    case "deleted":
      versions.delete(key);
      return;
    default: {
      const unknown: never = event.type;
      throw new Error(`event type ${String(unknown)} has no rule for replicas`);
    }
  }
}

/** The events after `applied`, checked to follow it without a gap and in order; throws naming the gap. */
export function eventsAfter(events: readonly CatalogEvent[], applied: number, where: string): CatalogEvent[] {
  const pending = events.filter((event) => event.revision > applied);
  let expected = applied + 1;
  for (const event of pending) {
    if (event.revision !== expected) {
      throw new Error(
        `${where} is at revision ${applied} and was handed revision ${event.revision} where ${expected} belongs: ` +
          "refusing a gap in the primary's log",
      );
    }
    expected += 1;
  }
  return pending;
}
