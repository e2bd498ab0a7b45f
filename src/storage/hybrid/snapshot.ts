/**
 * What a replica is rebuilt from when the primary's log no longer reaches
 * back to it: every version the primary holds, read in name order a page at
 * a time after noting the primary's revision R, then the primary's events
 * after R. Pages read while writes go on may show versions newer than R;
 * replaying every event after R over them ends at exactly the primary's
 * state at the last event replayed, since each event carries its version's
 * whole state (the way a Kubernetes reflector lists, then watches from the
 * list's revision). A name's versions are handed over together, never split
 * across two batches, so a replica can compute its latest marker; its
 * compatibility policy and consumer registrations come on request
 * (registryOf), read the same way.
 */
import type { ComponentRecord } from "../records.js";
import type { CatalogStore, ReplicaSnapshot } from "../store.js";

export const SNAPSHOT_PAGE = 500;

/** Told after each page: versions and names read so far. */
export type SnapshotProgress = (versions: number, names: number) => void;

export function primarySnapshot(
  primary: Pick<CatalogStore, "list" | "readEvents" | "getPolicy" | "listConsumers">,
  revision: number,
  progress: SnapshotProgress,
  pageSize = SNAPSHOT_PAGE,
): ReplicaSnapshot {
  return {
    revision,
    names: () => namesOf(primary, progress, pageSize),
    events: (after) => eventsAfter(primary, after, pageSize),
    registryOf: async (name) => {
      const [policy, consumers] = await Promise.all([primary.getPolicy(name), primary.listConsumers({ name })]);
      return { policy, consumers };
    },
  };
}

async function* namesOf(
  primary: Pick<CatalogStore, "list">,
  progress: SnapshotProgress,
  pageSize: number,
): AsyncGenerator<ReadonlyMap<string, readonly ComponentRecord[]>> {
  let cursor: string | undefined;
  let pending: { name: string; versions: ComponentRecord[] } | undefined;
  let versions = 0;
  let names = 0;
  do {
    const page = await primary.list({
      filter: { includeDeprecated: true },
      allVersions: true,
      orderBy: { field: "name", descending: false },
      pageSize,
      ...(cursor === undefined ? {} : { cursor }),
    });
    const done = new Map<string, ComponentRecord[]>();
    for (const record of page.items) {
      if (pending !== undefined && pending.name !== record.name) {
        done.set(pending.name, pending.versions);
        pending = undefined;
      }
      pending ??= { name: record.name, versions: [] };
      pending.versions.push(record);
    }
    versions += page.items.length;
    names += done.size;
    progress(versions, names);
    if (done.size > 0) yield done;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  if (pending !== undefined) {
    progress(versions, names + 1);
    yield new Map([[pending.name, pending.versions]]);
  }
}

async function* eventsAfter(primary: Pick<CatalogStore, "readEvents">, after: number, batch: number) {
  let at = after;
  for (;;) {
    const events = await primary.readEvents(at, batch);
    const last = events.at(-1);
    if (last === undefined) return;
    yield events;
    at = last.revision;
  }
}
