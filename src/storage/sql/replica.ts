/**
 * A read replica of a hybrid store on any SQL dialect: the catalog's own
 * tables (version rows, latest markers, search columns) filled from the
 * primary's events, the policy and consumer tables, the revision row as
 * the applied revision, and replica_state naming the primary. A batch and
 * its applied revision commit in one transaction that holds the revision row's lock, so racing
 * appliers queue and the later one finds the batch applied. A rebuild runs
 * in one transaction too: readers see the old content until it commits.
 * Reads are the store's own operations, so pages and search rank exactly as
 * on a primary of the same dialect.
 */
import { CatalogError } from "../../errors/index.js";
import { eventsAfter } from "../core/apply-event.js";
import { fedByAnotherPrimary } from "../core/errors.js";
import type { CatalogEvent, ComponentRecord, ConsumerQuery, ConsumerRecord, PolicyRecord } from "../records.js";
import type {
  ApplyOptions,
  HealthStatus,
  ListQuery,
  Page,
  ReplicaSnapshot,
  ReplicaState,
  ReplicaStore,
  ScoredComponent,
  SearchQuery,
} from "../store.js";
import type { SqlDatabase, SqlSession, SqlStatements } from "./dialect.js";
import { applyEventsOn, upsertVersions, writeRegistryOn } from "./operations/apply-events.js";
import { getPolicy } from "./operations/get-policy.js";
import { getVersion } from "./operations/get-version.js";
import { listConsumers } from "./operations/list-consumers.js";
import { listPage } from "./operations/list-page.js";
import { listVersions } from "./operations/list-versions.js";
import { latestMark } from "./operations/refresh-latest.js";
import { readReplicaState, writeReplicaState } from "./operations/replica-state.js";
import { searchPage } from "./operations/search-page.js";

export interface SqlReplicaParts {
  kind: string;
  /** e.g. `postgres replica (schema "reads")`. */
  where: string;
  db: SqlDatabase;
  sql: SqlStatements;
}

export class SqlReplicaStore implements ReplicaStore {
  readonly kind: string;
  readonly where: string;
  private readonly db: SqlDatabase;
  private readonly sql: SqlStatements;

  constructor(parts: SqlReplicaParts) {
    this.kind = parts.kind;
    this.where = parts.where;
    this.db = parts.db;
    this.sql = parts.sql;
  }

  getVersion(name: string, version: string): Promise<ComponentRecord | undefined> {
    return getVersion(this.db, this.sql, name, version);
  }

  listVersions(name: string): Promise<ComponentRecord[]> {
    return listVersions(this.db, this.sql, name);
  }

  list(query: ListQuery): Promise<Page<ComponentRecord>> {
    return listPage(this.db, this.sql, query);
  }

  search(query: SearchQuery): Promise<Page<ScoredComponent>> {
    return searchPage(this.db, this.sql, query);
  }

  getPolicy(name: string): Promise<PolicyRecord | undefined> {
    return getPolicy(this.db, this.sql, name);
  }

  listConsumers(query: ConsumerQuery): Promise<ConsumerRecord[]> {
    return listConsumers(this.db, this.sql, query);
  }

  state(): Promise<ReplicaState> {
    return readReplicaState(this.db, this.sql);
  }

  apply(events: readonly CatalogEvent[], options: ApplyOptions): Promise<ReplicaState> {
    return this.db.transaction(async (tx) => {
      const state = await this.lockedState(tx, options.primary);
      const pending = eventsAfter(events, state.appliedRevision, this.where);
      const last = pending.at(-1);
      if (last === undefined) return { value: state, rollback: true };
      await applyEventsOn(tx, this.sql, pending);
      await writeReplicaState(tx, this.sql, last.revision, options.primary);
      return { value: { appliedRevision: last.revision, primary: options.primary } };
    });
  }

  rebuild(primary: string, snapshot: ReplicaSnapshot): Promise<ReplicaState> {
    // A retried transaction (MySQL deadlock) calls this again: the snapshot's iterators start over.
    return this.db.transaction(async (tx) => {
      await this.lockedState(tx, primary);
      await tx.run(this.sql.deleteAllVersions());
      for (const statement of this.sql.deleteAllRegistrations()) await tx.run(statement);
      for await (const names of snapshot.names()) {
        const batch = [...names];
        await upsertVersions(
          tx,
          this.sql,
          batch.flatMap(([, versions]) => versions),
        );
        if (batch.length > 0) {
          await tx.run(this.sql.markLatestOf(batch.map(([name, versions]) => latestMark(name, versions))));
        }
        for (const [name] of batch) {
          const { policy, consumers } = await snapshot.registryOf(name);
          await writeRegistryOn(tx, this.sql, policy, consumers);
        }
      }
      let applied = snapshot.revision;
      for await (const events of snapshot.events(applied)) {
        const pending = eventsAfter(events, applied, this.where);
        await applyEventsOn(tx, this.sql, pending);
        applied = pending.at(-1)?.revision ?? applied;
      }
      await writeReplicaState(tx, this.sql, applied, primary);
      return { value: { appliedRevision: applied, primary } };
    });
  }

  async health(): Promise<HealthStatus> {
    try {
      const state = await this.state();
      return { ok: true, detail: `${this.where}: ok at applied revision ${state.appliedRevision}` };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, detail: `${this.where}: ${message}` };
    }
  }

  close(): Promise<void> {
    return this.db.close();
  }

  /** The state, with the revision row locked for this transaction; refuses another primary's events. */
  private async lockedState(tx: SqlSession, primary: string): Promise<ReplicaState> {
    await tx.rows(this.sql.lockRevisionBounds());
    const state = await readReplicaState(tx, this.sql);
    if (state.primary !== "" && state.primary !== primary)
      throw fedByAnotherPrimary(this.where, state.primary, primary);
    return state;
  }
}

/**
 * Refuses a place that holds a catalog's event log: a replica there would
 * overwrite a primary's rows (a misconfigured schema or database).
 */
export async function assertReplicaPlace(db: SqlDatabase, sql: SqlStatements, where: string): Promise<void> {
  const rows = await db.rows(sql.anyEvent());
  if (rows.length > 0) {
    throw new CatalogError(
      "FAILED_PRECONDITION",
      `${where} holds a catalog's event log: it is a catalog's own place, not a replica's; give the replica another`,
    );
  }
}

/** Refuses to open a catalog store on a replica's place (its rows come from another catalog's log). */
export async function assertNotReplica(db: SqlDatabase, sql: SqlStatements, where: string): Promise<void> {
  const { primary } = await readReplicaState(db, sql);
  if (primary !== "") {
    throw new CatalogError(
      "FAILED_PRECONDITION",
      `${where} is a read replica fed by ${primary}: a catalog cannot keep its own data there`,
    );
  }
}
