/**
 * Write plans: each turns the state read at catalog revision R into the
 * items of ONE TransactWriteItems (version change, event per version,
 * the name's LATEST item) plus a mapping from a failed item condition to the
 * CatalogError it means. The revision counter update is added by the
 * committer (catalog.ts), which conditions it on R.
 */
import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { CatalogError, REASONS } from "../../errors/index.js";
import { sortDescending, versionKey } from "../../semver/index.js";
import {
  checkExpectedRevision,
  componentNotFound,
  versionNotFound as notFound,
  staleRevision,
  versionExists,
} from "../core/errors.js";
import { latestOf } from "../core/ordering.js";
import { updateEvent } from "../core/patch.js";
import {
  type CatalogEvent,
  type ComponentEvent,
  type ComponentRecord,
  eventSubject,
  type MutablePatch,
  type NewComponentRecord,
  type WriteMeta,
} from "../records.js";
import {
  ATTR,
  componentPk,
  describeKey,
  eventItem,
  type Item,
  itemSize,
  key,
  LATEST_SK,
  LIMITS,
  recordItem,
  recordOf,
  versionSk,
} from "./models.js";

export interface WritePlan<E extends CatalogEvent = ComponentEvent> {
  events: E[];
  /** Transaction items without the revision counter update. */
  items: TransactWriteItem[];
  /** The error a failed condition on items[index] means (the old item when it existed). */
  conditionFailed(index: number, oldItem: Item | undefined): CatalogError;
}

/** Items per version deleted (Delete + event Put) and per transaction besides them (LATEST + counter). */
const ITEMS_PER_DELETED_VERSION = 2;
const FIXED_ITEMS = 2;
export const MAX_VERSIONS_PER_DELETE = Math.floor((LIMITS.transactionItems - FIXED_ITEMS) / ITEMS_PER_DELETED_VERSION);

function findVersion(versions: readonly ComponentRecord[], version: string): ComponentRecord | undefined {
  const wanted = versionKey(version);
  return versions.find((record) => versionKey(record.version) === wanted);
}

function latestItem(name: string, versions: readonly ComponentRecord[]): TransactWriteItem {
  const latest = latestOf(versions);
  return latest
    ? { Put: put(recordItem("LATEST", latest)) }
    : { Delete: { TableName: "", Key: key(componentPk(name), LATEST_SK) } };
}

function put(item: Item): { TableName: string; Item: Item } {
  return { TableName: "", Item: item };
}

/** Refuses items DynamoDB would reject for size, naming the limit, before anything is sent. */
export function checkItemSize(item: Item, what: string): void {
  const size = itemSize(item);
  if (size > LIMITS.itemBytes) {
    throw CatalogError.invalid([
      {
        field: "component",
        description:
          `${what} serializes to ${Math.ceil(size / 1024)} KB, over DynamoDB's ${LIMITS.itemBytes / 1024} KB ` +
          "item size limit; make its description, labels, inputs or deployment config smaller",
        reason: REASONS.dynamodbItemSize,
      },
    ]);
  }
}

export function eventPut(event: CatalogEvent): TransactWriteItem {
  const item = eventItem(event);
  const version = "component" in event ? ` version ${event.component.version}` : "";
  checkItemSize(item, `component "${eventSubject(event)}"${version} (as its ${event.type} event)`);
  return {
    Put: {
      ...put(item),
      ConditionExpression: "attribute_not_exists(#pk)",
      ExpressionAttributeNames: { "#pk": ATTR.pk },
    },
  };
}

function versionPut(record: ComponentRecord, condition: "absent" | { updateRevision: number }): TransactWriteItem {
  const item = recordItem("VERSION", record);
  checkItemSize(item, `component "${record.name}" version ${record.version}`);
  return { Put: { ...put(item), ...versionCondition(condition) } };
}

interface ItemCondition {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Item;
  ReturnValuesOnConditionCheckFailure?: "ALL_OLD";
}

