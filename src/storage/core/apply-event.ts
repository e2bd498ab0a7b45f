/**
 * What one logged version event does to the versions of its component,
 * written once for the read models that fold events themselves (the Redis
 * replica): created, updated, yanked and unyanked leave the event's record
 * (the version's whole state) as the version's state; deleted removes the
 * version. Policy and consumer events touch no version (their rules:
 * registryWrites). The switches are exhaustive, so a new event type is a
 * compile error here rather than an event a replica skips.
 */
import { versionKey } from "../../semver/index.js";
import type { CatalogEvent, ComponentEvent, ComponentRecord, ConsumerRecord, PolicyRecord } from "../records.js";

/** Applies `event` to `versions` (one name's versions by version key). */
export function applyEventToVersions(versions: Map<string, ComponentRecord>, event: ComponentEvent): void {
  const key = versionKey(event.component.version);
  switch (event.type) {
    case "created":
    case "updated":
    case "yanked":
    case "unyanked":
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

/** What a policy or consumer event does to a read model's registry: store a record whole, or remove one. */
export type RegistryChange =
  | { kind: "policy"; policy: PolicyRecord }
  | { kind: "consumer"; consumer: ConsumerRecord }
  | { kind: "consumer_removed"; consumer: ConsumerRecord };

/**
 * The registry change of `event`, undefined for a version event:
 * policy_changed stores the name's policy as the event carries it,
 * consumer_registered stores the registration whole (insert or replace),
 * consumer_deregistered removes it (nothing when it is already gone).
 */
export function registryChangeOf(event: CatalogEvent): RegistryChange | undefined {
  switch (event.type) {
    case "policy_changed":
      return { kind: "policy", policy: event.policy };
    case "consumer_registered":
      return { kind: "consumer", consumer: event.consumer };
    case "consumer_deregistered":
      return { kind: "consumer_removed", consumer: event.consumer };
    case "created":
    case "updated":
    case "deleted":
    case "yanked":
    case "unyanked":
      return undefined;
    default: {
      const unknown: never = event;
      throw new Error(`event ${JSON.stringify(unknown)} has no rule for replicas`);
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
