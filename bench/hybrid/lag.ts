/**
 * bench/hybrid, part 2: replica lag under a steady write rate. A writer
 * store writes `--rate` versions per second for `--seconds` into the
 * primary; a hybrid store on another connection to the same primary (so it
 * learns of the writes as another catalog process would: PostgreSQL
 * NOTIFY, DynamoDB polling every pollIntervalMs) feeds a Redis replica.
 * For each write, commit -> visible is the time from the writer's
 * acknowledgement (an upper bound of the commit's time) to the moment the
 * hybrid store's applier has applied its revision to the replica (the
 * replica then serves it), clamped at 0 when the replica was first. Goals:
 * p99 < 100 ms for PostgreSQL, < pollIntervalMs + 100 ms for DynamoDB.
 *
 *   npx tsx bench/hybrid/lag.ts [--primary postgres|dynamodb] [--replica redis|postgres] [--rate 200] [--seconds 60]
 *     [--poll-interval-ms 1000] [--summary file.json]
 */
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import pg from "pg";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { openDynamoStore } from "../../src/storage/dynamodb/catalog.js";
import { HybridCatalogStore } from "../../src/storage/hybrid/store.js";
import { openPostgresStore } from "../../src/storage/postgres/catalog.js";
import { openPostgresReplica } from "../../src/storage/postgres/replica.js";
import { openRedisReplica } from "../../src/storage/redis/replica.js";
import type { CatalogStore } from "../../src/storage/store.js";
import { benchRecord, metaFor } from "../unary/catalog-data.js";
import { fmt, percentile } from "../unary/stats.js";
import { dropRedisPrefix } from "./redis-keys.js";

const { values: args } = parseArgs({
  options: {
    primary: { type: "string", default: "postgres" },
    replica: { type: "string", default: "redis" },
    rate: { type: "string", default: "200" },
    seconds: { type: "string", default: "60" },
    "poll-interval-ms": { type: "string", default: "1000" },
    "postgres-url": {
      type: "string",
      default: process.env.NESTOR_TEST_POSTGRES_URL ?? "postgres://nestor:nestor@127.0.0.1:5432/nestor",
    },
    "dynamodb-endpoint": {
      type: "string",
      default: process.env.NESTOR_TEST_DYNAMODB_ENDPOINT ?? "http://127.0.0.1:5005",
    },
    "redis-url": { type: "string", default: process.env.NESTOR_TEST_REDIS_URL ?? "redis://127.0.0.1:6379" },
    summary: { type: "string" },
  },
});
if (args.replica !== "redis" && args.replica !== "postgres") {
  throw new Error(`--replica must be redis or postgres, not ${args.replica}`);
}
const rate = Number(args.rate);
const seconds = Number(args.seconds);
const pollIntervalMs = Number(args["poll-interval-ms"]);

interface Primary {
  /** Two stores on one primary: one writes, one feeds the replica. */
  open(): Promise<CatalogStore>;
  identity: string;
  remove(): Promise<void>;
}

function postgresPrimary(): Primary {
  const schema = `nestor_bench_lag_${randomBytes(4).toString("hex")}`;
  const config = { ...DEFAULT_CONFIG.storage.postgres, url: args["postgres-url"]!, schema, timeoutMs: 20_000 };
  return {
    open: () => openPostgresStore(config, silentLogger),
    identity: `postgres:bench ${schema}`,
    remove: () => dropPostgresSchema(schema),
  };
}

async function dropPostgresSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: args["postgres-url"]! });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  await client.end();
}

function dynamoPrimary(): Primary {
  process.env.AWS_ACCESS_KEY_ID ??= "test";
  process.env.AWS_SECRET_ACCESS_KEY ??= "test";
  const tableName = `nestor-bench-lag-${randomBytes(4).toString("hex")}`;
  const endpoint = args["dynamodb-endpoint"]!;
  const config = {
    ...DEFAULT_CONFIG.storage.dynamodb,
    tableName,
    endpoint,
    region: "us-east-1",
    pollIntervalMs,
    timeoutMs: 20_000,
  };
  return {
    open: () => openDynamoStore(config, silentLogger),
    identity: `dynamodb:bench ${tableName}`,
    remove: async () => {
      const client = new DynamoDBClient({ endpoint, region: "us-east-1" });
      await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
      client.destroy();
    },
  };
}

