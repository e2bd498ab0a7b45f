export { openPostgresStore, PostgresCatalogStore } from "./catalog.js";
export { MIGRATIONS, type Migration, type MigrationResult, migratePostgres } from "./migrations.js";
