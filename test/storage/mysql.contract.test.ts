import { afterAll } from "vitest";
import { silentLogger } from "../../src/logging/index.js";
import { openMysqlStore } from "../../src/storage/mysql/index.js";
import { defineStoreContract } from "./contract/index.js";
import { dropDatabase, freshDatabase, testConfig } from "./mysql.harness.js";

// The outage test runs in test/outage/mysql.outage.test.ts against a private server.
const databases: string[] = [];

defineStoreContract("mysql", {
  async open() {
    const database = await freshDatabase();
    databases.push(database);
    return openMysqlStore(testConfig(database), silentLogger);
  },
});

afterAll(async () => {
  for (const database of databases) await dropDatabase(database);
});
