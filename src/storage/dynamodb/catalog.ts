import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  UpdateItemCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDbConfig } from "../../config/schema.js";
import type { Logger } from "../../logging/index.js";
import { compactedAway, storeClosed } from "../core/errors.js";
import { PollingWakeups } from "../core/polling-wakeups.js";
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
import { call, createDynamoClient, mapDynamoError, missingTableError } from "./client.js";
import { sleep, TransactionCommitter } from "./commit.js";
import { listPage, searchPage } from "./list.js";
import { describe, isReady, migrateWith } from "./migrations.js";
import { ATTR, revisionKey } from "./models.js";
import {
  type DynamoContext,
  eventKeysThrough,
  readConsumer,
  readConsumers,
  readEventItems,
  readPolicy,
  readRevisionBounds,
  readVersion,
  readVersions,
} from "./queries.js";
import { planDeleteConsumer, planPutConsumer, planSetPolicy } from "./registry-writes.js";
import { planDelete, planInsert, planUpdate, type WritePlan } from "./writes.js";

const BATCH_WRITE_MAX = 25;

export class DynamoCatalogStore implements CatalogStore {
  readonly kind = "dynamodb";
  private readonly ctx: DynamoContext;
  private readonly wakeups: PollingWakeups;
  private readonly committer: TransactionCommitter;
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
    this.committer = new TransactionCommitter(this.ctx, logger, (revision) => this.wakeups.emit(revision));
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

  async insertVersion(record: NewComponentRecord, meta: WriteMeta): Promise<ComponentEvent> {
    const what = `inserting ${record.name} ${record.version}`;
    const [event] = await this.commitVersions(what, record.name, meta, (versions, revision) =>
      planInsert(versions, revision, record, meta),
    );
    return event as ComponentEvent;
  }

  async updateVersion(
    name: string,
    version: string,
    patch: MutablePatch,
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<ComponentEvent> {
    const [event] = await this.commitVersions(`updating ${name} ${version}`, name, meta, (versions, revision) =>
      planUpdate(versions, revision, name, version, patch, meta, expectedRevision),
    );
    return event as ComponentEvent;
  }

  async deleteVersions(
    name: string,
    versions: readonly string[] | "all",
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<ComponentEvent[]> {
    if (versions !== "all" && versions.length === 0) return [];
    return this.commitVersions(`deleting versions of ${name}`, name, meta, (stored, revision) =>
      planDelete(stored, revision, name, versions, meta, expectedRevision),
    );
  }

  async getPolicy(name: string): Promise<PolicyRecord | undefined> {
    this.assertOpen();
    return readPolicy(this.ctx, name);
  }

  async setPolicy(name: string, mode: CompatibilityMode, meta: WriteMeta): Promise<PolicyEvent> {
    const [event] = await this.commit(
      `setting the policy of ${name}`,
      meta,
      async () => undefined,
      (_none, revision) => planSetPolicy(revision, name, mode, meta),
    );
    return event as PolicyEvent;
  }

  async putConsumer(registration: NewConsumerRecord, meta: WriteMeta): Promise<ConsumerEvent> {
    const { consumer, name } = registration;
    const [event] = await this.commit(
      `registering consumer ${consumer} of ${name}`,
      meta,
      () => readConsumer(this.ctx, consumer, name),
      (existing, revision) => planPutConsumer(existing, revision, registration, meta),
    );
    return event as ConsumerEvent;
  }

  async deleteConsumer(consumer: string, name: string, meta: WriteMeta): Promise<ConsumerEvent> {
    const [event] = await this.commit(
      `deregistering consumer ${consumer} of ${name}`,
      meta,
      () => readConsumer(this.ctx, consumer, name),
      (existing, revision) => planDeleteConsumer(existing, revision, consumer, name, meta),
    );
    return event as ConsumerEvent;
  }

  async listConsumers(query: ConsumerQuery): Promise<ConsumerRecord[]> {
    this.assertOpen();
    return readConsumers(this.ctx, query);
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
    const at = this.config.endpoint ? ` at ${this.config.endpoint}` : "";
    const where = `dynamodb store (table ${this.config.tableName}${at})`;
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
   * A version write: reads the name's versions (and, for a guarded write,
   * its policy) and runs the write's guard on them, on every attempt.
   */
  private commitVersions(
    what: string,
    name: string,
    meta: WriteMeta,
    plan: (versions: ComponentRecord[], revision: number) => WritePlan,
  ): Promise<ComponentEvent[]> {
    const read = async () => {
      const { guard } = meta;
      if (guard === undefined) return readVersions(this.ctx, name);
      const [versions, policy] = await Promise.all([readVersions(this.ctx, name), readPolicy(this.ctx, name)]);
      guard(
        versions.map((record) => structuredClone(record)),
        policy,
      );
      return versions;
    };
    return this.commit(what, meta, read, plan);
  }

  private commit<S, E extends CatalogEvent>(
    what: string,
    meta: WriteMeta,
    read: () => Promise<S>,
    plan: (state: S, revision: number) => WritePlan<E>,
  ): Promise<E[]> {
    this.assertOpen();
    return this.committer.commit(what, meta, read, plan);
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
