/**
 * CatalogStore on MySQL 8.0+ / MariaDB 10.11+: the shared SQL store
 * (../sql/store.ts) over a mysql2 pool and the MySQL statements. One
 * transaction per write, serialised on the revision counter row; deadlocks
 * and lock-wait timeouts are retried a bounded number of times, then
 * UNAVAILABLE (client.ts). Other replicas' writes are noticed by polling the
 * revision every `pollIntervalMs` (MySQL has no NOTIFY); this process's own
 * writes wake its watchers at once.
 */
import type { MysqlConfig } from "../../config/schema.js";
import type { Logger } from "../../logging/index.js";
import { PollingWakeups } from "../core/polling-wakeups.js";
import { revisionBounds } from "../sql/operations/revision-bounds.js";
import { assertNotReplica } from "../sql/replica.js";
import { SqlCatalogStore } from "../sql/store.js";
import { createPool, mysqlDatabase } from "./client.js";
import { assertMigrated, databaseOf, migrateMysql } from "./migrate.js";
import { MysqlStatements } from "./statements.js";

/**
 * Opens the store: a pool from `config`, pending migrations applied when
 * `config.migrateOnStart` (else the database must already be migrated).
 * Fails UNAVAILABLE when the server cannot be reached.
 */
export async function openMysqlStore(config: MysqlConfig, logger: Logger): Promise<SqlCatalogStore> {
  const database = databaseOf(config);
  const log = logger.child({ component: "storage.mysql", database });
  if (config.migrateOnStart) await migrateMysql(config, log);
  const pool = createPool(config, log);
  try {
    await assertMigrated(pool, config);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  const db = mysqlDatabase(pool, config, log);
  const sql = new MysqlStatements();
  const where = `mysql (database "${database}")`;
  try {
    await assertNotReplica(db, sql, where);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  const wakeups = new PollingWakeups(
    async () => (await revisionBounds(db, sql)).current,
    config.pollIntervalMs,
    log,
    "MySQL",
  );
  return new SqlCatalogStore({ kind: "mysql", where, db, sql, wakeups });
}
