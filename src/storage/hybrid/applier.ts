/**
 * Feeds one replica from the primary's event log (DESIGN invariant 7), on
 * the shared event tail (core/event-tail.ts): woken by the primary's
 * commits, it reads the log from the replica's applied revision and hands
 * each batch to the replica, which applies it with its applied revision
 * atomically. Several processes may feed one replica; the replica's own
 * compare-and-set keeps them from applying a batch twice, and each applier
 * moves past what the others applied.
 *
 * check() is one probe step (the constructor starts nothing; start() runs
 * check every probeIntervalMs): it reads the replica's state, compares it
 * with the primary's, and decides the replica's condition:
 *   ok          served; its applied revision is known
 *   down        unreachable (reads go elsewhere; the applier resumes where the replica stands when it returns)
 *   rebuilding  being refilled from a snapshot (by this process or another)
 *   refused     fed by another primary, or ahead of the primary's log (a primary restored from an older
 *               backup): never served, logged as an error, until an operator empties it
 * When the primary's log was compacted past the replica, the replica is
 * rebuilt from a snapshot of the primary (snapshot.ts), with progress logged;
 * a rebuild another process left stalled is taken over.
 */
import { isCatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import { EventTail, type EventTailSink } from "../core/event-tail.js";
import type { CatalogEvent } from "../records.js";
import type { CatalogStore, ReplicaState, ReplicaStore, RevisionBounds } from "../store.js";
import { ReplicaLag } from "./lag.js";
import { primarySnapshot } from "./snapshot.js";

export type ReplicaCondition = "starting" | "ok" | "down" | "rebuilding" | "refused";

/** Told the lag of a replica whenever it changes: revisions behind the primary and seconds since it fell behind. */
export type ReplicaLagListener = (replica: string, revisions: number, seconds: number) => void;

export interface ApplierOptions {
  /** Names the replica in logs, health and metrics. */
  name: string;
  /** The primary's identity, recorded by the replica (config/hybrid-rules.ts primaryIdentity). */
  primary: string;
  probeIntervalMs: number;
  logger: Logger;
  onLag?: ReplicaLagListener;
  /** Called on every change of condition or applied revision (reads waiting for a revision listen). */
  onChange?: () => void;
}

/** A rebuild with no step for this long is taken over by another process. */
export const REBUILD_STALE_MS = 30_000;
/** Least time between two rebuild attempts of one replica by one process. */
const REBUILD_RETRY_MS = 5_000;
/** How often a running rebuild logs its progress. */
const PROGRESS_LOG_MS = 5_000;

/** A failure of the replica (not of the primary's log) while applying; `logged` when already reported. */
class ReplicaFailure extends Error {
  constructor(
    readonly error: unknown,
    readonly logged = false,
  ) {
    super(error instanceof Error ? error.message : String(error));
  }
}

export class ReplicaApplier {
  private state: ReplicaCondition = "starting";
  private why = "not checked yet";
  private tail: EventTail | undefined;
  private readonly lag: ReplicaLag;
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private rebuilding: Promise<void> | undefined;
  private lastRebuildFailure = Number.NEGATIVE_INFINITY;
  private primaryFailing = false;
  private closed = false;

  constructor(
    readonly replica: ReplicaStore,
    private readonly primary: CatalogStore,
    private readonly options: ApplierOptions,
  ) {
    this.lag = new ReplicaLag(options.name, options.logger, options.onLag);
  }

  get name(): string {
    return this.options.name;
  }

  get condition(): ReplicaCondition {
    return this.state;
  }

  /** Why the replica is in its condition, for health and logs. */
  get reason(): string {
    return this.why;
  }

  /** The replica's applied revision as this process last saw it (another process may have moved it further). */
  get applied(): number {
    return this.lag.applied;
  }

  get servable(): boolean {
    return this.state === "ok";
  }

  /** Revisions and milliseconds behind the primary. */
  lagNow(): { revisions: number; ms: number } {
    return this.lag.now();
  }

  /** Follows the primary's commits, checks the replica once, then checks it every probeIntervalMs. */
  async start(): Promise<void> {
    this.unsubscribe = this.primary.onCommit((revision) => {
      this.lag.primaryAt(revision);
      this.wake();
    });
    await this.check();
    if (this.closed) return;
    this.timer = setInterval(() => void this.check(), Math.max(10, this.options.probeIntervalMs));
    this.timer.unref();
  }

  /** Reads the primary's log to its end into the replica (not while refused, rebuilding or before the first check). */
  wake(): Promise<void> {
    if (this.tail === undefined || this.state === "refused" || this.rebuilding !== undefined) return Promise.resolve();
    return this.tail.wake();
  }

  /** A read through this replica failed as if it were down: skip it until the next check says otherwise. */
  markDown(error: unknown): void {
    if (this.state === "ok") this.setDown(error);
  }

  /** One probe step (see the module comment). Never rejects. */
  check(): Promise<void> {
    this.checking ??= this.runCheck().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.checking;
  }

  /** Resolves once the tail is idle and no rebuild runs (after close, for an orderly stop). */
  async idle(): Promise<void> {
    await this.rebuilding?.catch(() => undefined);
    await this.tail?.idle();
  }

  private async runCheck(): Promise<void> {
    let state: ReplicaState;
    try {
      state = await this.replica.state();
    } catch (err) {
      this.setDown(err);
      return;
    }
    let bounds: RevisionBounds | undefined;
    try {
      bounds = await this.primary.revisionBounds();
      this.lag.primaryAt(bounds.current);
    } catch {
      // The primary is down: the replica still serves what it has.
    }
    const refusal = this.refusal(state, bounds);
    if (refusal !== undefined) return this.refuse(refusal);
    if (this.rebuilding !== undefined) return;
    if (state.rebuild !== undefined) {
      if (state.rebuild.ageMs < REBUILD_STALE_MS) {
        this.set("rebuilding", "another process is rebuilding it from the primary");
        return;
      }
      void this.rebuild(`its rebuild by another process made no progress for ${state.rebuild.ageMs} ms`).catch(
        () => undefined,
      );
      return;
    }
    this.align(state.appliedRevision);
    this.set("ok", `applied revision ${state.appliedRevision}`);
    this.lag.report();
    if (this.lag.behind) void this.wake();
  }

  private refusal(state: ReplicaState, bounds: RevisionBounds | undefined): string | undefined {
    if (state.primary !== "" && state.primary !== this.options.primary) {
      return `it was fed by primary ${state.primary}, not by this catalog's primary ${this.options.primary}`;
    }
    if (bounds !== undefined && state.appliedRevision > bounds.current) {
      return (
        `its applied revision ${state.appliedRevision} is ahead of the primary's log (revision ${bounds.current}): ` +
        "the primary was restored from an older backup, or the replica holds another catalog; empty it to rebuild it"
      );
    }
    return undefined;
  }

  /** Puts the tail where the replica stands: created, moved forward, or started over if the replica went back. */
  private align(applied: number): void {
    if (this.tail === undefined || applied < this.tail.position) {
      if (this.tail !== undefined) {
        this.options.logger.warn("replica went back: following the primary's log again from its applied revision", {
          replica: this.name,
          applied,
          was: this.tail.position,
        });
      }
      this.tail = new EventTail(this.primary, this.sink(), applied);
      this.lag.reset(applied);
    } else {
      this.tail.skipTo(applied);
      this.lag.appliedAt(applied);
    }
    this.options.onChange?.();
  }

  private sink(): EventTailSink {
    return {
      apply: async (events) => this.applyBatch(events),
      skipped: async (after, bounds) => {
        try {
          await this.rebuild(
            `the primary's log was compacted through revision ${bounds.compacted}, past its applied revision ${after}`,
          );
        } catch (err) {
          throw new ReplicaFailure(err, true);
        }
      },
      failed: (err) => this.failed(err),
      succeeded: () => {
        if (!this.primaryFailing) return;
        this.primaryFailing = false;
        this.options.logger.info("replica applier reads the primary's log again", { replica: this.name });
      },
    };
  }

  private async applyBatch(events: readonly CatalogEvent[]): Promise<void> {
    let state: ReplicaState;
    try {
      state = await this.replica.apply(events, { primary: this.options.primary });
    } catch (err) {
      throw new ReplicaFailure(err);
    }
    this.lag.primaryAt((events.at(-1) as CatalogEvent).revision);
    if (state.rebuild !== undefined) {
      this.set("rebuilding", "another process is rebuilding it from the primary");
      throw new ReplicaFailure("rebuilding");
    }
    this.tail?.skipTo(state.appliedRevision);
    this.lag.appliedAt(state.appliedRevision);
    if (this.state === "down" || this.state === "starting") this.set("ok", "applying again");
    this.options.onChange?.();
  }

  private failed(err: unknown): void {
    if (!(err instanceof ReplicaFailure)) {
      if (this.primaryFailing) return;
      this.primaryFailing = true;
      this.options.logger.warn("replica applier cannot read the primary's log; the replica serves what it has", {
        replica: this.name,
        error: err,
      });
      return;
    }
    const cause = err.error;
    if (cause === "rebuilding" || err.logged) return;
    if (isCatalogError(cause, "FAILED_PRECONDITION")) return this.refuse(cause.message);
    if (isCatalogError(cause, "UNAVAILABLE")) return this.setDown(cause);
    // A gap, or something unexpected: look at the replica again before the next batch.
    this.options.logger.error("replica apply failed", { replica: this.name, error: cause });
    void this.check();
  }

  /** Rebuilds the replica from a snapshot of the primary (one at a time; failures wait REBUILD_RETRY_MS). */
  private rebuild(why: string): Promise<void> {
    if (this.rebuilding !== undefined) return this.rebuilding;
    if (performance.now() - this.lastRebuildFailure < REBUILD_RETRY_MS) {
      return Promise.reject(new Error(`replica ${this.name}: the last rebuild failed moments ago; retrying later`));
    }
    this.rebuilding = this.runRebuild(why).finally(() => {
      this.rebuilding = undefined;
    });
    return this.rebuilding;
  }

  private async runRebuild(why: string): Promise<void> {
    const log = this.options.logger;
    const started = performance.now();
    this.set("rebuilding", why);
    log.warn("rebuilding replica from a snapshot of the primary", { replica: this.name, reason: why });
    try {
      const { current } = await this.primary.revisionBounds();
      let lastLog = started;
      const snapshot = primarySnapshot(this.primary, current, (versions, names) => {
        const progress = { replica: this.name, versions, names, fromRevision: current };
        if (performance.now() - lastLog < PROGRESS_LOG_MS) return log.debug("rebuilding replica", progress);
        lastLog = performance.now();
        log.info("rebuilding replica", progress);
      });
      const state = await this.replica.rebuild(this.options.primary, snapshot);
      const ms = Math.round(performance.now() - started);
      log.info("replica rebuilt", { replica: this.name, revision: state.appliedRevision, fromRevision: current, ms });
      this.align(state.appliedRevision);
      this.set("ok", `rebuilt at revision ${state.appliedRevision}`);
      this.lag.report();
    } catch (err) {
      this.lastRebuildFailure = performance.now();
      if (isCatalogError(err, "ABORTED")) {
        this.set("rebuilding", "another process took its rebuild over");
        log.info("replica rebuild taken over by another process", { replica: this.name });
      } else {
        this.set("down", `its rebuild failed: ${err instanceof Error ? err.message : String(err)}`);
        log.error("replica rebuild failed; retrying", { replica: this.name, error: err });
      }
      throw err;
    }
  }

  private setDown(error: unknown): void {
    this.set("down", error instanceof Error ? error.message : String(error));
  }

  private refuse(reason: string): void {
    const again = this.state === "refused" && this.why === reason;
    this.set("refused", reason);
    if (!again) this.options.logger.error("replica refused: it is not served", { replica: this.name, reason });
  }

  private set(condition: ReplicaCondition, reason: string): void {
    if (this.closed) return;
    const previous = this.state;
    this.state = condition;
    this.why = reason;
    if (previous === condition) return;
    const log = this.options.logger;
    if (condition === "ok") log.info("replica serving", { replica: this.name, reason, was: previous });
    else if (condition === "down") log.warn("replica down: reads go to the next one", { replica: this.name, reason });
    this.options.onChange?.();
  }
}
