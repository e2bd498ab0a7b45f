import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/catalog/clock.js";
import { Manager } from "../../src/catalog/manager.js";
import { GitSync, InProcessSyncStateStore, type SyncHooks, type SyncStateStore } from "../../src/catalog/sync/index.js";
import { DEFAULT_SYNC_REPOSITORY, type SyncRepositoryConfig } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { MemoryCatalogStore } from "../../src/storage/memory/index.js";
import { isComponentEvent } from "../../src/storage/records.js";
import type { CatalogStore } from "../../src/storage/store.js";
import { definition, definitionYaml, GitFixture, tempDir } from "./git-fixture.js";

interface Replica {
  sync: GitSync;
  manager: Manager;
  store: CatalogStore;
  state: SyncStateStore;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function origin(): GitFixture {
  const fixture = new GitFixture();
  cleanups.push(() => fixture.cleanup());
  return fixture;
}

function replica(
  repo: GitFixture,
  options: {
    repository?: Partial<SyncRepositoryConfig>;
    hooks?: SyncHooks;
    shared?: { store: CatalogStore; state: SyncStateStore };
    holder?: string;
  } = {},
): Replica {
  const store = options.shared?.store ?? new MemoryCatalogStore();
  const state = options.shared?.state ?? new InProcessSyncStateStore();
  const manager = new Manager(store, systemClock, silentLogger);
  const sync = new GitSync({
    config: {
      repositories: [
        { ...DEFAULT_SYNC_REPOSITORY, name: "defs", url: repo.dir, pollIntervalMs: 0, ...options.repository },
      ],
      cacheDir: tempDir("nestor-sync-cache-"),
      leaseTtlMs: 60_000,
    },
    manager,
    state,
    clock: systemClock,
    logger: silentLogger,
    ...(options.holder ? { holder: options.holder } : {}),
    ...(options.hooks ? { hooks: options.hooks } : {}),
  });
  cleanups.push(() => sync.close());
  return { sync, manager, store, state };
}

async function createdEvents(store: CatalogStore): Promise<string[]> {
  const events = await store.readEvents(0, 10_000);
  return events
    .filter(isComponentEvent)
    .filter((e) => e.type === "created")
    .map((e) => `${e.component.name}@${e.component.version}`);
}

describe("git sync", () => {
  it("publishes every definition of the first sync with its provenance", async () => {
    const repo = origin();
    repo.write(
      "databases/mysql.yaml",
      definitionYaml(definition({ version: "1.0.0" }), definition({ version: "1.1.0" })),
    );
    repo.write("network/vpc.json", JSON.stringify(definition({ name: "aws-vpc", version: "0.1.0" }), null, 2));
    repo.write("README.md", "not a definition");
    const head = repo.commit("initial definitions");
    const { sync, manager } = replica(repo);

    const run = await sync.syncNow("defs");

    expect(run).toMatchObject({
      state: "succeeded",
      commit: head,
      fullScan: true,
      counts: { created: 2, unchanged: 0, failed: 0, removed: 0 },
    });
    const mysql = await manager.get("aws-rds-mysql", "1.1.0");
    expect(mysql.component.source).toEqual({ repository: repo.dir, commit: head, path: "databases/mysql.yaml" });
    expect(mysql.component.inputs[1]).toMatchObject({
      name: "storage_gb",
      type: "integer",
      default: 20,
      required: false,
    });
    expect((await manager.get("aws-vpc", "0.1.0")).component.source?.path).toBe("network/vpc.json");
    const status = await sync.getStatus("defs");
    expect(status).toMatchObject({
      repository: "defs",
      url: repo.dir,
      branch: "main",
      lastSyncedCommit: head,
      fileErrors: [],
    });
    expect(status.recentRuns[0]).toMatchObject({ id: run.id, state: "succeeded" });
  });

  it("reads only the files a new commit changed", async () => {
    const repo = origin();
    repo.write("a.yaml", definitionYaml(definition({ name: "comp-a" })));
    repo.write("b.yaml", definitionYaml(definition({ name: "comp-b" })));
    repo.commit("two components");
    const { sync, manager, store } = replica(repo);
    await sync.syncNow("defs");

    repo.write("a-1.1.yaml", definitionYaml(definition({ name: "comp-a", version: "1.1.0" })));
    const head = repo.commit("comp-a 1.1.0");
    const run = await sync.syncNow("defs");

    expect(run).toMatchObject({
      state: "succeeded",
      commit: head,
      fullScan: false,
      counts: { created: 1, unchanged: 0, failed: 0 },
    });
    expect((await manager.get("comp-a", "latest")).component.version).toBe("1.1.0");
    expect(await createdEvents(store)).toEqual(["comp-a@1.0.0", "comp-b@1.0.0", "comp-a@1.1.0"]);
    expect((await sync.syncNow("defs")).counts).toEqual({ created: 0, unchanged: 0, failed: 0, removed: 0 });
  });

  it("refuses changed content for a published version, keeps the stored one, still syncs the others", async () => {
    const repo = origin();
    repo.write("mysql.yaml", definitionYaml(definition()));
    repo.commit("1.0.0");
    const { sync, manager } = replica(repo);
    await sync.syncNow("defs");
    const before = (await manager.get("aws-rds-mysql", "1.0.0")).component;

    repo.write(
      "mysql.yaml",
      definitionYaml(
        definition({
          outputs: [
            { name: "endpoint", type: "string" },
            { name: "port", type: "integer" },
          ],
        }),
      ),
    );
    repo.write("vpc.yaml", definitionYaml(definition({ name: "aws-vpc" })));
    const head = repo.commit("edit a published version in place");
    const run = await sync.syncNow("defs");

    expect(run).toMatchObject({ state: "succeeded", counts: { created: 1, failed: 1 } });
    const status = await sync.getStatus("defs");
    expect(status.lastSyncedCommit).toBe(head);
    expect(status.fileErrors).toEqual([
      {
        path: "mysql.yaml",
        line: 1,
        commit: head,
        message: expect.stringMatching(/aws-rds-mysql 1\.0\.0 is already published with different content.*immutable/),
      },
    ]);
    expect((await manager.get("aws-rds-mysql", "1.0.0")).component).toEqual(before);
    expect((await manager.get("aws-vpc", "1.0.0")).component.source?.commit).toBe(head);
  });

  it("reports a YAML syntax error with its line and syncs the rest", async () => {
    const repo = origin();
    repo.write(
      "broken.yaml",
      "apiVersion: catalog.nestor.io/v1\nkind: ComponentDefinition\nmetadata:\n  name: [unclosed\n",
    );
    repo.write("good.yaml", definitionYaml(definition()));
    const head = repo.commit("one broken file");
    const { sync, manager } = replica(repo);

    const run = await sync.syncNow("defs");

    expect(run.counts).toMatchObject({ created: 1, failed: 1 });
    const [error] = (await sync.getStatus("defs")).fileErrors;
    expect(error).toMatchObject({ path: "broken.yaml", commit: head, message: expect.stringMatching(/^syntax error/) });
    expect(error!.line).toBeGreaterThanOrEqual(4);
    expect((await manager.get("aws-rds-mysql", "1.0.0")).component.name).toBe("aws-rds-mysql");
  });

  it("names the file, line and field of every invalid field", async () => {
    const repo = origin();
    const bad = definition({
      name: "Bad_Name",
      inputs: [
        { name: "ok", type: "string" },
        { name: "2fast", type: "string" },
      ],
    });
    repo.write("defs/bad.yaml", definitionYaml(bad));
    repo.commit("invalid fields");
    const { sync } = replica(repo);

    await sync.syncNow("defs");

    const errors = (await sync.getStatus("defs")).fileErrors;
    expect(errors).toEqual([
      expect.objectContaining({
        path: "defs/bad.yaml",
        line: 4,
        message: expect.stringMatching(/^metadata\.name: name "Bad_Name" must be a DNS-1123 label/),
      }),
      expect.objectContaining({
        path: "defs/bad.yaml",
        line: 15,
        message: expect.stringMatching(/^spec\.inputs\[1\]\.name: input name "2fast"/),
      }),
    ]);
  });

  it("refuses a breaking change without a major bump and accepts it with one", async () => {
    const repo = origin();
    repo.write("mysql-1.0.yaml", definitionYaml(definition({ version: "1.0.0" })));
    repo.commit("1.0.0");
    const { sync, manager } = replica(repo);
    await sync.syncNow("defs");

    const withoutEndpoint = { outputs: [] };
    repo.write("mysql-1.1.yaml", definitionYaml(definition({ version: "1.1.0", ...withoutEndpoint })));
    repo.write("mysql-2.0.yaml", definitionYaml(definition({ version: "2.0.0", ...withoutEndpoint })));
    repo.commit("drop the endpoint output");
    const run = await sync.syncNow("defs");

    expect(run.counts).toMatchObject({ created: 1, failed: 1 });
    const errors = (await sync.getStatus("defs")).fileErrors;
    expect(errors).toEqual([
      expect.objectContaining({
        path: "mysql-1.1.yaml",
        message: expect.stringMatching(
          /publishing 1\.1\.0 would break consumers of 1\.0\.0.*endpoint.*bump the major version/,
        ),
      }),
    ]);
    await expect(manager.get("aws-rds-mysql", "1.1.0")).rejects.toThrow(/no version 1\.1\.0/);
    expect((await manager.get("aws-rds-mysql", "latest")).component.version).toBe("2.0.0");
  });

  it("keeps the versions of a removed file by default", async () => {
    const repo = origin();
    repo.write("mysql.yaml", definitionYaml(definition()));
    repo.commit("add");
    const { sync, manager } = replica(repo);
    await sync.syncNow("defs");

    repo.remove("mysql.yaml");
    repo.commit("remove");
    const run = await sync.syncNow("defs");

    expect(run.counts.removed).toBe(1);
    expect((await manager.get("aws-rds-mysql", "1.0.0")).component.deprecation.deprecated).toBe(false);
  });

  it("deprecates the versions of a removed file, naming the commit, when configured to", async () => {
    const repo = origin();
    repo.write("mysql.yaml", definitionYaml(definition({ version: "1.0.0" }), definition({ version: "1.1.0" })));
    repo.write("vpc.yaml", definitionYaml(definition({ name: "aws-vpc" })));
    repo.commit("add");
    const { sync, manager } = replica(repo, { repository: { onRemoval: "deprecate" } });
    await sync.syncNow("defs");

    repo.remove("mysql.yaml");
    const removal = repo.commit("remove mysql");
    await sync.syncNow("defs");

    for (const version of ["1.0.0", "1.1.0"]) {
      const { deprecation } = (await manager.get("aws-rds-mysql", version)).component;
      expect(deprecation).toMatchObject({
        deprecated: true,
        message: `removed from ${repo.dir} (mysql.yaml) in commit ${removal}`,
      });
    }
    expect((await manager.get("aws-vpc", "1.0.0")).component.deprecation.deprecated).toBe(false);
  });

  it("does not deprecate a version whose file was only moved", async () => {
    const repo = origin();
    repo.write("mysql.yaml", definitionYaml(definition()));
    repo.commit("add");
    const { sync, manager } = replica(repo, { repository: { onRemoval: "deprecate" } });
    await sync.syncNow("defs");

    repo.git("mv", "mysql.yaml", "databases-mysql.yaml");
    repo.commit("move");
    await sync.syncNow("defs");

    expect((await manager.get("aws-rds-mysql", "1.0.0")).component.deprecation.deprecated).toBe(false);
  });

  it("scans every file after a force-push rewrote the branch", async () => {
    const repo = origin();
    repo.write("a.yaml", definitionYaml(definition({ name: "comp-a" })));
    repo.commit("a");
    repo.write("b.yaml", definitionYaml(definition({ name: "comp-b" })));
    repo.commit("b");
    const { sync, manager, store } = replica(repo, { repository: { onRemoval: "deprecate" } });
    await sync.syncNow("defs");

    repo.git("reset", "-q", "--hard", "HEAD~1");
    repo.write("c.yaml", definitionYaml(definition({ name: "comp-c" })));
    const rewritten = repo.commit("c instead of b");
    const run = await sync.syncNow("defs");

    expect(run).toMatchObject({
      state: "succeeded",
      commit: rewritten,
      fullScan: true,
      counts: { created: 1, unchanged: 1, failed: 0, removed: 1 },
    });
    expect((await manager.get("comp-c", "1.0.0")).component.source?.commit).toBe(rewritten);
    expect((await manager.get("comp-b", "1.0.0")).component.deprecation.deprecated).toBe(true);
    expect(await createdEvents(store)).toEqual(["comp-a@1.0.0", "comp-b@1.0.0", "comp-c@1.0.0"]);
  });

  it("lets only one of two replicas sync a repository at a time", async () => {
    const repo = origin();
    repo.write("a.yaml", definitionYaml(definition({ name: "comp-a" })));
    repo.write("b.yaml", definitionYaml(definition({ name: "comp-b" })));
    const head = repo.commit("two");
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    let reachedFirstFile!: () => void;
    const inFirstFile = new Promise<void>((resolve) => (reachedFirstFile = resolve));
    const first = replica(repo, {
      holder: "replica-1",
      hooks: {
        async afterFile() {
          reachedFirstFile();
          await paused;
        },
      },
    });
    const second = replica(repo, { holder: "replica-2", shared: { store: first.store, state: first.state } });

    const firstRun = first.sync.syncNow("defs");
    await inFirstFile;
    const secondRun = await second.sync.syncNow("defs");
    release();

    expect(secondRun).toMatchObject({ state: "skipped", message: expect.stringMatching(/another replica/) });
    expect(await firstRun).toMatchObject({ state: "succeeded", commit: head, counts: { created: 2 } });
    expect(await createdEvents(first.store)).toEqual(["comp-a@1.0.0", "comp-b@1.0.0"]);
    expect((await second.sync.getStatus("defs")).lastSyncedCommit).toBe(head);
    expect((await second.sync.syncNow("defs")).state).toBe("succeeded");
  });

  it("resumes after a crash between files without duplicates or a half-synced commit", async () => {
    const repo = origin();
    repo.write("a.yaml", definitionYaml(definition({ name: "comp-a" })));
    repo.write("b.yaml", definitionYaml(definition({ name: "comp-b" })));
    repo.write("c.yaml", definitionYaml(definition({ name: "comp-c" })));
    const head = repo.commit("three");
    const crashing = replica(repo, {
      hooks: {
        afterFile() {
          throw new Error("simulated crash after the first file");
        },
      },
    });

    const crashed = await crashing.sync.syncNow("defs");
    expect(crashed).toMatchObject({ state: "failed", message: "simulated crash after the first file" });
    expect((await crashing.sync.getStatus("defs")).lastSyncedCommit).toBe("");
    expect(await createdEvents(crashing.store)).toEqual(["comp-a@1.0.0"]);

    const restarted = replica(repo, { shared: { store: crashing.store, state: crashing.state } });
    const run = await restarted.sync.syncNow("defs");

    expect(run).toMatchObject({ state: "succeeded", commit: head, counts: { created: 2, unchanged: 1, failed: 0 } });
    expect(await createdEvents(crashing.store)).toEqual(["comp-a@1.0.0", "comp-b@1.0.0", "comp-c@1.0.0"]);
    expect((await restarted.sync.getStatus("defs")).lastSyncedCommit).toBe(head);
  });

  it("only reads files the path globs select", async () => {
    const repo = origin();
    repo.write("components/a.yaml", definitionYaml(definition({ name: "comp-a" })));
    repo.write("examples/broken.yaml", "not: [valid");
    repo.commit("mixed");
    const { sync } = replica(repo, { repository: { paths: ["components/**/*.yaml"] } });

    const run = await sync.syncNow("defs");

    expect(run.counts).toMatchObject({ created: 1, failed: 0 });
  });

  it("records a failed run, keeps the last synced commit, when the repository cannot be fetched", async () => {
    const repo = origin();
    repo.write("a.yaml", definitionYaml(definition({ name: "comp-a" })));
    repo.commit("a");
    const { sync } = replica(repo, { repository: { branch: "no-such-branch" } });

    const run = await sync.syncNow("defs");

    expect(run.state).toBe("failed");
    expect(run.message).toMatch(/no-such-branch/);
    expect((await sync.getStatus("defs")).lastSyncedCommit).toBe("");
  });

  it("records a failed run and keeps the stored status when the sync state store fails", async () => {
    const repo = origin();
    repo.write("a.yaml", definitionYaml(definition({ name: "comp-a" })));
    const head = repo.commit("a");
    const state = new InProcessSyncStateStore();
    const first = replica(repo, { shared: { store: new MemoryCatalogStore(), state } });
    await first.sync.syncNow("defs");
    let failReads = true;
    const flaky: SyncStateStore = {
      acquireLease: (...args) => state.acquireLease(...args),
      releaseLease: (...args) => state.releaseLease(...args),
      getStatus: async (repository) => {
        if (failReads) throw new Error("state store unreachable");
        return state.getStatus(repository);
      },
      putStatus: (status) => state.putStatus(status),
      listStatuses: () => state.listStatuses(),
    };
    const second = replica(repo, { shared: { store: first.store, state: flaky } });

    const run = await second.sync.syncNow("defs");

    expect(run).toMatchObject({ state: "failed", message: "state store unreachable" });
    failReads = false;
    expect((await second.sync.getStatus("defs")).lastSyncedCommit).toBe(head);
    expect((await second.sync.syncNow("defs")).state).toBe("succeeded");
  });

  it("fails NOT_FOUND for a repository that is not configured", async () => {
    const { sync } = replica(origin());
    expect(() => sync.requestSync("elsewhere")).toThrow(
      /repository "elsewhere" is not configured for sync \(configured: defs\)/,
    );
  });
});
