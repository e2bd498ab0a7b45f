import { afterAll } from "vitest";
import { silentLogger } from "../../src/logging/index.js";
import { openMysqlStore } from "../../src/storage/mysql/index.js";
import { CACHE_MODES } from "./cache-modes.js";
import { defineStoreContract } from "./contract/index.js";
import { dropDatabase, freshDatabase, testConfig } from "./mysql.harness.js";

const databases: string[] = [];

for (const mode of CACHE_MODES) {
  defineStoreContract(`mysql+${mode.name}`, {
    async open() {
      const database = await freshDatabase();
      databases.push(database);
      return mode.wrap(await openMysqlStore(testConfig(database), silentLogger));
    },
  });
}

afterAll(async () => {
  for (const database of databases) await dropDatabase(database);
});
