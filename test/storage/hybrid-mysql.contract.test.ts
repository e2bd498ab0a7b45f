/**
 * The store contract on a hybrid store writing to MySQL (MariaDB) and
 * reading from a MySQL replica in a database of its own and a Redis
 * replica, with reads through readAt and read-your-writes
 * (hybrid.harness.ts). The appliers learn of commits from MySQL's polling
 * wake-ups and this process's own commits.
 */
import { afterAll } from "vitest";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { openStore } from "../../src/storage/factory.js";
import { defineStoreContract } from "./contract/index.js";
import { HybridPlaces, readingYourWrites } from "./hybrid.harness.js";

const places = new HybridPlaces();
afterAll(() => places.remove());

defineStoreContract("hybrid mysql -> [mysql, redis]", {
  open: async () => {
    const storage = await places.storage("mysql", ["mysql", "redis"]);
    return readingYourWrites(await openStore(storage, DEFAULT_CONFIG.cache, silentLogger));
  },
});
