/**
 * min_revision through the API, on a real socket, against a hybrid store
 * whose Redis replica the test makes lag: every read request takes it
 * (GetComponent, ListComponents, SearchComponents, ListComponentVersions,
 * CompareComponentVersions); a read that asks for a write's revision waits
 * for the replica and sees the write, one that does not ask is answered
 * from the replica as it stands; the wait ends UNAVAILABLE with RetryInfo;
 * a negative min_revision is INVALID_ARGUMENT naming it; and the TS
 * client's readYourWrites option sends what it saw. On a single store a
 * min_revision above its head fails at once.
 */
import { randomBytes } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalogClient, RevisionTracker } from "../../gen/ts/src/client/index.js";
import { RetryInfoSchema } from "../../gen/ts/src/google/rpc/error_details_pb.js";
import { silentLogger } from "../../src/logging/index.js";
import { HybridCatalogStore } from "../../src/storage/hybrid/store.js";
import { MemoryCatalogStore } from "../../src/storage/memory/catalog.js";
import { openRedisReplica } from "../../src/storage/redis/replica.js";
import { TEST_REDIS_URL } from "../storage/cache-modes.js";
import { GatedReplica } from "../storage/gated-replica.js";
import { dropRedisPrefix } from "../storage/hybrid.harness.js";
import {
  expectConnectError,
  type Harness,
  sampleComponent,
  startHarness,
  uniqueName,
  useHarness,
  violatedFields,
} from "./harness.js";

const prefix = `nestor-ryw-api:${randomBytes(4).toString("hex")}:`;
let replica: GatedReplica;
let h: Harness;

beforeAll(async () => {
  replica = new GatedReplica(
    await openRedisReplica({ url: TEST_REDIS_URL, keyPrefix: prefix, timeoutMs: 2_000 }, silentLogger),
  );
  const store = await HybridCatalogStore.open(new MemoryCatalogStore(), [{ name: "redis", replica }], {
    primaryIdentity: "memory:read-your-writes-api",
    readWaitMs: 500,
    readFallback: "fail",
    logger: silentLogger,
  });
  h = await startHarness(undefined, { store });
});
afterAll(async () => {
  await h?.close();
  await dropRedisPrefix(prefix);
});

describe("min_revision on a hybrid store", () => {
  it("waits for a lagging replica to apply the write it names, on every read method", async () => {
    const name = uniqueName("ryw");
    const first = await h.grpc.createComponent({ component: sampleComponent({ name, version: "1.0.0" }) });
    await h.grpc.getComponent({ name, version: "1.0.0", minRevision: first.revision });
    replica.hold();
    const held = replica.waiting();
    const second = await h.grpc.createComponent({ component: sampleComponent({ name, version: "1.1.0" }) });
    await held;
    const stale = await h.grpc.getComponent({ name, version: "latest" });
    expect(stale.component?.version).toBe("1.0.0");
    expect(stale.revision).toBe(first.revision);
    const min = second.revision;
    const reads = Promise.all([
      h.grpc.getComponent({ name, version: "latest", minRevision: min }),
      h.grpc.listComponents({ filter: { includeDeprecated: true }, minRevision: min }),
      h.grpc.searchComponents({ query: name, minRevision: min }),
      h.grpc.listComponentVersions({ name, minRevision: min }),
      h.grpc.compareComponentVersions({ name, baseVersion: "1.0.0", targetVersion: "1.1.0", minRevision: min }),
    ]);
    replica.open();
    const [get, list, search, versions, compare] = await reads;
    expect(get.component?.version).toBe("1.1.0");
    expect(list.components.filter((c) => c.name === name).map((c) => c.version)).toEqual(["1.1.0"]);
    expect(search.results.map((r) => r.component?.version)).toEqual(["1.1.0"]);
    expect(versions.components.map((c) => c.version)).toEqual(["1.1.0", "1.0.0"]);
    for (const reply of [get, list, search, versions, compare]) expect(reply.revision).toBeGreaterThanOrEqual(min);
  });

  it("fails UNAVAILABLE with RetryInfo, naming min_revision, when the replica does not reach it in time", async () => {
    const name = uniqueName("ryw-timeout");
    replica.hold();
    const created = await h.grpc.createComponent({ component: sampleComponent({ name, version: "1.0.0" }) });
    try {
      const err = await expectConnectError(
        h.grpc.getComponent({ name, version: "1.0.0", minRevision: created.revision }),
        Code.Unavailable,
      );
      expect(err.rawMessage).toContain(`min_revision ${created.revision} is not available`);
      expect(err.rawMessage).toContain("after waiting 500 ms");
      const retry = err.findDetails(RetryInfoSchema)[0];
      expect(Number(retry?.retryDelay?.seconds ?? 0n) * 1000 + (retry?.retryDelay?.nanos ?? 0) / 1e6).toBeGreaterThan(
        0,
      );
    } finally {
      replica.open();
    }
  });

  it("refuses a negative min_revision with INVALID_ARGUMENT naming the field", async () => {
    const err = await expectConnectError(h.grpc.listComponents({ minRevision: -1n }), Code.InvalidArgument);
    expect(violatedFields(err)).toEqual(["min_revision"]);
    expect(err.rawMessage).toContain("min_revision: must be 0 (any revision) or a catalog revision, not -1");
  });

  it("reads its own writes through the TS client's readYourWrites option", async () => {
    const tracker = new RevisionTracker();
    const client = createCatalogClient(h.server.url, { readYourWrites: tracker });
    const name = uniqueName("ryw-client");
    await client.createComponent({ component: sampleComponent({ name, version: "1.0.0" }) });
    replica.hold();
    const held = replica.waiting();
    const written = await client.createComponent({ component: sampleComponent({ name, version: "1.1.0" }) });
    expect(tracker.revision).toBe(written.revision);
    await held;
    const read = client.getComponent({ name, version: "latest" });
    replica.open();
    expect((await read).component?.version).toBe("1.1.0");
    expect(tracker.revision).toBeGreaterThanOrEqual(written.revision);
    // An explicit min_revision is the caller's: the client leaves it as it is.
    tracker.observe(10_000_000n);
    expect((await client.getComponent({ name, version: "1.0.0", minRevision: 1n })).component?.version).toBe("1.0.0");
    await expectConnectError(client.getComponent({ name, version: "1.0.0" }), Code.Unavailable);
  });
});

describe("min_revision on a single store", () => {
  const single = useHarness();

  it("answers at its head, and fails a revision above it at once with UNAVAILABLE naming both", async () => {
    const name = uniqueName("single");
    const created = await single.grpc.createComponent({ component: sampleComponent({ name, version: "1.0.0" }) });
    const read = await single.grpc.getComponent({ name, version: "1.0.0", minRevision: created.revision });
    expect(read.revision).toBe(created.revision);
    const above = created.revision + 5n;
    const err = await expectConnectError(
      single.grpc.getComponent({ name, version: "1.0.0", minRevision: above }),
      Code.Unavailable,
    );
    expect(err.rawMessage).toBe(
      `min_revision ${above} is not available: memory store is at revision ${created.revision}; retry later`,
    );
    expect(err.findDetails(RetryInfoSchema)).toHaveLength(1);
  });
});
