/** The SQL read replica suite (sql-replica.ts) on MySQL / MariaDB, a database of its own per case. */
import { silentLogger } from "../../src/logging/index.js";
import { openMysqlStore } from "../../src/storage/mysql/catalog.js";
import { openMysqlReplica } from "../../src/storage/mysql/replica.js";
import { createDatabase, dropDatabase, freshDatabaseName, testConfig } from "./mysql.harness.js";
import { defineSqlReplicaSuite } from "./sql-replica.js";

defineSqlReplicaSuite("mysql", {
  fresh: async () => {
    const database = freshDatabaseName();
    await createDatabase(database);
    return database;
  },
  remove: dropDatabase,
  openReplica: (database) => openMysqlReplica(testConfig(database), silentLogger),
  openStore: (database) => openMysqlStore(testConfig(database), silentLogger),
  replicaWhere: (database) => `mysql replica (database "${database}")`,
  storeWhere: (database) => `mysql (database "${database}")`,
});
