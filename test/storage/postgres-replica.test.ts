/** The SQL read replica suite (sql-replica.ts) on PostgreSQL, a schema of its own per case. */
import { silentLogger } from "../../src/logging/index.js";
import { openPostgresStore } from "../../src/storage/postgres/index.js";
import { openPostgresReplica } from "../../src/storage/postgres/replica.js";
import { dropSchema, freshSchemaName, testConfig } from "./postgres.harness.js";
import { defineSqlReplicaSuite } from "./sql-replica.js";

defineSqlReplicaSuite("postgres", {
  fresh: async () => freshSchemaName(),
  remove: dropSchema,
  openReplica: (schema) => openPostgresReplica(testConfig(schema), silentLogger),
  openStore: (schema) => openPostgresStore(testConfig(schema), silentLogger),
  replicaWhere: (schema) => `postgres replica (schema "${schema}")`,
  storeWhere: (schema) => `postgres (schema "${schema}")`,
});
