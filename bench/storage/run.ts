/**
 * bench/storage: each backend behind the Manager on the same
 * catalog, side by side with bare-client baselines measured in the same run.
 *
 * Operations (sequential, one call in flight, for a fixed duration each):
 *   get-exact        Manager.get(name, "1.3.0")   (revisionBounds + getVersion)
 *   get-latest       Manager.get(name, "")        (revisionBounds + listVersions + pickLatest)
 *   store-get-exact  CatalogStore.getVersion      (the store's own keyed read; the "exact get")
 *   list-page        Manager.list, provider filter, 50 per page, pages 1-3 chained by token (per page)
 *   create           Manager.publish of a new component (validation, compatibility, the write)
 * Baselines: a bare `pg` primary-key SELECT on the same table; a bare
 * `mysql2` query by key on the same MySQL table; a bare `ioredis` GET of a
 * value the size of a cached record. Backends: memory, embedded, postgres,
 * mysql (MariaDB from scripts/services/mariadb.sh), dynamodb (moto), memory
 * + Redis cache (where a read of a warm key is a cache hit).
 *
 * Seeding: memory and embedded get the full catalog (default 10,000 x 10);
 * postgres and mysql get it through bulk INSERTs written here (the store's
 * write path flushes every write: ~35 writes/s); DynamoDB on moto gets a smaller catalog
 * through the store (--dynamo-components, default 50 x 10), as moto serialises
 * and copies the table per transaction.
 *
 *   npx tsx bench/storage/run.ts [--components 10000] [--duration-ms 2000]
 *     [--backends memory,embedded,postgres,mysql,dynamodb,memory+redis] [--summary file.json]
 */

import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import mysql from "mysql2/promise";
import pg from "pg";
import { systemClock } from "../../src/catalog/clock.js";
import { Manager } from "../../src/catalog/manager.js";
import type { ComponentDraft } from "../../src/catalog/validation.js";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { LruCache } from "../../src/storage/cache/lru.js";
import { withCache } from "../../src/storage/cached.js";
import { openDynamoStore } from "../../src/storage/dynamodb/index.js";
import { openEmbeddedStore } from "../../src/storage/embedded/catalog.js";
import { MemoryCatalogStore } from "../../src/storage/memory/catalog.js";
import { openMysqlStore } from "../../src/storage/mysql/index.js";
import { openPostgresStore } from "../../src/storage/postgres/index.js";
import { RedisCache } from "../../src/storage/redis/cache.js";
import { COMPONENT_COLUMNS } from "../../src/storage/sql/rows.js";
import type { CatalogStore } from "../../src/storage/store.js";
import {
  benchRecord,
  componentName,
  EXACT_VERSION,
  FILTER_PROVIDER,
  seedThroughStore,
  VERSIONS,
  writeEmbeddedLog,
} from "../unary/catalog-data.js";
import { fmt, ratio, summarize, table } from "../unary/stats.js";
import { bulkSeedMysql } from "./mysql-seed.js";
import { bulkSeedPostgres } from "./postgres-seed.js";

const { values: args } = parseArgs({
  options: {
    components: { type: "string", default: "10000" },
    "dynamo-components": { type: "string", default: "50" },
    "duration-ms": { type: "string", default: "2000" },
    backends: { type: "string", default: "memory,embedded,postgres,mysql,dynamodb,memory+redis" },
    summary: { type: "string" },
  },
});
const components = Number(args.components);
const durationMs = Number(args["duration-ms"]);
const POSTGRES_URL =
  process.env.NESTOR_BENCH_POSTGRES_URL ??
  process.env.NESTOR_TEST_POSTGRES_URL ??
  "postgres://nestor:nestor@127.0.0.1:5432/nestor";
const MYSQL_URL =
  process.env.NESTOR_BENCH_MYSQL_URL ??
  process.env.NESTOR_TEST_MYSQL_URL ??
  "mysql://nestor:nestor@127.0.0.1:3306/nestor";
const REDIS_URL = process.env.NESTOR_BENCH_REDIS_URL ?? process.env.NESTOR_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const DYNAMO_ENDPOINT =
  process.env.NESTOR_BENCH_DYNAMODB_ENDPOINT ?? process.env.NESTOR_TEST_DYNAMODB_ENDPOINT ?? "http://127.0.0.1:5005";
