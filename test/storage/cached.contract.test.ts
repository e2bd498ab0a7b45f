/**
 * The storage contract over the memory store wrapped in each cache mode: the
 * cache must not change a single observable answer.
 */
import { MemoryCatalogStore } from "../../src/storage/memory/index.js";
import { CACHE_MODES } from "./cache-modes.js";
import { defineStoreContract } from "./contract/index.js";

for (const mode of CACHE_MODES) {
  defineStoreContract(`memory+${mode.name}`, { open: async () => mode.wrap(new MemoryCatalogStore()) });
}
