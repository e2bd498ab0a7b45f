/**
 * The DynamoDB backend's commit loop, apart from the store's operations:
 * every write is one TransactWriteItems whose revision counter update is
 * conditioned on the revision the write read (the catalog's optimistic
 * lock). A writer that loses the race re-reads and re-plans after a
 * jittered backoff; writes of one process queue on a local mutex first, so
 * they race only writers of other processes. A transaction whose reply was
 * lost after it committed is recognised by the write id on its events.
 */
import { randomUUID } from "node:crypto";
import { GetItemCommand, type TransactWriteItem, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { CatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import { abortReason, Mutex } from "../core/mutex.js";
import type { CatalogEvent, WriteMeta } from "../records.js";
import { call, mapDynamoError } from "./client.js";
import { ATTR, EVENT_PK, eventSk, type Item, key, revisionKey } from "./models.js";
import { type DynamoContext, readRevisionBounds } from "./queries.js";
import { checkTransactionSize, type WritePlan } from "./writes.js";

/** Lost races a write tolerates before giving up; 50 writers contending need ~50 in the worst case. */
const MAX_COMMIT_ATTEMPTS = 150;
const BACKOFF_BASE_MS = 5;
const BACKOFF_CAP_MS = 200;
/** Cancellation reasons that say "try again", as opposed to a failed condition of ours. */
const TRANSIENT_REASONS = new Set(["TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"]);

export class TransactionCommitter {
  /** Writes of this process queue here, so they race only writers of other processes at DynamoDB. */
  private readonly writeLock = new Mutex();

  constructor(
    private readonly ctx: DynamoContext,
    private readonly logger: Logger,
    /** Told the revision of every write this process commits. */
    private readonly committed: (revision: number) => void,
  ) {}

  /**
   * Reads the revision, then what the write depends on (`read`), plans the
   * write and sends it with the counter conditioned on that revision.
   * Because every write moves the counter, the condition holding proves
   * nothing changed since the reads, so the plan's checks (exists, expected
   * revision) and the write's guard, which see those reads, are still true
   * when it commits. A re-plan after a lost race reads again (and runs the
   * guard again on the new state).
   */
  async commit<S, E extends CatalogEvent>(
    what: string,
    meta: WriteMeta,
    read: () => Promise<S>,
    plan: (state: S, revision: number) => WritePlan<E>,
  ): Promise<E[]> {
    // The caller's signal also ends a wait behind this replica's other writes.
    return this.writeLock.run(() => this.commitUnlocked(what, meta, read, plan), { signal: meta.signal });
  }

  private async commitUnlocked<S, E extends CatalogEvent>(
    what: string,
    meta: WriteMeta,
    read: () => Promise<S>,
    plan: (state: S, revision: number) => WritePlan<E>,
  ): Promise<E[]> {
    const { signal } = meta;
    for (let attempt = 1; ; attempt++) {
      // No (re-)planning for a caller that has gone.
      if (signal?.aborted) throw abortReason(signal);
      const { current } = await readRevisionBounds(this.ctx);
      const writePlan = plan(await read(), current);
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
        this.committed(last.revision);
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
      throw mapDynamoError(err, this.ctx.config, what);
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
    const out = await call(this.ctx.config, "checking whether a retried write landed", () =>
      this.ctx.client.send(
        new GetItemCommand({
          TableName: this.ctx.config.tableName,
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
        TableName: this.ctx.config.tableName,
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
    const table = this.ctx.config.tableName;
    if (item.Put) return { Put: { ...item.Put, TableName: table } };
    if (item.Delete) return { Delete: { ...item.Delete, TableName: table } };
    if (item.Update) return { Update: { ...item.Update, TableName: table } };
    if (item.ConditionCheck) return { ConditionCheck: { ...item.ConditionCheck, TableName: table } };
    return item;
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

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
