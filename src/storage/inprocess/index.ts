export { CatalogState } from "./state.js";
export { InProcessCatalogStore } from "./store.js";
