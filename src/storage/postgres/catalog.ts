/**
 * CatalogStore on PostgreSQL: the shared SQL store (../sql/store.ts) over a
 * node-postgres pool and the PostgreSQL statements. Every write is one
 * transaction serialised on the catalog_revision row, so revisions are
 * gap-free and commit in order; its NOTIFY (delivered only if the
 * transaction commits) wakes the other replicas' LISTEN connections.
 */
import type { PostgresConfig } from "../../config/schema.js";
import type { Logger } from "../../logging/index.js";
import { assertNotReplica } from "../sql/replica.js";
import { SqlCatalogStore } from "../sql/store.js";
import { createPool, postgresDatabase } from "./client.js";
import { assertMigrated, migratePostgres } from "./migrate.js";
import { CommitNotifier } from "./notifications.js";
import { PostgresStatements } from "./statements.js";

export class PostgresCatalogStore extends SqlCatalogStore {
  constructor(
    private readonly notifier: CommitNotifier,
    parts: Omit<ConstructorParameters<typeof SqlCatalogStore>[0], "wakeups" | "kind">,
  ) {
    super({ ...parts, kind: "postgres", wakeups: notifier });
  }

  /** Resolves once the LISTEN connection for onCommit is up; false when it did not come up in time. */
  listening(timeoutMs: number): Promise<boolean> {
    return this.notifier.ready(timeoutMs);
  }
}

/**
 * Opens the store: a pool from `config`, pending migrations applied when
 * `config.migrateOnStart` (else the schema must already be migrated).
 * Fails UNAVAILABLE when the server cannot be reached.
 */
export async function openPostgresStore(config: PostgresConfig, logger: Logger): Promise<PostgresCatalogStore> {
  const log = logger.child({ component: "storage.postgres", schema: config.schema });
  if (config.migrateOnStart) await migratePostgres(config, log);
  const pool = createPool(config, log);
  try {
    await assertMigrated(pool, config.schema);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  const db = postgresDatabase(pool);
  const sql = new PostgresStatements(config.schema);
  const where = `postgres (schema "${config.schema}")`;
  try {
    await assertNotReplica(db, sql, where);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  let store: PostgresCatalogStore | undefined;
  const notifier = new CommitNotifier(
    config,
    log,
    async () => (await (store as PostgresCatalogStore).revisionBounds()).current,
  );
  store = new PostgresCatalogStore(notifier, { where, db, sql });
  return store;
}
