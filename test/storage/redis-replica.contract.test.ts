/**
 * The Redis read model on its own under the read half of the store contract:
 * writes go to an in-process primary and are applied to the replica before
 * they return; every read comes from Redis (replica-harness.ts).
 */
import { randomBytes } from "node:crypto";
import { afterAll } from "vitest";
import { silentLogger } from "../../src/logging/index.js";
import { openRedisReplica } from "../../src/storage/redis/replica.js";
import { TEST_REDIS_URL } from "./cache-modes.js";
import { defineReadContract } from "./contract/index.js";
import { dropRedisPrefix } from "./hybrid.harness.js";
import { readsFromReplica } from "./replica-harness.js";

const keyPrefix = `nestor-replica-contract:${randomBytes(4).toString("hex")}:`;
afterAll(() => dropRedisPrefix(keyPrefix));

defineReadContract("redis replica", {
  open: async () => {
    return readsFromReplica(await openRedisReplica({ url: TEST_REDIS_URL, keyPrefix, timeoutMs: 2_000 }, silentLogger));
  },
});
