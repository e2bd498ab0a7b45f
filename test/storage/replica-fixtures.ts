/**
 * What the replica tests share: a catalog with varied data (ties in update
 * time, several versions, providers, labels, deprecations, deletions), a
 * whole listing following cursors, a snapshot of an in-process store for
 * rebuilds, and the consumer contract's state (yanks, policies,
 * registrations) written and read back for comparison.
 */
import type { ComponentRecord } from "../../src/storage/records.js";
import type { CatalogStore, ListQuery, ReadSource, ReplicaSnapshot } from "../../src/storage/store.js";
import { newRecord, uniqueName } from "./fixtures.js";

export const ALL_VERSIONS_BY_NAME = {
  filter: { includeDeprecated: true },
  allVersions: true,
  orderBy: { field: "name" as const, descending: false },
  pageSize: 50,
};

/** A primary with varied data: ties in update time, several versions, providers, labels, deprecations. */
export async function seed(store: CatalogStore): Promise<void> {
  const times = ["2030-01-01T00:00:01.000Z", "2030-01-01T00:00:02.000Z", "2030-01-01T00:00:03.000Z"];
  let n = 0;
  const meta = () => ({ actor: "seed", time: times[n++ % times.length]! });
  for (let i = 0; i < 24; i++) {
    const name = uniqueName(`rm${i % 5}`);
    const versions = ["1.0.0", "1.1.0", "2.0.0-rc.1", "2.0.0"].slice(0, 1 + (i % 4));
    for (const version of versions) {
      await store.insertVersion(
        newRecord(name, version, {
          provider: ["aws", "gcp"][i % 2]!,
          category: ["database", "network", "queue"][i % 3]!,
          deployment: { engine: i % 4 === 0 ? "pulumi" : "terraform", engineVersion: "1", config: {} },
          labels: { team: ["a", "b"][i % 2]!, ...(i % 3 === 0 ? { tier: "gold" } : {}) },
          description: i % 5 === 0 ? "holds the orders queue" : "a component",
        }),
        meta(),
      );
    }
    if (i % 6 === 1)
      await store.updateVersion(name, versions[0]!, { deprecation: { deprecated: true, message: "x" } }, meta());
    if (i % 8 === 3) {
      for (const version of versions) {
        await store.updateVersion(name, version, { deprecation: { deprecated: true, message: "all" } }, meta());
      }
    }
    if (i % 7 === 2) await store.deleteVersions(name, [versions.at(-1)!], meta());
  }
}

export async function listAll(store: Pick<CatalogStore, "list">, query: Omit<ListQuery, "cursor">) {
  const rows: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ ...query, ...(cursor ? { cursor } : {}) });
    rows.push(...page.items.map((r) => `${r.name}@${r.version}`));
    cursor = page.nextCursor;
  } while (cursor);
  return rows;
}

/** A snapshot of an in-process store: every name whole, `pause` awaited before the first batch is yielded. */
export function snapshotOf(store: CatalogStore, revision: number, pause?: () => Promise<void>): ReplicaSnapshot {
  return {
    revision,
    async *names() {
      const byName = new Map<string, ComponentRecord[]>();
      const rows = await store.list({
        filter: { includeDeprecated: true },
        allVersions: true,
        orderBy: { field: "name", descending: false },
        pageSize: 10_000,
      });
      for (const record of rows.items) byName.set(record.name, [...(byName.get(record.name) ?? []), record]);
      const names = [...byName.keys()];
      await pause?.();
      for (let i = 0; i < names.length; i += 5)
        yield new Map(names.slice(i, i + 5).map((name) => [name, byName.get(name)!]));
    },
    async *events(after) {
      for (let at = after; ; ) {
        const events = await store.readEvents(at, 7);
        if (events.length === 0) return;
        yield events;
        at = events.at(-1)!.revision;
      }
    },
    async registryOf(name) {
      return { policy: await store.getPolicy(name), consumers: await store.listConsumers({ name }) };
    },
  };
}

/**
 * Writes every event kind of the consumer contract on `store`: yanks (one
 * undone), a deprecation with a replacement, policies, registrations (one
 * replaced, one removed). Returns the names and consumers it used.
 */
export async function seedConsumerContract(store: CatalogStore): Promise<{ names: string[]; consumers: string[] }> {
  const meta = () => ({ actor: "admin", time: "2030-01-01T00:00:05.000Z" });
  const [a, b] = [uniqueName("cc-a"), uniqueName("cc-b")];
  const consumers = [uniqueName("billing"), uniqueName("orders")];
  for (const version of ["1.0.0", "1.1.0", "1.2.0"]) await store.insertVersion(newRecord(a, version), meta());
  await store.insertVersion(newRecord(b, "1.0.0"), meta());
  const yank = { time: "2030-01-01T00:00:06.000Z", actor: "admin", reason: "drops connections" };
  await store.updateVersion(a, "1.2.0", { yank }, meta());
  await store.updateVersion(a, "1.1.0", { yank }, meta());
  await store.updateVersion(a, "1.1.0", { yank: null }, meta());
  await store.updateVersion(b, "1.0.0", { yank }, meta());
  const replacement = { name: b, constraint: "^1" };
  await store.updateVersion(a, "1.0.0", { deprecation: { deprecated: true, message: "old", replacement } }, meta());
  await store.setPolicy(a, "full_transitive", meta());
  await store.setPolicy(b, "none", meta());
  await store.setPolicy(b, "forward", meta());
  await store.putConsumer({ consumer: consumers[0]!, name: a, constraint: "~> 1.0", labels: { team: "x" } }, meta());
  await store.putConsumer({ consumer: consumers[0]!, name: a, constraint: "^1.1", labels: {} }, meta());
  await store.putConsumer({ consumer: consumers[0]!, name: b, constraint: "", labels: {} }, meta());
  await store.putConsumer({ consumer: consumers[1]!, name: a, constraint: "1.0.0", labels: {} }, meta());
  await store.deleteConsumer(consumers[1]!, a, meta());
  return { names: [a, b], consumers };
}

/** What a reader answers about the consumer contract of `names` and `consumers`, for comparing two readers. */
export async function consumerContractState(
  reader: ReadSource,
  names: readonly string[],
  consumers: readonly string[],
): Promise<unknown> {
  const latest = await reader.list({
    filter: { includeDeprecated: true, names },
    allVersions: false,
    orderBy: { field: "name", descending: false },
    pageSize: 50,
  });
  return {
    latest: latest.items.map((record) => `${record.name}@${record.version}`),
    versions: await Promise.all(names.map((name) => reader.listVersions(name))),
    policies: await Promise.all(names.map((name) => reader.getPolicy(name))),
    byName: await Promise.all(names.map((name) => reader.listConsumers({ name }))),
    byConsumer: await Promise.all(consumers.map((consumer) => reader.listConsumers({ consumer }))),
  };
}
