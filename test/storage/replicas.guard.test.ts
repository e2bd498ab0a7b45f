/**
 * Write guards across replicas: two stores on one real database (two
 * PostgreSQL pools on one schema; two DynamoDB clients on one moto table)
 * serialise their writes only in the backend, so a guard holds across them
 * only if it runs inside the backend's critical section — the revision row
 * lock in PostgreSQL, the counter-conditioned transaction in DynamoDB, where
 * it must run again on every re-plan after a lost race.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { DeleteTableCommand, DynamoDBClient, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_CONFIG, type DynamoDbConfig } from "../../src/config/schema.js";
import { CatalogError, isCatalogError } from "../../src/errors/index.js";
import { silentLogger } from "../../src/logging/index.js";
import { createDynamoClient } from "../../src/storage/dynamodb/client.js";
import { DynamoCatalogStore, migrateDynamoDb, openDynamoStore } from "../../src/storage/dynamodb/index.js";
import { openPostgresStore } from "../../src/storage/postgres/index.js";
import type { ComponentRecord, WriteGuard } from "../../src/storage/records.js";
import type { CatalogStore } from "../../src/storage/store.js";
import { metaClock, newRecord, uniqueName } from "./fixtures.js";
import { dropSchema, freshSchemaName, testConfig } from "./postgres.harness.js";

vi.setConfig({ testTimeout: 120_000 });
process.env.AWS_ACCESS_KEY_ID ??= "test";
process.env.AWS_SECRET_ACCESS_KEY ??= "test";

/** Refuses the write when the name has any version: "I create this name". */
function firstVersionOnly(name: string, calls: ComponentRecord[][] = []): WriteGuard {
  return (versions) => {
    calls.push([...versions]);
    if (versions.length > 0) {
      throw new CatalogError("FAILED_PRECONDITION", `${name} already has ${versions.map((r) => r.version).join(", ")}`);
    }
  };
}

/** Races `count` guarded inserts of distinct versions of one fresh name, alternating between the two stores. */
async function raceAcross(a: CatalogStore, b: CatalogStore, count: number): Promise<{ name: string; won: number }> {
  const name = uniqueName("replica-race");
  const clock = metaClock();
  const guard = firstVersionOnly(name);
  const results = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      (i % 2 === 0 ? a : b).insertVersion(newRecord(name, `1.${i}.0`), { ...clock(), guard }),
    ),
  );
  for (const result of results) {
    if (result.status === "rejected")
      expect(isCatalogError(result.reason, "FAILED_PRECONDITION"), String(result.reason)).toBe(true);
  }
  return { name, won: results.filter((r) => r.status === "fulfilled").length };
}

describe("write guards across two PostgreSQL pools on one schema", () => {
  const schema = freshSchemaName();
  let a: CatalogStore;
  let b: CatalogStore;

  beforeAll(async () => {
    a = await openPostgresStore(testConfig(schema), silentLogger);
    b = await openPostgresStore(testConfig(schema, { migrateOnStart: false }), silentLogger);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await dropSchema(schema);
  });

  it("lets exactly one of racing first-version inserts from both replicas succeed", async () => {
    for (let round = 0; round < 3; round++) {
      const { name, won } = await raceAcross(a, b, 12);
      expect(won).toBe(1);
      expect(await a.listVersions(name)).toHaveLength(1);
    }
  });
});

describe("write guards across two DynamoDB replicas on one table", () => {
  const endpoint = process.env.NESTOR_TEST_DYNAMODB_ENDPOINT ?? "http://127.0.0.1:5005";
  const config: DynamoDbConfig = {
    ...DEFAULT_CONFIG.storage.dynamodb,
    tableName: `nestor-test-guard-${randomBytes(4).toString("hex")}`,
    endpoint,
    region: "us-east-1",
    timeoutMs: 10_000,
    pollIntervalMs: 50,
  };
  let a: CatalogStore;
  let b: CatalogStore;

  beforeAll(async () => {
    if (process.env.NESTOR_TEST_DYNAMODB_ENDPOINT === undefined) {
      execFileSync("bash", ["scripts/services/moto.sh"], { stdio: ["ignore", "ignore", "inherit"] });
    }
    await migrateDynamoDb(config, silentLogger);
    a = await openDynamoStore({ ...config, migrateOnStart: false }, silentLogger);
    b = await openDynamoStore({ ...config, migrateOnStart: false }, silentLogger);
  }, 300_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    const client = new DynamoDBClient({ endpoint, region: "us-east-1" });
    await client.send(new DeleteTableCommand({ TableName: config.tableName })).catch(() => undefined);
    client.destroy();
  });

  it("re-runs the guard on the re-plan after losing the revision race, and refuses on what it sees then", async () => {
    const name = uniqueName("replan");
    const clock = metaClock();
    // Replica A's client lets replica B's insert commit right before A's first transaction is sent.
    const client = createDynamoClient(config);
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    let interleaved = false;
    (client as { send: (command: unknown) => Promise<unknown> }).send = async (command) => {
      if (command instanceof TransactWriteItemsCommand && !interleaved) {
        interleaved = true;
        await b.insertVersion(newRecord(name, "1.0.0", { provider: "gcp" }), clock());
      }
      return send(command);
    };
    const replicaA = new DynamoCatalogStore(client, config, silentLogger);
    try {
      const calls: ComponentRecord[][] = [];
      const before = (await b.revisionBounds()).current;
      await expect(
        replicaA.insertVersion(newRecord(name, "2.0.0"), { ...clock(), guard: firstVersionOnly(name, calls) }),
      ).rejects.toThrow(/already has 1\.0\.0/);
      expect(interleaved).toBe(true);
      expect(calls.map((versions) => versions.map((r) => r.version))).toEqual([[], ["1.0.0"]]);
      expect((await b.listVersions(name)).map((r) => [r.version, r.provider])).toEqual([["1.0.0", "gcp"]]);
      expect((await b.revisionBounds()).current).toBe(before + 1);
    } finally {
      await replicaA.close();
    }
  });

  it("lets exactly one of racing first-version inserts from both replicas succeed", async () => {
    const { name, won } = await raceAcross(a, b, 8);
    expect(won).toBe(1);
    expect(await a.listVersions(name)).toHaveLength(1);
  });
});
