/**
 * The reads of the DynamoDB backend. Reads of the base table are strongly
 * consistent (ConsistentRead) so a write is visible to the next read on any
 * replica; index reads are eventually consistent, as DynamoDB's GSIs are.
 */
import { type DynamoDBClient, GetItemCommand, QueryCommand, type QueryCommandInput } from "@aws-sdk/client-dynamodb";
import type { DynamoDbConfig } from "../../config/schema.js";
import { parseVersion } from "../../semver/index.js";
import { sortConsumers } from "../core/registry.js";
import type { CatalogEvent, ComponentRecord, ConsumerQuery, ConsumerRecord, PolicyRecord } from "../records.js";
import type { RevisionBounds } from "../store.js";
import { call } from "./client.js";
import {
  ATTR,
  CONSUMER_PREFIX,
  CONSUMERS_OF_PREFIX,
  componentPk,
  consumerKeys,
  consumerOf,
  EVENT_PK,
  eventOf,
  eventSk,
  type Item,
  key,
  LATEST_SK,
  numberAttr,
  POLICY_SK,
  policyOf,
  recordOf,
  revisionKey,
  VERSION_PREFIX,
  versionSk,
} from "./models.js";

export interface DynamoContext {
  client: DynamoDBClient;
  config: DynamoDbConfig;
}

async function getItem(ctx: DynamoContext, what: string, itemKey: Item): Promise<Item | undefined> {
  const out = await call(ctx.config, what, () =>
    ctx.client.send(new GetItemCommand({ TableName: ctx.config.tableName, Key: itemKey, ConsistentRead: true })),
  );
  return out.Item;
}

/** Every item a Query returns, page after page, until the caller stops iterating. */
export async function* queryItems(
  ctx: DynamoContext,
  what: string,
  input: Omit<QueryCommandInput, "TableName">,
): AsyncGenerator<Item> {
  let startKey: Item | undefined;
  do {
    const out = await call(ctx.config, what, () =>
      ctx.client.send(new QueryCommand({ ...input, TableName: ctx.config.tableName, ExclusiveStartKey: startKey })),
    );
    for (const item of out.Items ?? []) yield item;
    startKey = out.LastEvaluatedKey;
  } while (startKey !== undefined);
}

export async function readRevisionBounds(ctx: DynamoContext): Promise<RevisionBounds> {
  const item = await getItem(ctx, "reading the catalog revision", revisionKey());
  return { current: numberAttr(item, ATTR.current), compacted: numberAttr(item, ATTR.compacted) };
}

/** The stored version whose versionKey equals versionKey(version); undefined for unknown or non-SemVer versions. */
export async function readVersion(
  ctx: DynamoContext,
  name: string,
  version: string,
): Promise<ComponentRecord | undefined> {
  if (!parseVersion(version)) return undefined;
  const item = await getItem(ctx, `reading ${name} ${version}`, key(componentPk(name), versionSk(version)));
  return item ? recordOf(item) : undefined;
}

export async function readLatest(ctx: DynamoContext, name: string): Promise<ComponentRecord | undefined> {
  const item = await getItem(ctx, `reading the latest version of ${name}`, key(componentPk(name), LATEST_SK));
  return item ? recordOf(item) : undefined;
}

/** Every version of `name`, SemVer-descending (the sort key order, read backwards). */
export async function readVersions(ctx: DynamoContext, name: string): Promise<ComponentRecord[]> {
  const records: ComponentRecord[] = [];
  const items = queryItems(ctx, `listing versions of ${name}`, {
    KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
    ExpressionAttributeNames: { "#pk": ATTR.pk, "#sk": ATTR.sk },
    ExpressionAttributeValues: { ":pk": { S: componentPk(name) }, ":prefix": { S: VERSION_PREFIX } },
    ConsistentRead: true,
    ScanIndexForward: false,
  });
  for await (const item of items) records.push(recordOf(item));
  return records;
}

/** Logged events with revision > afterRevision, in revision order, at most `limit`. */
export async function readEventItems(
  ctx: DynamoContext,
  afterRevision: number,
  limit: number,
): Promise<CatalogEvent[]> {
  const events: CatalogEvent[] = [];
  if (limit <= 0) return events;
  const items = queryItems(ctx, "reading the event log", {
    KeyConditionExpression: "#pk = :pk AND #sk > :after",
    ExpressionAttributeNames: { "#pk": ATTR.pk, "#sk": ATTR.sk },
    ExpressionAttributeValues: { ":pk": { S: EVENT_PK }, ":after": { S: eventSk(afterRevision) } },
    ConsistentRead: true,
    Limit: Math.min(limit, 1000),
  });
  for await (const item of items) {
    events.push(eventOf(item));
    if (events.length >= limit) break;
  }
  return events;
}

/** Keys of logged events with revision <= throughRevision, oldest first. */
export async function* eventKeysThrough(ctx: DynamoContext, throughRevision: number): AsyncGenerator<Item> {
  yield* queryItems(ctx, "finding events to compact", {
    KeyConditionExpression: "#pk = :pk AND #sk <= :through",
    ExpressionAttributeNames: { "#pk": ATTR.pk, "#sk": ATTR.sk },
    ExpressionAttributeValues: { ":pk": { S: EVENT_PK }, ":through": { S: eventSk(throughRevision) } },
    ProjectionExpression: "#pk, #sk",
    ConsistentRead: true,
  });
}

export async function readPolicy(ctx: DynamoContext, name: string): Promise<PolicyRecord | undefined> {
  const item = await getItem(ctx, `reading the policy of ${name}`, key(componentPk(name), POLICY_SK));
  return item ? policyOf(item) : undefined;
}

export async function readConsumer(
  ctx: DynamoContext,
  consumer: string,
  name: string,
): Promise<ConsumerRecord | undefined> {
  const item = await getItem(ctx, `reading consumer ${consumer} of ${name}`, consumerKeys(consumer, name)[0]);
  return item ? consumerOf(item) : undefined;
}

/** One component's registrations (its CONSUMERS# partition) or one consumer's (its CONSUMER# partition). */
export async function readConsumers(ctx: DynamoContext, query: ConsumerQuery): Promise<ConsumerRecord[]> {
  const pk = "name" in query ? `${CONSUMERS_OF_PREFIX}${query.name}` : `${CONSUMER_PREFIX}${query.consumer}`;
  const records: ConsumerRecord[] = [];
  const items = queryItems(ctx, "listing consumers", {
    KeyConditionExpression: "#pk = :pk",
    ExpressionAttributeNames: { "#pk": ATTR.pk },
    ExpressionAttributeValues: { ":pk": { S: pk } },
    ConsistentRead: true,
  });
  for await (const item of items) records.push(consumerOf(item));
  // The sort key is the order already; sorting again keeps the one comparison every backend uses.
  return sortConsumers(records, query);
}
