/**
 * SyncService handlers: Git sync statuses and on-demand syncs, mapped to and
 * from the wire. The sync itself lives in src/catalog/sync.
 */
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  GetSyncStatusResponseSchema,
  ListSyncStatusesResponseSchema,
  SyncFileErrorSchema,
  SyncRepositoryResponseSchema,
  SyncRunSchema,
  SyncRunState,
  type SyncService,
  SyncStatusSchema,
  SyncTrigger,
  type SyncStatus as WireSyncStatus,
} from "../../gen/ts/src/nestor/catalog/v1/sync_service_pb.js";
import type { GitSync, RepositorySyncStatus, SyncRun } from "../catalog/sync/index.js";
import { CatalogError, REASONS } from "../errors/index.js";
import { timestamp } from "./convert.js";

const TRIGGER_TO_WIRE: Record<SyncRun["trigger"], SyncTrigger> = {
  start: SyncTrigger.START,
  poll: SyncTrigger.POLL,
  api: SyncTrigger.API,
};

const STATE_TO_WIRE: Record<SyncRun["state"], SyncRunState> = {
  running: SyncRunState.RUNNING,
  succeeded: SyncRunState.SUCCEEDED,
  failed: SyncRunState.FAILED,
  skipped: SyncRunState.SKIPPED,
};

function requireRepository(repository: string): string {
  if (repository === "")
    throw CatalogError.invalid([{ field: "repository", description: "is required", reason: REASONS.required }]);
  return repository;
}

export function syncStatusToWire(status: RepositorySyncStatus): WireSyncStatus {
  return create(SyncStatusSchema, {
    repository: status.repository,
    url: status.url,
    branch: status.branch,
    lastSyncedCommit: status.lastSyncedCommit,
    lastSyncTime: timestamp(status.lastSyncTime),
    fileErrors: status.fileErrors.map((e) => create(SyncFileErrorSchema, e)),
    recentRuns: status.recentRuns.map((run) =>
      create(SyncRunSchema, {
        syncId: run.id,
        trigger: TRIGGER_TO_WIRE[run.trigger],
        state: STATE_TO_WIRE[run.state],
        startTime: timestamp(run.startTime),
        endTime: timestamp(run.endTime),
        commit: run.commit,
        fullScan: run.fullScan,
        filesCreated: run.counts.created,
        filesUnchanged: run.counts.unchanged,
        filesFailed: run.counts.failed,
        filesRemoved: run.counts.removed,
        message: run.message,
      }),
    ),
  });
}

export function syncServiceHandlers(sync: GitSync): ServiceImpl<typeof SyncService> {
  return {
    async syncRepository(request) {
      return create(SyncRepositoryResponseSchema, {
        syncId: sync.requestSync(requireRepository(request.repository), "api"),
      });
    },
    async getSyncStatus(request) {
      const status = await sync.getStatus(requireRepository(request.repository));
      return create(GetSyncStatusResponseSchema, { status: syncStatusToWire(status) });
    },
    async listSyncStatuses() {
      const statuses = await sync.listStatuses();
      return create(ListSyncStatusesResponseSchema, { statuses: statuses.map(syncStatusToWire) });
    },
  };
}
