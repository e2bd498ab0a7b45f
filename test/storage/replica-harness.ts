/**
 * A replica on its own under the read contract: a CatalogStore whose writes
 * go to an in-process primary and, before a write returns, are applied to
 * the replica (one catch-up at a time); every read comes from the replica.
 * No hybrid store in between, so a failure points at the read model.
 */
import { MemoryCatalogStore } from "../../src/storage/memory/catalog.js";
import type { CatalogEvent } from "../../src/storage/records.js";
import type { CatalogStore, ReplicaStore } from "../../src/storage/store.js";

export const TEST_PRIMARY = "memory:replica-harness";

export function readsFromReplica(
  replica: ReplicaStore,
  primary: CatalogStore = new MemoryCatalogStore(),
): CatalogStore {
  let caughtUp: Promise<unknown> = Promise.resolve();
  const catchUp = () => {
    caughtUp = caughtUp.then(async () => {
      for (;;) {
        const { appliedRevision } = await replica.state();
        const events = await primary.readEvents(appliedRevision, 500);
        if (events.length === 0) return;
        await replica.apply(events, { primary: TEST_PRIMARY });
      }
    });
    return caughtUp;
  };
  const written = async <T extends CatalogEvent | CatalogEvent[]>(write: Promise<T>): Promise<T> => {
    try {
      return await write;
    } finally {
      await catchUp();
    }
  };
  return {
    kind: `${replica.kind}-replica`,
    getVersion: (name, version) => replica.getVersion(name, version),
    listVersions: (name) => replica.listVersions(name),
    list: (query) => replica.list(query),
    search: (query) => replica.search(query),
    getPolicy: (name) => replica.getPolicy(name),
    listConsumers: (query) => replica.listConsumers(query),
    setPolicy: (name, mode, meta) => written(primary.setPolicy(name, mode, meta)),
    putConsumer: (registration, meta) => written(primary.putConsumer(registration, meta)),
    deleteConsumer: (consumer, name, meta) => written(primary.deleteConsumer(consumer, name, meta)),
    insertVersion: (record, meta) => written(primary.insertVersion(record, meta)),
    updateVersion: (name, version, patch, meta, expected) =>
      written(primary.updateVersion(name, version, patch, meta, expected)),
    deleteVersions: (name, versions, meta, expected) => written(primary.deleteVersions(name, versions, meta, expected)),
    readEvents: (after, limit) => primary.readEvents(after, limit),
    revisionBounds: () => primary.revisionBounds(),
    onCommit: (listener) => primary.onCommit(listener),
    compact: (through) => primary.compact(through),
    health: () => replica.health(),
    readAt: async () => ({ revision: (await replica.state()).appliedRevision, reader: replica }),
    close: async () => {
      await replica.close();
      await primary.close();
    },
  };
}
