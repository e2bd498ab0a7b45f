/** Git sync (src/catalog/sync): one lease per repository, shared by replicas, and its sync status. */
import type { Migration } from "../../sql/migrate.js";

export const migration: Migration = {
  id: "20261126_002_sync_state",
  steps: [
    {
      up: `CREATE TABLE sync_leases (
  repository text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
)`,
      down: "DROP TABLE sync_leases",
    },
    {
      up: `CREATE TABLE sync_statuses (
  repository text PRIMARY KEY,
  status jsonb NOT NULL,
  update_time timestamptz NOT NULL DEFAULT now()
)`,
      down: "DROP TABLE sync_statuses",
    },
  ],
};
