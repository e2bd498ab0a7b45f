/**
 * Following a version constraint: what `name@constraint` resolves to, kept
 * current by the server. A processor registers what it consumes
 * (RegisterConsumer) and then follows the same constraint through
 * WatchEvents with `filter.resolution`: each RESOLUTION_CHANGED event says
 * the version moved from `oldVersion` to `newVersion`, so the processor
 * never resolves anything itself. Built on watchCatalog, so it reconnects
 * from the last revision it delivered and neither misses nor repeats a
 * change.
 */
import { EventType } from "../nestor/catalog/v1/events_pb.js";
import { type WatchingClient, type WatchOptions, watchCatalog } from "./watch-catalog.js";

export interface ResolutionUpdate {
  /** The version the constraint resolved to before; "" when none. */
  oldVersion: string;
  /** The version it resolves to now; "" when none. */
  newVersion: string;
  /** The revision of the change; resume from it. */
  revision: bigint;
  /** Who made the change that moved it. */
  actor: string;
}

export type FollowOptions = Omit<WatchOptions, "filter">;

/**
 * Yields each change of what `constraint` (as GetComponent's version: ""
 * or "latest", an exact version, "~> 1.2", "^1", ...) resolves to among the
 * versions of `name`, after `options.startRevision`. Read the current
 * version with getComponent({ name, version: constraint }) and start from
 * the revision it returns. Ends when `options.signal` aborts; throws a
 * ConnectError with Code.OutOfRange when the log no longer holds events
 * after the revision reached (read the current version again and follow
 * from there).
 */
export async function* followConstraint(
  client: WatchingClient,
  name: string,
  constraint: string,
  options: FollowOptions,
): AsyncGenerator<ResolutionUpdate, void, undefined> {
  const filter = { names: [name], types: [EventType.RESOLUTION_CHANGED], resolution: { name, constraint } };
  for await (const update of watchCatalog(client, { ...options, filter })) {
    if (update.kind === "relist") throw update.error;
    if (update.kind !== "events") continue;
    for (const event of update.events) {
      const change = event.resolutionChange;
      if (change === undefined) continue;
      const { oldVersion, newVersion } = change;
      yield { oldVersion, newVersion, revision: event.revision, actor: event.actor };
    }
  }
}
