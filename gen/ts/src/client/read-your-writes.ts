/**
 * Read-your-writes for a catalog whose reads may come from replicas that
 * trail its primary: the client remembers the highest catalog revision its
 * responses carried (every write response says the revision it created,
 * every read response the revision it reflects) and sends it as
 * `min_revision` on every read that does not set one, so a read never
 * shows an older catalog than one this client already saw. WatchEvents
 * revisions are not taken: the watch follows the primary's log, and
 * waiting for replicas to reach it would slow reads for no gain.
 */
import type { Interceptor } from "@connectrpc/connect";

/** The highest catalog revision seen; share one between clients to read each other's writes. */
export class RevisionTracker {
  private highest = 0n;

  get revision(): bigint {
    return this.highest;
  }

  /** Remembers `revision` when it is higher than any seen. */
  observe(revision: bigint): void {
    if (revision > this.highest) this.highest = revision;
  }
}

/** Sets min_revision on reads that leave it 0, and observes the revision of every unary response. */
export function readYourWritesInterceptor(tracker: RevisionTracker): Interceptor {
  return (next) => async (req) => {
    if (req.stream) return next(req);
    let request = req;
    const message: typeof req.message & { minRevision?: unknown } = req.message;
    if (req.method.input.field.minRevision !== undefined && message.minRevision === 0n && tracker.revision > 0n) {
      const withMinimum: typeof message = { ...message, minRevision: tracker.revision };
      request = { ...req, message: withMinimum };
    }
    const res = await next(request);
    if (!res.stream) {
      const revision = (res.message as { revision?: unknown }).revision;
      if (typeof revision === "bigint") tracker.observe(revision);
    }
    return res;
  };
}
