/**
 * The DynamoDB store against a real moto server: the shared contract suite,
 * then what only this backend has (migrations, the missing-table message,
 * DynamoDB's item and transaction limits, replicas learning of each other's
 * writes). The store talks to moto through a local TCP relay so the outage
 * test can cut the connection without losing moto's in-memory data.
 */

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_CONFIG, type DynamoDbConfig } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { migrateDynamoDb, openDynamoStore } from "../../src/storage/dynamodb/index.js";
import { MAX_VERSIONS_PER_DELETE } from "../../src/storage/dynamodb/writes.js";
import { isComponentEvent } from "../../src/storage/records.js";
import type { CatalogStore } from "../../src/storage/store.js";
import { defineStoreContract, expectCode, metaClock, newRecord, uniqueName } from "./contract/index.js";

// moto copies the whole table on every TransactWriteItems, so writes slow down as the suite's table grows.
vi.setConfig({ testTimeout: 180_000 });

const DEFAULT_ENDPOINT = "http://127.0.0.1:5005";
const motoEndpoint = process.env.NESTOR_TEST_DYNAMODB_ENDPOINT ?? DEFAULT_ENDPOINT;

process.env.AWS_ACCESS_KEY_ID ??= "test";
process.env.AWS_SECRET_ACCESS_KEY ??= "test";
process.env.AWS_REGION ??= "us-east-1";

