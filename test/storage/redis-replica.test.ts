/**
 * The Redis read model beyond the read contract: its Lua list and search
 * paths page exactly as the in-process engine does for every order, mode
 * and filter (the contract's order cases read named components, which take
 * the in-process path); applying is idempotent under replays and racing
 * appliers, refuses gaps and a second primary; a rebuild refills it from a
 * snapshot while reads refuse, and stops when another process takes over.
 */
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logging/index.js";
import { MemoryCatalogStore } from "../../src/storage/memory/catalog.js";
import type { ComponentRecord } from "../../src/storage/records.js";
import { openRedisReplica, type RedisReplicaStore } from "../../src/storage/redis/replica.js";
import type {
  CatalogStore,
  ComponentFilter,
  ListQuery,
  ReplicaSnapshot,
  SearchQuery,
} from "../../src/storage/store.js";
import { TEST_REDIS_URL } from "./cache-modes.js";
import { expectCode } from "./contract/helpers.js";
import { newRecord, uniqueName } from "./fixtures.js";
import { readsFromReplica, TEST_PRIMARY } from "./replica-harness.js";

const opened: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const store of opened) await store.close();
});

async function replicaAt(keyPrefix: string, listBudget?: number): Promise<RedisReplicaStore> {
  const replica = await openRedisReplica(
    { url: TEST_REDIS_URL, keyPrefix, timeoutMs: 2_000 },
    silentLogger,
    listBudget === undefined ? {} : { listBudget },
  );
  opened.push(replica);
  return replica;
}

const freshPrefix = () => `nestor-replica-test:${randomBytes(4).toString("hex")}:`;

/** A primary with varied data: ties in update time, several versions, providers, labels, deprecations. */
async function seed(store: CatalogStore): Promise<void> {
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

async function listAll(store: Pick<CatalogStore, "list">, query: Omit<ListQuery, "cursor">) {
  const rows: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ ...query, ...(cursor ? { cursor } : {}) });
    rows.push(...page.items.map((r) => `${r.name}@${r.version}`));
    cursor = page.nextCursor;
  } while (cursor);
  return rows;
}

async function searchAll(store: Pick<CatalogStore, "search">, query: Omit<SearchQuery, "cursor">) {
  const rows: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.search({ ...query, ...(cursor ? { cursor } : {}) });
    rows.push(...page.items.map((hit) => `${hit.component.name}:${hit.score}`));
    cursor = page.nextCursor;
  } while (cursor);
  return rows;
}

const FILTERS: ComponentFilter[] = [
  { includeDeprecated: true },
  { includeDeprecated: false },
  { includeDeprecated: true, provider: "gcp" },
  { includeDeprecated: false, category: "network" },
  { includeDeprecated: true, deploymentEngine: "pulumi" },
  { includeDeprecated: true, labels: { tier: "gold" } },
  { includeDeprecated: false, provider: "aws", labels: { team: "a" } },
];

