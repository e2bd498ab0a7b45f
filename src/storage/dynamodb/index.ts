export { DynamoCatalogStore, openDynamoStore } from "./catalog.js";
export { migrateDynamoDb, type MigrationResult } from "./migrations.js";
export { sortableVersion } from "./models.js";
