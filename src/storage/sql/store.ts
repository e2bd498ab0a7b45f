/**
 * CatalogStore over any SQL dialect: each method is one operation
 * (operations/), run on the dialect's database with its statements. What a
 * backend adds is the database (pool, transactions, error mapping), the
 * statements, and how other replicas' commits wake this one (PostgreSQL:
 * LISTEN/NOTIFY; MySQL: polling).
 */

import { readAtHead } from "../core/read-at.js";
import type {
  CatalogEvent,
  CompatibilityMode,
  ComponentEvent,
  ComponentRecord,
  ConsumerEvent,
  ConsumerQuery,
  ConsumerRecord,
  MutablePatch,
  NewComponentRecord,
  NewConsumerRecord,
  PolicyEvent,
  PolicyRecord,
  WriteMeta,
} from "../records.js";
import type {
  CatalogStore,
  HealthStatus,
  ListQuery,
  Page,
  ReadView,
  RevisionBounds,
  ScoredComponent,
  SearchQuery,
} from "../store.js";
import type { SqlDatabase, SqlStatements } from "./dialect.js";
import { commitRegistryWrite, commitWrite, type WriteStep } from "./operations/commit-write.js";
import { compactEvents } from "./operations/compact-events.js";
import { deleteConsumer } from "./operations/delete-consumer.js";
import { deleteVersions } from "./operations/delete-versions.js";
import { getPolicy } from "./operations/get-policy.js";
import { getVersion } from "./operations/get-version.js";
import { insertVersion } from "./operations/insert-version.js";
import { listConsumers } from "./operations/list-consumers.js";
import { listPage } from "./operations/list-page.js";
import { listVersions } from "./operations/list-versions.js";
import { putConsumer } from "./operations/put-consumer.js";
import { readEvents } from "./operations/read-events.js";
import { revisionBounds } from "./operations/revision-bounds.js";
import { searchPage } from "./operations/search-page.js";
import { setPolicy } from "./operations/set-policy.js";
import { updateVersion } from "./operations/update-version.js";

/** Commit wake-ups: this process's own commits, and (however the dialect learns of them) other replicas'. */
export interface CommitWakeups {
  subscribe(listener: (revision: number) => void): () => void;
  /** This process committed `revision`: wake local listeners now. */
  emit(revision: number): void;
  close(): Promise<void>;
}

export interface SqlStoreParts {
  kind: string;
  /** Where the data lives, for health and errors, e.g. `postgres (schema "nestor")`. */
  where: string;
  db: SqlDatabase;
  sql: SqlStatements;
  wakeups: CommitWakeups;
}

export class SqlCatalogStore implements CatalogStore {
  readonly kind: string;
  private readonly db: SqlDatabase;
  private readonly sql: SqlStatements;

  constructor(private readonly parts: SqlStoreParts) {
    this.kind = parts.kind;
    this.db = parts.db;
    this.sql = parts.sql;
  }

  getVersion(name: string, version: string): Promise<ComponentRecord | undefined> {
    return getVersion(this.db, this.sql, name, version);
  }

  listVersions(name: string): Promise<ComponentRecord[]> {
    return listVersions(this.db, this.sql, name);
  }

  async insertVersion(record: NewComponentRecord, meta: WriteMeta): Promise<ComponentEvent> {
    const [event] = await this.write(record.name, meta, insertVersion(this.sql, record, meta));
    return event as ComponentEvent;
  }

  async updateVersion(
    name: string,
    version: string,
    patch: MutablePatch,
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<ComponentEvent> {
    const [event] = await this.write(name, meta, updateVersion(this.sql, name, version, patch, meta, expectedRevision));
    return event as ComponentEvent;
  }

  deleteVersions(
    name: string,
    versions: readonly string[] | "all",
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<ComponentEvent[]> {
    return this.write(name, meta, deleteVersions(this.sql, name, versions, meta, expectedRevision));
  }

  getPolicy(name: string): Promise<PolicyRecord | undefined> {
    return getPolicy(this.db, this.sql, name);
  }

  setPolicy(name: string, mode: CompatibilityMode, meta: WriteMeta): Promise<PolicyEvent> {
    return this.registryWrite(meta, setPolicy(this.sql, name, mode, meta));
  }

  putConsumer(registration: NewConsumerRecord, meta: WriteMeta): Promise<ConsumerEvent> {
    return this.registryWrite(meta, putConsumer(this.sql, registration, meta));
  }

  deleteConsumer(consumer: string, name: string, meta: WriteMeta): Promise<ConsumerEvent> {
    return this.registryWrite(meta, deleteConsumer(this.sql, consumer, name, meta));
  }

  listConsumers(query: ConsumerQuery): Promise<ConsumerRecord[]> {
    return listConsumers(this.db, this.sql, query);
  }

  list(query: ListQuery): Promise<Page<ComponentRecord>> {
    return listPage(this.db, this.sql, query);
  }

  search(query: SearchQuery): Promise<Page<ScoredComponent>> {
    return searchPage(this.db, this.sql, query);
  }

  readEvents(afterRevision: number, limit: number): Promise<CatalogEvent[]> {
    return readEvents(this.db, this.sql, afterRevision, limit);
  }

  revisionBounds(): Promise<RevisionBounds> {
    return revisionBounds(this.db, this.sql);
  }

  onCommit(listener: (revision: number) => void): () => void {
    return this.parts.wakeups.subscribe(listener);
  }

  readAt(minRevision: number): Promise<ReadView> {
    return readAtHead(this, minRevision, this.parts.where);
  }

  compact(throughRevision: number): Promise<void> {
    return compactEvents(this.db, this.sql, throughRevision);
  }

  async health(): Promise<HealthStatus> {
    try {
      const { current } = await revisionBounds(this.db, this.sql);
      return { ok: true, detail: `${this.parts.where}: ok at revision ${current}` };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, detail: message.startsWith(this.kind) ? message : `${this.parts.where}: ${message}` };
    }
  }

  async close(): Promise<void> {
    await this.parts.wakeups.close();
    await this.db.close();
  }

  private async write(name: string, meta: WriteMeta, step: WriteStep): Promise<ComponentEvent[]> {
    const events = await commitWrite(this.db, this.sql, name, meta, step);
    const last = events.at(-1);
    if (last !== undefined) this.parts.wakeups.emit(last.revision);
    return events;
  }

  private async registryWrite<E extends CatalogEvent>(
    meta: WriteMeta,
    step: Parameters<typeof commitRegistryWrite<E>>[3],
  ): Promise<E> {
    const event = await commitRegistryWrite(this.db, this.sql, meta, step);
    this.parts.wakeups.emit(event.revision);
    return event;
  }
}
