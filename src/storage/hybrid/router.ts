/**
 * Where a hybrid store's read request reads (DESIGN invariant 8): the first
 * servable replica, in the configured order, whose applied revision is at
 * least the request's min_revision. When none has applied it yet, the read
 * waits for the appliers up to readWaitMs, then fails UNAVAILABLE with a
 * retry hint; it does not fall back to the primary on a lag wait (that
 * would turn a slow replica into load on the primary). Only when no replica
 * is servable at all does readFallback decide: read the primary, or fail.
 *
 * A read through a replica that fails UNAVAILABLE marks the replica down
 * and is tried on the next servable replica that has applied the view's
 * revision (or, by the fallback rule, the primary), so a replica dying
 * under load costs no request.
 */
import { CatalogError, isCatalogError } from "../../errors/index.js";
import { READ_RETRY_DELAY_MS, revisionNotReached } from "../core/read-at.js";
import type { CatalogStore, ReadSource, ReadView } from "../store.js";
import type { ReplicaApplier } from "./applier.js";

export type ReadFallback = "primary" | "fail";

export interface RouterOptions {
  readWaitMs: number;
  readFallback: ReadFallback;
}

export class ReadRouter {
  private waiters = new Set<() => void>();

  constructor(
    private readonly primary: CatalogStore,
    private readonly appliers: readonly ReplicaApplier[],
    private readonly options: RouterOptions,
  ) {}

  /** An applier moved or changed condition: waiting reads look again. */
  changed(): void {
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  async readAt(minRevision: number, signal?: AbortSignal): Promise<ReadView> {
    const started = performance.now();
    let woken = false;
    for (;;) {
      const servable = this.appliers.filter((applier) => applier.servable);
      if (servable.length === 0) return this.fallback(minRevision);
      const ready = servable.find((applier) => applier.applied >= minRevision);
      if (ready !== undefined) return { revision: ready.applied, reader: this.readerFrom(ready, ready.applied) };
      if (!woken) {
        // The caller saw a revision the appliers have not heard of yet (a write through another
        // process, a commit wake-up still on its way): look at the primary's log now.
        woken = true;
        for (const applier of servable) void applier.wake();
      }
      const left = this.options.readWaitMs - (performance.now() - started);
      if (left <= 0) {
        const best = Math.max(...servable.map((applier) => applier.applied));
        const names = servable.map((applier) => `${applier.name} at ${applier.applied}`).join(", ");
        throw revisionNotReached(`every replica (${names})`, minRevision, best, this.options.readWaitMs);
      }
      await this.nextChange(left, signal);
      signal?.throwIfAborted();
    }
  }

  /** No replica is servable: the primary answers, or the read fails (readFallback). */
  private fallback(minRevision: number): Promise<ReadView> {
    if (this.options.readFallback === "primary") return this.primary.readAt(minRevision);
    const why = this.appliers.map((applier) => `${applier.name}: ${applier.condition} (${applier.reason})`).join("; ");
    return Promise.reject(
      new CatalogError(
        "UNAVAILABLE",
        `no read replica can serve reads (${why}) and storage.hybrid.readFallback is fail; retry later`,
        [],
        { retryDelayMs: READ_RETRY_DELAY_MS },
      ),
    );
  }

  /** Reads through `first`, moving on to the next replica that reflects `revision` when one fails. */
  private readerFrom(first: ReplicaApplier, revision: number): ReadSource {
    const attempt = async <T>(read: (source: ReadSource) => Promise<T>): Promise<T> => {
      const tried = new Set<ReplicaApplier>();
      let current = first;
      for (;;) {
        try {
          return await read(current.replica);
        } catch (err) {
          if (!isCatalogError(err, "UNAVAILABLE")) throw err;
          current.markDown(err);
          tried.add(current);
          const next = this.appliers.find((a) => a.servable && !tried.has(a) && a.applied >= revision);
          if (next !== undefined) {
            current = next;
            continue;
          }
          if (this.options.readFallback === "primary") return read(this.primary);
          throw err;
        }
      }
    };
    return {
      getVersion: (name, version) => attempt((source) => source.getVersion(name, version)),
      listVersions: (name) => attempt((source) => source.listVersions(name)),
      list: (query) => attempt((source) => source.list(query)),
      search: (query) => attempt((source) => source.search(query)),
      getPolicy: (name) => attempt((source) => source.getPolicy(name)),
      listConsumers: (query) => attempt((source) => source.listConsumers(query)),
    };
  }

  private nextChange(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
      this.waiters.add(done);
    });
  }
}
