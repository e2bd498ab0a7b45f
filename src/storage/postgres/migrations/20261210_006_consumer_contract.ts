/**
 * The consumer contract: yanked versions (`yank`, null when not yanked),
 * compatibility policies per component name, consumer registrations
 * (listed by component through their index, by consumer through the key),
 * and events of those kinds in the log: a `payload` beside the component
 * (null for version events logged before it), `component` null for events
 * that carry none. Reverting fails while the log holds events of the new
 * kinds (they have no component): remove them by hand first. The log's step
 * comes last, so its down runs first.
 */
import type { Migration } from "../../sql/migrate.js";

const OLD_TYPES = "'created', 'updated', 'deleted'";
const ADDED_TYPES = ["yanked", "unyanked", "policy_changed", "consumer_registered", "consumer_deregistered"];
const NEW_TYPES = [OLD_TYPES, ...ADDED_TYPES.map((type) => `'${type}'`)].join(", ");

export const migration: Migration = {
  id: "20261210_006_consumer_contract",
  steps: [
    {
      up: "ALTER TABLE component_versions ADD COLUMN yank jsonb",
      down: "ALTER TABLE component_versions DROP COLUMN yank",
    },
    {
      up: `CREATE TABLE compatibility_policies (
  name text COLLATE "C" PRIMARY KEY,
  mode text NOT NULL,
  update_time timestamptz NOT NULL,
  update_revision bigint NOT NULL,
  update_actor text NOT NULL
)`,
      down: "DROP TABLE compatibility_policies",
    },
    {
      up: `CREATE TABLE consumers (
  consumer text COLLATE "C" NOT NULL,
  name text COLLATE "C" NOT NULL,
  version_constraint text NOT NULL,
  labels jsonb NOT NULL,
  create_time timestamptz NOT NULL,
  update_time timestamptz NOT NULL,
  create_revision bigint NOT NULL,
  update_revision bigint NOT NULL,
  create_actor text NOT NULL,
  update_actor text NOT NULL,
  PRIMARY KEY (consumer, name)
)`,
      down: "DROP TABLE consumers",
    },
    { up: "CREATE INDEX consumers_by_name ON consumers (name, consumer)", down: "DROP INDEX consumers_by_name" },
    {
      up:
        "ALTER TABLE catalog_events DROP CONSTRAINT catalog_events_type_check, " +
        `ADD CONSTRAINT catalog_events_type_check CHECK (type IN (${NEW_TYPES})), ` +
        "ALTER COLUMN component DROP NOT NULL, ADD COLUMN payload jsonb",
      down:
        "ALTER TABLE catalog_events DROP COLUMN payload, ALTER COLUMN component SET NOT NULL, " +
        "DROP CONSTRAINT catalog_events_type_check, " +
        `ADD CONSTRAINT catalog_events_type_check CHECK (type IN (${OLD_TYPES}))`,
    },
  ],
};
