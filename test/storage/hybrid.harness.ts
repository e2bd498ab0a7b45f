/**
 * Shared setup for hybrid store tests: places of their own for a primary
 * and its replicas on the shared test servers (a temp data dir, a fresh
 * PostgreSQL schema or MariaDB database, a fresh Redis key prefix, a fresh
 * moto table), the storage config that names them, and a CatalogStore view
 * of a hybrid store whose reads go where read requests go (readAt) with
 * read-your-writes, so the contract suite runs its reads on the replicas.
 */
import { randomBytes } from "node:crypto";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Redis } from "ioredis";
import type { PrimaryType, ReplicaType, StorageConfig } from "../../src/config/schema.js";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import type { CatalogEvent } from "../../src/storage/records.js";
import type { CatalogStore } from "../../src/storage/store.js";
import { tempDir } from "../api/harness.js";
import { TEST_REDIS_URL } from "./cache-modes.js";
import { TEST_DYNAMODB_ENDPOINT } from "./dynamodb.harness.js";
import { createDatabase, databaseUrl, dropDatabase, freshDatabaseName } from "./mysql.harness.js";
import { dropSchema, freshSchemaName, TEST_POSTGRES_URL } from "./postgres.harness.js";

/** Places created for one test file, removed by `remove()`. */
export class HybridPlaces {
  private readonly cleanups: Array<() => Promise<void> | void> = [];

  /** Storage config for `primary` and `replicas` (in read order), each in a fresh place. */
  async storage(primary: PrimaryType, replicas: readonly ReplicaType[], adjust?: (s: StorageConfig) => void) {
    const storage: StorageConfig = structuredClone(DEFAULT_CONFIG.storage);
    storage.type = "hybrid";
    storage.primary = primary;
    storage.hybrid = { readWaitMs: 10_000, readFallback: "primary" };
    await this.placePrimary(storage, primary);
    storage.replicas = [];
    for (const type of replicas) storage.replicas.push(await this.replicaEntry(type));
    adjust?.(storage);
    return storage;
  }

  /** A replica entry in a fresh place of its own. */
  async replicaEntry(type: ReplicaType): Promise<StorageConfig["replicas"][number]> {
    const name = `${type}-${randomBytes(3).toString("hex")}`;
    switch (type) {
      case "postgres": {
        const schema = freshSchemaName();
        this.cleanups.push(() => dropSchema(schema));
        return { type, name, url: TEST_POSTGRES_URL, schema, timeoutMs: 20_000 };
      }
      case "mysql": {
        const database = freshDatabaseName();
        await createDatabase(database);
        this.cleanups.push(() => dropDatabase(database));
        return { type, name, url: databaseUrl(database), timeoutMs: 20_000 };
      }
      case "redis": {
        const keyPrefix = `nestor-hybrid-test:${randomBytes(4).toString("hex")}:`;
        this.cleanups.push(() => dropRedisPrefix(keyPrefix));
        return { type, name, url: TEST_REDIS_URL, keyPrefix, timeoutMs: 2_000 };
      }
    }
  }

  async remove(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup();
  }

  private async placePrimary(storage: StorageConfig, primary: PrimaryType): Promise<void> {
    switch (primary) {
      case "embedded": {
        const dir = tempDir("nestor-hybrid-");
        this.cleanups.push(() => dir.remove());
        storage.embedded = { ...storage.embedded, dataDir: dir.path, fsync: false };
        return;
      }
      case "postgres": {
        const schema = freshSchemaName();
        this.cleanups.push(() => dropSchema(schema));
        storage.postgres = { ...storage.postgres, url: TEST_POSTGRES_URL, schema, timeoutMs: 20_000 };
        return;
      }
      case "mysql": {
        const database = freshDatabaseName();
        await createDatabase(database);
        this.cleanups.push(() => dropDatabase(database));
        storage.mysql = { ...storage.mysql, url: databaseUrl(database), timeoutMs: 20_000, pollIntervalMs: 50 };
        return;
      }
      case "dynamodb": {
        process.env.AWS_ACCESS_KEY_ID ??= "test";
        process.env.AWS_SECRET_ACCESS_KEY ??= "test";
        const tableName = `nestor-hybrid-${randomBytes(4).toString("hex")}`;
        this.cleanups.push(() => dropTable(tableName));
        storage.dynamodb = {
          ...storage.dynamodb,
          tableName,
          endpoint: TEST_DYNAMODB_ENDPOINT,
          region: "us-east-1",
          timeoutMs: 20_000,
          pollIntervalMs: 50,
        };
        return;
      }
    }
  }
}

/** Deletes every key under `prefix` on the test Redis. */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(
        cursor,
        "MATCH",
        `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`,
        "COUNT",
        1000,
      );
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== "0");
  } finally {
    client.disconnect();
  }
}

async function dropTable(tableName: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint: TEST_DYNAMODB_ENDPOINT, region: "us-east-1" });
  await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
  client.destroy();
}

/**
 * `store` as the contract suite sees it, with every read going where a read
 * request goes (readAt) and asking for the highest revision this view wrote
 * or read: the reads come from replicas, and read this view's writes.
 */
export function readingYourWrites(store: CatalogStore): CatalogStore {
  let seen = 0;
  const note = (revision: number) => {
    seen = Math.max(seen, revision);
  };
  const view = async () => {
    const read = await store.readAt(seen);
    note(read.revision);
    return read.reader;
  };
  const wrote = async <T extends CatalogEvent | CatalogEvent[]>(write: Promise<T>): Promise<T> => {
    const result = await write;
    for (const event of Array.isArray(result) ? result : [result]) note(event.revision);
    return result;
  };
  return {
    kind: store.kind,
    getVersion: async (name, version) => (await view()).getVersion(name, version),
    listVersions: async (name) => (await view()).listVersions(name),
    list: async (query) => (await view()).list(query),
    search: async (query) => (await view()).search(query),
    getPolicy: async (name) => (await view()).getPolicy(name),
    listConsumers: async (query) => (await view()).listConsumers(query),
    setPolicy: (name, mode, meta) => wrote(store.setPolicy(name, mode, meta)),
    putConsumer: (registration, meta) => wrote(store.putConsumer(registration, meta)),
    deleteConsumer: (consumer, name, meta) => wrote(store.deleteConsumer(consumer, name, meta)),
    insertVersion: (record, meta) => wrote(store.insertVersion(record, meta)),
    updateVersion: (name, version, patch, meta, expected) =>
      wrote(store.updateVersion(name, version, patch, meta, expected)),
    deleteVersions: (name, versions, meta, expected) => wrote(store.deleteVersions(name, versions, meta, expected)),
    readEvents: (after, limit) => store.readEvents(after, limit),
    revisionBounds: () => store.revisionBounds(),
    onCommit: (listener) => store.onCommit(listener),
    compact: (through) => store.compact(through),
    health: () => store.health(),
    readAt: (minRevision, signal) => store.readAt(Math.max(minRevision, seen), signal),
    close: () => store.close(),
  };
}

export { TEST_POSTGRES_URL };
