import { afterAll } from "vitest";
import { silentLogger } from "../../src/logging/index.js";
import { openPostgresStore } from "../../src/storage/postgres/index.js";
import { CACHE_MODES } from "./cache-modes.js";
import { defineStoreContract } from "./contract/index.js";
import { dropSchema, freshSchemaName, testConfig } from "./postgres.harness.js";

const schemas: string[] = [];

for (const mode of CACHE_MODES) {
  const schema = freshSchemaName();
  schemas.push(schema);
  defineStoreContract(`postgres+${mode.name}`, {
    open: async () => mode.wrap(await openPostgresStore(testConfig(schema), silentLogger)),
  });
}

afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});
