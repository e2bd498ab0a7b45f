/** Git sync (src/catalog/sync): one lease per repository, shared by replicas, and its sync status. */
import type { Migration } from "../../sql/migrate.js";

const TABLE_OPTIONS = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

export const migration: Migration = {
  id: "20261204_002_sync_state",
  steps: [
    {
      up: `CREATE TABLE sync_leases (
  repository VARCHAR(255) NOT NULL PRIMARY KEY,
  holder VARCHAR(512) NOT NULL,
  expires_at DATETIME(3) NOT NULL
) ${TABLE_OPTIONS}`,
      down: "DROP TABLE sync_leases",
    },
    {
      up: `CREATE TABLE sync_statuses (
  repository VARCHAR(255) NOT NULL PRIMARY KEY,
  status JSON NOT NULL,
  update_time DATETIME(3) NOT NULL
) ${TABLE_OPTIONS}`,
      down: "DROP TABLE sync_statuses",
    },
  ],
};
