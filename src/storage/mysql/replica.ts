/**
 * A MySQL / MariaDB database as a hybrid store's read replica
 * (../sql/replica.ts): migrated like a catalog's own database, refused when
 * it holds a catalog's event log.
 */
import type { MysqlConfig } from "../../config/schema.js";
import type { Logger } from "../../logging/index.js";
import { assertReplicaPlace, SqlReplicaStore } from "../sql/replica.js";
import { createPool, mysqlDatabase } from "./client.js";
import { assertMigrated, databaseOf, migrateMysql } from "./migrate.js";
import { MysqlStatements } from "./statements.js";

/** Where the replica lives, for logs and errors. */
export function mysqlReplicaWhere(config: MysqlConfig): string {
  return `mysql replica (database "${databaseOf(config)}")`;
}

export async function openMysqlReplica(config: MysqlConfig, logger: Logger): Promise<SqlReplicaStore> {
  const database = databaseOf(config);
  const log = logger.child({ component: "storage.mysql-replica", database });
  if (config.migrateOnStart) await migrateMysql(config, log);
  const pool = createPool(config, log);
  const db = mysqlDatabase(pool, config, log);
  const sql = new MysqlStatements();
  const where = mysqlReplicaWhere(config);
  try {
    await assertMigrated(pool, config);
    await assertReplicaPlace(db, sql, where);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return new SqlReplicaStore({ kind: "mysql", where, db, sql });
}