function versionCondition(condition: "absent" | { updateRevision: number }): ItemCondition {
  if (condition === "absent") {
    return {
      ConditionExpression: "attribute_not_exists(#pk)",
      ExpressionAttributeNames: { "#pk": ATTR.pk },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    };
  }
  return {
    ConditionExpression: "attribute_exists(#pk) AND #rev = :rev",
    ExpressionAttributeNames: { "#pk": ATTR.pk, "#rev": ATTR.updateRevision },
    ExpressionAttributeValues: { ":rev": { N: String(condition.updateRevision) } },
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}

export function planInsert(
  versions: readonly ComponentRecord[],
  revision: number,
  record: NewComponentRecord,
  meta: WriteMeta,
): WritePlan {
  const existing = findVersion(versions, record.version);
  if (existing) throw versionExists(existing);
  const next = revision + 1;
  const stored: ComponentRecord = {
    ...structuredClone(record),
    createTime: meta.time,
    updateTime: meta.time,
    createRevision: next,
    updateRevision: next,
    createActor: meta.actor,
    updateActor: meta.actor,
  };
  const event: ComponentEvent = {
    revision: next,
    type: "created",
    time: meta.time,
    component: stored,
    actor: meta.actor,
  };
  return {
    events: [event],
    items: [versionPut(stored, "absent"), eventPut(event), latestItem(record.name, [...versions, stored])],
    conditionFailed: (index, oldItem) => (index === 0 && oldItem ? versionExists(recordOf(oldItem)) : conflict(index)),
  };
}

export function planUpdate(
  versions: readonly ComponentRecord[],
  revision: number,
  name: string,
  version: string,
  patch: MutablePatch,
  meta: WriteMeta,
  expectedRevision: number | undefined,
): WritePlan {
  const existing = findVersion(versions, version);
  if (!existing) throw notFound(name, version);
  checkExpectedRevision(existing, expectedRevision);
  const event = updateEvent(existing, structuredClone(patch), meta, revision + 1);
  const updated = event.component;
  const remaining = versions.map((record) => (record === existing ? updated : record));
  return {
    events: [event],
    items: [
      versionPut(updated, { updateRevision: existing.updateRevision }),
      eventPut(event),
      latestItem(name, remaining),
    ],
    conditionFailed: (index, oldItem) =>
      index !== 0
        ? conflict(index)
        : oldItem
          ? changedSinceRead(existing, expectedRevision, index)
          : notFound(name, version),
  };
}

export function planDelete(
  versions: readonly ComponentRecord[],
  revision: number,
  name: string,
  selection: readonly string[] | "all",
  meta: WriteMeta,
  expectedRevision: number | undefined,
): WritePlan {
  let targets: ComponentRecord[];
  if (selection === "all") {
    if (versions.length === 0) throw componentNotFound(name);
    targets = sortDescending(versions, (r) => r.version);
  } else {
    const byKey = new Map<string, ComponentRecord>();
    for (const version of selection) {
      const found = findVersion(versions, version);
      if (!found) throw notFound(name, version);
      byKey.set(versionKey(found.version), found);
    }
    targets = sortDescending([...byKey.values()], (r) => r.version);
    if (selection.length === 1 && targets[0]) checkExpectedRevision(targets[0], expectedRevision);
  }
  if (targets.length > MAX_VERSIONS_PER_DELETE) {
    throw new CatalogError(
      "FAILED_PRECONDITION",
      `deleting ${targets.length} versions of "${name}" at once is over what one DynamoDB transaction can hold ` +
        `(100 items: at most ${MAX_VERSIONS_PER_DELETE} versions per delete); delete them in batches of at most ` +
        `${MAX_VERSIONS_PER_DELETE} named versions`,
    );
  }
  const events: ComponentEvent[] = targets.map((component, i) => ({
    revision: revision + 1 + i,
    type: "deleted",
    time: meta.time,
    component,
    actor: meta.actor,
  }));
  const removed = new Set(targets);
  const items: TransactWriteItem[] = [];
  targets.forEach((target, i) => {
    const event = events[i] as ComponentEvent;
    items.push(
      {
        Delete: {
          TableName: "",
          Key: key(componentPk(name), versionSk(target.version)),
          ...versionCondition({ updateRevision: target.updateRevision }),
        },
      },
      eventPut(event),
    );
  });
  items.push(
    latestItem(
      name,
      versions.filter((record) => !removed.has(record)),
    ),
  );
  return {
    events,
    items,
    conditionFailed: (index, oldItem) => {
      const target = index % ITEMS_PER_DELETED_VERSION === 0 ? targets[index / ITEMS_PER_DELETED_VERSION] : undefined;
      if (!target) return conflict(index);
      return oldItem ? changedSinceRead(target, expectedRevision, index) : notFound(name, target.version);
    },
  };
}

/** A version changed between this write's read and its commit: stale for a caller that named a revision. */
function changedSinceRead(record: ComponentRecord, expectedRevision: number | undefined, index: number): CatalogError {
  return expectedRevision !== undefined ? staleRevision(record, expectedRevision) : conflict(index);
}

/** A condition that only a write outside this store's protocol can fail (e.g. an event slot already taken). */
export function conflict(index: number): CatalogError {
  return new CatalogError("ABORTED", `a concurrent write changed the catalog (transaction item ${index}); retry`);
}

/** Throws when the whole transaction is over DynamoDB's 4 MB request limit. */
export function checkTransactionSize(items: readonly TransactWriteItem[]): void {
  let total = 0;
  for (const item of items) total += itemSize(item.Put?.Item ?? {});
  if (total > LIMITS.transactionBytes) {
    const first = items.find((item) => item.Put)?.Put?.Item;
    throw new CatalogError(
      "FAILED_PRECONDITION",
      `this write is ${Math.ceil(total / 1024)} KB in one DynamoDB transaction, over its 4 MB limit` +
        (first ? ` (first item ${describeKey(first)})` : "") +
        "; delete fewer versions per call",
    );
  }
}
