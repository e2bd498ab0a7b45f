/**
 * How far one replica is behind the primary, in revisions and in time:
 * the primary's newest revision this process knows of (from its commit
 * wake-ups, its log and its bounds) less the replica's applied revision,
 * and the time since the replica first fell behind that (the age of the
 * oldest primary write it has not applied, as this process saw it). Told to
 * the metrics listener on every change, logged at warn while a replica stays
 * behind for LAG_WARN_MS and at info when it catches up.
 */
import type { Logger } from "../../logging/index.js";

/** A replica behind for this long is logged as lagging. */
export const LAG_WARN_MS = 5_000;
/** While it lags, the warning is repeated this often. */
const LAG_REPEAT_MS = 60_000;

export class ReplicaLag {
  applied = 0;
  private head = 0;
  private behindSince: number | undefined;
  private warnedAt: number | undefined;

  constructor(
    private readonly name: string,
    private readonly logger: Logger,
    private readonly onLag?: (replica: string, revisions: number, seconds: number) => void,
  ) {}

  get behind(): boolean {
    return this.head > this.applied;
  }

  /** The primary is at `revision` or later. */
  primaryAt(revision: number): void {
    if (revision <= this.head) return;
    this.head = revision;
    if (this.head > this.applied) this.behindSince ??= performance.now();
  }

  /** The replica has applied `revision` (or more). */
  appliedAt(revision: number): void {
    if (revision <= this.applied) return;
    this.applied = revision;
    this.head = Math.max(this.head, revision);
    if (!this.behind) this.behindSince = undefined;
    this.report();
  }

  /** The replica stands at `revision`, which may be lower than before (it was emptied or restored). */
  reset(revision: number): void {
    this.applied = revision;
    this.head = Math.max(this.head, revision);
    if (this.behind) this.behindSince ??= performance.now();
    else this.behindSince = undefined;
    this.report();
  }

  now(): { revisions: number; ms: number } {
    const ms = this.behindSince === undefined ? 0 : Math.round(performance.now() - this.behindSince);
    return { revisions: Math.max(0, this.head - this.applied), ms };
  }

  /** Tells the listener, and logs a lag that lasts (or its end). */
  report(): void {
    const { revisions, ms } = this.now();
    this.onLag?.(this.name, revisions, ms / 1000);
    const now = performance.now();
    if (ms >= LAG_WARN_MS && (this.warnedAt === undefined || now - this.warnedAt >= LAG_REPEAT_MS)) {
      this.warnedAt = now;
      this.logger.warn("replica lags the primary", { replica: this.name, lagRevisions: revisions, lagMs: ms });
    } else if (revisions === 0 && this.warnedAt !== undefined) {
      this.warnedAt = undefined;
      this.logger.info("replica caught up with the primary", { replica: this.name, applied: this.applied });
    }
  }
}
