/**
 * A PostgreSQL schema as a hybrid store's read replica (../sql/replica.ts):
 * migrated like a catalog's own schema, refused when it holds a catalog's
 * event log.
 */
import type { PostgresConfig } from "../../config/schema.js";
import type { Logger } from "../../logging/index.js";
import { assertReplicaPlace, SqlReplicaStore } from "../sql/replica.js";
import { createPool, postgresDatabase } from "./client.js";
import { assertMigrated, migratePostgres } from "./migrate.js";
import { PostgresStatements } from "./statements.js";

/** Where the replica lives, for logs and errors. */
export function postgresReplicaWhere(config: PostgresConfig): string {
  return `postgres replica (schema "${config.schema}")`;
}

export async function openPostgresReplica(config: PostgresConfig, logger: Logger): Promise<SqlReplicaStore> {
  const log = logger.child({ component: "storage.postgres-replica", schema: config.schema });
  if (config.migrateOnStart) await migratePostgres(config, log);
  const pool = createPool(config, log);
  const db = postgresDatabase(pool);
  const sql = new PostgresStatements(config.schema);
  const where = postgresReplicaWhere(config);
  try {
    await assertMigrated(pool, config.schema);
    await assertReplicaPlace(db, sql, where);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return new SqlReplicaStore({ kind: "postgres", where, db, sql });
}
