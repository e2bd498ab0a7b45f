/**
 * CatalogStore on PostgreSQL. Every write is one transaction that first
 * locks the single catalog_revision row: writers are serialised there, so
 * revisions are gap-free and commit in order, which is what lets WatchEvents
 * replay the log without holes. Inside it: the row change, one event per
 * changed version, the revision bump, the latest marker of the name, and the
 * NOTIFY that wakes other replicas (delivered only if the transaction commits).
 */
import type { QueryResult, QueryResultRow } from "pg";
import type { PostgresConfig } from "../../config/schema.js";
import type { Logger } from "../../logging/index.js";
import { pickLatest, sortDescending, versionKey } from "../../semver/index.js";
import {
  checkExpectedRevision,
  compactedAway,
  componentNotFound,
  versionExists,
  versionNotFound,
} from "../core/errors.js";
import { abortReason } from "../core/mutex.js";
import { applyPatch } from "../core/patch.js";
import { searchDocument } from "../core/search.js";
import type {
  CatalogEvent,
  ComponentRecord,
  EventType,
  MutablePatch,
  NewComponentRecord,
  WriteMeta,
} from "../records.js";
import type {
  CatalogStore,
  HealthStatus,
  ListQuery,
  Page,
  RevisionBounds,
  ScoredComponent,
  SearchQuery,
} from "../store.js";
import { createPool, mapErrors, type Pool, type PoolClient, withTransaction } from "./client.js";
import { assertMigrated, migratePostgres } from "./migrations.js";
import {
  type ComponentRow,
  contentOf,
  type EventRow,
  eventFromRow,
  normalizeTime,
  recordFromRow,
  versionOrderKey,
} from "./models.js";
import { CommitNotifier, notificationPayload } from "./notifications.js";
import { CatalogSql, type PageQuery, type SqlQuery } from "./queries.js";

/** The open transaction of one write: hands out revisions and collects the events to log. */
class WriteTransaction {
  private readonly events: CatalogEvent[] = [];

  constructor(
    readonly client: PoolClient,
    private revision: number,
  ) {}

  nextRevision(): number {
    this.revision += 1;
    return this.revision;
  }

  get lastRevision(): number {
    return this.revision;
  }

  record(type: EventType, revision: number, component: ComponentRecord, meta: WriteMeta): CatalogEvent {
    const event: CatalogEvent = { revision, type, time: normalizeTime(meta.time), component, actor: meta.actor };
    this.events.push(event);
    return event;
  }

  get loggedEvents(): readonly CatalogEvent[] {
    return this.events;
  }
}

export class PostgresCatalogStore implements CatalogStore {
  readonly kind = "postgres";
  private readonly sql: CatalogSql;
  private readonly notifier: CommitNotifier;

  constructor(
    private readonly pool: Pool,
    private readonly config: PostgresConfig,
    logger: Logger,
  ) {
    this.sql = new CatalogSql(config.schema);
    this.notifier = new CommitNotifier(config, logger, async () => (await this.revisionBounds()).current);
  }

  async getVersion(name: string, version: string): Promise<ComponentRecord | undefined> {
    const result = await this.query<ComponentRow>(this.sql.getVersion(name, versionKey(version)));
    const row = result.rows[0];
    return row === undefined ? undefined : recordFromRow(row);
  }

  async listVersions(name: string): Promise<ComponentRecord[]> {
    const result = await this.query<ComponentRow>(this.sql.listVersions(name));
    return result.rows.map(recordFromRow);
  }

  async insertVersion(record: NewComponentRecord, meta: WriteMeta): Promise<CatalogEvent> {
    const time = normalizeTime(meta.time);
    return this.write(meta.signal, async (tx) => {
      await this.checkGuard(tx, record.name, meta);
      const revision = tx.nextRevision();
      const key = versionKey(record.version);
      const result = await tx.client.query<ComponentRow>(
        this.sql.insertVersion({
          name: record.name,
          versionKey: key,
          version: record.version,
          versionOrder: versionOrderKey(record.version),
          provider: record.provider,
          category: record.category,
          deploymentEngine: record.deployment.engine,
          description: record.description,
          labelsJson: JSON.stringify(record.labels),
          contentJson: JSON.stringify(contentOf(record)),
          sourceJson: record.source === undefined ? null : JSON.stringify(record.source),
          deprecated: record.deprecation.deprecated,
          deprecationJson: JSON.stringify(record.deprecation),
          contentDigest: record.contentDigest,
          time,
          revision,
          actor: meta.actor,
          search: searchDocument(record),
        }),
      );
      const row = result.rows[0];
      if (row === undefined) {
        // ON CONFLICT DO NOTHING: the version is taken (writers are serialised, so it is still there).
        const taken = await tx.client.query<ComponentRow>(this.sql.getVersion(record.name, key));
        const existing = taken.rows[0];
        throw existing ? versionExists(recordFromRow(existing)) : new Error("INSERT returned no row and none exists");
      }
      const event = tx.record("created", revision, recordFromRow(row), meta);
      await this.refreshLatest(tx.client, record.name);
      return event;
    });
  }

