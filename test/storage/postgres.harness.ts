/**
 * Shared setup for the PostgreSQL storage tests: the server comes from
 * scripts/services/postgres.sh (or NESTOR_TEST_POSTGRES_URL), and every test
 * file works in a schema of its own that it drops afterwards, so files can
 * run in parallel against one database.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { DEFAULT_CONFIG, type PostgresConfig } from "../../src/config/schema.js";

export const TEST_POSTGRES_URL =
  process.env.NESTOR_TEST_POSTGRES_URL ?? "postgres://nestor:nestor@127.0.0.1:5432/nestor";

export function freshSchemaName(): string {
  return `nestor_test_${randomBytes(4).toString("hex")}`;
}

/**
 * Config for a test store. The timeout is generous because bursts of 50
 * concurrent writes queue for the pool and the revision lock on a loaded CI
 * machine; tests about timeouts set their own.
 */
export function testConfig(schema: string, overrides: Partial<PostgresConfig> = {}): PostgresConfig {
  return { ...DEFAULT_CONFIG.storage.postgres, url: TEST_POSTGRES_URL, schema, timeoutMs: 20_000, ...overrides };
}

/** Runs one statement on a short-lived connection (setup and cleanup, not the code under test). */
export async function adminQuery<R extends pg.QueryResultRow>(
  sql: string,
  values: unknown[] = [],
  url = TEST_POSTGRES_URL,
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string, url = TEST_POSTGRES_URL): Promise<void> {
  await adminQuery(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`, [], url);
}
