export { openMysqlStore } from "./catalog.js";
export { MIGRATIONS, migrateMysql } from "./migrate.js";
export { MysqlSyncStateStore } from "./sync-state.js";
