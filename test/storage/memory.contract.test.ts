import { MemoryCatalogStore } from "../../src/storage/memory/catalog.js";
import { defineStoreContract } from "./contract.js";

defineStoreContract("memory", { open: async () => new MemoryCatalogStore() });
