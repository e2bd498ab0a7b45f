/**
 * The postgres SyncStateStore against the real server from
 * scripts/services/postgres.sh: lease rules, shared statuses, and two
 * replicas (separate pools) syncing one repository.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/catalog/clock.js";
import { Manager } from "../../src/catalog/manager.js";
import { GitSync, type RepositorySyncStatus, type SyncHooks } from "../../src/catalog/sync/index.js";
import { DEFAULT_SYNC_REPOSITORY } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { MemoryCatalogStore } from "../../src/storage/memory/index.js";
import { migratePostgres } from "../../src/storage/postgres/migrations.js";
import { PostgresSyncStateStore } from "../../src/storage/postgres/sync-state.js";
import { dropSchema, freshSchemaName, testConfig } from "../storage/postgres.harness.js";
import { definition, definitionYaml, GitFixture, tempDir } from "./git-fixture.js";

const schema = freshSchemaName();
const config = testConfig(schema);
const opened: Array<PostgresSyncStateStore<RepositorySyncStatus>> = [];

async function openState(): Promise<PostgresSyncStateStore<RepositorySyncStatus>> {
  const state = await PostgresSyncStateStore.open<RepositorySyncStatus>(config, silentLogger);
  opened.push(state);
  return state;
}

beforeAll(async () => {
  await migratePostgres(config, silentLogger);
});

afterAll(async () => {
  for (const state of opened) await state.close();
  await dropSchema(schema);
});

describe("postgres sync state", () => {
  it("gives a lease to one holder until it is released or expires", async () => {
    const [a, b] = [await openState(), await openState()];
    const now = new Date();
    expect(await a.acquireLease("repo-1", "replica-a", 60_000, now)).toBe(true);
    expect(await b.acquireLease("repo-1", "replica-b", 60_000, now)).toBe(false);
    expect(await a.acquireLease("repo-1", "replica-a", 60_000, now)).toBe(true);
    await b.releaseLease("repo-1", "replica-b");
    expect(await b.acquireLease("repo-1", "replica-b", 60_000, now)).toBe(false);
    await a.releaseLease("repo-1", "replica-a");
    expect(await b.acquireLease("repo-1", "replica-b", 0, now)).toBe(true);
    // replica-b's lease had no time left, so it is already expired.
    expect(await a.acquireLease("repo-1", "replica-a", 60_000, now)).toBe(true);
  });

  it("shares statuses between replicas", async () => {
    const [a, b] = [await openState(), await openState()];
    const status: RepositorySyncStatus = {
      repository: "repo-2",
      url: "/srv/git/repo-2",
      branch: "main",
      lastSyncedCommit: "0123abcd",
      lastSyncTime: "2026-11-26T12:00:00.000Z",
      fileErrors: [{ path: "a.yaml", line: 3, message: "bad", commit: "0123abcd" }],
      recentRuns: [],
    };
    await a.putStatus(status);
    expect(await b.getStatus("repo-2")).toEqual(status);
    expect((await b.listStatuses()).map((s) => s.repository)).toContain("repo-2");
    expect(await b.getStatus("missing")).toBeUndefined();
  });

  it("lets one of two replicas with separate pools sync a repository; the other skips", async () => {
    const repo = new GitFixture();
    try {
      repo.write("a.yaml", definitionYaml(definition({ name: "comp-a" })));
      repo.write("b.yaml", definitionYaml(definition({ name: "comp-b" })));
      const head = repo.commit("two");
      const store = new MemoryCatalogStore();
      let release!: () => void;
      const paused = new Promise<void>((resolve) => (release = resolve));
      let reached!: () => void;
      const inFirstFile = new Promise<void>((resolve) => (reached = resolve));
      const replica = async (holder: string, hooks?: SyncHooks) =>
        new GitSync({
          config: {
            repositories: [{ ...DEFAULT_SYNC_REPOSITORY, name: "pg-defs", url: repo.dir, pollIntervalMs: 0 }],
            cacheDir: tempDir("nestor-sync-cache-"),
            leaseTtlMs: 60_000,
          },
          manager: new Manager(store, systemClock, silentLogger),
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

      const firstRun = first.syncNow("pg-defs");
      await inFirstFile;
      const skipped = await second.syncNow("pg-defs");
      release();

      expect(skipped.state).toBe("skipped");
      expect(await firstRun).toMatchObject({ state: "succeeded", commit: head, counts: { created: 2 } });
      expect((await second.getStatus("pg-defs")).lastSyncedCommit).toBe(head);
      await Promise.all([first.close(), second.close()]);
    } finally {
      repo.cleanup();
    }
  });
});
