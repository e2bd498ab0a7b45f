/**
 * ReadRouter.readAt for a single store, written once: a single store is
 * always at its own head, so a read request reads the store itself at its
 * current revision. A min_revision above that revision is one this store
 * has not committed (the caller saw it at another catalog, or here before a
 * restore from an older backup): waiting would not bring it, so the read
 * fails UNAVAILABLE at once, naming both revisions, with a retry hint for a
 * caller whose next attempt may reach another catalog.
 */
import { CatalogError } from "../../errors/index.js";
import type { EventLog, ReadSource, ReadView } from "../store.js";

/** What a client is told to wait before retrying a read whose min_revision could not be served. */
export const READ_RETRY_DELAY_MS = 1_000;

/** The view of a single store: itself, at its current revision (UNAVAILABLE below `minRevision`). */
export async function readAtHead(
  store: ReadSource & Pick<EventLog, "revisionBounds">,
  minRevision: number,
  what: string,
): Promise<ReadView> {
  const { current } = await store.revisionBounds();
  if (minRevision > current) throw revisionNotReached(what, minRevision, current);
  return { revision: current, reader: store };
}

/** UNAVAILABLE: no source could serve `minRevision` (the highest it reached is `reached`). */
export function revisionNotReached(
  what: string,
  minRevision: number,
  reached: number,
  waitedMs?: number,
): CatalogError {
  const waited = waitedMs === undefined ? "" : ` after waiting ${waitedMs} ms`;
  return new CatalogError(
    "UNAVAILABLE",
    `min_revision ${minRevision} is not available: ${what} is at revision ${reached}${waited}; retry later`,
    [],
    { retryDelayMs: READ_RETRY_DELAY_MS },
  );
}
