export { DynamoCatalogStore, openDynamoStore } from "./catalog.js";
export { type MigrationResult, migrateDynamoDb } from "./migrations.js";
