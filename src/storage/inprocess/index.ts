export { InProcessCatalogStore } from "./store.js";
export { CatalogState } from "./state.js";
export { SEARCH_SCORES, scoreRecord } from "./search.js";