/** A TCP relay to moto that can refuse connections (an outage) and come back on the same port. */
class Relay {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(this.target.port), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const relay = new Relay(new URL(motoEndpoint));
const tableName = `nestor-test-${randomBytes(4).toString("hex")}`;

function configFor(overrides: Partial<DynamoDbConfig> = {}): DynamoDbConfig {
  return {
    ...DEFAULT_CONFIG.storage.dynamodb,
    tableName,
    endpoint: `http://127.0.0.1:${relay.port}`,
    region: "us-east-1",
    timeoutMs: 10_000,
    pollIntervalMs: 50,
    migrateOnStart: true,
    ...overrides,
  };
}

beforeAll(async () => {
  // Standalone runs start moto themselves; scripts/test.sh has usually started it already (then this is a no-op).
  if (process.env.NESTOR_TEST_DYNAMODB_ENDPOINT === undefined) {
    execFileSync("bash", ["scripts/services/moto.sh"], { stdio: ["ignore", "ignore", "inherit"] });
  }
  await relay.start();
}, 300_000);

afterAll(async () => {
  const client = new DynamoDBClient({ endpoint: motoEndpoint, region: "us-east-1" });
  for (const name of [tableName, ...extraTables]) {
    await client.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
  }
  client.destroy();
  await relay.stop();
});

const extraTables: string[] = [];

defineStoreContract("dynamodb", {
  open: () => openDynamoStore(configFor(), silentLogger),
  stopServer: () => relay.stop(),
  startServer: () => relay.start(),
});

describe("DynamoDB store specifics", () => {
  // A table of its own: small, so moto's per-transaction table copy stays cheap.
  const specificsTable = `${tableName}-s`;
  extraTables.push(specificsTable);
  let store: CatalogStore;

  beforeAll(async () => {
    store = await openDynamoStore(configFor({ tableName: specificsTable }), silentLogger);
  });

  afterAll(async () => {
    await store?.close();
  });

  it("treats a second migrate of an existing table as a no-op", async () => {
    const result = await migrateDynamoDb(configFor({ tableName: specificsTable }), silentLogger);
    expect(result).toEqual({ tableCreated: false, indexesCreated: [] });
  });

  it("creates a missing table with every index on migrate, then opens it", async () => {
    const fresh = `${tableName}-m`;
    extraTables.push(fresh);
    const first = await migrateDynamoDb(configFor({ tableName: fresh }), silentLogger);
    expect(first.tableCreated).toBe(true);
    const second = await migrateDynamoDb(configFor({ tableName: fresh }), silentLogger);
    expect(second.tableCreated).toBe(false);
    const opened = await openDynamoStore(configFor({ tableName: fresh, migrateOnStart: false }), silentLogger);
    expect((await opened.health()).ok).toBe(true);
    await opened.close();
  });

  it("refuses to open a missing table without migrateOnStart, telling the operator to run migrate", async () => {
    const err = await expectCode(
      openDynamoStore(configFor({ tableName: `${tableName}-absent`, migrateOnStart: false }), silentLogger),
      "FAILED_PRECONDITION",
    );
    expect(err.message).toContain("nestor-catalog migrate");
    expect(err.message).toContain(`${tableName}-absent`);
  });

  it("fails calls on a table deleted under it with the migrate message", async () => {
    const doomed = `${tableName}-gone`;
    extraTables.push(doomed);
    const opened = await openDynamoStore(configFor({ tableName: doomed }), silentLogger);
    const client = new DynamoDBClient({ endpoint: motoEndpoint, region: "us-east-1" });
    await client.send(new DeleteTableCommand({ TableName: doomed }));
    client.destroy();
    const err = await expectCode(opened.getVersion("x", "1.0.0"), "FAILED_PRECONDITION");
    expect(err.message).toContain("nestor-catalog migrate");
    expect((await opened.health()).ok).toBe(false);
    await opened.close();
  });

  it("refuses a version over DynamoDB's 400 KB item limit (INVALID_ARGUMENT naming it), writing nothing", async () => {
    const name = uniqueName("huge");
    const before = (await store.revisionBounds()).current;
    const record = newRecord(name, "1.0.0", { description: "x".repeat(420 * 1024) });
    const err = await expectCode(store.insertVersion(record, metaClock()()), "INVALID_ARGUMENT");
    expect(err.message).toContain("400 KB");
    expect(await store.listVersions(name)).toEqual([]);
    expect((await store.revisionBounds()).current).toBe(before);
  });

  it(`deletes ${MAX_VERSIONS_PER_DELETE} versions atomically, refuses "all" beyond that deleting nothing`, async () => {
    const clock = metaClock();
    const small = uniqueName("del-max");
    for (let i = 0; i < MAX_VERSIONS_PER_DELETE; i++) await store.insertVersion(newRecord(small, `1.${i}.0`), clock());
    const events = await store.deleteVersions(small, "all", clock());
    expect(events).toHaveLength(MAX_VERSIONS_PER_DELETE);
    expect(await store.listVersions(small)).toEqual([]);

    const big = uniqueName("del-over");
    for (let i = 0; i <= MAX_VERSIONS_PER_DELETE; i++) await store.insertVersion(newRecord(big, `1.${i}.0`), clock());
    const before = (await store.revisionBounds()).current;
    const err = await expectCode(store.deleteVersions(big, "all", clock()), "FAILED_PRECONDITION");
    expect(err.message).toContain(`at most ${MAX_VERSIONS_PER_DELETE} versions`);
    expect(await store.listVersions(big)).toHaveLength(MAX_VERSIONS_PER_DELETE + 1);
    expect((await store.revisionBounds()).current).toBe(before);
  }, 120_000);

  it("wakes a replica's onCommit listeners for writes made through another store on the same table", async () => {
    const replica = await openDynamoStore(
      configFor({ tableName: specificsTable, migrateOnStart: false }),
      silentLogger,
    );
    try {
      const seen: number[] = [];
      const unsubscribe = replica.onCommit((revision) => seen.push(revision));
      const event = await store.insertVersion(newRecord(uniqueName("replica"), "1.0.0"), metaClock()());
      await vi.waitFor(() => expect(Math.max(0, ...seen)).toBeGreaterThanOrEqual(event.revision), {
        timeout: 20_000,
        interval: 100,
      });
      unsubscribe();
      const replayed = (await replica.readEvents(event.revision - 1, 10)).filter(isComponentEvent);
      expect(replayed[0]?.component.name).toBe(event.component.name);
    } finally {
      await replica.close();
    }
  });

  it("lands 50 concurrent writes from 10 stores on one table (as 10 replicas) with gap-free revisions", async () => {
    const replicas = await Promise.all(
      Array.from({ length: 10 }, () =>
        openDynamoStore(configFor({ tableName: specificsTable, migrateOnStart: false }), silentLogger),
      ),
    );
    try {
      const name = uniqueName("replicas");
      const clock = metaClock();
      const before = (await store.revisionBounds()).current;
      const events = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          replicas[i % replicas.length]!.insertVersion(newRecord(name, `2.${i}.0`), clock()),
        ),
      );
      const expected = Array.from({ length: 50 }, (_, i) => before + 1 + i);
      expect(events.map((e) => e.revision).sort((a, b) => a - b)).toEqual(expected);
      expect((await store.readEvents(before, 100)).map((e) => e.revision)).toEqual(expected);
      const latest = await store.list({
        filter: { names: [name], includeDeprecated: true },
        allVersions: false,
        orderBy: { field: "name", descending: false },
        pageSize: 5,
      });
      expect(latest.items.map((r) => r.version)).toEqual(["2.49.0"]);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  });
});
