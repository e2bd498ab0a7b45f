/**
 * The DynamoDB SyncStateStore against moto (scripts/services/moto.sh): the
 * shared contract (two replicas are two stores with separate clients, syncing
 * into a DynamoDB catalog on the same table), the missing-table error, and a
 * server on DynamoDB storage keeping its sync status there. A fresh table per
 * run, deleted afterwards.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startCatalogServer } from "../../src/app.js";
import type { RepositorySyncStatus } from "../../src/catalog/sync/index.js";
import { DEFAULT_CONFIG, DEFAULT_SYNC_REPOSITORY, type DynamoDbConfig } from "../../src/config/schema.js";
import { CatalogError } from "../../src/errors/index.js";
import { silentLogger } from "../../src/logging/index.js";
import { migrateDynamoDb, openDynamoStore } from "../../src/storage/dynamodb/index.js";
import { DynamoSyncStateStore } from "../../src/storage/dynamodb/sync-state.js";
import { testConfig } from "../api/harness.js";
import { defineSyncStateContract } from "../storage/contract/sync-state.js";
import { TEST_DYNAMODB_ENDPOINT } from "../storage/dynamodb.harness.js";
import { definition, definitionYaml, GitFixture, tempDir } from "./git-fixture.js";

vi.setConfig({ testTimeout: 120_000 });
process.env.AWS_ACCESS_KEY_ID ??= "test";
process.env.AWS_SECRET_ACCESS_KEY ??= "test";

const config: DynamoDbConfig = {
  ...DEFAULT_CONFIG.storage.dynamodb,
  tableName: `nestor-test-sync-${randomBytes(4).toString("hex")}`,
  endpoint: TEST_DYNAMODB_ENDPOINT,
  region: "us-east-1",
  timeoutMs: 10_000,
  pollIntervalMs: 50,
  migrateOnStart: false,
};
const openState = () => DynamoSyncStateStore.open<RepositorySyncStatus>(config, silentLogger);

beforeAll(async () => {
  if (process.env.NESTOR_TEST_DYNAMODB_ENDPOINT === undefined) {
    execFileSync("bash", ["scripts/services/moto.sh"], { stdio: ["ignore", "ignore", "inherit"] });
  }
  await migrateDynamoDb(config, silentLogger);
}, 300_000);

afterAll(async () => {
  const client = new DynamoDBClient({ endpoint: TEST_DYNAMODB_ENDPOINT, region: "us-east-1" });
  await client.send(new DeleteTableCommand({ TableName: config.tableName })).catch(() => undefined);
  client.destroy();
});

// Defined first: its sync case expects the table's catalog to hold only what it syncs.
defineSyncStateContract("dynamodb", openState, {
  leaseClock: "caller",
  openCatalog: () => openDynamoStore(config, silentLogger),
});

describe("dynamodb sync state", () => {
  it("refuses to open on a missing table, telling the operator to run migrate", async () => {
    const err = await DynamoSyncStateStore.open(
      { ...config, tableName: `${config.tableName}-absent` },
      silentLogger,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CatalogError);
    expect((err as CatalogError).code).toBe("FAILED_PRECONDITION");
    expect((err as CatalogError).message).toContain("nestor-catalog migrate");
  });

  it("is what a server on DynamoDB storage keeps its sync status in", async () => {
    const repo = new GitFixture();
    try {
      repo.write("a.yaml", definitionYaml(definition({ name: "comp-served" })));
      const head = repo.commit("one");
      const server = await startCatalogServer(
        testConfig((c) => {
          c.storage.type = "dynamodb";
          c.storage.dynamodb = config;
          c.sync.cacheDir = tempDir("nestor-sync-cache-");
          c.sync.repositories = [{ ...DEFAULT_SYNC_REPOSITORY, name: "served-defs", url: repo.dir, pollIntervalMs: 0 }];
        }),
        silentLogger,
      );
      try {
        expect(await server.sync.syncNow("served-defs")).toMatchObject({ state: "succeeded", commit: head });
      } finally {
        await server.shutdown();
      }
      // Another replica reads the status straight from the table.
      const replica = await openState();
      try {
        expect((await replica.getStatus("served-defs"))?.lastSyncedCommit).toBe(head);
      } finally {
        await replica.close();
      }
    } finally {
      repo.cleanup();
    }
  });
});
