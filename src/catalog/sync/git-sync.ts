/**
 * Follows the configured repositories: a sync of each at start, then one per
 * poll interval, and on request (the SyncRepository RPC, for webhooks). At
 * most one sync per repository runs in this process; a request while one runs
 * queues a single follow-up (further requests join it), so a push that lands
 * mid-sync is never missed. Across replicas the lease in the SyncStateStore
 * keeps it to one at a time.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { SyncConfig, SyncRepositoryConfig } from "../../config/schema.js";
import { CatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import type { Clock } from "../clock.js";
import type { Manager } from "../manager.js";
import { blankStatus, RepositorySync, type SyncHooks } from "./repository-sync.js";
import type { RepositorySyncStatus, SyncRun, SyncStateStore } from "./sync-state.js";

export interface GitSyncDeps {
  config: SyncConfig;
  manager: Manager;
  state: SyncStateStore;
  clock: Clock;
  logger: Logger;
  /** This replica's lease identity; defaults to host, pid and a random suffix. */
  holder?: string;
  hooks?: SyncHooks;
}

interface Follower {
  repository: SyncRepositoryConfig;
  sync: RepositorySync;
  running?: { id: string; done: Promise<SyncRun> };
  queued?: { id: string; done: Promise<SyncRun> };
  timer?: NodeJS.Timeout;
  /** Runs that never reached the shared status (skipped: another replica held the lease). */
  localRuns: SyncRun[];
}

export class GitSync {
  private readonly followers = new Map<string, Follower>();
  private closed = false;

  constructor(private readonly deps: GitSyncDeps) {
    const holder = deps.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    for (const repository of deps.config.repositories) {
      const sync = new RepositorySync({
        repository,
        cacheDir: deps.config.cacheDir,
        leaseTtlMs: deps.config.leaseTtlMs,
        manager: deps.manager,
        state: deps.state,
        clock: deps.clock,
        logger: deps.logger,
        holder,
        ...(deps.hooks ? { hooks: deps.hooks } : {}),
      });
      this.followers.set(repository.name, { repository, sync, localRuns: [] });
    }
  }

  /** Syncs every repository now and then on its poll interval. */
  start(): void {
    for (const follower of this.followers.values()) this.request(follower, "start");
  }

  /** Starts (or queues) a sync of `repository` and returns its id at once. */
  requestSync(repository: string, trigger: SyncRun["trigger"] = "api"): string {
    return this.request(this.follower(repository), trigger).id;
  }

  /** Runs a sync of `repository` and waits for its outcome. */
  async syncNow(repository: string, trigger: SyncRun["trigger"] = "api"): Promise<SyncRun> {
    return this.request(this.follower(repository), trigger).done;
  }

  async getStatus(repository: string): Promise<RepositorySyncStatus> {
    return this.statusOf(this.follower(repository));
  }

  /** One status per configured repository, by name. */
  async listStatuses(): Promise<RepositorySyncStatus[]> {
    const names = [...this.followers.keys()].sort();
    return Promise.all(names.map((name) => this.statusOf(this.followers.get(name)!)));
  }

  /** Stops polling and waits for syncs in progress. */
  async close(): Promise<void> {
    this.closed = true;
    const pending: Promise<SyncRun>[] = [];
    for (const follower of this.followers.values()) {
      clearTimeout(follower.timer);
      if (follower.running) pending.push(follower.running.done);
      if (follower.queued) pending.push(follower.queued.done);
    }
    await Promise.allSettled(pending);
  }

  private follower(repository: string): Follower {
    const follower = this.followers.get(repository);
    if (!follower) {
      const known = [...this.followers.keys()].join(", ") || "none";
      throw new CatalogError(
        "NOT_FOUND",
        `repository "${repository}" is not configured for sync (configured: ${known})`,
      );
    }
    return follower;
  }

  private async statusOf(follower: Follower): Promise<RepositorySyncStatus> {
    const stored = (await this.deps.state.getStatus(follower.repository.name)) ?? blankStatus(follower.repository);
    const runs = [...stored.recentRuns, ...follower.localRuns].sort((a, b) => b.startTime.localeCompare(a.startTime));
    return { ...stored, recentRuns: runs.slice(0, 20) };
  }

  private request(follower: Follower, trigger: SyncRun["trigger"]): { id: string; done: Promise<SyncRun> } {
    if (this.closed) throw new CatalogError("UNAVAILABLE", "the server is shutting down");
    if (follower.queued) return follower.queued;
    if (!follower.running) {
      follower.running = this.launch(follower, newSyncId(), trigger);
      return follower.running;
    }
    const id = newSyncId();
    const done = follower.running.done.then(() => {
      follower.queued = undefined;
      follower.running = this.launch(follower, id, trigger);
      return follower.running.done;
    });
    follower.queued = { id, done };
    return follower.queued;
  }

  private launch(follower: Follower, id: string, trigger: SyncRun["trigger"]): { id: string; done: Promise<SyncRun> } {
    clearTimeout(follower.timer);
    // RepositorySync.run reports failures in the run it returns; finally() keeps polling alive regardless.
    const done = follower.sync
      .run(id, trigger)
      .then((run) => {
        if (run.state === "skipped") follower.localRuns = [run, ...follower.localRuns].slice(0, 20);
        return run;
      })
      .finally(() => {
        if (follower.running?.id === id) follower.running = undefined;
        this.schedulePoll(follower);
      });
    return { id, done };
  }

  private schedulePoll(follower: Follower): void {
    const interval = follower.repository.pollIntervalMs;
    if (this.closed || interval <= 0 || follower.queued) return;
    clearTimeout(follower.timer);
    follower.timer = setTimeout(() => {
      if (!follower.running && !this.closed) follower.running = this.launch(follower, newSyncId(), "poll");
    }, interval);
    follower.timer.unref();
  }
}

function newSyncId(): string {
  return randomUUID();
}
