/**
 * The DynamoDB SyncStateStore against moto (scripts/services/moto.sh): lease
 * rules, shared statuses, and two replicas (separate clients) syncing one
 * repository into a DynamoDB catalog on the same table. A fresh table per
 * run, deleted afterwards.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startCatalogServer } from "../../src/app.js";
import { systemClock } from "../../src/catalog/clock.js";
import { Manager } from "../../src/catalog/manager.js";
import { GitSync, type RepositorySyncStatus, type SyncHooks } from "../../src/catalog/sync/index.js";
import { DEFAULT_CONFIG, DEFAULT_SYNC_REPOSITORY, type DynamoDbConfig } from "../../src/config/schema.js";
import { CatalogError } from "../../src/errors/index.js";
import { silentLogger } from "../../src/logging/index.js";
import { migrateDynamoDb, openDynamoStore } from "../../src/storage/dynamodb/index.js";
import { DynamoSyncStateStore } from "../../src/storage/dynamodb/sync-state.js";
import { testConfig } from "../api/harness.js";
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
const opened: Array<DynamoSyncStateStore<RepositorySyncStatus>> = [];

async function openState(): Promise<DynamoSyncStateStore<RepositorySyncStatus>> {
  const state = await DynamoSyncStateStore.open<RepositorySyncStatus>(config, silentLogger);
  opened.push(state);
  return state;
}

function status(repository: string, commit: string): RepositorySyncStatus {
  return {
    repository,
    url: `/srv/git/${repository}`,
    branch: "main",
    lastSyncedCommit: commit,
    lastSyncTime: "2026-11-26T12:00:00.000Z",
    fileErrors: [{ path: "a.yaml", line: 3, message: "bad", commit }],
    recentRuns: [],
  };
}

beforeAll(async () => {
  if (process.env.NESTOR_TEST_DYNAMODB_ENDPOINT === undefined) {
    execFileSync("bash", ["scripts/services/moto.sh"], { stdio: ["ignore", "ignore", "inherit"] });
  }
  await migrateDynamoDb(config, silentLogger);
}, 300_000);

afterAll(async () => {
  for (const state of opened) await state.close();
  const client = new DynamoDBClient({ endpoint: TEST_DYNAMODB_ENDPOINT, region: "us-east-1" });
  await client.send(new DeleteTableCommand({ TableName: config.tableName })).catch(() => undefined);
  client.destroy();
});

describe("dynamodb sync state", () => {
  it("gives a lease to one holder; the holder renews it; a release frees it", async () => {
    const [a, b] = [await openState(), await openState()];
    const now = new Date("2026-11-26T12:00:00.000Z");
    expect(await a.acquireLease("repo-1", "replica-a", 60_000, now)).toBe(true);
    expect(await b.acquireLease("repo-1", "replica-b", 60_000, now)).toBe(false);
    expect(await a.acquireLease("repo-1", "replica-a", 60_000, now)).toBe(true);
    await b.releaseLease("repo-1", "replica-b");
    expect(await b.acquireLease("repo-1", "replica-b", 60_000, now)).toBe(false);
    await a.releaseLease("repo-1", "replica-a");
    expect(await b.acquireLease("repo-1", "replica-b", 60_000, now)).toBe(true);
  });

  it("lets another holder take a lease once it has expired, and not before", async () => {
    const [a, b] = [await openState(), await openState()];
    const start = new Date("2026-11-26T12:00:00.000Z");
    const at = (ms: number) => new Date(start.getTime() + ms);
    expect(await a.acquireLease("repo-2", "replica-a", 10_000, start)).toBe(true);
    expect(await b.acquireLease("repo-2", "replica-b", 10_000, at(9_999))).toBe(false);
    // replica-a renews at 5 s: its lease now runs until 15 s.
    expect(await a.acquireLease("repo-2", "replica-a", 10_000, at(5_000))).toBe(true);
    expect(await b.acquireLease("repo-2", "replica-b", 10_000, at(10_000))).toBe(false);
    expect(await b.acquireLease("repo-2", "replica-b", 10_000, at(15_000))).toBe(true);
    // replica-a lost it: it can neither renew nor release replica-b's lease.
    expect(await a.acquireLease("repo-2", "replica-a", 10_000, at(16_000))).toBe(false);
    await a.releaseLease("repo-2", "replica-a");
    expect(await a.acquireLease("repo-2", "replica-a", 10_000, at(24_999))).toBe(false);
  });

  it("keeps leases of different repositories apart", async () => {
    const [a, b] = [await openState(), await openState()];
    const now = new Date("2026-11-26T12:00:00.000Z");
    expect(await a.acquireLease("repo-3", "replica-a", 60_000, now)).toBe(true);
    expect(await b.acquireLease("repo-4", "replica-b", 60_000, now)).toBe(true);
  });

  it("shares statuses between replicas and lists them by repository", async () => {
    const [a, b] = [await openState(), await openState()];
    await a.putStatus(status("status-b", "0123abcd"));
    await b.putStatus(status("status-a", "4567ef01"));
    expect(await b.getStatus("status-b")).toEqual(status("status-b", "0123abcd"));
    await b.putStatus(status("status-b", "89abcdef"));
    expect(await a.getStatus("status-b")).toEqual(status("status-b", "89abcdef"));
    expect(await b.getStatus("missing")).toBeUndefined();
    const listed = (await a.listStatuses()).filter((s) => s.repository.startsWith("status-"));
    expect(listed).toEqual([status("status-a", "4567ef01"), status("status-b", "89abcdef")]);
  });

  it("refuses to open on a missing table, telling the operator to run migrate", async () => {
    const err = await DynamoSyncStateStore.open({ ...config, tableName: `${config.tableName}-absent` }, silentLogger).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CatalogError);
    expect((err as CatalogError).code).toBe("FAILED_PRECONDITION");
    expect((err as CatalogError).message).toContain("nestor-catalog migrate");
  });

  it("lets one of two replicas on one table sync a repository; the other skips", async () => {
    const repo = new GitFixture();
    const catalog = await openDynamoStore(config, silentLogger);
    try {
      repo.write("a.yaml", definitionYaml(definition({ name: "comp-a" })));
      repo.write("b.yaml", definitionYaml(definition({ name: "comp-b" })));
      const head = repo.commit("two");
      let release!: () => void;
      const paused = new Promise<void>((resolve) => (release = resolve));
      let reached!: () => void;
      const inFirstFile = new Promise<void>((resolve) => (reached = resolve));
      const replica = async (holder: string, hooks?: SyncHooks) =>
        new GitSync({
          config: {
            repositories: [{ ...DEFAULT_SYNC_REPOSITORY, name: "ddb-defs", url: repo.dir, pollIntervalMs: 0 }],
            cacheDir: tempDir("nestor-sync-cache-"),
            leaseTtlMs: 60_000,
          },
          manager: new Manager(catalog, systemClock, silentLogger),
          state: await openState(),
          clock: systemClock,
          logger: silentLogger,
          holder,
          ...(hooks ? { hooks } : {}),
        });
      const first = await replica("replica-1", {
        async afterFile() {
          reached();
          await paused;
        },
      });
      const second = await replica("replica-2");

      const firstRun = first.syncNow("ddb-defs");
      await inFirstFile;
      const skipped = await second.syncNow("ddb-defs");
      release();

      expect(skipped.state).toBe("skipped");
      expect(await firstRun).toMatchObject({ state: "succeeded", commit: head, counts: { created: 2 } });
      expect((await second.getStatus("ddb-defs")).lastSyncedCommit).toBe(head);
      // The sync items share the table with the catalog without showing up in it.
      const page = await catalog.list({
        filter: { includeDeprecated: true },
        allVersions: false,
        orderBy: { field: "name", descending: false },
        pageSize: 50,
      });
      expect(page.items.map((record) => record.name)).toEqual(["comp-a", "comp-b"]);
      await Promise.all([first.close(), second.close()]);
    } finally {
      await catalog.close();
      repo.cleanup();
    }
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
      expect((await (await openState()).getStatus("served-defs"))?.lastSyncedCommit).toBe(head);
    } finally {
      repo.cleanup();
    }
  });
});
