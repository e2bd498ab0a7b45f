export { MemoryCatalogStore } from "./catalog.js";
