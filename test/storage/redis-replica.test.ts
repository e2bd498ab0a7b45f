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
import { openRedisReplica, type RedisReplicaStore } from "../../src/storage/redis/replica.js";
import type { CatalogStore, ComponentFilter, SearchQuery } from "../../src/storage/store.js";
import { TEST_REDIS_URL } from "./cache-modes.js";
import { expectCode } from "./contract/helpers.js";
import { newRecord, uniqueName } from "./fixtures.js";
import { dropRedisPrefix } from "./hybrid.harness.js";
import { consumerContractState, listAll, seed, seedConsumerContract, snapshotOf } from "./replica-fixtures.js";
import { readsFromReplica, TEST_PRIMARY } from "./replica-harness.js";

const opened: Array<{ close(): Promise<void> }> = [];
const prefixes: string[] = [];
afterAll(async () => {
  for (const store of opened) await store.close();
  for (const prefix of prefixes) await dropRedisPrefix(prefix);
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

function freshPrefix(): string {
  const prefix = `nestor-replica-test:${randomBytes(4).toString("hex")}:`;
  prefixes.push(prefix);
  return prefix;
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

  it("answers yanks, policies and registrations as the primary does, applied and rebuilt", async () => {
    const primary = new MemoryCatalogStore();
    const applied = await replicaAt(freshPrefix());
    const { names, consumers } = await seedConsumerContract(readsFromReplica(applied, primary));
    const expected = await consumerContractState(primary, names, consumers);
    expect(expected).toMatchObject({ latest: [`${names[0]}@1.1.0`], policies: [{ mode: "full_transitive" }, {}] });
    expect(await consumerContractState(applied, names, consumers)).toEqual(expected);
    const rebuilt = await replicaAt(freshPrefix());
    const { current } = await primary.revisionBounds();
    await rebuilt.rebuild(TEST_PRIMARY, snapshotOf(primary, current - 6));
    expect(await consumerContractState(rebuilt, names, consumers)).toEqual(expected);
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
