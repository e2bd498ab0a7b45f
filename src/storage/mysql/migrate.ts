/**
 * Migrations on MySQL / MariaDB (runner: ../sql/migrate.ts; files:
 * migrations/). The run holds GET_LOCK on its own connection, named for the
 * database, so replicas starting at once apply each migration once. DDL
 * commits as it runs on MySQL, so a failing migration's finished steps are
 * undone with their `down` (the runner does that and names the migration).
 */
import type { MysqlConfig } from "../../config/schema.js";
import { CatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import type { SqlSession } from "../sql/dialect.js";
import { applyMigrations, type Migration, type MigrationResult, type MigrationTarget } from "../sql/migrate.js";
import { createPool, mapErrors, type Pool, sessionOn } from "./client.js";
import { MYSQL_MIGRATIONS } from "./migrations/index.js";

export const MIGRATIONS: readonly Migration[] = MYSQL_MIGRATIONS;

/** How long a migrator waits for another one to finish, in seconds. */
const LOCK_WAIT_SECONDS = 120;
/** DDL on a large catalog can outlast the per-call timeout; migrations get at least this long. */
const MIGRATION_MIN_TIMEOUT_MS = 60_000;

const statement = (text: string, values: unknown[] = []) => ({ text, values });

export function mysqlMigrationTarget(pool: Pool, database: string, timeoutMs: number): MigrationTarget {
  // GET_LOCK names are at most 64 characters.
  const lockName = `nestor-migrate:${database}`.slice(0, 64);
  return {
    where: `mysql database "${database}"`,
    transactionalDdl: false,
    locked: async (work) => {
      const connection = await mapErrors(() => pool.getConnection());
      const session = sessionOn(connection, Math.max(timeoutMs, (LOCK_WAIT_SECONDS + 5) * 1000));
      try {
        const [row] = await session.rows<{ locked: number | null }>(
          statement("SELECT GET_LOCK(?, ?) AS locked", [lockName, LOCK_WAIT_SECONDS]),
        );
        if (row?.locked !== 1) {
          throw new CatalogError(
            "UNAVAILABLE",
            `mysql database "${database}": another migrator held the migration lock for ${LOCK_WAIT_SECONDS} s; retry`,
          );
        }
        try {
          return await work(session);
        } finally {
          await session.run(statement("SELECT RELEASE_LOCK(?)", [lockName])).catch(() => undefined);
        }
      } finally {
        connection.release();
      }
    },
    prepare: async (session) => {
      await session.run(
        statement(
          "CREATE TABLE IF NOT EXISTS schema_migrations (id VARCHAR(255) NOT NULL PRIMARY KEY, " +
            "applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)) " +
            "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
        ),
      );
    },
    recorded: recordedOn,
    record: async (session, id) => {
      await session.run(statement("INSERT INTO schema_migrations (id) VALUES (?)", [id]));
    },
    forget: async (session, id) => {
      await session.run(statement("DELETE FROM schema_migrations WHERE id = ?", [id]));
    },
    begin: async () => undefined,
    commit: async () => undefined,
    rollback: async () => undefined,
  };
}

async function recordedOn(session: SqlSession): Promise<string[]> {
  const [exists] = await session.rows<{ present: number }>(
    statement(
      "SELECT COUNT(*) AS present FROM information_schema.tables " +
        "WHERE table_schema = DATABASE() AND table_name = 'schema_migrations'",
    ),
  );
  if (Number(exists?.present ?? 0) === 0) return [];
  const rows = await session.rows<{ id: string }>(statement("SELECT id FROM schema_migrations ORDER BY id"));
  return rows.map((row) => row.id);
}

/** Fails FAILED_PRECONDITION when the database lacks a migration this server needs. */
export async function assertMigrated(pool: Pool, config: MysqlConfig): Promise<void> {
  const present = new Set(await recordedOn(sessionOn(pool, config.timeoutMs)));
  const missing = MIGRATIONS.filter((migration) => !present.has(migration.id)).map((migration) => migration.id);
  if (missing.length > 0) {
    throw new CatalogError(
      "FAILED_PRECONDITION",
      `mysql database "${databaseOf(config)}" is missing migrations ${missing.join(", ")}: run ` +
        "`nestor-catalog migrate` or set storage.mysql.migrateOnStart",
    );
  }
}

/** The database the config points at (the URL's path when a URL is set). */
export function databaseOf(config: MysqlConfig): string {
  if (config.url === "") return config.database;
  try {
    return decodeURIComponent(new URL(config.url).pathname.replace(/^\//, "")) || config.database;
  } catch {
    return config.database;
  }
}

/** Applies pending migrations with a short-lived pool of its own; what `nestor-catalog migrate` runs. */
export async function migrateMysql(
  config: MysqlConfig,
  logger: Logger,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationResult> {
  const timeoutMs = Math.max(config.timeoutMs, MIGRATION_MIN_TIMEOUT_MS);
  const migrationConfig: MysqlConfig = { ...config, timeoutMs };
  const pool = createPool(migrationConfig, logger, { maxConnections: 1 });
  try {
    return await applyMigrations(mysqlMigrationTarget(pool, databaseOf(config), timeoutMs), migrations, logger);
  } finally {
    await pool.end();
  }
}
