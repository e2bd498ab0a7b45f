/**
 * The consumer contract: yanked versions (`yank`, NULL when not yanked),
 * compatibility policies per component name, consumer registrations
 * (listed by component through their index, by consumer through the key),
 * and events of those kinds in the log: a `payload` beside the component
 * (NULL for version events logged before it), `component` NULL for events
 * that carry none. The event type's CHECK is a column constraint, which
 * MariaDB replaces with the column definition (MySQL 8 names it as a table
 * constraint instead: there, drop `catalog_events_chk_1` by hand first).
 * Reverting fails while the log holds events of the new kinds (the log's
 * step comes last, so its down runs first and a refusal reverts nothing).
 */
import type { Migration } from "../../sql/migrate.js";

const TABLE_OPTIONS = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
const OLD_TYPES = "'created', 'updated', 'deleted'";
const ADDED_TYPES = ["yanked", "unyanked", "policy_changed", "consumer_registered", "consumer_deregistered"];
const NEW_TYPES = [OLD_TYPES, ...ADDED_TYPES.map((type) => `'${type}'`)].join(", ");

export const migration: Migration = {
  id: "20261210_004_consumer_contract",
  steps: [
    {
      up: "ALTER TABLE component_versions ADD COLUMN yank JSON NULL",
      down: "ALTER TABLE component_versions DROP COLUMN yank",
    },
    {
      up: `CREATE TABLE compatibility_policies (
  name VARCHAR(128) NOT NULL PRIMARY KEY,
  mode VARCHAR(32) NOT NULL,
  update_time DATETIME(3) NOT NULL,
  update_revision BIGINT NOT NULL,
  update_actor VARCHAR(1024) NOT NULL
) ${TABLE_OPTIONS}`,
      down: "DROP TABLE compatibility_policies",
    },
    {
      up: `CREATE TABLE consumers (
  consumer VARCHAR(128) NOT NULL,
  name VARCHAR(128) NOT NULL,
  version_constraint VARCHAR(512) NOT NULL,
  labels JSON NOT NULL,
  create_time DATETIME(3) NOT NULL,
  update_time DATETIME(3) NOT NULL,
  create_revision BIGINT NOT NULL,
  update_revision BIGINT NOT NULL,
  create_actor VARCHAR(1024) NOT NULL,
  update_actor VARCHAR(1024) NOT NULL,
  PRIMARY KEY (consumer, name),
  KEY consumers_by_name (name, consumer)
) ${TABLE_OPTIONS}`,
      down: "DROP TABLE consumers",
    },
    {
      up:
        `ALTER TABLE catalog_events MODIFY type VARCHAR(32) NOT NULL CHECK (type IN (${NEW_TYPES})), ` +
        "MODIFY component JSON NULL, ADD COLUMN payload JSON NULL",
      down:
        `ALTER TABLE catalog_events MODIFY type VARCHAR(16) NOT NULL CHECK (type IN (${OLD_TYPES})), ` +
        "MODIFY component JSON NOT NULL, DROP COLUMN payload",
    },
  ],
};
