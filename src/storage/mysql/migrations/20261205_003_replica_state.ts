/**
 * A database that serves as a hybrid store's read replica records which
 * primary feeds it (catalog_revision.current is its applied revision). A
 * catalog's own database keeps primary_name empty.
 */
import type { Migration } from "../../sql/migrate.js";

const TABLE_OPTIONS = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

export const migration: Migration = {
  id: "20261205_003_replica_state",
  steps: [
    {
      up: `CREATE TABLE replica_state (
  singleton TINYINT NOT NULL PRIMARY KEY CHECK (singleton = 1),
  primary_name VARCHAR(1024) NOT NULL,
  applied_time DATETIME(3) NULL
) ${TABLE_OPTIONS}`,
      down: "DROP TABLE replica_state",
    },
    {
      up: "INSERT INTO replica_state (singleton, primary_name) VALUES (1, '')",
      down: "DELETE FROM replica_state",
    },
  ],
};
