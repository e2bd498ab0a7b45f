export { EmbeddedCatalogStore, openEmbeddedStore, SNAPSHOT_FILE, WAL_FILE } from "./catalog.js";
