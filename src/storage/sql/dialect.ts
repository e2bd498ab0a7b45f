/**
 * What the shared SQL operations (operations/) need from a dialect: a
 * connection to run statements on, in or out of a write transaction, and
 * the statements themselves, hand-written once per dialect
 * (postgres/statements.ts, mysql/statements.ts; ../README.md, "Shared SQL",
 * says why there is no query builder). Every operation takes the session it
 * runs on, so a replica's applier runs several of them in one transaction.
 */

import type { ScoreKey } from "../core/cursor.js";
import type { RowKey } from "../core/ordering.js";
import type { SearchDocument } from "../core/search.js";
import type { CatalogEvent, ComponentRecord, ConsumerQuery, ConsumerRecord, PolicyRecord } from "../records.js";
import type { ListQuery, RevisionBounds, SearchQuery } from "../store.js";

/** One statement with its values, in the dialect's placeholder style. */
export interface Statement {
  text: string;
  values: readonly unknown[];
}

/** Runs statements on one connection (a transaction) or on the pool. */
export interface SqlSession {
  /** The rows a statement returns (none for a statement that returns no rows). */
  rows<R>(statement: Statement): Promise<R[]>;
  /** Runs a statement for its effect; how many rows it changed. */
  run(statement: Statement): Promise<number>;
}

export interface SqlDatabase extends SqlSession {
  /**
   * Runs `work` in one transaction on one connection: committed when it
   * resolves, rolled back when it throws (or when it resolves with
   * `rollback: true`). Driver errors come out mapped to CatalogError
   * (UNAVAILABLE for outages); a dialect may retry deadlocks here.
   */
  transaction<T>(work: (tx: SqlSession) => Promise<{ value: T; rollback?: boolean }>): Promise<T>;
  close(): Promise<void>;
}

/** The columns of one version row, as the operations hand them to a dialect. */
export interface VersionColumns {
  record: ComponentRecord;
  versionKey: string;
  versionOrder: string;
  search: SearchDocument;
}

/** Where a name's latest marker goes: one of its version keys, or none. */
export interface LatestMark {
  name: string;
  versionKey: string | null;
}

/** The statements of one dialect over one schema (PostgreSQL) or database (MySQL). */
export interface SqlStatements {
  /** Locks the revision row for this transaction and moves it one on; rows `{ current }` after the move. */
  reserveRevision(): Statement[];
  /** Moves the (locked) revision on by `by` more. */
  advanceRevision(by: number): Statement;
  revisionBounds(): Statement;
  /** revisionBounds, locking the revision row for this transaction (compaction). */
  lockRevisionBounds(): Statement;
  getVersion(name: string, versionKey: string): Statement;
  /** Every version of `name`, SemVer-descending. */
  listVersions(name: string): Statement;
  /** Every version of each of `names` (not empty), by name, each name's SemVer-descending. */
  listVersionsOf(names: readonly string[]): Statement;
  insertVersion(columns: VersionColumns): Statement;
  /** Rewrites the mutable columns (and update time, revision, actor, search text) of one version. */
  updateVersion(columns: VersionColumns): Statement;
  deleteVersions(name: string, versionKeys: readonly string[]): Statement;
  /** Moves `name`'s latest marker to `versionKey` (none when null). */
  markLatest(name: string, versionKey: string | null): Statement;
  getPolicy(name: string): Statement;
  /** Inserts the policy of its name, or replaces it. */
  upsertPolicy(policy: PolicyRecord): Statement;
  getConsumer(consumer: string, name: string): Statement;
  /** Inserts the registration of (consumer, name), or replaces it. */
  upsertConsumer(registration: ConsumerRecord): Statement;
  deleteConsumer(consumer: string, name: string): Statement;
  /** A component's registrations ordered by consumer, or a consumer's ordered by component name. */
  listConsumers(query: ConsumerQuery): Statement;
  /** markLatest for several names (not empty) in one statement. */
  markLatestOf(latest: readonly LatestMark[]): Statement;
  appendEvents(events: readonly CatalogEvent[]): Statement;
  /** Events after `afterRevision` (at most `limit`), each row carrying the compaction mark of the same snapshot. */
  readEvents(afterRevision: number, limit: number): Statement;
  compactEvents(throughRevision: number): Statement[];
  /** Statements a write runs last, inside its transaction (PostgreSQL: NOTIFY). */
  committed(lastRevision: number): Statement[];
  /** One page (plus one row) of a list in keyset order, after `after`. */
  listPage(query: ListQuery, after: RowKey | undefined, limit: number): Statement;
  /** One page (plus one row) of a ranked search, after `after`; rows carry `score`. */
  searchPage(query: SearchQuery, after: ScoreKey | undefined, limit: number): Statement;
  /** Writes versions whole (not empty), inserting each or replacing every column but the latest marker (replicas). */
  upsertVersions(rows: readonly VersionColumns[]): Statement;
  /** Every version row goes (a replica's rebuild). */
  deleteAllVersions(): Statement;
  /** Every policy and registration row goes (a replica's rebuild). */
  deleteAllRegistrations(): Statement[];
  /** One row `{ current, primary_name }`: a replica's applied revision and the primary that fed it. */
  replicaState(): Statement;
  /** Moves a replica's applied revision (the revision row) and records its primary. */
  setReplicaState(applied: number, primary: string): Statement[];
  /** Rows (at most one) when the event log holds any event: the schema is a catalog's own, not a replica. */
  anyEvent(): Statement;
  /** Driver rows to domain values. */
  record(row: unknown): ComponentRecord;
  event(row: unknown): CatalogEvent;
  policy(row: unknown): PolicyRecord;
  consumer(row: unknown): ConsumerRecord;
  bounds(row: unknown): RevisionBounds;
  /** The compaction mark a readEvents row carries (0 when none). */
  compactedOf(row: unknown): number;
  /** Whether a readEvents row holds an event (a snapshot with no events yields one row without). */
  hasEvent(row: unknown): boolean;
  score(row: unknown): number;
}