process.env.AWS_ACCESS_KEY_ID ??= "bench";
/** The columns the SQL stores read, for the bare SELECTs. */
const ROW_COLUMNS = COMPONENT_COLUMNS;
process.env.AWS_SECRET_ACCESS_KEY ??= "bench";

export interface StorageRow {
  backend: string;
  op: string;
  catalog: number;
  ops: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  baseline?: string;
  p50Ratio?: number;
}

/** Calls `op(i)` one at a time for the duration; each call may record several latencies (pages). */
async function measure(op: (i: number, record: (ms: number) => void) => Promise<void>, maxOps = Infinity) {
  const latencies: number[] = [];
  const record = (ms: number) => latencies.push(ms);
  // Warm-up: JIT, pools, prepared plans.
  const warmEnd = performance.now() + Math.min(500, durationMs / 4);
  for (let i = 0; performance.now() < warmEnd && i < Math.min(maxOps, 200); i++) await op(1_000_000 + i, () => {});
  const started = performance.now();
  for (let i = 0; performance.now() - started < durationMs && i < maxOps; i++) await op(i, record);
  return summarize(latencies, performance.now() - started);
}

type Stats = Awaited<ReturnType<typeof measure>>;
type Op = (i: number, record: (ms: number) => void) => Promise<void>;

/** Runs the ops in alternating rounds (A B A B ...) and keeps each op's median round (by p50). */
async function alternate(rounds: number, ops: Record<string, Op>): Promise<Record<string, Stats>> {
  const runs: Record<string, Stats[]> = Object.fromEntries(Object.keys(ops).map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, op] of Object.entries(ops)) runs[name]!.push(await measure(op));
  }
  return Object.fromEntries(
    Object.entries(runs).map(([name, list]) => {
      const sorted = [...list].sort((a, b) => a.p50Ms - b.p50Ms);
      const mid = sorted[sorted.length >> 1]!;
      const byP99 = [...list].sort((a, b) => a.p99Ms - b.p99Ms);
      const byRate = [...list].sort((a, b) => a.opsPerSec - b.opsPerSec);
      return [
        name,
        { ...mid, p99Ms: byP99[byP99.length >> 1]!.p99Ms, opsPerSec: byRate[byRate.length >> 1]!.opsPerSec },
      ];
    }),
  );
}

const stride = (i: number, n: number) => componentName((i * 7919) % n);

async function benchBackend(
  backend: string,
  store: CatalogStore,
  catalogComponents: number,
  rows: StorageRow[],
  createPrefix: string,
  baseline?: { name: string; op: Op },
) {
  const manager = new Manager(store, systemClock, silentLogger);
  const catalog = catalogComponents * VERSIONS.length;
  const push = (op: string, s: Awaited<ReturnType<typeof measure>>) => {
    rows.push({ backend, op, catalog, ops: s.ops, opsPerSec: s.opsPerSec, p50Ms: s.p50Ms, p99Ms: s.p99Ms });
    console.log(
      `${backend.padEnd(13)} ${op.padEnd(16)} ${fmt(s.opsPerSec).padStart(7)} ops/s  ` +
        `p50 ${s.p50Ms.toFixed(3)} ms  p99 ${s.p99Ms.toFixed(3)} ms  (${s.ops} ops)`,
    );
  };
  // A cache only hits on keys read before: the cached backend reads a hot set of 100 names.
  const names =
    backend.includes("redis") || backend.includes("lru") ? Math.min(100, catalogComponents) : catalogComponents;
  const getExact: Op = async (i, rec) => {
    const t = performance.now();
    await manager.get(stride(i, names), EXACT_VERSION);
    rec(performance.now() - t);
  };
  const storeGetExact: Op = async (i, rec) => {
    const t = performance.now();
    await store.getVersion(stride(i, names), EXACT_VERSION);
    rec(performance.now() - t);
  };
  if (baseline) {
    // The baseline and the exact gets alternate in the same run: A B C A B C A B C, medians.
    const r = await alternate(3, {
      [baseline.name]: baseline.op,
      "store-get-exact": storeGetExact,
      "get-exact": getExact,
    });
    const b = r[baseline.name]!;
    rows.push({
      backend: "baseline",
      op: baseline.name,
      catalog: catalogComponents * VERSIONS.length,
      ops: b.ops,
      opsPerSec: b.opsPerSec,
      p50Ms: b.p50Ms,
      p99Ms: b.p99Ms,
    });
    for (const op of ["get-exact", "store-get-exact"]) {
      push(op, r[op]!);
      Object.assign(rows.at(-1)!, { baseline: baseline.name, p50Ratio: r[op]!.p50Ms / b.p50Ms });
    }
  } else {
    push("get-exact", await measure(getExact));
    push("store-get-exact", await measure(storeGetExact));
  }
  push(
    "get-latest",
    await measure(async (i, rec) => {
      const t = performance.now();
      await manager.get(stride(i, names), "");
      rec(performance.now() - t);
    }),
  );
  push(
    "list-page",
    await measure(async (_i, rec) => {
      let pageToken = "";
      for (let page = 0; page < 3; page++) {
        const t = performance.now();
        const result = await manager.list({
          filter: { provider: FILTER_PROVIDER, includeDeprecated: false },
          allVersions: false,
          orderBy: "",
          pageSize: 50,
          pageToken,
        });
        rec(performance.now() - t);
        pageToken = result.nextPageToken;
        if (!pageToken) break;
      }
    }),
  );
  push(
    "create",
    await measure(
      async (i, rec) => {
        const record = benchRecord(i, "1.0.0");
        const draft: ComponentDraft = { ...record, name: `${createPrefix}-${i}` };
        const t = performance.now();
        await manager.publish(draft, { actor: "bench" });
        rec(performance.now() - t);
      },
      backend === "dynamodb" ? 40 : Infinity,
    ),
  );
}

