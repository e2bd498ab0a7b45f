/**
 * The store contract on hybrid combinations, every read going to the
 * replicas with read-your-writes (hybrid.harness.ts readingYourWrites):
 * embedded -> [redis], postgres -> [redis], embedded -> [postgres]. The
 * DynamoDB and MySQL combinations are in hybrid-dynamodb.contract.test.ts
 * and hybrid-mysql.contract.test.ts.
 */
import { afterAll } from "vitest";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { openStore } from "../../src/storage/factory.js";
import { defineStoreContract } from "./contract/index.js";
import { HybridPlaces, readingYourWrites } from "./hybrid.harness.js";

const places = new HybridPlaces();
afterAll(() => places.remove());

for (const [primary, replicas] of [
  ["embedded", ["redis"]],
  ["postgres", ["redis"]],
  ["embedded", ["postgres"]],
] as const) {
  defineStoreContract(`hybrid ${primary} -> [${replicas.join(", ")}]`, {
    open: async () => {
      const storage = await places.storage(primary, replicas);
      return readingYourWrites(await openStore(storage, DEFAULT_CONFIG.cache, silentLogger));
    },
  });
}
