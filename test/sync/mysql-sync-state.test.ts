/**
 * The MySQL SyncStateStore against the scripts/services/mariadb.sh server:
 * the shared contract (two replicas are two stores with separate pools on
 * one fresh database), expiry by the database's clock, and a server on
 * MySQL storage keeping its sync status there (the factory opens it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RepositorySyncStatus } from "../../src/catalog/sync/index.js";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { openSharedSyncState } from "../../src/storage/factory.js";
import { migrateMysql } from "../../src/storage/mysql/migrate.js";
import { MysqlSyncStateStore } from "../../src/storage/mysql/sync-state.js";
import { defineSyncStateContract } from "../storage/contract/sync-state.js";
import { createDatabase, dropDatabase, freshDatabaseName, testConfig } from "../storage/mysql.harness.js";

const database = freshDatabaseName();
const config = testConfig(database);
const openState = () => MysqlSyncStateStore.open<RepositorySyncStatus>(config, silentLogger);

beforeAll(async () => {
  await createDatabase(database);
  await migrateMysql(config, silentLogger);
});

afterAll(async () => {
  await dropDatabase(database);
});

defineSyncStateContract("mysql", openState, { leaseClock: "server" });

describe("mysql sync state", () => {
  it("decides lease expiry by the database's clock, whatever `now` the replicas pass", async () => {
    const [a, b] = [await openState(), await openState()];
    try {
      expect(await a.acquireLease("repo-db-clock", "replica-a", 60_000, new Date("2000-01-01T00:00:00.000Z"))).toBe(
        true,
      );
      expect(await b.acquireLease("repo-db-clock", "replica-b", 60_000, new Date("2999-01-01T00:00:00.000Z"))).toBe(
        false,
      );
      // The holder renews its own lease.
      expect(await a.acquireLease("repo-db-clock", "replica-a", 60_000, new Date())).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("is what the factory opens for storage.type mysql", async () => {
    const storage = { ...DEFAULT_CONFIG.storage, type: "mysql" as const, mysql: config };
    const shared = await openSharedSyncState<RepositorySyncStatus>(storage, silentLogger);
    try {
      expect(shared).toBeInstanceOf(MysqlSyncStateStore);
    } finally {
      await shared?.close();
    }
  });
});
