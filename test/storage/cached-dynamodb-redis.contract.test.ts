// One file per cache mode so the two slow moto runs can go in parallel.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, vi } from "vitest";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { openDynamoStore } from "../../src/storage/dynamodb/index.js";
import { CACHE_MODES } from "./cache-modes.js";
import { defineStoreContract } from "./contract.js";

// moto copies the whole table on every TransactWriteItems, so writes slow down as the suite's table grows.
vi.setConfig({ testTimeout: 180_000 });

const endpoint = process.env.NESTOR_TEST_DYNAMODB_ENDPOINT ?? "http://127.0.0.1:5005";
const tableName = `nestor-test-redis-${randomBytes(4).toString("hex")}`;
process.env.AWS_ACCESS_KEY_ID ??= "test";
process.env.AWS_SECRET_ACCESS_KEY ??= "test";

beforeAll(() => {
  if (process.env.NESTOR_TEST_DYNAMODB_ENDPOINT === undefined) {
    execFileSync("bash", ["scripts/services/moto.sh"], { stdio: ["ignore", "ignore", "inherit"] });
  }
}, 300_000);

afterAll(async () => {
  const client = new DynamoDBClient({ endpoint, region: "us-east-1" });
  await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
  client.destroy();
});

const mode = CACHE_MODES.find((m) => m.name === "redis")!;
defineStoreContract("dynamodb+redis", {
  open: async () =>
    mode.wrap(
      await openDynamoStore(
        { ...DEFAULT_CONFIG.storage.dynamodb, tableName, endpoint, region: "us-east-1", timeoutMs: 10_000, pollIntervalMs: 50 },
        silentLogger,
      ),
    ),
});
