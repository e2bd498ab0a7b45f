/**
 * Git sync leases and statuses on the catalog's DynamoDB table, so replicas
 * sharing the table share them: the DynamoDB implementation of
 * src/catalog/sync's SyncStateStore. Items (see README.md beside this file):
 *
 *   PK `SYNC#<repository>`, SK `LEASE`:  holder, expiresAt (epoch ms)
 *   PK `SYNC#<repository>`, SK `STATUS`: doc (status JSON), gsiKind/gsiName
 *
 * Storage does not import the catalog layer, so the status is an opaque JSON
 * document keyed by its `repository`; the type parameter gives it back its type.
 *
 * DynamoDB has no server clock to compare against, so expiry uses the `now`
 * the replica passes in: replicas' clocks must agree to well within the lease
 * TTL. A lease is taken in one conditional put when it is absent, expired, or
 * already held by the same holder.
 */
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDbConfig } from "../../config/schema.js";
import { CatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import { createDynamoClient, mapDynamoError, missingTableError } from "./client.js";
import { describe, isReady } from "./migrations.js";
import { ATTR, INDEX, type Item } from "./models.js";

const SYNC_PREFIX = "SYNC#";
const LEASE_SK = "LEASE";
const STATUS_SK = "STATUS";
/**
 * gsiKind of status items: puts them in their own partition of the byName
 * index (range key gsiName = repository), so listing statuses is one Query
 * instead of a Scan of the whole catalog. Catalog reads of byName ask for
 * `LATEST` or `VERSION` only, so they never see these items.
 */
const STATUS_KIND = "SYNC_STATUS";

export class DynamoSyncStateStore<Status extends { repository: string }> {
  private constructor(
    private readonly client: DynamoDBClient,
    private readonly config: DynamoDbConfig,
  ) {}

  /** A client of its own; fails FAILED_PRECONDITION when the table is missing (run `nestor-catalog migrate`). */
  static async open<Status extends { repository: string }>(
    config: DynamoDbConfig,
    _logger: Logger,
  ): Promise<DynamoSyncStateStore<Status>> {
    const client = createDynamoClient(config);
    try {
      const table = await describe(client, config);
      if (!table || !isReady(table)) throw missingTableError(config.tableName, config.region);
    } catch (err) {
      client.destroy();
      throw err;
    }
    return new DynamoSyncStateStore<Status>(client, config);
  }

  async acquireLease(repository: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.config.tableName,
          Item: {
            ...key(repository, LEASE_SK),
            holder: { S: holder },
            expiresAt: { N: String(now.getTime() + ttlMs) },
          },
          // `<=`, like the other stores: a lease with no time left is expired.
          ConditionExpression: "attribute_not_exists(#pk) OR #expiresAt <= :now OR #holder = :me",
          ExpressionAttributeNames: { "#pk": ATTR.pk, "#expiresAt": "expiresAt", "#holder": "holder" },
          ExpressionAttributeValues: { ":now": { N: String(now.getTime()) }, ":me": { S: holder } },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw mapDynamoError(err, this.config, `taking the sync lease of ${repository}`);
    }
  }

  async releaseLease(repository: string, holder: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.config.tableName,
          Key: key(repository, LEASE_SK),
          ConditionExpression: "#holder = :me",
          ExpressionAttributeNames: { "#holder": "holder" },
          ExpressionAttributeValues: { ":me": { S: holder } },
        }),
      );
    } catch (err) {
      // Absent or held by someone else: nothing of ours to give up.
      if (isConditionFailure(err)) return;
      throw mapDynamoError(err, this.config, `releasing the sync lease of ${repository}`);
    }
  }

  async getStatus(repository: string): Promise<Status | undefined> {
    try {
      const out = await this.client.send(
        new GetItemCommand({ TableName: this.config.tableName, Key: key(repository, STATUS_SK), ConsistentRead: true }),
      );
      return out.Item ? parseStatus<Status>(out.Item) : undefined;
    } catch (err) {
      throw mapDynamoError(err, this.config, `reading the sync status of ${repository}`);
    }
  }

  async putStatus(status: Status): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.config.tableName,
          Item: {
            ...key(status.repository, STATUS_SK),
            [ATTR.doc]: { S: JSON.stringify(status) },
            [ATTR.kind]: { S: STATUS_KIND },
            [ATTR.nameKey]: { S: status.repository },
          },
        }),
      );
    } catch (err) {
      throw mapDynamoError(err, this.config, `writing the sync status of ${status.repository}`);
    }
  }

  /** By repository (byte order). Read from a GSI, so a status written a moment ago may be missing on AWS. */
  async listStatuses(): Promise<Status[]> {
    const statuses: Status[] = [];
    let start: Item | undefined;
    try {
      do {
        const out = await this.client.send(
          new QueryCommand({
            TableName: this.config.tableName,
            IndexName: INDEX.byName,
            KeyConditionExpression: "#kind = :kind",
            ExpressionAttributeNames: { "#kind": ATTR.kind },
            ExpressionAttributeValues: { ":kind": { S: STATUS_KIND } },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of out.Items ?? []) statuses.push(parseStatus<Status>(item));
        start = out.LastEvaluatedKey;
      } while (start);
    } catch (err) {
      throw mapDynamoError(err, this.config, "listing sync statuses");
    }
    return statuses;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function key(repository: string, sk: string): Item {
  return { [ATTR.pk]: { S: `${SYNC_PREFIX}${repository}` }, [ATTR.sk]: { S: sk } };
}

function parseStatus<Status>(item: Item): Status {
  const doc = item[ATTR.doc]?.S;
  if (doc === undefined)
    throw new CatalogError("INTERNAL", `sync status item ${item[ATTR.pk]?.S ?? "?"} has no ${ATTR.doc}`);
  return JSON.parse(doc) as Status;
}

function isConditionFailure(err: unknown): boolean {
  return err instanceof Error && err.name === "ConditionalCheckFailedException";
}
