export { openPostgresStore, PostgresCatalogStore } from "./catalog.js";
export { MIGRATIONS, type MigrationResult, migratePostgres } from "./migrate.js";
