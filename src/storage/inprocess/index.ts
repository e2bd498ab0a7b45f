export { SEARCH_SCORES } from "../search-scores.js";
export { scoreRecord } from "./search.js";
export { CatalogState } from "./state.js";
export { InProcessCatalogStore } from "./store.js";
