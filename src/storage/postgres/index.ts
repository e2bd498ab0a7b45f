export { openPostgresStore, PostgresCatalogStore } from "./catalog.js";
export { migratePostgres, MIGRATIONS, type Migration, type MigrationResult } from "./migrations.js";
