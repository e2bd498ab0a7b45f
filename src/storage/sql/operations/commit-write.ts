/**
 * The skeleton of every write, one transaction: reserve the next revision
 * (which locks the revision row, so every write is serialised behind the
 * ones before it), run the write's body (for a version write: read the
 * name's versions and policy, run the caller's guard on them, run the
 * write's own step, move the name's latest marker), log one event per
 * change, move the revision past the last event, and run the dialect's
 * commit statements (NOTIFY). A write that changes nothing rolls back, so
 * no revision is spent.
 *
 * The caller's signal is checked once a connection is ours and again just
 * before COMMIT; an abort by then rolls back and rejects with the signal's
 * reason.
 */
import { abortReason } from "../../core/mutex.js";
import type { CatalogEvent, ComponentEvent, ComponentRecord, WriteMeta } from "../../records.js";
import type { SqlDatabase, SqlSession, SqlStatements } from "../dialect.js";
import { appendEvents } from "./append-events.js";
import { getPolicy } from "./get-policy.js";
import { listVersions } from "./list-versions.js";
import { refreshLatest } from "./refresh-latest.js";
import { reserveRevision } from "./reserve-revision.js";

/** Hands out the write's revisions, starting at the reserved one. */
export class Revisions {
  private used = 0;
  constructor(private readonly first: number) {}
  next(): number {
    return this.first + this.used++;
  }
  get count(): number {
    return this.used;
  }
}

export interface StepResult {
  events: ComponentEvent[];
  /** The name's versions after the step. */
  versions: readonly ComponentRecord[];
}

/** One version write's own statements, given the name's versions as of the lock. */
export type WriteStep = (
  tx: SqlSession,
  versions: readonly ComponentRecord[],
  revisions: Revisions,
) => Promise<StepResult>;

/** A version write: the name's versions and policy for the guard, the step, then the name's latest marker. */
export function commitWrite(
  db: SqlDatabase,
  sql: SqlStatements,
  name: string,
  meta: WriteMeta,
  step: WriteStep,
): Promise<ComponentEvent[]> {
  return inWriteTransaction(db, sql, meta, async (tx, revisions) => {
    const versions = await listVersions(tx, sql, name);
    if (meta.guard) meta.guard(versions, await getPolicy(tx, sql, name));
    const result = await step(tx, versions, revisions);
    if (result.events.length > 0) await refreshLatest(tx, sql, name, result.versions);
    return result.events;
  });
}

/** A write of the registry (a policy, a registration): one event, no versions read. */
export async function commitRegistryWrite<E extends CatalogEvent>(
  db: SqlDatabase,
  sql: SqlStatements,
  meta: WriteMeta,
  step: (tx: SqlSession, revision: number) => Promise<E>,
): Promise<E> {
  const [event] = await inWriteTransaction(db, sql, meta, async (tx, revisions) => [await step(tx, revisions.next())]);
  return event as E;
}

/** The transaction every write runs in: the revision, the body, the events, the commit statements. */
async function inWriteTransaction<E extends CatalogEvent>(
  db: SqlDatabase,
  sql: SqlStatements,
  meta: WriteMeta,
  body: (tx: SqlSession, revisions: Revisions) => Promise<E[]>,
): Promise<E[]> {
  const { signal } = meta;
  const checkSignal = () => {
    // A marker, not the reason itself: the database layer must see nothing it would map.
    if (signal?.aborted) throw new AbortedWrite();
  };
  try {
    return await db.transaction(async (tx) => {
      checkSignal();
      const revisions = new Revisions(await reserveRevision(tx, sql));
      const events = await body(tx, revisions);
      const last = events.at(-1);
      if (last === undefined) return { value: events, rollback: true };
      await appendEvents(tx, sql, events);
      if (revisions.count > 1) await tx.run(sql.advanceRevision(revisions.count - 1));
      for (const statement of sql.committed(last.revision)) await tx.run(statement);
      checkSignal();
      return { value: events };
    });
  } catch (err) {
    throw err instanceof AbortedWrite && signal ? abortReason(signal) : err;
  }
}

/** Thrown inside a write transaction whose caller's signal aborted; becomes the signal's reason outside it. */
class AbortedWrite extends Error {
  constructor() {
    super("the write's caller gave up before it committed");
  }
}
