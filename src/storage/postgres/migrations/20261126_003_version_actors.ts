/** Who published / last changed each version; rows written before this migration read as "" (unknown). */
import type { Migration } from "../../sql/migrate.js";

export const migration: Migration = {
  id: "20261126_003_version_actors",
  steps: [
    {
      up: `ALTER TABLE component_versions
  ADD COLUMN create_actor text NOT NULL DEFAULT '',
  ADD COLUMN update_actor text NOT NULL DEFAULT ''`,
      down: "ALTER TABLE component_versions DROP COLUMN create_actor, DROP COLUMN update_actor",
    },
  ],
};
