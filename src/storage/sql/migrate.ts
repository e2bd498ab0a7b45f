/**
 * Schema migrations for the SQL backends, one file per migration
 * (<backend>/migrations/<id>.ts, applied in id order), each a list of steps
 * with an `up` and, where it can be reversed, a `down`.
 *
 * Applied under a lock held for the whole run (PostgreSQL: an advisory lock;
 * MySQL: GET_LOCK), so replicas starting at once apply each migration once:
 * the others wait, then find it recorded and skip it. A migration that fails
 * leaves the schema as it was, and the error names it: on PostgreSQL its
 * steps and its record run in one transaction (DDL is transactional); on
 * MySQL, where DDL commits as it goes, the steps that finished are undone
 * with their `down`, newest first.
 */
import { CatalogError, isCatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import type { SqlSession } from "./dialect.js";

export type MigrationAction = string | ((session: SqlSession) => Promise<void>);

export interface MigrationStep {
  up: MigrationAction;
  /** Undoes `up`; absent when it cannot be undone. */
  down?: MigrationAction;
}

export interface Migration {
  /** `<yyyymmdd>_<nnn>_<what>`: the file's name, the order, and what the ledger records. */
  id: string;
  steps: readonly MigrationStep[];
}

/** Where migrations run: one connection holding the dialect's migration lock. */
export interface MigrationTarget {
  /** For logs and errors, e.g. `postgres schema "nestor"`. */
  where: string;
  /** DDL rolls back with its transaction (PostgreSQL), or commits as it runs (MySQL). */
  transactionalDdl: boolean;
  /** Runs `work` on one connection holding the migration lock. */
  locked<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  /** Creates the schema and ledger table when absent. */
  prepare(session: SqlSession): Promise<void>;
  recorded(session: SqlSession): Promise<string[]>;
  record(session: SqlSession, id: string): Promise<void>;
  forget(session: SqlSession, id: string): Promise<void>;
  begin(session: SqlSession): Promise<void>;
  commit(session: SqlSession): Promise<void>;
  rollback(session: SqlSession): Promise<void>;
}

export interface MigrationResult {
  /** Ids applied by this call, in order; empty when the schema was up to date. */
  applied: string[];
  /** Every id recorded afterwards. */
  present: string[];
}

export function inOrder(migrations: readonly Migration[]): Migration[] {
  return [...migrations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export async function applyMigrations(
  target: MigrationTarget,
  migrations: readonly Migration[],
  logger: Logger,
): Promise<MigrationResult> {
  return target.locked(async (session) => {
    await target.prepare(session);
    const present = new Set(await target.recorded(session));
    const applied: string[] = [];
    for (const migration of inOrder(migrations)) {
      if (present.has(migration.id)) continue;
      await applyOne(target, session, migration);
      applied.push(migration.id);
      logger.info("migration applied", { migration: migration.id, where: target.where });
    }
    const recorded = await target.recorded(session);
    const unknown = recorded.filter((id) => !migrations.some((migration) => migration.id === id));
    if (unknown.length > 0) {
      logger.warn("the schema has migrations this server does not know (a newer version ran?)", {
        where: target.where,
        unknown,
      });
    }
    return { applied, present: recorded };
  });
}

/** Undoes one applied migration with its steps' `down`, newest step first, and forgets it. */
export async function revertMigration(target: MigrationTarget, migration: Migration): Promise<void> {
  if (migration.steps.some((step) => step.down === undefined)) {
    throw new CatalogError("FAILED_PRECONDITION", `migration ${migration.id} cannot be reverted: a step has no down`);
  }
  await target.locked(async (session) => {
    if (!(await target.recorded(session)).includes(migration.id)) return;
    await inUnit(target, session, migration, async () => {
      for (const step of [...migration.steps].reverse()) await perform(session, step.down as MigrationAction);
      await target.forget(session, migration.id);
    });
  });
}

async function applyOne(target: MigrationTarget, session: SqlSession, migration: Migration): Promise<void> {
  await inUnit(target, session, migration, async (done) => {
    for (const step of migration.steps) {
      await perform(session, step.up);
      done.push(step);
    }
    await target.record(session, migration.id);
  });
}

/**
 * Runs a migration's work so that it happens whole or not at all: in a
 * transaction where DDL is transactional, else undoing the finished steps.
 */
async function inUnit(
  target: MigrationTarget,
  session: SqlSession,
  migration: Migration,
  work: (done: MigrationStep[]) => Promise<void>,
): Promise<void> {
  const done: MigrationStep[] = [];
  if (target.transactionalDdl) await target.begin(session);
  try {
    await work(done);
    if (target.transactionalDdl) await target.commit(session);
  } catch (err) {
    if (target.transactionalDdl) {
      await target.rollback(session).catch(() => undefined);
      throw failed(migration, done.length, err, "it was rolled back: the schema is as it was before it");
    }
    for (const step of done.reverse()) {
      try {
        if (step.down === undefined) throw new Error("the step has no down");
        await perform(session, step.down);
      } catch (undoErr) {
        const why = undoErr instanceof Error ? undoErr.message : String(undoErr);
        throw failed(migration, done.length, err, `undoing its finished steps failed too (${why}): repair by hand`);
      }
    }
    throw failed(migration, done.length, err, "its finished steps were undone: the schema is as it was before it");
  }
}

async function perform(session: SqlSession, action: MigrationAction): Promise<void> {
  if (typeof action === "string") await session.run({ text: action, values: [] });
  else await action(session);
}

function failed(migration: Migration, stepIndex: number, cause: unknown, outcome: string): CatalogError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  const code = isCatalogError(cause, "UNAVAILABLE") ? "UNAVAILABLE" : "INTERNAL";
  return new CatalogError(
    code,
    `migration ${migration.id} failed at step ${stepIndex + 1} of ${migration.steps.length}: ${detail}; ${outcome}`,
    [],
    { cause },
  );
}
