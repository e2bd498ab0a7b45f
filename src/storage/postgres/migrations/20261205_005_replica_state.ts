/**
 * A schema that serves as a hybrid store's read replica records which
 * primary feeds it (catalog_revision.current is its applied revision). A
 * catalog's own schema keeps primary_name empty.
 */
import type { Migration } from "../../sql/migrate.js";

export const migration: Migration = {
  id: "20261205_005_replica_state",
  steps: [
    {
      up: `CREATE TABLE replica_state (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  primary_name text NOT NULL,
  applied_time timestamptz
)`,
      down: "DROP TABLE replica_state",
    },
    {
      up: "INSERT INTO replica_state (singleton, primary_name) VALUES (true, '')",
      down: "DELETE FROM replica_state",
    },
  ],
};