async function main(): Promise<void> {
  const backends = args.backends!.split(",");
  const rows: StorageRow[] = [];
  const run = randomBytes(3).toString("hex");
  console.log(
    `bench/storage: ${components.toLocaleString()} components x ${VERSIONS.length} versions ` +
      `(dynamodb: ${args["dynamo-components"]} x ${VERSIONS.length}); sequential calls, ${durationMs} ms per operation`,
  );

  for (const backend of backends) {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      let store: CatalogStore;
      let catalogComponents = components;
      let baseline: { name: string; op: Op } | undefined;
      const t = performance.now();
      if (backend === "memory" || backend === "memory+redis" || backend === "memory+lru") {
        const memory = new MemoryCatalogStore();
        await seedThroughStore(memory, components);
        store = memory;
        if (backend === "memory+redis") {
          const cache = new RedisCache(
            { url: REDIS_URL, keyPrefix: `nestor-bench-${run}:`, timeoutMs: 1_000 },
            silentLogger,
          );
          await cache.waitUntilReady();
          const cached = withCache(memory, cache, { ttlSeconds: 600 }, silentLogger);
          await cached.cacheCaughtUp();
          store = cached;
          // The bare-client baseline: GET + JSON.parse of a value the size of a cached record.
          const redis = new Redis(REDIS_URL, { keyPrefix: `nestor-bench-${run}:base:` });
          cleanups.push(async () => redis.disconnect());
          const value = JSON.stringify(await memory.getVersion(componentName(1), EXACT_VERSION));
          for (let i = 0; i < 100; i++) await redis.set(`k${i}`, value, "EX", 600);
          baseline = {
            name: "ioredis GET",
            op: async (i, rec) => {
              const t0 = performance.now();
              JSON.parse((await redis.get(`k${i % 100}`))!);
              rec(performance.now() - t0);
            },
          };
        } else if (backend === "memory+lru") {
          const cached = withCache(memory, new LruCache({ maxEntries: 10_000 }), { ttlSeconds: 600 }, silentLogger);
          await cached.cacheCaughtUp();
          store = cached;
        }
      } else if (backend === "embedded") {
        const dir = await mkdtemp(join(tmpdir(), "nestor-bench-storage-"));
        cleanups.push(() => rm(dir, { recursive: true, force: true }));
        await writeEmbeddedLog(dir, components);
        store = await openEmbeddedStore({ dataDir: dir, fsync: true }, silentLogger);
      } else if (backend === "postgres") {
        const schema = `nestor_bench_${run}`;
        const config = {
          ...DEFAULT_CONFIG.storage.postgres,
          url: POSTGRES_URL,
          schema,
          timeoutMs: 30_000,
          migrateOnStart: true,
        };
        cleanups.push(() => adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
        store = await openPostgresStore(config, silentLogger);
        await bulkSeedPostgres(POSTGRES_URL, schema, components);
        // The bare-client baseline: a primary-key SELECT of the same row and columns, on its own pool.
        const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
        cleanups.push(() => pool.end());
        baseline = {
          name: "pg SELECT by key",
          op: async (i, rec) => {
            const t0 = performance.now();
            await pool.query(
              `SELECT ${ROW_COLUMNS} FROM ${schema}.component_versions WHERE name = $1 AND version_key = $2`,
              [stride(i, components), EXACT_VERSION],
            );
            rec(performance.now() - t0);
          },
        };
      } else if (backend === "mysql") {
        const opened = await openBenchMysql(`nestor_bench_${run}`, components);
        cleanups.push(...opened.cleanups);
        store = opened.store;
        baseline = opened.baseline;
      } else if (backend === "dynamodb") {
        catalogComponents = Number(args["dynamo-components"]);
        const tableName = `nestor-bench-${run}`;
        const dynamo = await openDynamoStore(
          {
            ...DEFAULT_CONFIG.storage.dynamodb,
            tableName,
            endpoint: DYNAMO_ENDPOINT,
            region: "us-east-1",
            timeoutMs: 30_000,
            migrateOnStart: true,
            pollIntervalMs: 1_000,
          },
          silentLogger,
        );
        cleanups.push(() => deleteDynamoTable(tableName));
        await seedThroughStore(dynamo, catalogComponents);
        store = dynamo;
      } else {
        throw new Error(`unknown backend ${backend}`);
      }
      cleanups.unshift(() => store.close());
      console.log(
        `${backend}: seeded ${(catalogComponents * VERSIONS.length).toLocaleString()} versions ` +
          `in ${Math.round(performance.now() - t)} ms`,
      );
      await benchBackend(
        backend,
        store,
        catalogComponents,
        rows,
        `bench-new-${run}-${backend.replace(/\W/g, "")}`,
        baseline,
      );
    } catch (err) {
      console.error(`${backend}: skipped: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      for (const cleanup of cleanups) await cleanup().catch((err: unknown) => console.error(`cleanup: ${String(err)}`));
    }
  }

  console.log();
  console.log(
    table(
      ["backend", "operation", "versions", "ops/s", "p50 ms", "p99 ms", "baseline", "p50 x baseline"],
      rows.map((r) => [
        r.backend,
        r.op,
        fmt(r.catalog),
        fmt(r.opsPerSec),
        fmt(r.p50Ms, 3),
        fmt(r.p99Ms, 3),
        r.baseline ?? "",
        r.p50Ratio ? ratio(r.p50Ratio) : "",
      ]),
    ),
  );
  if (args.summary) await writeFile(args.summary, JSON.stringify({ rows }, null, 2));
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh database seeded in bulk, the store on it, and the bare-client baseline: a mysql2 query by key. */
async function openBenchMysql(
  database: string,
  components: number,
): Promise<{ store: CatalogStore; baseline: { name: string; op: Op }; cleanups: (() => Promise<unknown>)[] }> {
  const admin = await mysql.createConnection({ uri: MYSQL_URL });
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await admin.end();
  const url = new URL(MYSQL_URL);
  url.pathname = `/${database}`;
  const cleanups: (() => Promise<unknown>)[] = [
    async () => {
      const dropper = await mysql.createConnection({ uri: MYSQL_URL });
      await dropper.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await dropper.end();
    },
  ];
  const store = await openMysqlStore(
    { ...DEFAULT_CONFIG.storage.mysql, url: url.toString(), timeoutMs: 30_000, migrateOnStart: true },
    silentLogger,
  );
  await bulkSeedMysql(url.toString(), components);
  const pool = mysql.createPool({ uri: url.toString(), connectionLimit: 2, timezone: "Z" });
  cleanups.push(() => pool.end());
  const baseline = {
    name: "mysql2 query by key",
    op: async (i: number, rec: (ms: number) => void) => {
      const t0 = performance.now();
      await pool.query(`SELECT ${ROW_COLUMNS} FROM component_versions WHERE name = ? AND version_key = ?`, [
        stride(i, components),
        EXACT_VERSION,
      ]);
      rec(performance.now() - t0);
    },
  };
  return { store, baseline, cleanups };
}

async function deleteDynamoTable(tableName: string): Promise<void> {
  const { DynamoDBClient, DeleteTableCommand } = await import("@aws-sdk/client-dynamodb");
  const client = new DynamoDBClient({ endpoint: DYNAMO_ENDPOINT, region: "us-east-1" });
  await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
  client.destroy();
}

await main();