  async updateVersion(
    name: string,
    version: string,
    patch: MutablePatch,
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<CatalogEvent> {
    const time = normalizeTime(meta.time);
    const key = versionKey(version);
    return this.write(meta.signal, async (tx) => {
      await this.checkGuard(tx, name, meta);
      const found = await tx.client.query<ComponentRow>(this.sql.getVersion(name, key, true));
      const current = found.rows[0];
      if (current === undefined) throw versionNotFound(name, version);
      const existing = recordFromRow(current);
      checkExpectedRevision(existing, expectedRevision);
      const patched = applyPatch(existing, patch);
      const revision = tx.nextRevision();
      const result = await tx.client.query<ComponentRow>(
        this.sql.updateMutable({
          name,
          versionKey: key,
          description: patched.description,
          labelsJson: JSON.stringify(patched.labels),
          deprecated: patched.deprecation.deprecated,
          deprecationJson: JSON.stringify(patched.deprecation),
          time,
          revision,
          actor: meta.actor,
          search: searchDocument(patched),
        }),
      );
      const row = result.rows[0];
      if (row === undefined) throw new Error("UPDATE ... RETURNING returned no row");
      const event = tx.record("updated", revision, recordFromRow(row), meta);
      await this.refreshLatest(tx.client, name);
      return event;
    });
  }

  async deleteVersions(
    name: string,
    versions: readonly string[] | "all",
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<CatalogEvent[]> {
    const keys = versions === "all" ? undefined : [...new Set(versions.map(versionKey))];
    return this.write(meta.signal, async (tx) => {
      await this.checkGuard(tx, name, meta);
      const result = await tx.client.query<ComponentRow>(this.sql.deleteVersions(name, keys));
      const deleted = result.rows.map(recordFromRow);
      if (keys === undefined) {
        if (deleted.length === 0) throw componentNotFound(name);
      } else {
        const gone = new Set(deleted.map((record) => versionKey(record.version)));
        const missing = keys.find((key) => !gone.has(key));
        if (missing !== undefined) throw versionNotFound(name, missing);
      }
      if (versions !== "all" && versions.length === 1 && deleted[0] !== undefined) {
        checkExpectedRevision(deleted[0], expectedRevision);
      }
      const events = sortDescending(deleted, (record) => record.version).map((record) =>
        tx.record("deleted", tx.nextRevision(), record, meta),
      );
      await this.refreshLatest(tx.client, name);
      return events;
    });
  }

  async list(query: ListQuery): Promise<Page<ComponentRecord>> {
    return this.page(this.sql.list(query), recordFromRow);
  }

  async search(query: SearchQuery): Promise<Page<ScoredComponent>> {
    return this.page(this.sql.search(query), (row) => ({ component: recordFromRow(row), score: row.score }));
  }

  async readEvents(afterRevision: number, limit: number): Promise<CatalogEvent[]> {
    const result = await this.query<EventRow & { compacted: string }>(this.sql.readEvents(afterRevision, limit));
    const compacted = Number(result.rows[0]?.compacted ?? 0);
    if (afterRevision < compacted) throw compactedAway(afterRevision, compacted);
    return result.rows.map(eventFromRow);
  }

  async revisionBounds(): Promise<RevisionBounds> {
    const result = await this.query<{ current: string; compacted: string }>({
      text: this.sql.revisionBounds(),
      values: [],
    });
    const row = result.rows[0];
    return { current: Number(row?.current ?? 0), compacted: Number(row?.compacted ?? 0) };
  }

  onCommit(listener: (revision: number) => void): () => void {
    return this.notifier.subscribe(listener);
  }

  async compact(throughRevision: number): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      const locked = await client.query<{ current: string; compacted: string }>(this.sql.lockRevision());
      const current = Number(locked.rows[0]?.current ?? 0);
      const compacted = Number(locked.rows[0]?.compacted ?? 0);
      // The current revision's event always stays, so readers can tell "nothing new" from "compacted".
      const through = Math.min(throughRevision, current - 1);
      if (through <= compacted) return;
      for (const statement of this.sql.compactEvents(through)) await client.query(statement);
    });
  }

  async health(): Promise<HealthStatus> {
    try {
      await this.query({ text: "SELECT 1", values: [] });
      return { ok: true, detail: `postgres: ok (schema "${this.config.schema}")` };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, detail: message.startsWith("postgres") ? message : `postgres: ${message}` };
    }
  }

  async close(): Promise<void> {
    await this.notifier.close();
    await this.pool.end();
  }

  /** Resolves once the LISTEN connection for onCommit is up; false when it did not come up in time. */
  async listening(timeoutMs: number): Promise<boolean> {
    return this.notifier.ready(timeoutMs);
  }

  /** Runs a page query; the revision is read first, so the page reflects at least that revision. */
  private async page<R extends QueryResultRow, T>(query: PageQuery<R>, toItem: (row: R) => T): Promise<Page<T>> {
    const revision = await this.currentRevision();
    const result = await this.query<R>(query.sql);
    const rows = result.rows.slice(0, query.pageSize);
    const page: Page<T> = { items: rows.map(toItem), revision };
    const last = rows.at(-1);
    if (result.rows.length > query.pageSize && last !== undefined) page.nextCursor = query.cursorAfter(last);
    return page;
  }

  private async currentRevision(): Promise<number> {
    return (await this.revisionBounds()).current;
  }

  private async query<R extends QueryResultRow>(statement: SqlQuery): Promise<QueryResult<R>> {
    return mapErrors(() => this.pool.query<R>(statement.text, statement.values));
  }

  /**
   * Runs one write transaction: lock the revision, do the work, log its
   * events, bump, notify. The caller's signal is checked once a pooled
   * connection is ours and again just before COMMIT; an abort by then rolls
   * back and rejects with the signal's reason.
   */
  private async write<T>(signal: AbortSignal | undefined, work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    const checkSignal = () => {
      // A marker, not the reason itself: withTransaction and mapErrors must see nothing they would map.
      if (signal?.aborted) throw new AbortedWrite();
    };
    const { value, revision } = await withTransaction(this.pool, async (client) => {
      checkSignal();
      const locked = await client.query<{ current: string }>(this.sql.lockRevision());
      const tx = new WriteTransaction(client, Number(locked.rows[0]?.current ?? 0));
      const value = await work(tx);
      const events = tx.loggedEvents;
      if (events.length > 0) {
        await client.query(
          this.sql.insertEvents(
            events.map((event) => ({
              revision: event.revision,
              type: event.type,
              time: event.time,
              componentJson: JSON.stringify(event.component),
              actor: event.actor,
            })),
          ),
        );
        await client.query(this.sql.setCurrentRevision(tx.lastRevision));
        await client.query(this.sql.notify(notificationPayload(this.config.schema, tx.lastRevision)));
      }
      checkSignal();
      return { value, revision: tx.lastRevision };
    }).catch((err: unknown) => {
      throw err instanceof AbortedWrite && signal ? abortReason(signal) : err;
    });
    this.notifier.emit(revision);
    return value;
  }

  /**
   * Calls the write's guard with the name's versions as of now. The caller
   * holds the revision row lock, which every writer takes first, so no other
   * write commits until this transaction ends; and under READ COMMITTED this
   * statement (started after the lock was granted) sees every write that
   * committed before it. A throwing guard rolls the transaction back.
   */
  private async checkGuard(tx: WriteTransaction, name: string, meta: WriteMeta): Promise<void> {
    if (meta.guard === undefined) return;
    const result = await tx.client.query<ComponentRow>(this.sql.listVersions(name));
    meta.guard(result.rows.map(recordFromRow));
  }

  /** Recomputes the latest marker of `name` with semver.pickLatest, inside the write transaction. */
  private async refreshLatest(client: PoolClient, name: string): Promise<void> {
    const result = await client.query<{ version_key: string; version: string; deprecated: boolean }>(
      this.sql.latestCandidates(name),
    );
    const latest = pickLatest(
      result.rows,
      (row) => row.version,
      (row) => row.deprecated,
    );
    // Touches only the rows whose marker changes.
    await client.query(this.sql.markLatest(name, latest?.version_key ?? null));
  }
}

/**
 * Opens the store: a pool from `config`, pending migrations applied when
 * `config.migrateOnStart` (else the schema must already be migrated).
 * Fails UNAVAILABLE when the server cannot be reached.
 */
export async function openPostgresStore(config: PostgresConfig, logger: Logger): Promise<PostgresCatalogStore> {
  const log = logger.child({ component: "storage.postgres", schema: config.schema });
  if (config.migrateOnStart) await migratePostgres(config, log);
  const pool = createPool(config, log);
  try {
    await assertMigrated(pool, config.schema);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return new PostgresCatalogStore(pool, config, log);
}

/** Thrown inside a write transaction whose caller's signal aborted; becomes the signal's reason outside it. */
class AbortedWrite extends Error {
  constructor() {
    super("the write's caller gave up before it committed");
  }
}