describe("redis read model", () => {
  it("pages every order, mode and filter as the in-process engine does, within a small row budget", async () => {
    const primary = new MemoryCatalogStore();
    const replica = readsFromReplica(await replicaAt(freshPrefix(), 4), primary);
    opened.push(replica);
    await seed(replica);
    for (const filter of FILTERS) {
      for (const field of ["name", "updateTime"] as const) {
        for (const descending of [false, true]) {
          for (const allVersions of [false, true]) {
            const query = { filter, allVersions, orderBy: { field, descending }, pageSize: 5 };
            const expected = await listAll(primary, query);
            expect(await listAll(replica, query), JSON.stringify(query)).toEqual(expected);
          }
        }
      }
    }
  });

  it("ranks search as core does, with filters and pages", async () => {
    const primary = new MemoryCatalogStore();
    const replica = readsFromReplica(await replicaAt(freshPrefix()), primary);
    opened.push(replica);
    await seed(replica);
    for (const terms of [["rm1"], ["orders"], ["team"], ["a"], ["rm", "gold"], ["nothing-matches"]]) {
      for (const filter of FILTERS) {
        const query = { terms, filter, pageSize: 4 };
        expect(await searchAll(replica, query), JSON.stringify(query)).toEqual(await searchAll(primary, query));
      }
    }
  });

  it("applies a batch once: a replay and racing appliers leave the same model and revision", async () => {
    const prefix = freshPrefix();
    const [one, two] = [await replicaAt(prefix), await replicaAt(prefix)];
    const primary = new MemoryCatalogStore();
    await seed(primary);
    const events = await primary.readEvents(0, 1_000);
    const last = events.at(-1)!.revision;
    const halves = [events.slice(0, 40), events.slice(0, 80), events];
    await Promise.all([
      ...halves.map((batch) => one.apply(batch, { primary: TEST_PRIMARY })),
      two.apply(events, { primary: TEST_PRIMARY }),
    ]);
    expect((await one.state()).appliedRevision).toBe(last);
    const before = await listAll(one, {
      filter: { includeDeprecated: true },
      allVersions: true,
      orderBy: { field: "name", descending: false },
      pageSize: 50,
    });
    expect(await one.apply(events.slice(10), { primary: TEST_PRIMARY })).toEqual({
      appliedRevision: last,
      primary: TEST_PRIMARY,
    });
    const after = await listAll(two, {
      filter: { includeDeprecated: true },
      allVersions: true,
      orderBy: { field: "name", descending: false },
      pageSize: 50,
    });
    expect(after).toEqual(before);
    expect(after).toEqual(
      await listAll(primary, {
        filter: { includeDeprecated: true },
        allVersions: true,
        orderBy: { field: "name", descending: false },
        pageSize: 50,
      }),
    );
  });

  it("refuses a gap in the log and events of another primary, naming both", async () => {
    const replica = await replicaAt(freshPrefix());
    const primary = new MemoryCatalogStore();
    await seed(primary);
    const events = await primary.readEvents(0, 1_000);
    await replica.apply(events.slice(0, 3), { primary: TEST_PRIMARY });
    await expect(replica.apply(events.slice(4, 6), { primary: TEST_PRIMARY })).rejects.toThrow(
      /at revision 3 and was handed revision 5 where 4 belongs/,
    );
    const err = await expectCode(
      replica.apply(events.slice(3, 6), { primary: "postgres:elsewhere" }),
      "FAILED_PRECONDITION",
    );
    expect(err.message).toContain(`fed by primary ${TEST_PRIMARY}, not postgres:elsewhere`);
    expect((await replica.state()).appliedRevision).toBe(3);
  });

  it("rebuilds from a snapshot, refusing reads while it runs and dropping what the snapshot lacks", async () => {
    const replica = await replicaAt(freshPrefix());
    const old = new MemoryCatalogStore();
    const stale = uniqueName("stale");
    await old.insertVersion(newRecord(stale, "1.0.0"), { actor: "t", time: "2030-01-01T00:00:00.000Z" });
    await replica.apply(await old.readEvents(0, 10), { primary: TEST_PRIMARY });
    const primary = new MemoryCatalogStore();
    await seed(primary);
    const { current } = await primary.revisionBounds();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let loading!: () => void;
    const started = new Promise<void>((resolve) => {
      loading = resolve;
    });
    const rebuilt = replica.rebuild(
      TEST_PRIMARY,
      snapshotOf(primary, current - 5, async () => {
        loading();
        await gate;
      }),
    );
    await started;
    await expectCode(replica.getVersion(stale, "1.0.0"), "UNAVAILABLE");
    expect((await replica.state()).rebuild).toBeDefined();
    release();
    expect(await rebuilt).toEqual({ appliedRevision: current, primary: TEST_PRIMARY });
    expect(await replica.getVersion(stale, "1.0.0")).toBeUndefined();
    const query = {
      filter: { includeDeprecated: true },
      allVersions: true,
      orderBy: { field: "name" as const, descending: false },
      pageSize: 50,
    };
    expect(await listAll(replica, query)).toEqual(await listAll(primary, query));
  });

  it("stops a rebuild another process took over with ABORTED", async () => {
    const prefix = freshPrefix();
    const [one, two] = [await replicaAt(prefix), await replicaAt(prefix)];
    const primary = new MemoryCatalogStore();
    await seed(primary);
    const { current } = await primary.revisionBounds();
    let takeOver!: Promise<unknown>;
    const first = one.rebuild(
      TEST_PRIMARY,
      snapshotOf(primary, current, async () => {
        takeOver = two.rebuild(TEST_PRIMARY, snapshotOf(primary, current));
        await takeOver;
      }),
    );
    await expectCode(first, "ABORTED");
    await takeOver;
    expect((await one.state()).rebuild).toBeUndefined();
    expect((await one.state()).appliedRevision).toBe(current);
  });
});

/** A snapshot of an in-process store: every name whole, `pause` awaited before the first batch is yielded. */
function snapshotOf(store: CatalogStore, revision: number, pause?: () => Promise<void>): ReplicaSnapshot {
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
