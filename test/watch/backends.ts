/**
 * WatchEvents suites run against every backend: a real catalog server
 * (src/app.ts) on a free port over memory, embedded (a temporary data dir),
 * postgres (a fresh schema on the scripts/services/postgres.sh server),
 * hybrid (a PostgreSQL primary in a fresh schema, a Redis replica under a fresh key prefix),
 * dynamodb (a fresh table on the scripts/services/moto.sh server) or mysql
 * (a fresh database on the scripts/services/mariadb.sh server), and the
 * NESTOR_* variables that give a server process (test/support/server-process.ts)
 * the same storage, for the replica tests.
 */
import { randomBytes } from "node:crypto";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { type CatalogServer, type StartOptions, startCatalogServer } from "../../src/app.js";
import { type CatalogConfig, STORAGE_TYPES, type StorageType } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { type CatalogClient, tempDir, testConfig } from "../api/harness.js";
import { TEST_REDIS_URL } from "../storage/cache-modes.js";
import { dropRedisPrefix } from "../storage/hybrid.harness.js";
import { createDatabase, databaseUrl, dropDatabase, freshDatabaseName } from "../storage/mysql.harness.js";
import { dropSchema, freshSchemaName, TEST_POSTGRES_URL } from "../storage/postgres.harness.js";

export const MOTO_ENDPOINT = process.env.NESTOR_TEST_DYNAMODB_ENDPOINT ?? "http://127.0.0.1:5005";
process.env.AWS_ACCESS_KEY_ID ??= "test";
process.env.AWS_SECRET_ACCESS_KEY ??= "test";
process.env.AWS_REGION ??= "us-east-1";

export const BACKENDS: readonly StorageType[] = STORAGE_TYPES;

/** Where one backend keeps its data for a test file, and how to remove it afterwards. */
export interface BackendPlace {
  configure(config: CatalogConfig): void;
  /** Creates what must exist before a server opens the place (a MySQL database); idempotent. */
  prepare?(): Promise<void>;
  remove(): Promise<void>;
}

/**
 * A fresh, empty place for `type`: a data dir, a schema, a table or a
 * database of its own. A MySQL database must exist before a server opens it:
 * `prepare()` creates it.
 */
export function freshPlace(type: StorageType): BackendPlace {
  switch (type) {
    case "hybrid": {
      // A PostgreSQL primary (shareable by server processes) and a Redis replica.
      const schema = freshSchemaName();
      const keyPrefix = `nestor-watch:${randomBytes(4).toString("hex")}:`;
      return {
        configure: (c) => {
          c.storage.type = "hybrid";
          c.storage.primary = "postgres";
          c.storage.replicas = [{ type: "redis", name: "" }];
          c.storage.postgres = { ...c.storage.postgres, url: TEST_POSTGRES_URL, schema, timeoutMs: 20_000 };
          c.storage.redis = { ...c.storage.redis, url: TEST_REDIS_URL, keyPrefix };
        },
        remove: async () => {
          await dropSchema(schema);
          await dropRedisPrefix(keyPrefix);
        },
      };
    }
    case "memory":
      return {
        configure: (c) => {
          c.storage.type = "memory";
        },
        remove: async () => undefined,
      };
    case "embedded": {
      const dir = tempDir("nestor-watch-");
      return {
        configure: (c) => {
          c.storage.type = "embedded";
          c.storage.embedded = { ...c.storage.embedded, dataDir: dir.path, fsync: false };
        },
        remove: async () => dir.remove(),
      };
    }
    case "postgres": {
      const schema = freshSchemaName();
      return {
        configure: (c) => {
          c.storage.type = "postgres";
          c.storage.postgres = { ...c.storage.postgres, url: TEST_POSTGRES_URL, schema, timeoutMs: 20_000 };
        },
        remove: () => dropSchema(schema),
      };
    }
    case "dynamodb": {
      const tableName = `nestor-watch-${randomBytes(4).toString("hex")}`;
      return {
        configure: (c) => {
          c.storage.type = "dynamodb";
          c.storage.dynamodb = {
            ...c.storage.dynamodb,
            endpoint: MOTO_ENDPOINT,
            tableName,
            pollIntervalMs: 100,
            timeoutMs: 20_000,
          };
        },
        remove: async () => {
          const client = new DynamoDBClient({ endpoint: MOTO_ENDPOINT, region: "us-east-1" });
          await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
          client.destroy();
        },
      };
    }
    case "mysql": {
      const database = freshDatabaseName();
      return {
        configure: (c) => {
          c.storage.type = "mysql";
          c.storage.mysql = { ...c.storage.mysql, url: databaseUrl(database), timeoutMs: 20_000, pollIntervalMs: 100 };
        },
        prepare: () => createDatabase(database),
        remove: () => dropDatabase(database),
      };
    }
  }
}

