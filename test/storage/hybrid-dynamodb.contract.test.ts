/**
 * The store contract on a hybrid store writing to DynamoDB (moto) and
 * reading from a PostgreSQL replica and a Redis replica, with reads through
 * readAt and read-your-writes (hybrid.harness.ts). The appliers learn of
 * commits from DynamoDB's polling wake-ups.
 */
import { afterAll, vi } from "vitest";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { openStore } from "../../src/storage/factory.js";
import { defineStoreContract } from "./contract/index.js";
import { HybridPlaces, readingYourWrites } from "./hybrid.harness.js";

// moto copies the whole table on every TransactWriteItems, so writes slow down as the suite's table grows.
vi.setConfig({ testTimeout: 180_000 });

const places = new HybridPlaces();
afterAll(() => places.remove());

defineStoreContract("hybrid dynamodb -> [postgres, redis]", {
  open: async () => {
    const storage = await places.storage("dynamodb", ["postgres", "redis"]);
    return readingYourWrites(await openStore(storage, DEFAULT_CONFIG.cache, silentLogger));
  },
});
