/**
 * Versioned schema migrations. Each pending migration runs in its own
 * transaction holding a transaction-scoped advisory lock for the schema, so
 * replicas starting at once apply each migration exactly once: the others
 * wait on the lock, then see it recorded in `schema_migrations` and skip it.
 * Migration SQL is written unqualified; the runner points search_path at the
 * configured schema for the transaction.
 */
import type { PostgresConfig } from "../../config/schema.js";
import { CatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import { createPool, mapErrors, type Pool, quoteIdentifier, withTransaction } from "./client.js";

export interface Migration {
  /** `<yyyymmdd>_<nnn>_<what>`; applied in array order, recorded by id. */
  id: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    id: "20261126_001_init",
    sql: `
CREATE TABLE catalog_revision (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  current bigint NOT NULL,
  compacted bigint NOT NULL
);
INSERT INTO catalog_revision (singleton, current, compacted) VALUES (true, 0, 0);

CREATE TABLE component_versions (
  name text COLLATE "C" NOT NULL,
  version_key text COLLATE "C" NOT NULL,
  version text NOT NULL,
  -- byte order = SemVer precedence (models.ts versionOrderKey)
  version_order text COLLATE "C" NOT NULL,
  provider text NOT NULL,
  category text NOT NULL,
  deployment_engine text NOT NULL,
  description text NOT NULL,
  labels jsonb NOT NULL,
  -- inputs, outputs, deployment
  content jsonb NOT NULL,
  source jsonb,
  deprecated boolean NOT NULL,
  deprecation jsonb NOT NULL,
  content_digest text NOT NULL,
  -- semver.pickLatest over the name's versions, maintained by every write
  is_latest boolean NOT NULL DEFAULT false,
  create_time timestamptz NOT NULL,
  update_time timestamptz NOT NULL,
  create_revision bigint NOT NULL,
  update_revision bigint NOT NULL,
  -- lower-cased text that search matches terms in (models.ts searchDocument)
  search_name text NOT NULL,
  search_fields text[] NOT NULL,
  search_description text NOT NULL,
  PRIMARY KEY (name, version_key)
);
CREATE INDEX component_versions_name_order ON component_versions (name, version_order DESC);
CREATE INDEX component_versions_update_time ON component_versions (update_time, name, version_order DESC);
CREATE INDEX component_versions_latest_name ON component_versions (name) WHERE is_latest;
CREATE INDEX component_versions_latest_update_time ON component_versions (update_time, name) WHERE is_latest;
CREATE INDEX component_versions_provider ON component_versions (provider, name);
CREATE INDEX component_versions_category ON component_versions (category, name);
CREATE INDEX component_versions_engine ON component_versions (deployment_engine, name);
CREATE INDEX component_versions_update_revision ON component_versions (update_revision);
CREATE INDEX component_versions_labels ON component_versions USING gin (labels jsonb_path_ops);

CREATE TABLE catalog_events (
  revision bigint PRIMARY KEY,
  type text NOT NULL CHECK (type IN ('created', 'updated', 'deleted')),
  time timestamptz NOT NULL,
  component jsonb NOT NULL,
  actor text NOT NULL
);
`,
  },
  {
    // Git sync (src/catalog/sync): one lease per repository, shared by replicas, and its sync status.
    id: "20261126_002_sync_state",
    sql: `
CREATE TABLE sync_leases (
  repository text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE TABLE sync_statuses (
  repository text PRIMARY KEY,
  status jsonb NOT NULL,
  update_time timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    // Who published / last changed each version; rows written before this migration read as "" (unknown).
    id: "20261126_003_version_actors",
    sql: `
ALTER TABLE component_versions
  ADD COLUMN create_actor text NOT NULL DEFAULT '',
  ADD COLUMN update_actor text NOT NULL DEFAULT '';
`,
  },
];

/** Advisory-lock namespace (first key); the second key is a hash of the schema name. */
const MIGRATION_LOCK_NAMESPACE = 0x6e657374; // "nest"

/** DDL on a large catalog can outlast the per-call timeout; migrations get at least this long. */
const MIGRATION_MIN_TIMEOUT_MS = 60_000;

export interface MigrationResult {
  /** Ids applied by this call, in order; empty when the schema was up to date. */
  applied: string[];
  /** Every id recorded in schema_migrations afterwards. */
  present: string[];
}

/** Applies pending migrations to `schema` over an existing pool. */
export async function applyMigrations(pool: Pool, schema: string, logger: Logger): Promise<MigrationResult> {
  const quotedSchema = quoteIdentifier(schema);
  const applied: string[] = [];
  for (const migration of MIGRATIONS) {
    const ran = await withTransaction(pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [MIGRATION_LOCK_NAMESPACE, schema]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quotedSchema}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${quotedSchema}.schema_migrations (
           id text PRIMARY KEY,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const done = await client.query(`SELECT 1 FROM ${quotedSchema}.schema_migrations WHERE id = $1`, [migration.id]);
      if (done.rowCount !== 0) return false;
      await client.query(`SET LOCAL search_path TO ${quotedSchema}`);
      await client.query(migration.sql);
      await client.query(`INSERT INTO ${quotedSchema}.schema_migrations (id) VALUES ($1)`, [migration.id]);
      return true;
    });
    if (ran) {
      applied.push(migration.id);
      logger.info("postgres migration applied", { migration: migration.id, schema });
    }
  }
  const present = await recordedMigrations(pool, schema);
  const unknown = present.filter((id) => !MIGRATIONS.some((migration) => migration.id === id));
  if (unknown.length > 0) {
    logger.warn("postgres schema has migrations this server does not know (a newer version ran?)", {
      schema,
      unknown,
    });
  }
  return { applied, present };
}

/** Ids recorded in `schema`.schema_migrations; empty when the table does not exist yet. */
export async function recordedMigrations(pool: Pool, schema: string): Promise<string[]> {
  return mapErrors(async () => {
    const exists = await pool.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [
      `${quoteIdentifier(schema)}.schema_migrations`,
    ]);
    if (exists.rows[0]?.present !== true) return [];
    const result = await pool.query<{ id: string }>(
      `SELECT id FROM ${quoteIdentifier(schema)}.schema_migrations ORDER BY id`,
    );
    return result.rows.map((row) => row.id);
  });
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
export async function migratePostgres(config: PostgresConfig, logger: Logger): Promise<MigrationResult> {
  const pool = createPool(config, logger, {
    maxConnections: 1,
    statementTimeoutMs: Math.max(config.timeoutMs, MIGRATION_MIN_TIMEOUT_MS),
  });
  try {
    return await applyMigrations(pool, config.schema, logger);
  } finally {
    await pool.end();
  }
}
