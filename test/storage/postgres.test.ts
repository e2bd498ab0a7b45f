/**
 * PostgreSQL-specific behaviour beyond the shared contract: migrations under
 * concurrency, conflicts between replicas (separate pools), NOTIFY reaching
 * other replicas, and startup failures.
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import { isCatalogError } from "../../src/errors/index.js";
import { silentLogger } from "../../src/logging/index.js";
import {
  MIGRATIONS,
  migratePostgres,
  openPostgresStore,
  type PostgresCatalogStore,
} from "../../src/storage/postgres/index.js";
import { expectCode, metaClock, newRecord, uniqueName } from "./contract/index.js";
import { adminQuery, dropSchema, freshSchemaName, testConfig } from "./postgres.harness.js";

const schemas: string[] = [];
const stores: PostgresCatalogStore[] = [];

function newSchema(): string {
  const schema = freshSchemaName();
  schemas.push(schema);
  return schema;
}

async function openReplica(schema: string): Promise<PostgresCatalogStore> {
  const store = await openPostgresStore(testConfig(schema), silentLogger);
  stores.push(store);
  return store;
}

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  for (const schema of schemas) await dropSchema(schema);
});

describe("postgres migrations", () => {
  it("applies every migration exactly once when two migrators start at the same time", async () => {
    const schema = newSchema();
    const [first, second] = await Promise.all([
      migratePostgres(testConfig(schema), silentLogger),
      migratePostgres(testConfig(schema), silentLogger),
    ]);
    const ids = MIGRATIONS.map((migration) => migration.id);
    expect([...first.applied, ...second.applied].sort()).toEqual([...ids].sort());
    expect(first.present).toEqual(ids);
    expect(second.present).toEqual(ids);
    const recorded = await adminQuery<{ id: string }>(`SELECT id FROM ${schema}.schema_migrations`);
    expect(recorded.map((row) => row.id)).toEqual(ids);
  });

  it("does nothing when run again on a migrated schema", async () => {
    const schema = newSchema();
    await migratePostgres(testConfig(schema), silentLogger);
    const again = await migratePostgres(testConfig(schema), silentLogger);
    expect(again.applied).toEqual([]);
  });

  it("refuses to open an unmigrated schema with FAILED_PRECONDITION when migrateOnStart is off", async () => {
    const schema = newSchema();
    const err = await expectCode(
      openPostgresStore(testConfig(schema, { migrateOnStart: false }), silentLogger),
      "FAILED_PRECONDITION",
    );
    expect(err.message).toContain("nestor-catalog migrate");
    await migratePostgres(testConfig(schema), silentLogger);
    const store = await openPostgresStore(testConfig(schema, { migrateOnStart: false }), silentLogger);
    stores.push(store);
    expect((await store.health()).ok).toBe(true);
  });
});

describe("postgres replicas sharing one schema", () => {
  it("lets exactly one of 50 concurrent inserts of one version win across two replicas", async () => {
    const schema = newSchema();
    const [a, b] = [await openReplica(schema), await openReplica(schema)];
    const name = uniqueName("replica-race");
    const clock = metaClock();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).insertVersion(newRecord(name, "1.0.0"), clock())),
    );
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(rejected.every((r) => isCatalogError(r.reason, "ALREADY_EXISTS"))).toBe(true);
    expect(await a.revisionBounds()).toEqual({ current: 1, compacted: 0 });
  });

  it("keeps revisions gap-free when two replicas write at once", async () => {
    const schema = newSchema();
    const [a, b] = [await openReplica(schema), await openReplica(schema)];
    const clock = metaClock();
    const events = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 === 0 ? a : b).insertVersion(newRecord(uniqueName("gapless"), "1.0.0"), clock()),
      ),
    );
    const revisions = events.map((event) => event.revision).sort((x, y) => x - y);
    expect(revisions).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect((await b.readEvents(0, 100)).map((event) => event.revision)).toEqual(revisions);
  });

  it("wakes onCommit of another replica (separate pool) through NOTIFY", async () => {
    const schema = newSchema();
    const [writer, follower] = [await openReplica(schema), await openReplica(schema)];
    const seen: number[] = [];
    follower.onCommit((revision) => seen.push(revision));
    expect(await follower.listening(10_000)).toBe(true);
    const event = await writer.insertVersion(newRecord(uniqueName("notify"), "1.0.0"), metaClock()());
    await vi.waitFor(() => expect(seen).toContain(event.revision), { timeout: 20_000, interval: 100 });
  });

  it("does not wake replicas of another schema in the same database", async () => {
    const mySchema = newSchema();
    const [mine, writer, other] = [
      await openReplica(mySchema),
      await openReplica(mySchema),
      await openReplica(newSchema()),
    ];
    const [mineSeen, otherSeen]: number[][] = [[], []];
    mine.onCommit((revision) => mineSeen.push(revision));
    other.onCommit((revision) => otherSeen.push(revision));
    expect(await mine.listening(10_000)).toBe(true);
    expect(await other.listening(10_000)).toBe(true);
    const event = await writer.insertVersion(newRecord(uniqueName("schema-notify"), "1.0.0"), metaClock()());
    await vi.waitFor(() => expect(mineSeen).toContain(event.revision), { timeout: 20_000, interval: 100 });
    expect(otherSeen).toEqual([]);
  });
});

describe("postgres input it cannot store", () => {
  it("refuses text with a NUL character as INVALID_ARGUMENT and writes nothing", async () => {
    const store = await openReplica(newSchema());
    const name = uniqueName("nul");
    await expectCode(
      store.insertVersion(newRecord(name, "1.0.0", { description: "before\u0000after" }), metaClock()()),
      "INVALID_ARGUMENT",
    );
    await expectCode(
      store.insertVersion(newRecord(name, "1.0.0", { labels: { team: "a\u0000b" } }), metaClock()()),
      "INVALID_ARGUMENT",
    );
    expect(await store.revisionBounds()).toEqual({ current: 0, compacted: 0 });
    expect(await store.listVersions(name)).toEqual([]);
  });

  it("rejects a cursor of another order with INVALID_ARGUMENT", async () => {
    const store = await openReplica(newSchema());
    const clock = metaClock();
    for (const name of [uniqueName("cur"), uniqueName("cur")])
      await store.insertVersion(newRecord(name, "1.0.0"), clock());
    const byName = {
      filter: { includeDeprecated: true },
      allVersions: false,
      orderBy: { field: "name" as const, descending: false },
    };
    const first = await store.list({ ...byName, pageSize: 1 });
    expect(first.nextCursor).toBeDefined();
    await expectCode(
      store.list({
        ...byName,
        orderBy: { field: "updateTime", descending: false },
        pageSize: 1,
        cursor: first.nextCursor!,
      }),
      "INVALID_ARGUMENT",
    );
    await expectCode(
      store.list({ ...byName, allVersions: true, pageSize: 1, cursor: first.nextCursor! }),
      "INVALID_ARGUMENT",
    );
  });
});

describe("postgres startup", () => {
  it("fails to open with UNAVAILABLE naming postgres when nothing listens", async () => {
    const err = await expectCode(
      openPostgresStore(
        testConfig(freshSchemaName(), { url: "postgres://nestor:nestor@127.0.0.1:1/nestor", timeoutMs: 2_000 }),
        silentLogger,
      ),
      "UNAVAILABLE",
    );
    expect(err.message).toMatch(/^postgres is unavailable: /);
  });

  it("builds the connection from host, port, database, user and password when no url is set", async () => {
    const url = new URL(testConfig("x").url);
    const store = await openPostgresStore(
      testConfig(newSchema(), {
        url: "",
        host: url.hostname,
        port: Number(url.port || 5432),
        database: url.pathname.slice(1),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
      }),
      silentLogger,
    );
    stores.push(store);
    expect((await store.health()).ok).toBe(true);
  });
});
