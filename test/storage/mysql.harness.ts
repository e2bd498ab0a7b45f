/**
 * Shared setup for the MySQL storage tests: the server comes from
 * scripts/services/mariadb.sh (or NESTOR_TEST_MYSQL_URL), and every test
 * file works in a database of its own (`nestor_test_*`, which the script's
 * user may create) that it drops afterwards, so files can run in parallel.
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { DEFAULT_CONFIG, type MysqlConfig } from "../../src/config/schema.js";

export const TEST_MYSQL_URL = process.env.NESTOR_TEST_MYSQL_URL ?? "mysql://nestor:nestor@127.0.0.1:3306/nestor";

export function freshDatabaseName(): string {
  return `nestor_test_${randomBytes(4).toString("hex")}`;
}

/** The URL of `database` on the test server (or on the server of `url`). */
export function databaseUrl(database: string, url = TEST_MYSQL_URL): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Config for a test store on `database`; timeouts generous for a loaded CI machine. */
export function testConfig(database: string, overrides: Partial<MysqlConfig> = {}): MysqlConfig {
  return {
    ...DEFAULT_CONFIG.storage.mysql,
    url: databaseUrl(database),
    timeoutMs: 20_000,
    pollIntervalMs: 50,
    ...overrides,
  };
}

/** Runs statements on a short-lived connection (setup and cleanup, not the code under test). */
export async function adminQuery<R>(sql: string, values: unknown[] = [], url = TEST_MYSQL_URL): Promise<R[]> {
  const connection = await mysql.createConnection({ uri: url, timezone: "Z" });
  try {
    const [rows] = await connection.query(sql, values);
    return (Array.isArray(rows) ? rows : []) as R[];
  } finally {
    await connection.end();
  }
}

export async function createDatabase(database: string, url = TEST_MYSQL_URL): Promise<void> {
  await adminQuery(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`, [], url);
}

export async function dropDatabase(database: string, url = TEST_MYSQL_URL): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS \`${database}\``, [], url);
}

/** A fresh database, created now; remove it with dropDatabase. */
export async function freshDatabase(): Promise<string> {
  const database = freshDatabaseName();
  await createDatabase(database);
  return database;
}
