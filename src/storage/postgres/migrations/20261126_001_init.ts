/** The catalog: the revision row, one row per version, the event log. */
import type { Migration } from "../../sql/migrate.js";

export const migration: Migration = {
  id: "20261126_001_init",
  steps: [
    {
      up: `CREATE TABLE catalog_revision (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  current bigint NOT NULL,
  compacted bigint NOT NULL
)`,
      down: "DROP TABLE catalog_revision",
    },
    {
      up: "INSERT INTO catalog_revision (singleton, current, compacted) VALUES (true, 0, 0)",
      down: "DELETE FROM catalog_revision",
    },
    {
      up: `CREATE TABLE component_versions (
  name text COLLATE "C" NOT NULL,
  version_key text COLLATE "C" NOT NULL,
  version text NOT NULL,
  -- byte order = SemVer precedence (core/ordering.ts sortableVersion)
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
  -- lower-cased text that search matches terms in (core/search.ts searchDocument)
  search_name text NOT NULL,
  search_fields text[] NOT NULL,
  search_description text NOT NULL,
  PRIMARY KEY (name, version_key)
)`,
      down: "DROP TABLE component_versions",
    },
    ...[
      "component_versions_name_order ON component_versions (name, version_order DESC)",
      "component_versions_update_time ON component_versions (update_time, name, version_order DESC)",
      "component_versions_latest_name ON component_versions (name) WHERE is_latest",
      "component_versions_latest_update_time ON component_versions (update_time, name) WHERE is_latest",
      "component_versions_provider ON component_versions (provider, name)",
      "component_versions_category ON component_versions (category, name)",
      "component_versions_engine ON component_versions (deployment_engine, name)",
      "component_versions_update_revision ON component_versions (update_revision)",
      "component_versions_labels ON component_versions USING gin (labels jsonb_path_ops)",
    ].map((index) => ({ up: `CREATE INDEX ${index}`, down: `DROP INDEX ${index.split(" ")[0]}` })),
    {
      up: `CREATE TABLE catalog_events (
  revision bigint PRIMARY KEY,
  type text NOT NULL CHECK (type IN ('created', 'updated', 'deleted')),
  time timestamptz NOT NULL,
  component jsonb NOT NULL,
  actor text NOT NULL
)`,
      down: "DROP TABLE catalog_events",
    },
  ],
};
