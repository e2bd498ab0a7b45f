/**
 * CatalogStore on one DynamoDB table. Every write is one TransactWriteItems
 * whose revision counter update is conditioned on the revision the write
 * read: the counter is the catalog's optimistic lock, so concurrent writers
 * (in this process or on other replicas) serialise with gap-free revisions.
 * A writer that loses the race re-reads and retries after a jittered backoff.
 */
import { randomUUID } from "node:crypto";
import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDbConfig } from "../../config/schema.js";
import { CatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import { compactedAway, storeClosed } from "../core/errors.js";
import { abortReason, Mutex } from "../core/mutex.js";
import { PollingWakeups } from "../core/polling-wakeups.js";
import { readAtHead } from "../core/read-at.js";
import type { CatalogEvent, ComponentRecord, MutablePatch, NewComponentRecord, WriteMeta } from "../records.js";
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
import { call, createDynamoClient, mapDynamoError, missingTableError } from "./client.js";
import { listPage, searchPage } from "./list.js";
import { describe, isReady, migrateWith } from "./migrations.js";
import { ATTR, EVENT_PK, eventSk, type Item, key, revisionKey } from "./models.js";
import {
  type DynamoContext,
  eventKeysThrough,
  readEventItems,
  readRevisionBounds,
  readVersion,
  readVersions,
} from "./queries.js";
import { checkTransactionSize, planDelete, planInsert, planUpdate, type WritePlan } from "./writes.js";

/** Lost races a write tolerates before giving up; 50 writers contending need ~50 in the worst case. */
const MAX_COMMIT_ATTEMPTS = 150;
const BACKOFF_BASE_MS = 5;
const BACKOFF_CAP_MS = 200;
const BATCH_WRITE_MAX = 25;
/** Cancellation reasons that say "try again", as opposed to a failed condition of ours. */
const TRANSIENT_REASONS = new Set(["TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"]);

export class DynamoCatalogStore implements CatalogStore {
  readonly kind = "dynamodb";
  private readonly ctx: DynamoContext;
  private readonly wakeups: PollingWakeups;
  /** Writes of this process queue here, so they race only writers of other processes at DynamoDB. */
  private readonly writeLock = new Mutex();
  private closed = false;

  constructor(
    client: DynamoDBClient,
    private readonly config: DynamoDbConfig,
    private readonly logger: Logger,
  ) {
    this.ctx = { client, config };
    // Writes made by other replicas are only visible in the counter: it is polled while anyone listens.
    this.wakeups = new PollingWakeups(
      async () => (await readRevisionBounds(this.ctx)).current,
      config.pollIntervalMs,
      logger,
      "DynamoDB",
    );
  }

  async getVersion(name: string, version: string): Promise<ComponentRecord | undefined> {
    this.assertOpen();
    return readVersion(this.ctx, name, version);
  }

  async listVersions(name: string): Promise<ComponentRecord[]> {
    this.assertOpen();
    return readVersions(this.ctx, name);
  }

  async list(query: ListQuery): Promise<Page<ComponentRecord>> {
    this.assertOpen();
    return listPage(this.ctx, query);
  }

  async search(query: SearchQuery): Promise<Page<ScoredComponent>> {
    this.assertOpen();
    return searchPage(this.ctx, query);
  }

  async insertVersion(record: NewComponentRecord, meta: WriteMeta): Promise<CatalogEvent> {
    const what = `inserting ${record.name} ${record.version}`;
    const [event] = await this.commit(what, record.name, meta, (versions, revision) =>
      planInsert(versions, revision, record, meta),
    );
    return event as CatalogEvent;
  }

  async updateVersion(
    name: string,
    version: string,
    patch: MutablePatch,
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<CatalogEvent> {
    const [event] = await this.commit(`updating ${name} ${version}`, name, meta, (versions, revision) =>
      planUpdate(versions, revision, name, version, patch, meta, expectedRevision),
    );
    return event as CatalogEvent;
  }

  async deleteVersions(
    name: string,
    versions: readonly string[] | "all",
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<CatalogEvent[]> {
    if (versions !== "all" && versions.length === 0) return [];
    return this.commit(`deleting versions of ${name}`, name, meta, (stored, revision) =>
      planDelete(stored, revision, name, versions, meta, expectedRevision),
    );
  }

  async readEvents(afterRevision: number, limit: number): Promise<CatalogEvent[]> {
    this.assertOpen();
    const after = Math.max(0, Math.floor(afterRevision));
    const events = await readEventItems(this.ctx, after, limit);
    // Compaction raises `compacted` before deleting, so checking after the read catches any event it took.
    const { compacted } = await readRevisionBounds(this.ctx);
    if (afterRevision < compacted) throw compactedAway(afterRevision, compacted);
    return events;
  }

  async revisionBounds(): Promise<RevisionBounds> {
    this.assertOpen();
    return readRevisionBounds(this.ctx);
  }

  onCommit(listener: (revision: number) => void): () => void {
    return this.wakeups.subscribe(listener);
  }

  readAt(minRevision: number): Promise<ReadView> {
    return readAtHead(this, minRevision, `dynamodb store (table ${this.config.tableName})`);
  }

  async compact(throughRevision: number): Promise<void> {
    this.assertOpen();
    const bounds = await readRevisionBounds(this.ctx);
    const target = Math.min(Math.floor(throughRevision), bounds.current - 1);
    if (target <= bounds.compacted) return;
    // Raise the mark first: a reader that then misses a deleted event sees the new mark and fails OUT_OF_RANGE.
    try {
      await this.ctx.client.send(
        new UpdateItemCommand({
          TableName: this.config.tableName,
          Key: revisionKey(),
          UpdateExpression: "SET #c = :t",
          ConditionExpression: "attribute_not_exists(#c) OR #c < :t",
          ExpressionAttributeNames: { "#c": ATTR.compacted },
          ExpressionAttributeValues: { ":t": { N: String(target) } },
        }),
      );
    } catch (err) {
      if (!(err instanceof Error && err.name === "ConditionalCheckFailedException")) {
        throw mapDynamoError(err, this.config, "raising the compaction mark");
      }
    }
    let batch: WriteRequest[] = [];
    for await (const eventKey of eventKeysThrough(this.ctx, target)) {
      batch.push({ DeleteRequest: { Key: eventKey } });
      if (batch.length === BATCH_WRITE_MAX) {
        await this.deleteBatch(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await this.deleteBatch(batch);
    this.logger.debug("compacted event log", { throughRevision: target });
  }

  async health(): Promise<HealthStatus> {
    const where = `dynamodb store (table ${this.config.tableName}${this.config.endpoint ? ` at ${this.config.endpoint}` : ""})`;
    if (this.closed) return { ok: false, detail: `${where} is closed` };
    try {
      const table = await describe(this.ctx.client, this.config);
      if (!table) return { ok: false, detail: missingTableError(this.config.tableName, this.config.region).message };
      if (!isReady(table)) return { ok: false, detail: `${where}: table status ${table.TableStatus ?? "unknown"}` };
      const { current } = await readRevisionBounds(this.ctx);
      return { ok: true, detail: `${where} at revision ${current}` };
    } catch (err) {
      return { ok: false, detail: `${where}: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.wakeups.close();
    this.ctx.client.destroy();
  }

  /**
   * Reads the revision, then the name's versions, plans the write and sends
   * it with the counter conditioned on that revision. Because every write
   * moves the counter, the condition holding proves nothing changed since the
   * reads, so the plan's checks (exists, expected revision) and the write's
   * guard, which see those reads, are still true when it commits. A re-plan
   * after a lost race re-reads and runs the guard again on the new state.
   */
  private async commit(
    what: string,
    name: string,
    meta: WriteMeta,
    plan: (versions: ComponentRecord[], revision: number) => WritePlan,
  ): Promise<CatalogEvent[]> {
    this.assertOpen();
    // The caller's signal also ends a wait behind this replica's other writes.
    return this.writeLock.run(() => this.commitUnlocked(what, name, meta, plan), { signal: meta.signal });
  }

  private async commitUnlocked(
    what: string,
    name: string,
    meta: WriteMeta,
    plan: (versions: ComponentRecord[], revision: number) => WritePlan,
  ): Promise<CatalogEvent[]> {
    const { signal } = meta;
    for (let attempt = 1; ; attempt++) {
      // No (re-)planning for a caller that has gone.
      if (signal?.aborted) throw abortReason(signal);
      const { current } = await readRevisionBounds(this.ctx);
      const versions = await readVersions(this.ctx, name);
      meta.guard?.(versions.map((record) => structuredClone(record)));
      const writePlan = plan(versions, current);
      const last = writePlan.events.at(-1);
      if (!last) return [];
      const writeId = randomUUID();
      const items = [
        ...writePlan.items.map((item) => this.bindTable(this.tagEvent(item, writeId))),
        this.counterUpdate(current, last.revision),
      ];
      checkTransactionSize(items);
      if (signal?.aborted) throw abortReason(signal);
      const outcome = await this.send(what, items, signal);
      if (outcome.kind === "committed" || (await this.landedEarlier(writePlan.events, writeId))) {
        this.wakeups.emit(last.revision);
        return writePlan.events;
      }
      const counterIndex = items.length - 1;
      const lostRace = outcome.reasons[counterIndex] === "ConditionalCheckFailed";
      const transient = outcome.reasons.length === 0 || outcome.reasons.some((code) => TRANSIENT_REASONS.has(code));
      if (!lostRace && !transient) {
        const failed = outcome.reasons.indexOf("ConditionalCheckFailed");
        if (failed !== -1) throw writePlan.conditionFailed(failed, outcome.oldItems[failed]);
        throw new CatalogError(
          "INTERNAL",
          `${what}: DynamoDB cancelled the transaction: ${outcome.reasons.join(", ")}`,
        );
      }
      if (attempt >= MAX_COMMIT_ATTEMPTS) {
        throw new CatalogError(
          "UNAVAILABLE",
          `${what}: lost the race for the catalog revision ${attempt} times to concurrent writers; retry later`,
        );
      }
      this.logger.debug("write lost the revision race; retrying", { what, attempt, reasons: outcome.reasons });
      await sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 8)));
    }
  }

  /**
   * Sends one attempt. An abort of `signal` during the send stops waiting for
   * the answer (the SDK's abortSignal), not DynamoDB: the transaction may
   * still have committed, and the caller, answered with the signal's reason,
   * does not learn which (as with any deadline).
   */
  private async send(
    what: string,
    items: TransactWriteItem[],
    signal: AbortSignal | undefined,
  ): Promise<{ kind: "committed" } | { kind: "cancelled"; reasons: string[]; oldItems: (Item | undefined)[] }> {
    try {
      await this.ctx.client.send(
        new TransactWriteItemsCommand({ TransactItems: items }),
        signal ? { abortSignal: signal } : {},
      );
      return { kind: "committed" };
    } catch (err) {
      if (signal?.aborted) throw abortReason(signal);
      if (err instanceof Error && err.name === "TransactionCanceledException") {
        const reasons = cancellationReasons(err);
        return {
          kind: "cancelled",
          reasons: reasons.map((r) => r.Code ?? "None"),
          oldItems: reasons.map((r) => r.Item),
        };
      }
      if (err instanceof Error && err.name === "TransactionConflictException") {
        return { kind: "cancelled", reasons: [], oldItems: [] };
      }
      throw mapDynamoError(err, this.config, what);
    }
  }

  /**
   * Marks the event items of one attempt with its write id, so a transaction
   * whose first try committed but whose reply was lost (the SDK's retry then
   * fails its conditions) is recognised as landed instead of being re-planned.
   */
  private tagEvent(item: TransactWriteItem, writeId: string): TransactWriteItem {
    const put = item.Put;
    if (!put?.Item || put.Item[ATTR.pk]?.S !== EVENT_PK) return item;
    return { Put: { ...put, Item: { ...put.Item, [ATTR.writeId]: { S: writeId } } } };
  }

  private async landedEarlier(events: readonly CatalogEvent[], writeId: string): Promise<boolean> {
    const first = events[0];
    if (!first) return false;
    const out = await call(this.config, "checking whether a retried write landed", () =>
      this.ctx.client.send(
        new GetItemCommand({
          TableName: this.config.tableName,
          Key: key(EVENT_PK, eventSk(first.revision)),
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item?.[ATTR.writeId]?.S === writeId;
  }

  private counterUpdate(expected: number, next: number): TransactWriteItem {
    return {
      Update: {
        TableName: this.config.tableName,
        Key: revisionKey(),
        UpdateExpression: "SET #cur = :next",
        ConditionExpression: expected === 0 ? "attribute_not_exists(#cur) OR #cur = :expected" : "#cur = :expected",
        ExpressionAttributeNames: { "#cur": ATTR.current },
        ExpressionAttributeValues: { ":next": { N: String(next) }, ":expected": { N: String(expected) } },
      },
    };
  }

  /** Plans are built without the table name; every operation goes to this store's table. */
  private bindTable(item: TransactWriteItem): TransactWriteItem {
    const table = this.config.tableName;
    if (item.Put) return { Put: { ...item.Put, TableName: table } };
    if (item.Delete) return { Delete: { ...item.Delete, TableName: table } };
    if (item.Update) return { Update: { ...item.Update, TableName: table } };
    if (item.ConditionCheck) return { ConditionCheck: { ...item.ConditionCheck, TableName: table } };
    return item;
  }

  private async deleteBatch(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const out = await call(this.config, "deleting compacted events", () =>
        this.ctx.client.send(new BatchWriteItemCommand({ RequestItems: { [this.config.tableName]: pending } })),
      );
      pending = out.UnprocessedItems?.[this.config.tableName] ?? [];
      if (pending.length > 0) await sleep(Math.random() * Math.min(1000, 20 * 2 ** attempt));
    }
  }

  private assertOpen(): void {
    if (this.closed) {
      throw storeClosed(`dynamodb store (table ${this.config.tableName})`);
    }
  }
}

interface CancellationReason {
  Code?: string;
  Item?: Item;
}

function cancellationReasons(err: Error): CancellationReason[] {
  const reasons = (err as { CancellationReasons?: unknown }).CancellationReasons;
  return Array.isArray(reasons) ? (reasons as CancellationReason[]) : [];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Opens the DynamoDB store: creates the table first when
 * config.migrateOnStart, else fails FAILED_PRECONDITION (telling the
 * operator to run `nestor-catalog migrate`) when the table is missing.
 */
export async function openDynamoStore(config: DynamoDbConfig, logger: Logger): Promise<DynamoCatalogStore> {
  const client = createDynamoClient(config);
  const log = logger.child({ backend: "dynamodb", table: config.tableName });
  try {
    if (config.migrateOnStart) {
      await migrateWith(client, config, log);
    } else {
      const table = await describe(client, config);
      if (!table || !isReady(table)) throw missingTableError(config.tableName, config.region);
    }
  } catch (err) {
    client.destroy();
    throw err;
  }
  return new DynamoCatalogStore(client, config, log);
}