/** A server in this process on a free port, with `place`'s storage. */
export async function startServerOn(
  place: BackendPlace,
  adjust?: (config: CatalogConfig) => void,
  options: StartOptions = {},
): Promise<CatalogServer> {
  const config = testConfig((c) => {
    place.configure(c);
    adjust?.(c);
  });
  await place.prepare?.();
  return startCatalogServer(config, silentLogger, options);
}

/** A gRPC client whose connection `disconnect()` cuts; every call after that opens a new one. */
export function droppableClient(baseUrl: string): { client: CatalogClient; disconnect(): void; close(): void } {
  let sessions = new Http2SessionManager(baseUrl);
  const transport = () => createGrpcTransport({ baseUrl, sessionManager: sessions });
  let client = createClient(CatalogService, transport());
  const proxy = new Proxy({} as CatalogClient, {
    get: (_target, method: keyof CatalogClient) => client[method],
  });
  return {
    client: proxy,
    disconnect() {
      sessions.abort(new Error("test: connection cut"));
      sessions = new Http2SessionManager(baseUrl);
      client = createClient(CatalogService, transport());
    },
    close: () => sessions.abort(),
  };
}

export function grpcClient(baseUrl: string): { client: CatalogClient; close(): void } {
  const sessions = new Http2SessionManager(baseUrl);
  return {
    client: createClient(CatalogService, createGrpcTransport({ baseUrl, sessionManager: sessions })),
    close: () => sessions.abort(),
  };
}

export { type ServerProcess, spawnServer } from "../support/server-process.js";

/** NESTOR_* variables selecting the storage `place.configure` sets up. */
export function storageEnv(place: BackendPlace): Record<string, string> {
  const config = testConfig((c) => place.configure(c));
  const s = config.storage;
  const env: Record<string, string> = { NESTOR_STORAGE_TYPE: s.type };
  if (s.type === "postgres" || (s.type === "hybrid" && s.primary === "postgres")) {
    env.NESTOR_STORAGE_POSTGRES_URL = s.postgres.url;
    env.NESTOR_STORAGE_POSTGRES_SCHEMA = s.postgres.schema;
  }
  if (s.type === "hybrid") {
    env.NESTOR_STORAGE_PRIMARY = s.primary;
    env.NESTOR_STORAGE_REPLICAS = s.replicas.map((replica) => replica.type).join(",");
    env.NESTOR_STORAGE_REDIS_URL = s.redis.url;
    env.NESTOR_STORAGE_REDIS_KEY_PREFIX = s.redis.keyPrefix;
  }
  if (s.type === "mysql") {
    env.NESTOR_STORAGE_MYSQL_URL = s.mysql.url;
    env.NESTOR_STORAGE_MYSQL_POLL_INTERVAL_MS = String(s.mysql.pollIntervalMs);
  }
  if (s.type === "dynamodb") {
    env.NESTOR_STORAGE_DYNAMODB_ENDPOINT = s.dynamodb.endpoint;
    env.NESTOR_STORAGE_DYNAMODB_TABLE_NAME = s.dynamodb.tableName;
    env.NESTOR_STORAGE_DYNAMODB_POLL_INTERVAL_MS = String(s.dynamodb.pollIntervalMs);
  }
  return env;
}

/** A deterministic PRNG (mulberry32) so a failing random run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
