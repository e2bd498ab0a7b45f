/**
 * The migration runner on PostgreSQL: a migration that fails leaves the
 * schema as it was and its error names it; a reversible migration's down
 * undoes it and it applies again.
 */
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logging/index.js";
import { sortableVersion } from "../../src/storage/core/ordering.js";
import { createPool } from "../../src/storage/postgres/client.js";
import { openPostgresStore } from "../../src/storage/postgres/index.js";
import { MIGRATIONS, migratePostgres, postgresMigrationTarget } from "../../src/storage/postgres/migrate.js";
import { type Migration, revertMigration } from "../../src/storage/sql/migrate.js";
import { expectCode, metaClock, newRecord, uniqueName } from "./contract/index.js";
import { adminQuery, dropSchema, freshSchemaName, testConfig } from "./postgres.harness.js";

const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

function newSchema(): string {
  const schema = freshSchemaName();
  schemas.push(schema);
  return schema;
}

const BROKEN: Migration = {
  id: "29991231_999_broken",
  steps: [
    { up: "CREATE TABLE half_done (id int)", down: "DROP TABLE half_done" },
    { up: "ALTER TABLE no_such_table ADD COLUMN x int", down: "SELECT 1" },
  ],
};

async function tableExists(schema: string, table: string): Promise<boolean> {
  const [row] = await adminQuery<{ present: boolean }>("SELECT to_regclass($1) IS NOT NULL AS present", [
    `${schema}.${table}`,
  ]);
  return row?.present === true;
}

describe("postgres migrations", () => {
  it("leaves the schema as it was when a migration fails, naming the migration and its step", async () => {
    const schema = newSchema();
    await migratePostgres(testConfig(schema), silentLogger);
    const err = await expectCode(
      migratePostgres(testConfig(schema), silentLogger, [...MIGRATIONS, BROKEN]),
      "INTERNAL",
    );
    expect(err.message).toContain("migration 29991231_999_broken failed at step 2 of 2");
    expect(err.message).toContain("no_such_table");
    expect(err.message).toContain("the schema is as it was before it");
    expect(await tableExists(schema, "half_done")).toBe(false);
    const recorded = await adminQuery<{ id: string }>(`SELECT id FROM ${schema}.schema_migrations ORDER BY id`);
    expect(recorded.map((row) => row.id)).toEqual(MIGRATIONS.map((migration) => migration.id));
  });

  it("reverts a reversible migration with its down and applies it again", async () => {
    const schema = newSchema();
    const config = testConfig(schema);
    const store = await openPostgresStore(config, silentLogger);
    const name = uniqueName("migrate");
    try {
      await store.insertVersion(newRecord(name, "1.0.0-rc.1"), metaClock()());
    } finally {
      await store.close();
    }
    const orderKey = async () =>
      (await adminQuery<{ version_order: string }>(`SELECT version_order FROM ${schema}.component_versions`))[0]
        ?.version_order;
    expect(await orderKey()).toBe(sortableVersion("1.0.0-rc.1"));
    const last = MIGRATIONS.find((migration) => migration.id === "20261204_004_sortable_version_order")!;
    const pool = createPool(config, silentLogger, { maxConnections: 1 });
    try {
      await revertMigration(postgresMigrationTarget(pool, schema), last);
    } finally {
      await pool.end();
    }
    expect(await orderKey()).not.toBe(sortableVersion("1.0.0-rc.1"));
    const again = await migratePostgres(config, silentLogger);
    expect(again.applied).toEqual([last.id]);
    expect(await orderKey()).toBe(sortableVersion("1.0.0-rc.1"));
  });

  it("reverts the consumer contract on a log without its events, and refuses while the log holds them", async () => {
    const contract = MIGRATIONS.find((migration) => migration.id === "20261210_006_consumer_contract")!;
    const schema = newSchema();
    const config = testConfig(schema);
    const store = await openPostgresStore(config, silentLogger);
    const pool = createPool(config, silentLogger, { maxConnections: 1 });
    try {
      const name = uniqueName("migrate");
      await store.insertVersion(newRecord(name, "1.0.0"), metaClock()());
      await revertMigration(postgresMigrationTarget(pool, schema), contract);
      expect(await tableExists(schema, "consumers")).toBe(false);
      expect((await migratePostgres(config, silentLogger)).applied).toEqual([contract.id]);
      await store.putConsumer({ consumer: "billing", name, constraint: "", labels: {} }, metaClock()());
      await expect(revertMigration(postgresMigrationTarget(pool, schema), contract)).rejects.toThrow(contract.id);
      expect(await tableExists(schema, "consumers")).toBe(true);
      expect(await store.listConsumers({ name })).toHaveLength(1);
    } finally {
      await pool.end();
      await store.close();
    }
  });
});
