/**
 * MySQL-specific behaviour beyond the shared contract, on the
 * scripts/services/mariadb.sh server: migrations under GET_LOCK (concurrent
 * migrators, a failing migration undone step by step and named, down and up
 * again), replicas with separate pools (one winner, gapless revisions, a
 * write waking another replica by polling), the revision counter, and a
 * write blocked on the revision row retried a bounded number of times, then
 * UNAVAILABLE.
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import { isCatalogError } from "../../src/errors/index.js";
import { silentLogger } from "../../src/logging/index.js";
import { createPool, MAX_TRANSACTION_ATTEMPTS } from "../../src/storage/mysql/client.js";
import { openMysqlStore } from "../../src/storage/mysql/index.js";
import { MIGRATIONS, migrateMysql, mysqlMigrationTarget } from "../../src/storage/mysql/migrate.js";
import { type Migration, revertMigration } from "../../src/storage/sql/migrate.js";
import type { CatalogStore } from "../../src/storage/store.js";
import { expectCode, metaClock, newRecord, uniqueName } from "./contract/index.js";
import { adminQuery, databaseUrl, dropDatabase, freshDatabase, testConfig } from "./mysql.harness.js";

const databases: string[] = [];
const stores: CatalogStore[] = [];

async function newDatabase(): Promise<string> {
  const database = await freshDatabase();
  databases.push(database);
  return database;
}

async function openReplica(database: string, overrides = {}): Promise<CatalogStore> {
  const store = await openMysqlStore(testConfig(database, overrides), silentLogger);
  stores.push(store);
  return store;
}

async function tables(database: string): Promise<string[]> {
  const rows = await adminQuery<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name",
    [database],
  );
  return rows.map((row) => row.name);
}

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  for (const database of databases) await dropDatabase(database);
});

const BROKEN: Migration = {
  id: "29991231_999_broken",
  steps: [
    { up: "CREATE TABLE half_done (id INT)", down: "DROP TABLE half_done" },
    { up: "CREATE TABLE also_done (id INT)", down: "DROP TABLE also_done" },
    { up: "ALTER TABLE no_such_table ADD COLUMN x INT", down: "SELECT 1" },
  ],
};

describe("mysql migrations", () => {
  it("applies every migration exactly once when two migrators start at the same time", async () => {
    const database = await newDatabase();
    const [first, second] = await Promise.all([
      migrateMysql(testConfig(database), silentLogger),
      migrateMysql(testConfig(database), silentLogger),
    ]);
    const ids = MIGRATIONS.map((migration) => migration.id);
    expect([...first.applied, ...second.applied].sort()).toEqual([...ids].sort());
    expect(first.present).toEqual(ids);
    expect(second.present).toEqual(ids);
    const again = await migrateMysql(testConfig(database), silentLogger);
    expect(again.applied).toEqual([]);
  });

  it("undoes a failing migration's finished steps, leaving the schema as it was, and names it", async () => {
    const database = await newDatabase();
    await migrateMysql(testConfig(database), silentLogger);
    const before = await tables(database);
    const err = await expectCode(migrateMysql(testConfig(database), silentLogger, [...MIGRATIONS, BROKEN]), "INTERNAL");
    expect(err.message).toContain("migration 29991231_999_broken failed at step 3 of 3");
    expect(err.message).toContain("no_such_table");
    expect(err.message).toContain("its finished steps were undone: the schema is as it was before it");
    expect(await tables(database)).toEqual(before);
    const recorded = await adminQuery<{ id: string }>(`SELECT id FROM \`${database}\`.schema_migrations ORDER BY id`);
    expect(recorded.map((row) => row.id)).toEqual(MIGRATIONS.map((migration) => migration.id));
  });

  async function revert(database: string, id: string): Promise<void> {
    const config = testConfig(database);
    const migration = MIGRATIONS.find((candidate) => candidate.id === id)!;
    const pool = createPool(config, silentLogger, { maxConnections: 1 });
    try {
      await revertMigration(mysqlMigrationTarget(pool, database, config.timeoutMs), migration);
    } finally {
      await pool.end();
    }
  }

  it("reverts a migration with its down steps and applies it again", async () => {
    const database = await newDatabase();
    const config = testConfig(database);
    await migrateMysql(config, silentLogger);
    await revert(database, "20261204_002_sync_state");
    expect(await tables(database)).not.toContain("sync_leases");
    expect((await migrateMysql(config, silentLogger)).applied).toEqual(["20261204_002_sync_state"]);
    expect(await tables(database)).toContain("sync_leases");
  });

  it("reverts the consumer contract on a log without its events, and refuses while the log holds them", async () => {
    const contract = "20261210_004_consumer_contract";
    const database = await newDatabase();
    const store = await openReplica(database);
    const name = uniqueName("mig");
    await store.insertVersion(newRecord(name, "1.0.0"), metaClock()());
    await revert(database, contract);
    expect(await tables(database)).not.toContain("consumers");
    expect((await migrateMysql(testConfig(database), silentLogger)).applied).toEqual([contract]);
    await store.setPolicy(name, "full", metaClock()());
    await expect(revert(database, contract)).rejects.toThrow(contract);
    expect(await tables(database)).toEqual(expect.arrayContaining(["compatibility_policies", "consumers"]));
    expect((await store.getPolicy(name))?.mode).toBe("full");
  });

  it("refuses to open an unmigrated database with FAILED_PRECONDITION when migrateOnStart is off", async () => {
    const database = await newDatabase();
    const err = await expectCode(
      openMysqlStore(testConfig(database, { migrateOnStart: false }), silentLogger),
      "FAILED_PRECONDITION",
    );
    expect(err.message).toContain("nestor-catalog migrate");
    expect(err.message).toContain(database);
  });

  it("fails UNAVAILABLE, naming mysql, when the server cannot be reached", async () => {
    const err = await expectCode(
      openMysqlStore(
        { ...testConfig("nestor"), url: "mysql://nestor:nestor@127.0.0.1:1/nestor", timeoutMs: 2_000 },
        silentLogger,
      ),
      "UNAVAILABLE",
    );
    expect(err.message).toContain("mysql");
  });
});

describe("mysql replicas sharing one database", () => {
  it("lets exactly one of 50 concurrent inserts of one version win across two replicas", async () => {
    const database = await newDatabase();
    const [a, b] = [await openReplica(database), await openReplica(database)];
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

  it("keeps revisions gap-free and in commit order when two replicas write at once and writes fail", async () => {
    const database = await newDatabase();
    const [a, b] = [await openReplica(database), await openReplica(database)];
    const clock = metaClock();
    const refuse = () => {
      throw new Error("refused by the guard");
    };
    const writes = Array.from({ length: 30 }, (_, i) => {
      const store = i % 2 === 0 ? a : b;
      const record = newRecord(uniqueName("gapless"), "1.0.0");
      // Every third write fails inside its transaction: its reserved revision must be given back.
      return i % 3 === 2
        ? store.insertVersion(record, { ...clock(), guard: refuse })
        : store.insertVersion(record, clock());
    });
    const settled = await Promise.allSettled(writes);
    const landed = settled.filter((r) => r.status === "fulfilled").map((r) => r.value.revision);
    expect(landed).toHaveLength(20);
    expect([...landed].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await b.readEvents(0, 100)).map((event) => event.revision)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it("wakes onCommit of another replica (separate pool) by polling the revision", async () => {
    const database = await newDatabase();
    const [writer, follower] = [await openReplica(database), await openReplica(database)];
    const seen: number[] = [];
    const unsubscribe = follower.onCommit((revision) => seen.push(revision));
    try {
      const event = await writer.insertVersion(newRecord(uniqueName("poll"), "1.0.0"), metaClock()());
      await vi.waitFor(() => expect(Math.max(0, ...seen)).toBeGreaterThanOrEqual(event.revision), {
        timeout: 20_000,
        interval: 100,
      });
    } finally {
      unsubscribe();
    }
  });
});

describe("mysql writes blocked on the revision row", () => {
  it("retries a lock wait timeout a bounded number of times, then fails UNAVAILABLE and writes nothing", async () => {
    const database = await newDatabase();
    // innodb_lock_wait_timeout follows timeoutMs (2 s), below the 3.5 s query timeout.
    const store = await openReplica(database, { timeoutMs: 3_500 });
    const name = uniqueName("blocked");
    const mysql = await import("mysql2/promise");
    const holder = await mysql.createConnection({ uri: databaseUrl(database) });
    try {
      await holder.query("START TRANSACTION");
      await holder.query("UPDATE catalog_revision SET current = current");
      const err = await expectCode(store.insertVersion(newRecord(name, "1.0.0"), metaClock()()), "UNAVAILABLE");
      expect(err.message).toContain("lock wait timeout");
      expect(err.message).toContain(`${MAX_TRANSACTION_ATTEMPTS} times`);
      await holder.query("ROLLBACK");
      expect(await store.listVersions(name)).toEqual([]);
      const event = await store.insertVersion(newRecord(name, "1.0.0"), metaClock()());
      expect(event.revision).toBe(1);
    } finally {
      await holder.end();
    }
  }, 60_000);
});
