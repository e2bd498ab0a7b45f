/**
 * Migrations on PostgreSQL (runner: ../sql/migrate.ts; files: migrations/).
 * The run holds a session-level advisory lock for the schema on its own
 * connection; each migration runs in one transaction with search_path set
 * to the configured schema, so migration SQL is written unqualified.
 */
import type { PostgresConfig } from "../../config/schema.js";
import { CatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import type { SqlSession } from "../sql/dialect.js";
import { applyMigrations, type Migration, type MigrationResult, type MigrationTarget } from "../sql/migrate.js";
import { createPool, mapErrors, type Pool, quoteIdentifier, sessionOn } from "./client.js";
import { POSTGRES_MIGRATIONS } from "./migrations/index.js";

export type { MigrationResult } from "../sql/migrate.js";
export const MIGRATIONS: readonly Migration[] = POSTGRES_MIGRATIONS;

/** Advisory-lock namespace (first key); the second key is a hash of the schema name. */
const MIGRATION_LOCK_NAMESPACE = 0x6e657374; // "nest"

/** DDL on a large catalog can outlast the per-call timeout; migrations get at least this long. */
const MIGRATION_MIN_TIMEOUT_MS = 60_000;

export function postgresMigrationTarget(pool: Pool, schema: string): MigrationTarget {
  const quoted = quoteIdentifier(schema);
  const statement = (text: string, values: unknown[] = []) => ({ text, values });
  return {
    where: `postgres schema "${schema}"`,
    transactionalDdl: true,
    locked: async (work) => {
      const client = await mapErrors(() => pool.connect());
      const session = sessionOn(client);
      let broken: Error | undefined;
      try {
        await session.run(statement("SELECT pg_advisory_lock($1, hashtext($2))", [MIGRATION_LOCK_NAMESPACE, schema]));
        try {
          return await work(session);
        } finally {
          await session
            .run(statement("SELECT pg_advisory_unlock($1, hashtext($2))", [MIGRATION_LOCK_NAMESPACE, schema]))
            .catch((err: unknown) => {
              broken = err instanceof Error ? err : new Error(String(err));
            });
        }
      } finally {
        client.release(broken);
      }
    },
    prepare: async (session) => {
      await session.run(statement(`CREATE SCHEMA IF NOT EXISTS ${quoted}`));
      await session.run(
        statement(
          `CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (id text PRIMARY KEY, ` +
            `applied_at timestamptz NOT NULL DEFAULT now())`,
        ),
      );
    },
    recorded: (session) => recordedOn(session, schema),
    record: async (session, id) => {
      await session.run(statement(`INSERT INTO ${quoted}.schema_migrations (id) VALUES ($1)`, [id]));
    },
    forget: async (session, id) => {
      await session.run(statement(`DELETE FROM ${quoted}.schema_migrations WHERE id = $1`, [id]));
    },
    begin: async (session) => {
      await session.run(statement("BEGIN"));
      await session.run(statement(`SET LOCAL search_path TO ${quoted}`));
    },
    commit: async (session) => {
      await session.run(statement("COMMIT"));
    },
    rollback: async (session) => {
      await session.run(statement("ROLLBACK"));
    },
  };
}

async function recordedOn(session: SqlSession, schema: string): Promise<string[]> {
  const [exists] = await session.rows<{ present: boolean }>({
    text: "SELECT to_regclass($1) IS NOT NULL AS present",
    values: [`${quoteIdentifier(schema)}.schema_migrations`],
  });
  if (exists?.present !== true) return [];
  const rows = await session.rows<{ id: string }>({
    text: `SELECT id FROM ${quoteIdentifier(schema)}.schema_migrations ORDER BY id`,
    values: [],
  });
  return rows.map((row) => row.id);
}

/** Ids recorded in `schema`.schema_migrations; empty when the table does not exist yet. */
export function recordedMigrations(pool: Pool, schema: string): Promise<string[]> {
  return recordedOn(sessionOn(pool), schema);
}

/** Fails FAILED_PRECONDITION when `schema` lacks a migration this server needs. */
export async function assertMigrated(pool: Pool, schema: string): Promise<void> {
  const present = new Set(await recordedMigrations(pool, schema));
  const missing = MIGRATIONS.filter((migration) => !present.has(migration.id)).map((migration) => migration.id);
  if (missing.length > 0) {
    throw new CatalogError(
      "FAILED_PRECONDITION",
      `postgres schema "${schema}" is missing migrations ${missing.join(", ")}: run \`nestor-catalog migrate\` ` +
        `or set storage.postgres.migrateOnStart`,
    );
  }
}

/**
 * Applies pending migrations with a short-lived pool of its own; what
 * `nestor-catalog migrate` runs. Fails UNAVAILABLE when the server is down.
 */
export async function migratePostgres(
  config: PostgresConfig,
  logger: Logger,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationResult> {
  const pool = createPool(config, logger, {
    maxConnections: 1,
    statementTimeoutMs: Math.max(config.timeoutMs, MIGRATION_MIN_TIMEOUT_MS),
  });
  try {
    return await applyMigrations(postgresMigrationTarget(pool, config.schema), migrations, logger);
  } finally {
    await pool.end();
  }
}
