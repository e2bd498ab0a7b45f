/**
 * The catalog on MySQL / MariaDB: the revision row, one row per version,
 * the event log. utf8mb4 with a binary collation, so names and versions
 * compare byte-wise (no case-folding); JSON columns hold the record's
 * structured parts.
 */
import type { Migration } from "../../sql/migrate.js";

const TABLE_OPTIONS = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

export const migration: Migration = {
  id: "20261204_001_init",
  steps: [
    {
      up: `CREATE TABLE catalog_revision (
  singleton TINYINT NOT NULL PRIMARY KEY CHECK (singleton = 1),
  current BIGINT NOT NULL,
  compacted BIGINT NOT NULL
) ${TABLE_OPTIONS}`,
      down: "DROP TABLE catalog_revision",
    },
    {
      up: "INSERT INTO catalog_revision (singleton, current, compacted) VALUES (1, 0, 0)",
      down: "DELETE FROM catalog_revision",
    },
    {
      up: `CREATE TABLE component_versions (
  name VARCHAR(128) NOT NULL,
  version_key VARCHAR(128) NOT NULL,
  version VARCHAR(255) NOT NULL,
  -- byte order = SemVer precedence (core/ordering.ts sortableVersion)
  version_order VARCHAR(512) NOT NULL,
  provider VARCHAR(255) NOT NULL,
  category VARCHAR(255) NOT NULL,
  deployment_engine VARCHAR(255) NOT NULL,
  description TEXT NOT NULL,
  labels JSON NOT NULL,
  -- inputs, outputs, deployment
  content JSON NOT NULL,
  source JSON NULL,
  deprecated BOOLEAN NOT NULL,
  deprecation JSON NOT NULL,
  content_digest VARCHAR(255) NOT NULL,
  -- semver.pickLatest over the name's versions, maintained by every write
  is_latest BOOLEAN NOT NULL DEFAULT FALSE,
  create_time DATETIME(3) NOT NULL,
  update_time DATETIME(3) NOT NULL,
  create_revision BIGINT NOT NULL,
  update_revision BIGINT NOT NULL,
  -- lower-cased text that search matches terms in (core/search.ts searchDocument)
  search_name VARCHAR(128) NOT NULL,
  search_fields JSON NOT NULL,
  search_description TEXT NOT NULL,
  create_actor VARCHAR(1024) NOT NULL,
  update_actor VARCHAR(1024) NOT NULL,
  PRIMARY KEY (name, version_key),
  KEY component_versions_name_order (name, version_order),
  KEY component_versions_update_time (update_time, name, version_order),
  KEY component_versions_latest_name (is_latest, name),
  KEY component_versions_latest_update_time (is_latest, update_time, name),
  KEY component_versions_provider (provider, is_latest, name),
  KEY component_versions_category (category, is_latest, name),
  KEY component_versions_engine (deployment_engine, is_latest, name)
) ${TABLE_OPTIONS}`,
      down: "DROP TABLE component_versions",
    },
    {
      up: `CREATE TABLE catalog_events (
  revision BIGINT NOT NULL PRIMARY KEY,
  type VARCHAR(16) NOT NULL CHECK (type IN ('created', 'updated', 'deleted')),
  time DATETIME(3) NOT NULL,
  component JSON NOT NULL,
  actor VARCHAR(1024) NOT NULL
) ${TABLE_OPTIONS}`,
      down: "DROP TABLE catalog_events",
    },
  ],
};
