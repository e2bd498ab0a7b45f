/**
 * One sync of one repository: take the lease, fetch, work out which files to
 * read (the diff since the last synced commit, or every file after a
 * rewrite), publish each definition through the Manager, apply the removal
 * policy, and record the outcome.
 *
 * Crash safety: each version publish is atomic, republishing identical
 * content is a no-op, and the last synced commit only advances after every
 * file of the new head was processed. A sync that stops half-way (crash,
 * lost lease, store outage) is simply redone from the same commit next time.
 * Problems with a file's content (syntax, validation, immutability,
 * compatibility) are per-file errors: the other files still sync.
 */
import { performance } from "node:perf_hooks";
import type { SyncRepositoryConfig } from "../../config/schema.js";
import { CatalogError, isCatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import { compareVersions } from "../../semver/index.js";
import type { Clock } from "../clock.js";
import type { Manager } from "../manager.js";
import { isDefinitionFile, type ParsedDefinition, parseDefinitionFile, violationProblem } from "./definition.js";
import { type FileChange, GitRepositoryCache, redactUrl, type TreeEntry } from "./git-repository.js";
import { pathMatcher } from "./globs.js";
import { consumeInSlices } from "./sliced-consumer.js";
import {
  MAX_RECENT_RUNS,
  type RepositorySyncStatus,
  type SyncFileError,
  type SyncRun,
  type SyncStateStore,
} from "./sync-state.js";

/** Test seams: a hook that throws simulates a crash at that point. */
export interface SyncHooks {
  afterFile?(path: string): void | Promise<void>;
  /**
   * Runs a whole sync ("sync") and each of its steps ("fetch", "read", "publish", "remove") inside
   * whatever the observer wants around them (a trace span); returns what `work` returns.
   */
  around?<T>(step: string, repository: string, work: () => Promise<T>): Promise<T>;
  /** Told of every run that ended (succeeded, failed or skipped), for metrics. */
  finished?(repository: string, run: SyncRun): void;
}

export interface RepositorySyncDeps {
  repository: SyncRepositoryConfig;
  cacheDir: string;
  leaseTtlMs: number;
  manager: Manager;
  state: SyncStateStore;
  clock: Clock;
  logger: Logger;
  /** This replica's identity in the lease. */
  holder: string;
  hooks?: SyncHooks;
}

/** Error codes that mean "this file's content is wrong", not "the sync could not run". */
const FILE_ERROR_CODES = new Set(["INVALID_ARGUMENT", "ALREADY_EXISTS", "FAILED_PRECONDITION"]);
const PROGRESS_EVERY_FILES = 1000;
/** A definition serializes to at most 1 MiB (validation.ts LIMITS.componentBytes); a file may hold a few. */
const MAX_FILE_CHARS = 8 * 1024 * 1024;

interface FileWork {
  path: string;
  definitions: ParsedDefinition[];
  errors: SyncFileError[];
}

export function blankStatus(repository: SyncRepositoryConfig): RepositorySyncStatus {
  return {
    repository: repository.name,
    url: redactUrl(repository.url),
    branch: repository.branch,
    lastSyncedCommit: "",
    fileErrors: [],
    recentRuns: [],
  };
}

export class RepositorySync {
  private readonly cache: GitRepositoryCache;
  private readonly url: string;
  private readonly logger: Logger;

  constructor(private readonly deps: RepositorySyncDeps) {
    this.url = redactUrl(deps.repository.url);
    this.logger = deps.logger.child({ repository: deps.repository.name });
    this.cache = new GitRepositoryCache(deps.cacheDir, deps.repository, this.logger);
  }

  /** Runs one sync; never throws: the outcome is in the returned run (and the shared status). */
  async run(id: string, trigger: SyncRun["trigger"]): Promise<SyncRun> {
    const run = await this.step("sync", () => this.attempt(id, trigger));
    this.deps.hooks?.finished?.(this.deps.repository.name, run);
    return run;
  }

  private step<T>(name: string, work: () => Promise<T>): Promise<T> {
    const around = this.deps.hooks?.around;
    return around === undefined ? work() : around(name, this.deps.repository.name, work);
  }

  private async attempt(id: string, trigger: SyncRun["trigger"]): Promise<SyncRun> {
    const { repository, state, clock, holder, leaseTtlMs } = this.deps;
    const run: SyncRun = {
      id,
      trigger,
      state: "running",
      startTime: clock.now().toISOString(),
      commit: "",
      fullScan: false,
      counts: { created: 0, unchanged: 0, failed: 0, removed: 0 },
      message: "",
    };
    let leased: boolean;
    try {
      leased = await state.acquireLease(repository.name, holder, leaseTtlMs, clock.now());
    } catch (err) {
      const message = `the sync state store is unavailable: ${safeMessage(err, repository.url)}`;
      this.logger.error("sync failed", { error: message });
      return { ...run, state: "failed", endTime: clock.now().toISOString(), message };
    }
    if (!leased) {
      this.logger.info("sync skipped: another replica holds the lease");
      return {
        ...run,
        state: "skipped",
        endTime: clock.now().toISOString(),
        message: "another replica is syncing this repository",
      };
    }
    let leaseLost = false;
    const renew = setInterval(
      () => {
        state.acquireLease(repository.name, holder, leaseTtlMs, clock.now()).then(
          (held) => {
            if (!held) leaseLost = true;
          },
          () => {
            leaseLost = true;
          },
        );
      },
      Math.max(1, Math.floor(leaseTtlMs / 3)),
    );
    renew.unref();
    // Stays undefined when the stored status could not be read, so a failure never overwrites it with a blank one.
    let status: RepositorySyncStatus | undefined;
    try {
      const stored = (await state.getStatus(repository.name)) ?? blankStatus(repository);
      status = withRun({ ...stored, url: this.url, branch: repository.branch }, run);
      await state.putStatus(status);
      const outcome = await this.sync(run, status, () => leaseLost);
      run.state = "succeeded";
      run.endTime = clock.now().toISOString();
      status = withRun(
        { ...status, lastSyncedCommit: run.commit, lastSyncTime: run.endTime, fileErrors: outcome.fileErrors },
        run,
      );
      this.logger.info("sync finished", { commit: run.commit, full_scan: run.fullScan, ...run.counts });
    } catch (err) {
      run.state = "failed";
      run.endTime = clock.now().toISOString();
      run.message = safeMessage(err, repository.url);
      if (status) status = withRun(status, run);
      this.logger.error("sync failed", { commit: run.commit, error: run.message });
    } finally {
      clearInterval(renew);
    }
    try {
      if (status) await state.putStatus(status);
      await state.releaseLease(repository.name, holder);
    } catch (err) {
      // The lease then simply expires; the next sync redoes this commit, which is a no-op for what was published.
      this.logger.error("could not record the sync status or release the lease", {
        error: safeMessage(err, repository.url),
      });
    }
    return run;
  }

  private async sync(
    run: SyncRun,
    status: RepositorySyncStatus,
    leaseLost: () => boolean,
  ): Promise<{ fileErrors: SyncFileError[] }> {
    const head = await this.step("fetch", () => this.cache.update());
    run.commit = head;
    const last = status.lastSyncedCommit;
    if (last === head) return { fileErrors: status.fileErrors };

    const wanted = pathMatcher(this.deps.repository.paths);
    const relevant = (path: string) => isDefinitionFile(path) && wanted(path);
    const lastReadable = last !== "" && (await this.cache.hasCommit(last));
    let changed: TreeEntry[];
    let deleted: string[] = [];
    if (lastReadable && (await this.cache.isAncestor(last, head))) {
      const changes = (await this.cache.changedFiles(last, head)).filter((c) => relevant(c.path));
      changed = changes.flatMap((c) => (c.change === "changed" ? [c] : []));
      deleted = changes.filter((c) => c.change === "deleted").map((c) => c.path);
    } else {
      run.fullScan = true;
      if (last !== "")
        this.logger.warn("history was rewritten or the last synced commit is gone: scanning every file", {
          last_synced_commit: last,
        });
      changed = (await this.cache.listFiles(head)).filter((entry) => relevant(entry.path));
      if (lastReadable)
        deleted = (await this.cache.changedFiles(last, head))
          .filter((c: FileChange) => c.change === "deleted" && relevant(c.path))
          .map((c) => c.path);
    }
    this.logger.info("sync started", {
      commit: head,
      files: changed.length,
      removed_files: deleted.length,
      full_scan: run.fullScan,
    });

    // Each file is parsed as git hands it over, so parsing overlaps git reading the files after it; in slices
    // (see sliced-consumer.ts), so that git is not left waiting on a full pipe while a chunk is parsed.
    const readStart = performance.now();
    const parsed = new Map<string, FileWork>();
    let parseMs = 0;
    await this.step("read", () =>
      consumeInSlices<{ path: string; text: string | undefined }>(
        (push) => this.cache.streamFiles(changed, (path, text) => push({ path, text })),
        ({ path, text }) => {
          const parseStart = performance.now();
          parsed.set(path, parseFile(path, text, head));
          parseMs += performance.now() - parseStart;
        },
      ),
    );
    const work = orderForPublishing(changed.map(({ path }) => parsed.get(path) ?? parseFile(path, undefined, head)));
    this.logger.info("sync read and parsed the files", {
      files: changed.length,
      read_and_parse_ms: Math.round(performance.now() - readStart),
      parse_ms: Math.round(parseMs),
    });
    // What applyRemoval must not deprecate; only removals read it, so a sync without any keeps no set.
    const published = deleted.length > 0 ? new Set<string>() : undefined;
    await this.step("publish", () => this.publishAll(work, run, head, published, leaseLost));
    await this.step("remove", async () => {
      for (const path of deleted) {
        await this.applyRemoval(path, last, head, published ?? new Set());
        run.counts.removed++;
      }
    });

    const touched = new Set([...changed.map((entry) => entry.path), ...deleted]);
    const carried = run.fullScan ? [] : status.fileErrors.filter((e) => !touched.has(e.path));
    const fileErrors = [...carried, ...work.flatMap((f) => f.errors)].sort(
      (a, b) => a.path.localeCompare(b.path) || a.line - b.line,
    );
    return { fileErrors };
  }

  private async publishAll(
    work: FileWork[],
    run: SyncRun,
    head: string,
    published: Set<string> | undefined,
    leaseLost: () => boolean,
  ): Promise<void> {
    let processed = 0;
    for (const file of work) {
      if (leaseLost())
        throw new CatalogError("ABORTED", "the lease on this repository was lost; another replica will sync it");
      const created = await this.publishFile(file, head, published);
      if (file.errors.length > 0) run.counts.failed++;
      else if (created) run.counts.created++;
      else run.counts.unchanged++;
      processed++;
      if (processed % PROGRESS_EVERY_FILES === 0)
        this.logger.info("sync progress", { processed, total: work.length, ...run.counts });
      const afterFile = this.deps.hooks?.afterFile;
      if (afterFile) await afterFile(file.path);
    }
  }

  /** Publishes every definition of a file; true when any version was created. */
  private async publishFile(file: FileWork, commit: string, published: Set<string> | undefined): Promise<boolean> {
    let created = false;
    for (const definition of file.definitions) {
      const draft = { ...definition.draft, source: { repository: this.url, commit, path: file.path } };
      try {
        const result = await this.deps.manager.publish(draft, { actor: `git-sync:${this.deps.repository.name}` });
        created ||= result.created;
        published?.add(versionId(draft.name, draft.version));
      } catch (err) {
        if (!isCatalogError(err) || !FILE_ERROR_CODES.has(err.code)) throw err;
        const problems =
          err.fieldViolations.length > 0
            ? err.fieldViolations.map((v) => violationProblem(definition, v))
            : [{ line: definition.line, message: `${draft.name} ${draft.version}: ${err.message}` }];
        file.errors.push(...problems.map((p) => ({ path: file.path, line: p.line, message: p.message, commit })));
      }
    }
    return created;
  }

  /** A file left Git: keep its versions, or deprecate the ones it published (and no other file still defines). */
  private async applyRemoval(path: string, last: string, head: string, published: Set<string>): Promise<void> {
    const { repository, manager } = this.deps;
    if (repository.onRemoval === "keep") {
      this.logger.info("definition file removed; its versions stay published", { path, commit: head });
      return;
    }
    const text = (await this.cache.readFilesAt(last, [path])).get(path);
    if (text === undefined) return;
    for (const { draft } of parseDefinitionFile(text).definitions) {
      if (published.has(versionId(draft.name, draft.version))) continue;
      let stored;
      try {
        stored = (await manager.get(draft.name, draft.version)).component;
      } catch (err) {
        if (isCatalogError(err, "NOT_FOUND") || isCatalogError(err, "INVALID_ARGUMENT")) continue;
        throw err;
      }
      if (stored.source?.repository !== this.url || stored.source.path !== path || stored.deprecation.deprecated)
        continue;
      await manager.update(
        {
          name: stored.name,
          version: stored.version,
          description: "",
          labels: {},
          deprecation: { deprecated: true, message: `removed from ${this.url} (${path}) in commit ${head}` },
          updateMask: ["deprecation"],
          etag: "",
        },
        { actor: `git-sync:${repository.name}` },
      );
      this.logger.info("deprecated a version whose file was removed", {
        component: stored.name,
        version: stored.version,
        path,
        commit: head,
      });
    }
  }
}

function parseFile(path: string, text: string | undefined, commit: string): FileWork {
  if (text === undefined)
    return {
      path,
      definitions: [],
      errors: [{ path, line: 0, message: "not a regular file (symbolic link or submodule)", commit }],
    };
  if (text.length > MAX_FILE_CHARS) {
    return {
      path,
      definitions: [],
      errors: [
        {
          path,
          line: 0,
          message: `file is larger than ${MAX_FILE_CHARS} characters; split it into smaller files`,
          commit,
        },
      ],
    };
  }
  const parsed = parseDefinitionFile(text);
  return {
    path,
    definitions: parsed.definitions,
    errors: parsed.problems.map((p) => ({ path, line: p.line, message: p.message, commit })),
  };
}

function versionId(name: string, version: string): string {
  return `${name}@${version}`;
}

/**
 * Lower versions first, so each version's compatibility check sees the
 * versions below it whatever the file layout; files without a definition
 * (errors only) go last, by path.
 */
function orderForPublishing(files: FileWork[]): FileWork[] {
  const firstOf = (file: FileWork) => file.definitions[0]?.draft;
  return [...files].sort((a, b) => {
    const da = firstOf(a);
    const db = firstOf(b);
    if (da && db) {
      if (da.name !== db.name) return da.name < db.name ? -1 : 1;
      const byVersion = safeCompare(da.version, db.version);
      if (byVersion !== 0) return byVersion;
    } else if (da || db) {
      return da ? -1 : 1;
    }
    return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  });
}

function safeCompare(a: string, b: string): number {
  try {
    return compareVersions(a, b);
  } catch {
    return a < b ? -1 : a > b ? 1 : 0;
  }
}

function withRun(status: RepositorySyncStatus, run: SyncRun): RepositorySyncStatus {
  const others = status.recentRuns.filter((r) => r.id !== run.id);
  return { ...status, recentRuns: [{ ...run, counts: { ...run.counts } }, ...others].slice(0, MAX_RECENT_RUNS) };
}

/** An error message with the configured URL (which may carry a user name) replaced by its redacted form. */
function safeMessage(err: unknown, url: string): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split(url).join(redactUrl(url)).trim();
}
