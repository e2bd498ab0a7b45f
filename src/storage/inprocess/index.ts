export { InProcessCatalogStore } from "./store.js";
export { CatalogState } from "./state.js";
export { scoreRecord } from "./search.js";
export { SEARCH_SCORES } from "../search-scores.js";
