import { afterAll } from "vitest";
import { silentLogger } from "../../src/logging/index.js";
import { openPostgresStore } from "../../src/storage/postgres/index.js";
import { defineStoreContract } from "./contract/index.js";
import { dropSchema, freshSchemaName, testConfig } from "./postgres.harness.js";

// The outage test of the suite runs in postgres.outage.test.ts against a
// private server, so stopping it never disturbs files sharing this one.
const schema = freshSchemaName();

defineStoreContract("postgres", { open: () => openPostgresStore(testConfig(schema), silentLogger) });

afterAll(async () => {
  await dropSchema(schema);
});
