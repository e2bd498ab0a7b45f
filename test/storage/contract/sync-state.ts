/**
 * The SyncStateStore contract: what every implementation (in-process,
 * postgres, DynamoDB) must do for replicas to share Git sync leases and
 * statuses. Each backend's test file runs it through `makeStore`, which opens
 * another handle on the backend's shared state as a second replica would
 * (its own pool or client); the suite closes every handle it opened.
 *
 * Every case uses its own repository names, so cases never see each other's
 * leases; the status case filters listings by its own prefix. The two-replica
 * sync case expects `openCatalog` to start empty of other components.
 */
import { afterAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../src/catalog/clock.js";
import { Manager } from "../../../src/catalog/manager.js";
import {
  GitSync,
  type RepositorySyncStatus,
  type SyncHooks,
  type SyncStateStore,
} from "../../../src/catalog/sync/index.js";
import { DEFAULT_SYNC_REPOSITORY } from "../../../src/config/schema.js";
import { silentLogger } from "../../../src/logging/index.js";
import { MemoryCatalogStore } from "../../../src/storage/memory/index.js";
import type { CatalogStore } from "../../../src/storage/store.js";
import { definition, definitionYaml, GitFixture, tempDir } from "../../sync/git-fixture.js";

/** A handle on the shared state; the shared backends hold a pool or client that close() gives back. */
export type SyncStateHandle = SyncStateStore & { close?(): Promise<void> };

export interface SyncStateContractOptions {
  /**
   * Whose clock decides when a lease expires: "caller" stores compare with the
   * `now` passed to acquireLease (in-process, DynamoDB), so the suite can step
   * through expiry; "server" stores use their own clock and ignore `now`
   * (postgres), so only a lease with no time left can be shown expiring.
   */
  leaseClock: "caller" | "server";
  /** The catalog the two replicas sync into; a fresh memory store when absent. The suite closes it. */
  openCatalog?: () => Promise<CatalogStore>;
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

export function defineSyncStateContract(
  name: string,
  makeStore: () => Promise<SyncStateHandle>,
  options: SyncStateContractOptions,
): void {
  describe(`SyncStateStore contract: ${name}`, () => {
    const opened: SyncStateHandle[] = [];
    const open = async () => {
      const state = await makeStore();
      opened.push(state);
      return state;
    };
    const twoReplicas = async () => [await open(), await open()] as const;

    afterAll(async () => {
      for (const state of opened) await state.close?.();
    });

    it("gives a lease to one holder; the holder renews it; only the holder's release frees it", async () => {
      const [a, b] = await twoReplicas();
      const now = new Date("2026-11-26T12:00:00.000Z");
      expect(await a.acquireLease("repo-1", "replica-a", 60_000, now)).toBe(true);
      expect(await b.acquireLease("repo-1", "replica-b", 60_000, now)).toBe(false);
      expect(await a.acquireLease("repo-1", "replica-a", 60_000, now)).toBe(true);
      await b.releaseLease("repo-1", "replica-b");
      expect(await b.acquireLease("repo-1", "replica-b", 60_000, now)).toBe(false);
      await a.releaseLease("repo-1", "replica-a");
      expect(await b.acquireLease("repo-1", "replica-b", 60_000, now)).toBe(true);
    });

    it("treats a lease with no time left as expired", async () => {
      const [a, b] = await twoReplicas();
      const now = new Date("2026-11-26T12:00:00.000Z");
      expect(await b.acquireLease("repo-0ttl", "replica-b", 0, now)).toBe(true);
      expect(await a.acquireLease("repo-0ttl", "replica-a", 60_000, now)).toBe(true);
    });

    if (options.leaseClock === "caller") {
      it("lets another holder take a lease once it has expired by the caller's clock, and not before", async () => {
        const [a, b] = await twoReplicas();
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
    }

    it("keeps leases of different repositories apart", async () => {
      const [a, b] = await twoReplicas();
      const now = new Date("2026-11-26T12:00:00.000Z");
      expect(await a.acquireLease("repo-3", "replica-a", 60_000, now)).toBe(true);
      expect(await b.acquireLease("repo-4", "replica-b", 60_000, now)).toBe(true);
    });

    it("shares statuses between replicas and lists them by repository", async () => {
      const [a, b] = await twoReplicas();
      await a.putStatus(status("status-b", "0123abcd"));
      await b.putStatus(status("status-a", "4567ef01"));
      expect(await b.getStatus("status-b")).toEqual(status("status-b", "0123abcd"));
      await b.putStatus(status("status-b", "89abcdef"));
      expect(await a.getStatus("status-b")).toEqual(status("status-b", "89abcdef"));
      expect(await b.getStatus("missing")).toBeUndefined();
      const listed = (await a.listStatuses()).filter((s) => s.repository.startsWith("status-"));
      expect(listed).toEqual([status("status-a", "4567ef01"), status("status-b", "89abcdef")]);
    });

    it("lets one of two replicas sync a repository while the other skips it", async () => {
      const repo = new GitFixture();
      const catalog = options.openCatalog ? await options.openCatalog() : new MemoryCatalogStore();
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
              repositories: [{ ...DEFAULT_SYNC_REPOSITORY, name: "contract-defs", url: repo.dir, pollIntervalMs: 0 }],
              cacheDir: tempDir("nestor-sync-cache-"),
              leaseTtlMs: 60_000,
            },
            manager: new Manager(catalog, systemClock, silentLogger),
            state: await open(),
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

        const firstRun = first.syncNow("contract-defs");
        await inFirstFile;
        const skipped = await second.syncNow("contract-defs");
        release();

        expect(skipped.state).toBe("skipped");
        expect(await firstRun).toMatchObject({ state: "succeeded", commit: head, counts: { created: 2 } });
        expect((await second.getStatus("contract-defs")).lastSyncedCommit).toBe(head);
        // Where sync state shares storage with the catalog (DynamoDB's table), it must not show up in it.
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
  });
}
