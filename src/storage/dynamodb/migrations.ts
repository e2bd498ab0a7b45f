/**
 * Creates the catalog table and its global secondary indexes, idempotently:
 * a missing table is created with every index, an existing one gets the
 * indexes it lacks (DynamoDB adds one GSI per UpdateTable), and the call
 * returns once the table and every index are ACTIVE.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type TableDescription,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDbConfig } from "../../config/schema.js";
import { CatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import { call, createDynamoClient, mapDynamoError } from "./client.js";
import { ATTR, INDEX } from "./models.js";

export interface MigrationResult {
  tableCreated: boolean;
  indexesCreated: string[];
}

const ACTIVE_WAIT_MS = 10 * 60_000;
const POLL_MS = 500;

function index(name: string, hashKey: string, rangeKey: string): GlobalSecondaryIndex {
  return {
    IndexName: name,
    KeySchema: [
      { AttributeName: hashKey, KeyType: "HASH" },
      { AttributeName: rangeKey, KeyType: "RANGE" },
    ],
    Projection: { ProjectionType: "ALL" },
  };
}

export const GLOBAL_INDEXES: readonly GlobalSecondaryIndex[] = [
  index(INDEX.byProvider, ATTR.provider, ATTR.nameKey),
  index(INDEX.byCategory, ATTR.category, ATTR.nameKey),
  index(INDEX.byName, ATTR.kind, ATTR.nameKey),
  index(INDEX.byUpdateTime, ATTR.kind, ATTR.timeKey),
];

const ATTRIBUTE_DEFINITIONS = [
  ATTR.pk,
  ATTR.sk,
  ATTR.provider,
  ATTR.category,
  ATTR.kind,
  ATTR.nameKey,
  ATTR.timeKey,
].map((name) => ({ AttributeName: name, AttributeType: "S" as const }));

/** `nestor-catalog migrate` for DynamoDB. Safe to run any number of times, also concurrently. */
export async function migrateDynamoDb(config: DynamoDbConfig, logger: Logger): Promise<MigrationResult> {
  const client = createDynamoClient(config);
  try {
    return await migrateWith(client, config, logger.child({ backend: "dynamodb", table: config.tableName }));
  } finally {
    client.destroy();
  }
}

export async function migrateWith(
  client: DynamoDBClient,
  config: DynamoDbConfig,
  logger: Logger,
): Promise<MigrationResult> {
  const result: MigrationResult = { tableCreated: false, indexesCreated: [] };
  let table = await describe(client, config);
  if (!table) {
    logger.info("creating DynamoDB table", { indexes: GLOBAL_INDEXES.map((gsi) => gsi.IndexName) });
    result.tableCreated = await createTable(client, config);
  }
  table = await waitActive(client, config);
  for (const gsi of GLOBAL_INDEXES) {
    const present = (table.GlobalSecondaryIndexes ?? []).some((existing) => existing.IndexName === gsi.IndexName);
    if (present) continue;
    logger.info("adding missing DynamoDB index", { index: gsi.IndexName });
    await call(config, `adding index ${gsi.IndexName ?? ""}`, () =>
      client.send(
        new UpdateTableCommand({
          TableName: config.tableName,
          AttributeDefinitions: ATTRIBUTE_DEFINITIONS,
          GlobalSecondaryIndexUpdates: [{ Create: gsi }],
        }),
      ),
    );
    result.indexesCreated.push(gsi.IndexName ?? "");
    table = await waitActive(client, config);
  }
  logger.info("DynamoDB table is ready", { ...result });
  return result;
}

async function createTable(client: DynamoDBClient, config: DynamoDbConfig): Promise<boolean> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: config.tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: ATTRIBUTE_DEFINITIONS,
        KeySchema: [
          { AttributeName: ATTR.pk, KeyType: "HASH" },
          { AttributeName: ATTR.sk, KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: [...GLOBAL_INDEXES],
      }),
    );
    return true;
  } catch (err) {
    // Another migrate created it between our describe and create: fine.
    if (err instanceof Error && err.name === "ResourceInUseException") return false;
    throw mapDynamoError(err, config, "creating the table");
  }
}

/** The table's description, or undefined when it does not exist. */
export async function describe(client: DynamoDBClient, config: DynamoDbConfig): Promise<TableDescription | undefined> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: config.tableName }));
    return out.Table;
  } catch (err) {
    if (err instanceof Error && err.name === "ResourceNotFoundException") return undefined;
    throw mapDynamoError(err, config, "describing the table");
  }
}

export function isReady(table: TableDescription): boolean {
  return (
    table.TableStatus === "ACTIVE" &&
    (table.GlobalSecondaryIndexes ?? []).every((gsi) => gsi.IndexStatus === undefined || gsi.IndexStatus === "ACTIVE")
  );
}

async function waitActive(client: DynamoDBClient, config: DynamoDbConfig): Promise<TableDescription> {
  const deadline = Date.now() + ACTIVE_WAIT_MS;
  for (;;) {
    const table = await describe(client, config);
    if (table && isReady(table)) return table;
    if (Date.now() > deadline) {
      throw new CatalogError(
        "UNAVAILABLE",
        `DynamoDB table "${config.tableName}" did not become ACTIVE within ${ACTIVE_WAIT_MS / 60_000} minutes`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
