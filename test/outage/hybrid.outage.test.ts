/**
 * The outage drill (drill.ts) on a hybrid store. A Redis replica SIGKILLed
 * under load: reads go to the next replica (PostgreSQL), no call fails,
 * health stays SERVING, and once Redis is back its applier resumes where
 * the replica stood: afterwards it holds every event of the primary's log
 * once (each created version, no other, at the log's head). The primary
 * (a private PostgreSQL) stopped hard: writes fail UNAVAILABLE and only the
 * writes service goes NOT_SERVING, while reads go on from the Redis replica.
 */
import { randomBytes } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { silentLogger } from "../../src/logging/index.js";
import { openRedisReplica } from "../../src/storage/redis/replica.js";
import { tempDir } from "../api/harness.js";
import { TEST_REDIS_URL } from "../storage/cache-modes.js";
import { dropRedisPrefix } from "../storage/hybrid.harness.js";
import { dropSchema, freshSchemaName, TEST_POSTGRES_URL } from "../storage/postgres.harness.js";
import { listAll } from "../storage/replica-fixtures.js";
import { PrivatePostgres } from "../support/servers/private-postgres.js";
import { PrivateRedis } from "../support/servers/private-redis.js";
import { runOutageDrill } from "./drill.js";

describe("outage drill: hybrid store, a replica killed", () => {
  const redis = new PrivateRedis();
  const dataDir = tempDir("nestor-drill-hybrid-");
  const schema = freshSchemaName();
  const keyPrefix = `nestor-drill:${randomBytes(4).toString("hex")}:`;
  beforeAll(() => redis.start());
  afterAll(async () => {
    await redis.remove();
    dataDir.remove();
    await dropSchema(schema);
  });

  it("reads from the next replica while one is down; it comes back holding every event once", async () => {
    await runOutageDrill(
      {
        env: {
          NESTOR_STORAGE_TYPE: "hybrid",
          NESTOR_STORAGE_PRIMARY: "embedded",
          NESTOR_STORAGE_EMBEDDED_DATA_DIR: dataDir.path,
          NESTOR_STORAGE_EMBEDDED_FSYNC: "false",
          NESTOR_STORAGE_REPLICAS: "redis,postgres",
          NESTOR_STORAGE_REDIS_URL: redis.url,
          NESTOR_STORAGE_REDIS_KEY_PREFIX: keyPrefix,
          NESTOR_STORAGE_REDIS_TIMEOUT_MS: "500",
          NESTOR_STORAGE_POSTGRES_URL: TEST_POSTGRES_URL,
          NESTOR_STORAGE_POSTGRES_SCHEMA: schema,
          NESTOR_STORAGE_POSTGRES_TIMEOUT_MS: "5000",
        },
        kill: () => redis.kill(),
        start: () => redis.start(),
      },
      {
        dependencyTimeoutMs: 500,
        duringOutage: "unaffected",
        afterDrill: (url) => expectEveryEventOnce(url, redis.url, keyPrefix),
      },
    );
  }, 240_000);
});

describe("outage drill: hybrid store, the primary killed", () => {
  let postgres: PrivatePostgres;
  const keyPrefix = `nestor-drill:${randomBytes(4).toString("hex")}:`;
  beforeAll(async () => {
    postgres = await PrivatePostgres.create();
  });
  afterAll(async () => {
    await postgres?.destroy();
    await dropRedisPrefix(keyPrefix);
  });

  it("fails writes UNAVAILABLE and keeps answering reads from the replica", async () => {
    await runOutageDrill(
      {
        env: {
          NESTOR_STORAGE_TYPE: "hybrid",
          NESTOR_STORAGE_PRIMARY: "postgres",
          NESTOR_STORAGE_POSTGRES_URL: postgres.url,
          NESTOR_STORAGE_POSTGRES_SCHEMA: "nestor_drill",
          NESTOR_STORAGE_POSTGRES_TIMEOUT_MS: "2000",
          NESTOR_STORAGE_REPLICAS: "redis",
          NESTOR_STORAGE_REDIS_URL: TEST_REDIS_URL,
          NESTOR_STORAGE_REDIS_KEY_PREFIX: keyPrefix,
        },
        kill: async () => postgres.kill(),
        start: async () => postgres.start(),
      },
      { dependencyTimeoutMs: 2_000, duringOutage: "readOnly" },
    );
  }, 240_000);
});

/** The primary's revision: a watch "from now" starts with a progress message carrying it. */
async function primaryHead(catalog: ReturnType<typeof createClient<typeof CatalogService>>): Promise<bigint> {
  for await (const message of catalog.watchEvents({ startRevision: 0n }, { timeoutMs: 30_000 }))
    return message.revision;
  throw new Error("the watch ended without a message");
}

/**
 * The Redis replica, read directly, at the primary's head, holds exactly the
 * versions the log created (the drill only creates): none missing, none twice.
 */
async function expectEveryEventOnce(catalogUrl: string, redisUrl: string, keyPrefix: string): Promise<void> {
  const sessions = new Http2SessionManager(catalogUrl);
  const catalog = createClient(CatalogService, createGrpcTransport({ baseUrl: catalogUrl, sessionManager: sessions }));
  const replica = await openRedisReplica({ url: redisUrl, keyPrefix, timeoutMs: 2_000 }, silentLogger);
  try {
    const head = await primaryHead(catalog);
    const created: string[] = [];
    for await (const message of catalog.watchEvents({ startRevision: 0n, resume: true }, { timeoutMs: 60_000 })) {
      for (const event of message.events) created.push(`${event.component?.name}#${event.revision}`);
      if (message.revision >= head) break;
    }
    await vi.waitFor(async () => expect((await replica.state()).appliedRevision).toBe(Number(head)), {
      timeout: 60_000,
      interval: 50,
    });
    const query = {
      filter: { includeDeprecated: true },
      allVersions: true,
      orderBy: { field: "name" as const, descending: false },
      pageSize: 500,
    };
    const rows: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await replica.list({ ...query, ...(cursor ? { cursor } : {}) });
      rows.push(...page.items.map((record) => `${record.name}#${record.createRevision}`));
      cursor = page.nextCursor;
    } while (cursor);
    expect(rows.length).toBe(created.length);
    expect(new Set(rows).size).toBe(rows.length);
    expect([...rows].sort()).toEqual([...created].sort());
    expect(await listAll(replica, { ...query, allVersions: false, pageSize: 100 })).toHaveLength(created.length);
  } finally {
    await replica.close();
    sessions.abort();
  }
}
