/**
 * What the replica tests share: a catalog with varied data (ties in update
 * time, several versions, providers, labels, deprecations, deletions), a
 * whole listing following cursors, and a snapshot of an in-process store
 * for rebuilds.
 */
import type { ComponentRecord } from "../../src/storage/records.js";
import type { CatalogStore, ListQuery, ReplicaSnapshot } from "../../src/storage/store.js";
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
  };
}
