/**
 * Where replicas share Git sync state: one lease per repository (so only one
 * replica syncs it at a time) and the repository's sync status (last synced
 * commit, recent runs, outstanding per-file errors).
 *
 * Kept apart from CatalogStore on purpose: the six store backends stay
 * untouched. InProcessSyncStateStore serves memory and embedded storage,
 * which are single-replica by nature; src/storage/postgres/sync-state.ts
 * shares leases and statuses through postgres tables, and
 * src/storage/dynamodb/sync-state.ts through conditional writes on lease and
 * status items in the catalog's table.
 */

/** One problem with one file of the repository. */
export interface SyncFileError {
  path: string;
  /** 1-based line, 0 when the problem is not tied to a line. */
  line: number;
  message: string;
  /** Commit at which the file had this problem. */
  commit: string;
}

export type SyncRunState = "running" | "succeeded" | "failed" | "skipped";

export interface SyncRunCounts {
  created: number;
  unchanged: number;
  failed: number;
  removed: number;
}

/** One attempt to sync a repository. */
export interface SyncRun {
  id: string;
  trigger: "poll" | "api" | "start";
  state: SyncRunState;
  startTime: string;
  endTime?: string;
  /** Head commit this run synced to (empty until fetched). */
  commit: string;
  /** True when every file was scanned (first sync, rewritten history). */
  fullScan: boolean;
  counts: SyncRunCounts;
  /** Why the run failed or was skipped. */
  message: string;
}

export interface RepositorySyncStatus {
  /** The repository's configured name. */
  repository: string;
  /** URL with credentials removed. */
  url: string;
  branch: string;
  /** Every file of this commit was processed; empty before the first completed sync. */
  lastSyncedCommit: string;
  lastSyncTime?: string;
  /** Problems with files as of lastSyncedCommit (a file's entry goes when it is fixed or removed). */
  fileErrors: SyncFileError[];
  /** Newest first, at most MAX_RECENT_RUNS. */
  recentRuns: SyncRun[];
}

export const MAX_RECENT_RUNS = 20;

export interface SyncStateStore {
  /**
   * Takes or renews the lease on `repository` for `holder` until now + ttlMs.
   * True when `holder` holds it afterwards; false when another holder's lease
   * has not expired.
   */
  acquireLease(repository: string, holder: string, ttlMs: number, now: Date): Promise<boolean>;
  /** Gives the lease up if `holder` holds it. */
  releaseLease(repository: string, holder: string): Promise<void>;
  getStatus(repository: string): Promise<RepositorySyncStatus | undefined>;
  putStatus(status: RepositorySyncStatus): Promise<void>;
  listStatuses(): Promise<RepositorySyncStatus[]>;
}

/** The in-process SyncStateStore: one replica (memory, embedded storage) or several in one process (tests). */
export class InProcessSyncStateStore implements SyncStateStore {
  private readonly leases = new Map<string, { holder: string; expiresAt: number }>();
  private readonly statuses = new Map<string, RepositorySyncStatus>();

  async acquireLease(repository: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    const current = this.leases.get(repository);
    if (current && current.holder !== holder && current.expiresAt > now.getTime()) return false;
    this.leases.set(repository, { holder, expiresAt: now.getTime() + ttlMs });
    return true;
  }

  async releaseLease(repository: string, holder: string): Promise<void> {
    if (this.leases.get(repository)?.holder === holder) this.leases.delete(repository);
  }

  async getStatus(repository: string): Promise<RepositorySyncStatus | undefined> {
    const status = this.statuses.get(repository);
    return status ? structuredClone(status) : undefined;
  }

  async putStatus(status: RepositorySyncStatus): Promise<void> {
    this.statuses.set(status.repository, structuredClone(status));
  }

  async listStatuses(): Promise<RepositorySyncStatus[]> {
    return [...this.statuses.values()]
      .map((status) => structuredClone(status))
      .sort((a, b) => a.repository.localeCompare(b.repository));
  }
}
