/**
 * bench/storage/sql-builder: what a query builder costs on the hot read.
 * The decision it informs (src/storage/README.md, "Shared SQL"): kysely
 * (typed builder, pg + mysql2 dialects) or one hand-written SQL module per
 * dialect behind shared operations. Same PostgreSQL table, same pool size,
 * same row mapping, alternating rounds in one run:
 *
 *   pg SELECT by key       the bare driver: pool.query(text, [name, key])
 *   hand-written           the text and values the store's getVersion sends (prebuilt text, one pool.query)
 *   kysely                 selectFrom().select(columns).where().where().executeTakeFirst() on a Kysely<DB>
 *                          over a pg pool (builds and compiles the query per call, as operations would)
 *
 *   npx tsx bench/storage/sql-builder.ts [--components 1000] [--duration-ms 1000] [--rounds 3]
 */
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { openPostgresStore } from "../../src/storage/postgres/index.js";
import { COMPONENT_COLUMN_NAMES } from "../../src/storage/sql/rows.js";
import { componentName, EXACT_VERSION } from "../unary/catalog-data.js";
import { fmt, ratio, summarize, table } from "../unary/stats.js";
import { bulkSeedPostgres } from "./postgres-seed.js";

const { values: args } = parseArgs({
  options: {
    components: { type: "string", default: "1000" },
    "duration-ms": { type: "string", default: "1000" },
    rounds: { type: "string", default: "3" },
  },
});
const components = Number(args.components);
const durationMs = Number(args["duration-ms"]);
const rounds = Number(args.rounds);
const URL =
  process.env.NESTOR_BENCH_POSTGRES_URL ??
  process.env.NESTOR_TEST_POSTGRES_URL ??
  "postgres://nestor:nestor@127.0.0.1:5432/nestor";
const COLUMNS = COMPONENT_COLUMN_NAMES;

type Row = Record<(typeof COLUMNS)[number], unknown>;
interface Database {
  component_versions: Row;
}

type Op = (i: number) => Promise<unknown>;

async function measure(op: Op): Promise<ReturnType<typeof summarize>> {
  for (let i = 0; i < 200; i++) await op(1_000_000 + i);
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; performance.now() - started < durationMs; i++) {
    const t = performance.now();
    await op(i);
    latencies.push(performance.now() - t);
  }
  return summarize(latencies, performance.now() - started);
}

async function main(): Promise<void> {
  const schema = `nestor_bench_sql_${randomBytes(3).toString("hex")}`;
  const config = { ...DEFAULT_CONFIG.storage.postgres, url: URL, schema, migrateOnStart: true };
  const store = await openPostgresStore(config, silentLogger);
  const admin = new pg.Pool({ connectionString: URL, max: 1 });
  const pool = new pg.Pool({ connectionString: URL, max: 2 });
  const kyselyPool = new pg.Pool({ connectionString: URL, max: 2 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: kyselyPool }) }).withSchema(schema);
  try {
    await bulkSeedPostgres(URL, schema, components);
    const name = (i: number) => componentName((i * 7919) % components);
    const text = `SELECT ${COLUMNS.join(", ")} FROM ${schema}.component_versions WHERE name = $1 AND version_key = $2`;
    const ops: Record<string, Op> = {
      "pg SELECT by key": (i) => pool.query(text, [name(i), EXACT_VERSION]),
      "hand-written (store.getVersion)": (i) => store.getVersion(name(i), EXACT_VERSION),
      kysely: (i) =>
        db
          .selectFrom("component_versions")
          .select(COLUMNS)
          .where("name", "=", name(i))
          .where("version_key", "=", EXACT_VERSION)
          .executeTakeFirst(),
    };
    const runs: Record<string, Array<ReturnType<typeof summarize>>> = {};
    for (let round = 0; round < rounds; round++) {
      for (const [label, op] of Object.entries(ops)) {
        runs[label] ??= [];
        runs[label].push(await measure(op));
      }
    }
    const p50 = (label: string) => {
      const sorted = runs[label]!.map((s) => s.p50Ms).sort((a, b) => a - b);
      return sorted[sorted.length >> 1]!;
    };
    const base = p50("pg SELECT by key");
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}; ${rounds} rounds of ${durationMs} ms`,
    );
    console.log(
      table(
        ["read", "p50 ms (median round)", "rounds p50 ms", "x bare pg"],
        Object.keys(ops).map((label) => [
          label,
          fmt(p50(label), 3),
          runs[label]!.map((s) => s.p50Ms.toFixed(3)).join(" "),
          ratio(p50(label) / base),
        ]),
      ),
    );
  } finally {
    await db.destroy();
    await pool.end();
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

await main();
