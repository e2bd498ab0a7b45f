/**
 * The postgres SyncStateStore against the real server from
 * scripts/services/postgres.sh: the shared contract (two replicas are two
 * stores with separate pools on one fresh schema), and expiry by the
 * database's clock.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RepositorySyncStatus } from "../../src/catalog/sync/index.js";
import { silentLogger } from "../../src/logging/index.js";
import { migratePostgres } from "../../src/storage/postgres/migrate.js";
import { PostgresSyncStateStore } from "../../src/storage/postgres/sync-state.js";
import { defineSyncStateContract } from "../storage/contract/sync-state.js";
import { dropSchema, freshSchemaName, testConfig } from "../storage/postgres.harness.js";

const schema = freshSchemaName();
const config = testConfig(schema);
const openState = () => PostgresSyncStateStore.open<RepositorySyncStatus>(config, silentLogger);

beforeAll(async () => {
  await migratePostgres(config, silentLogger);
});

afterAll(async () => {
  await dropSchema(schema);
});

defineSyncStateContract("postgres", openState, { leaseClock: "server" });

describe("postgres sync state", () => {
  it("decides lease expiry by the database's clock, whatever `now` the replicas pass", async () => {
    const [a, b] = [await openState(), await openState()];
    try {
      expect(await a.acquireLease("repo-db-clock", "replica-a", 60_000, new Date("2000-01-01T00:00:00.000Z"))).toBe(
        true,
      );
      // A replica whose clock runs far ahead still sees replica-a's lease as live.
      expect(await b.acquireLease("repo-db-clock", "replica-b", 60_000, new Date("2999-01-01T00:00:00.000Z"))).toBe(
        false,
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
