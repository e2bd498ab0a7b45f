import { MemoryCatalogStore } from "../../src/storage/memory/catalog.js";
import { defineStoreContract } from "./contract/index.js";

defineStoreContract("memory", { open: async () => new MemoryCatalogStore() });