async function main(): Promise<void> {
  const primary = args.primary === "dynamodb" ? dynamoPrimary() : postgresPrimary();
  const keyPrefix = `nestor-bench-lag:${randomBytes(4).toString("hex")}:`;
  const writer = await primary.open();
  const visible: Array<{ applied: number; at: number }> = [];
  let store: HybridCatalogStore | undefined;
  const replicaSchema = `nestor_bench_replica_${randomBytes(4).toString("hex")}`;
  const replicaPostgres = {
    ...DEFAULT_CONFIG.storage.postgres,
    url: args["postgres-url"]!,
    schema: replicaSchema,
    timeoutMs: 20_000,
  };
  const replica =
    args.replica === "postgres"
      ? await openPostgresReplica(replicaPostgres, silentLogger)
      : await openRedisReplica({ url: args["redis-url"]!, keyPrefix, timeoutMs: 5_000 }, silentLogger);
  store = await HybridCatalogStore.open(await primary.open(), [{ name: args.replica!, replica }], {
    primaryIdentity: primary.identity,
    readWaitMs: 60_000,
    readFallback: "fail",
    logger: silentLogger,
    // Called whenever the applier moved: when each revision became visible.
    onLag: () => {
      const applied = store?.appliers[0]?.applied ?? 0;
      if (applied > (visible.at(-1)?.applied ?? 0)) visible.push({ applied, at: performance.now() });
    },
  });
  const acks: Array<{ revision: number; at: number; writeMs: number }> = [];
  try {
    console.log(
      `bench/hybrid lag: ${args.primary} primary -> ${args.replica} replica, ${rate} writes/s for ${seconds} s` +
        (args.primary === "dynamodb" ? ` (pollIntervalMs ${pollIntervalMs})` : " (NOTIFY wake-ups)"),
    );
    const started = performance.now();
    const total = Math.round(rate * seconds);
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const sent = performance.now();
      inFlight.push(
        writer.insertVersion(benchRecord(i, "1.0.0"), metaFor(i)).then((event) => {
          const at = performance.now();
          acks.push({ revision: event.revision, at, writeMs: at - sent });
        }),
      );
    }
    await Promise.all(inFlight);
    const elapsed = (performance.now() - started) / 1000;
    await store.readAt(Math.max(...acks.map((ack) => ack.revision)));
    const row = report(acks, visible, elapsed);
    if (args.summary) await writeFile(args.summary, JSON.stringify(row, null, 2));
  } finally {
    await store.close();
    await writer.close();
    await dropRedisPrefix(args["redis-url"]!, keyPrefix);
    await dropPostgresSchema(replicaSchema);
    await primary.remove();
  }
}

function report(
  acks: Array<{ revision: number; at: number; writeMs: number }>,
  visible: Array<{ applied: number; at: number }>,
  elapsed: number,
): Record<string, number | string | undefined> {
  const lags = acks.map((ack) => {
    const first = visible.find((v) => v.applied >= ack.revision);
    return first === undefined ? Number.NaN : Math.max(0, first.at - ack.at);
  });
  const sortedLags = Float64Array.from(lags).sort();
  const writes = Float64Array.from(acks.map((ack) => ack.writeMs)).sort();
  const row = {
    primary: args.primary,
    replica: args.replica,
    writes: acks.length,
    writesPerSecond: acks.length / elapsed,
    lagP50Ms: percentile(sortedLags, 50),
    lagP99Ms: percentile(sortedLags, 99),
    lagMaxMs: sortedLags[sortedLags.length - 1] ?? Number.NaN,
    writeP50Ms: percentile(writes, 50),
    writeP99Ms: percentile(writes, 99),
  };
  console.log(
    `${row.writes} writes at ${fmt(row.writesPerSecond, 1)}/s; commit -> visible in the replica: ` +
      `p50 ${fmt(row.lagP50Ms, 1)} ms, p99 ${fmt(row.lagP99Ms, 1)} ms, max ${fmt(row.lagMaxMs, 1)} ms; ` +
      `write acknowledgement p50 ${fmt(row.writeP50Ms, 1)} ms, p99 ${fmt(row.writeP99Ms, 1)} ms`,
  );
  return row;
}

await main();
