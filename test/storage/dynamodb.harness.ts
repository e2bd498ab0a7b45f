/**
 * Shared setup for DynamoDB contract runs against moto: a fresh table per
 * file (deleted afterwards), moto started when the test script has not.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, vi } from "vitest";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { openDynamoStore } from "../../src/storage/dynamodb/index.js";
import { CACHE_MODES, type CacheMode } from "./cache-modes.js";
import { defineStoreContract } from "./contract/index.js";

export const TEST_DYNAMODB_ENDPOINT = process.env.NESTOR_TEST_DYNAMODB_ENDPOINT ?? "http://127.0.0.1:5005";

/** Runs the contract on a fresh moto table behind the named cache mode. */
export function defineCachedDynamoContract(modeName: CacheMode["name"]): void {
  // moto copies the whole table on every TransactWriteItems, so writes slow down as the suite's table grows.
  vi.setConfig({ testTimeout: 180_000 });
  process.env.AWS_ACCESS_KEY_ID ??= "test";
  process.env.AWS_SECRET_ACCESS_KEY ??= "test";
  const tableName = `nestor-test-${modeName}-${randomBytes(4).toString("hex")}`;

  beforeAll(() => {
    if (process.env.NESTOR_TEST_DYNAMODB_ENDPOINT === undefined) {
      execFileSync("bash", ["scripts/services/moto.sh"], { stdio: ["ignore", "ignore", "inherit"] });
    }
  }, 300_000);

  afterAll(async () => {
    const client = new DynamoDBClient({ endpoint: TEST_DYNAMODB_ENDPOINT, region: "us-east-1" });
    await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    client.destroy();
  });

  const mode = CACHE_MODES.find((m) => m.name === modeName)!;
  const config = {
    ...DEFAULT_CONFIG.storage.dynamodb,
    tableName,
    endpoint: TEST_DYNAMODB_ENDPOINT,
    region: "us-east-1",
    timeoutMs: 10_000,
    pollIntervalMs: 50,
  };
  defineStoreContract(`dynamodb+${modeName}`, {
    open: async () => mode.wrap(await openDynamoStore(config, silentLogger)),
  });
}
