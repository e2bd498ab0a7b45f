import { randomBytes } from "node:crypto";
import { silentLogger } from "../../src/logging/index.js";
import { openRedisReplica } from "../../src/storage/redis/replica.js";
import { TEST_REDIS_URL } from "./cache-modes.js";
import { defineReadContract } from "./contract/index.js";
import { readsFromReplica } from "./replica-harness.js";

defineReadContract("redis replica", {
  open: async () => {
    const keyPrefix = `nestor-replica-contract:${randomBytes(4).toString("hex")}:`;
    return readsFromReplica(await openRedisReplica({ url: TEST_REDIS_URL, keyPrefix, timeoutMs: 2_000 }, silentLogger));
  },
});
