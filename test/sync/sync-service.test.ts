import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import {
  SyncRunState,
  SyncService,
  type SyncStatus,
  SyncTrigger,
} from "../../gen/ts/src/nestor/catalog/v1/sync_service_pb.js";
import { type CatalogServer, startCatalogServer } from "../../src/app.js";
import { DEFAULT_SYNC_REPOSITORY } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { testConfig } from "../api/harness.js";
import { definition, definitionYaml, GitFixture, tempDir } from "./git-fixture.js";

let repo: GitFixture;
let server: CatalogServer;
let sessions: Http2SessionManager;
let sync: Client<typeof SyncService>;
let catalog: Client<typeof CatalogService>;

beforeAll(async () => {
  repo = new GitFixture();
  repo.write("mysql.yaml", definitionYaml(definition()));
  const initial = repo.commit("initial");
  const config = testConfig((c) => {
    c.sync.cacheDir = tempDir("nestor-sync-cache-");
    c.sync.repositories = [{ ...DEFAULT_SYNC_REPOSITORY, name: "platform", url: repo.dir, pollIntervalMs: 0 }];
  });
  server = await startCatalogServer(config, silentLogger);
  sessions = new Http2SessionManager(server.url);
  const transport = createGrpcTransport({ baseUrl: server.url, sessionManager: sessions });
  sync = createClient(SyncService, transport);
  catalog = createClient(CatalogService, transport);
  // The server syncs every repository once at start; let that finish first.
  await vi.waitFor(
    async () => expect((await sync.getSyncStatus({ repository: "platform" })).status?.lastSyncedCommit).toBe(initial),
    { timeout: 30_000, interval: 50 },
  );
});

afterAll(async () => {
  sessions?.abort();
  await server?.shutdown();
  repo?.cleanup();
});

/** Polls GetSyncStatus until the run with `syncId` has finished. */
async function finished(syncId: string): Promise<SyncStatus> {
  return vi.waitFor(
    async () => {
      const { status } = await sync.getSyncStatus({ repository: "platform" });
      const run = status!.recentRuns.find((r) => r.syncId === syncId);
      expect(run?.state ?? SyncRunState.RUNNING).not.toBe(SyncRunState.RUNNING);
      return status!;
    },
    { timeout: 30_000, interval: 50 },
  );
}

describe("SyncService over gRPC", () => {
  it("starts a sync, reports it by id, and the synced component carries its provenance", async () => {
    repo.write("vpc.yaml", definitionYaml(definition({ name: "aws-vpc" })));
    const head = repo.commit("add vpc");

    const { syncId } = await sync.syncRepository({ repository: "platform" });
    const status = await finished(syncId);

    expect(syncId).not.toBe("");
    expect(status).toMatchObject({
      repository: "platform",
      url: repo.dir,
      branch: "main",
      lastSyncedCommit: head,
      fileErrors: [],
    });
    expect(status.recentRuns.find((r) => r.syncId === syncId)).toMatchObject({
      trigger: SyncTrigger.API,
      state: SyncRunState.SUCCEEDED,
      commit: head,
      filesCreated: 1,
    });
    const { component } = await catalog.getComponent({ name: "aws-vpc", version: "1.0.0" });
    expect(component?.source).toMatchObject({ repository: repo.dir, commit: head, path: "vpc.yaml" });
  });

  it("returns every per-file error with its line", async () => {
    repo.write("broken.yaml", definitionYaml(definition({ name: "aws-s3", version: "v1.0.0" })));
    const head = repo.commit("broken version");

    const { syncId } = await sync.syncRepository({ repository: "platform" });
    const status = await finished(syncId);

    expect(status.fileErrors).toEqual([
      expect.objectContaining({
        path: "broken.yaml",
        line: 5,
        commit: head,
        message: expect.stringMatching(
          /^metadata\.version: version "v1\.0\.0" must be SemVer 2\.0 without a leading 'v'/,
        ),
      }),
    ]);
    expect(status.recentRuns.find((r) => r.syncId === syncId)).toMatchObject({ filesFailed: 1 });
  });

  it("lists one status per configured repository", async () => {
    const { statuses } = await sync.listSyncStatuses({});
    expect(statuses.map((s) => s.repository)).toEqual(["platform"]);
  });

  it("fails NOT_FOUND for an unknown repository and INVALID_ARGUMENT without one", async () => {
    await expect(sync.syncRepository({ repository: "nope" })).rejects.toSatisfy(
      (err: unknown) =>
        err instanceof ConnectError && err.code === Code.NotFound && /not configured for sync/.test(err.message),
    );
    await expect(sync.getSyncStatus({ repository: "" })).rejects.toSatisfy(
      (err: unknown) => err instanceof ConnectError && err.code === Code.InvalidArgument,
    );
  });
});
