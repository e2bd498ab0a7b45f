/**
 * The hybrid store's behaviour around its replicas, over an in-process
 * primary and Redis replicas (GatedReplica holds, fails or downs one):
 * read-your-writes from a lagging replica and the read-wait timeout
 * (UNAVAILABLE with a retry hint), stale reads without min_revision, the
 * fallback rule, failover within one read, lag in health and metrics, a
 * replica refused for being ahead of the primary or fed by another, and a
 * replica rebuilt from a snapshot after the primary's log was compacted
 * past it, or caught up again after it was emptied.
 */
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, silentLogger } from "../../src/logging/index.js";
import { HybridCatalogStore, type HybridOptions } from "../../src/storage/hybrid/store.js";
import { MemoryCatalogStore } from "../../src/storage/memory/catalog.js";
import { openPostgresReplica } from "../../src/storage/postgres/replica.js";
import { openRedisReplica } from "../../src/storage/redis/replica.js";
import type { CatalogStore } from "../../src/storage/store.js";
import { TEST_REDIS_URL } from "./cache-modes.js";
import { expectCode } from "./contract/helpers.js";
import { metaClock, newRecord, uniqueName } from "./fixtures.js";
import { GatedReplica } from "./gated-replica.js";
import { dropRedisPrefix } from "./hybrid.harness.js";
import { dropSchema, freshSchemaName, testConfig } from "./postgres.harness.js";

const PRIMARY = "memory:hybrid-test";
const prefixes: string[] = [];
const open: CatalogStore[] = [];
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
});
const schemas: string[] = [];
afterAll(async () => {
  for (const prefix of prefixes) await dropRedisPrefix(prefix);
  for (const schema of schemas) await dropSchema(schema);
});

async function redisReplica(prefix = `nestor-hybrid-unit:${randomBytes(4).toString("hex")}:`): Promise<GatedReplica> {
  prefixes.push(prefix);
  return new GatedReplica(
    await openRedisReplica({ url: TEST_REDIS_URL, keyPrefix: prefix, timeoutMs: 2_000 }, silentLogger),
  );
}

async function postgresReplica(): Promise<GatedReplica> {
  const schema = freshSchemaName();
  schemas.push(schema);
  return new GatedReplica(await openPostgresReplica(testConfig(schema), silentLogger));
}

async function hybrid(
  primary: CatalogStore,
  replicas: GatedReplica[],
  options: Partial<HybridOptions> = {},
): Promise<HybridCatalogStore> {
  const store = await HybridCatalogStore.open(
    primary,
    replicas.map((replica, i) => ({ name: `replica-${i}`, replica })),
    {
      primaryIdentity: PRIMARY,
      readWaitMs: 10_000,
      readFallback: "fail",
      probeIntervalMs: 3_600_000, // checks are stepped by the tests
      logger: silentLogger,
      ...options,
    },
  );
  open.push(store);
  return store;
}

function logLines() {
  const lines: Array<{ level: string; msg: string; [key: string]: unknown }> = [];
  const logger = createLogger({ level: "debug", format: "json", write: (line) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe("hybrid store reads", () => {
  it("serves read-your-writes from a lagging replica once it applied the write, and stale reads without", async () => {
    const replica = await redisReplica();
    const store = await hybrid(new MemoryCatalogStore(), [replica]);
    const name = uniqueName("ryw");
    const clock = metaClock();
    const first = await store.insertVersion(newRecord(name, "1.0.0"), clock());
    await store.readAt(first.revision);
    replica.hold();
    const held = replica.waiting();
    const second = await store.insertVersion(newRecord(name, "1.1.0"), clock());
    await held;
    const stale = await store.readAt(0);
    expect(stale.revision).toBe(first.revision);
    expect(await stale.reader.getVersion(name, "1.1.0")).toBeUndefined();
    let settled = false;
    const yours = store.readAt(second.revision).finally(() => {
      settled = true;
    });
    await store.readAt(first.revision);
    expect(settled).toBe(false);
    replica.open();
    const view = await yours;
    expect(view.revision).toBeGreaterThanOrEqual(second.revision);
    expect(await view.reader.getVersion(name, "1.1.0")).toEqual(second.component);
    expect((await view.reader.listVersions(name)).map((r) => r.version)).toEqual(["1.1.0", "1.0.0"]);
  });

  it("fails a read whose min_revision no replica reaches in readWaitMs: UNAVAILABLE with a retry hint", async () => {
    const replica = await redisReplica();
    const store = await hybrid(new MemoryCatalogStore(), [replica], { readWaitMs: 100 });
    replica.hold();
    const event = await store.insertVersion(newRecord(uniqueName("wait"), "1.0.0"), metaClock()());
    const err = await expectCode(store.readAt(event.revision), "UNAVAILABLE");
    expect(err.message).toContain(`min_revision ${event.revision} is not available`);
    expect(err.message).toContain("after waiting 100 ms");
    expect(err.retryDelayMs).toBeGreaterThan(0);
    replica.open();
  });

  it("stops waiting when the caller's signal aborts", async () => {
    const replica = await redisReplica();
    const store = await hybrid(new MemoryCatalogStore(), [replica]);
    replica.hold();
    const event = await store.insertVersion(newRecord(uniqueName("abort"), "1.0.0"), metaClock()());
    const controller = new AbortController();
    const read = store.readAt(event.revision, controller.signal);
    controller.abort(new Error("caller gave up"));
    await expect(read).rejects.toThrow("caller gave up");
    replica.open();
  });

  it("reads the primary when no replica is servable and readFallback is primary, else fails naming why", async () => {
    const replica = await redisReplica();
    const primary = new MemoryCatalogStore();
    const lenient = await hybrid(primary, [replica], { readFallback: "primary" });
    replica.down = true;
    await lenient.appliers[0]!.check();
    expect(lenient.appliers[0]!.condition).toBe("down");
    const event = await lenient.insertVersion(newRecord(uniqueName("fallback"), "1.0.0"), metaClock()());
    const view = await lenient.readAt(event.revision);
    expect(view.reader).toBe(primary);
    expect(await lenient.health()).toMatchObject({ ok: true, writable: true });
    const strict = await hybrid(new MemoryCatalogStore(), [await redisReplica()], { readFallback: "fail" });
    (strict.appliers[0]!.replica as GatedReplica).down = true;
    await strict.appliers[0]!.check();
    const err = await expectCode(strict.readAt(0), "UNAVAILABLE");
    expect(err.message).toMatch(/replica-0: down \(.*the test took it down\)/);
    expect(err.message).toContain("storage.hybrid.readFallback is fail");
    const health = await strict.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain("replica replica-0");
    expect(health.detail).toContain("DOWN");
  });

  it("moves a read to the next replica when the one it started on fails", async () => {
    const [first, second] = [await redisReplica(), await redisReplica()];
    const store = await hybrid(new MemoryCatalogStore(), [first, second]);
    const event = await store.insertVersion(newRecord(uniqueName("failover"), "1.0.0"), metaClock()());
    await vi.waitFor(() => expect(Math.min(...store.appliers.map((a) => a.applied))).toBe(event.revision), {
      timeout: 20_000,
      interval: 20,
    });
    const view = await store.readAt(event.revision);
    first.failReads = true;
    expect(await view.reader.getVersion(event.component.name, "1.0.0")).toEqual(event.component);
    expect(store.appliers[0]!.condition).toBe("down");
    expect((await store.readAt(0)).revision).toBe(event.revision);
  });

  it("reports each replica's lag in revisions and ms in health and to the metrics listener", async () => {
    const lags: Array<[string, number, number]> = [];
    const replica = await redisReplica();
    const store = await hybrid(new MemoryCatalogStore(), [replica], {
      onLag: (name, revisions, seconds) => lags.push([name, revisions, seconds]),
    });
    replica.hold();
    const waiting = replica.waiting();
    const event = await store.insertVersion(newRecord(uniqueName("lag"), "1.0.0"), metaClock()());
    await waiting;
    await store.appliers[0]!.check();
    expect((await store.health()).detail).toMatch(
      /replica replica-0 \(gated redis replica .*\): ok, applied revision 0, lag 1 revisions \(\d+ ms\)/,
    );
    expect(lags.at(-1)).toEqual(["replica-0", 1, expect.any(Number)]);
    replica.open();
    await store.readAt(event.revision);
    expect(lags.at(-1)).toEqual(["replica-0", 0, 0]);
  });
});

describe("hybrid store replicas", () => {
  it("refuses a replica ahead of the primary's log, loudly, and never serves it", async () => {
    const prefix = `nestor-hybrid-unit:${randomBytes(4).toString("hex")}:`;
    const older = new MemoryCatalogStore();
    const clock = metaClock();
    for (const version of ["1.0.0", "1.1.0", "1.2.0"])
      await older.insertVersion(newRecord(uniqueName("ahead"), version), clock());
    const fed = await redisReplica(prefix);
    await fed.apply(await older.readEvents(0, 10), { primary: PRIMARY });
    await fed.close();
    const restored = new MemoryCatalogStore();
    await restored.insertVersion(newRecord(uniqueName("ahead"), "1.0.0"), clock());
    const { logger, lines } = logLines();
    const store = await hybrid(restored, [await redisReplica(prefix)], { logger });
    expect(store.appliers[0]!.condition).toBe("refused");
    expect(store.appliers[0]!.reason).toContain("its applied revision 3 is ahead of the primary's log (revision 1)");
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "error", msg: "replica refused: it is not served", replica: "replica-0" }),
    );
    expect((await store.health()).detail).toContain("REFUSED: its applied revision 3 is ahead");
    await expectCode(store.readAt(0), "UNAVAILABLE");
  });

  it("refuses a replica another primary fed", async () => {
    const replica = await redisReplica();
    const other = new MemoryCatalogStore();
    await other.insertVersion(newRecord(uniqueName("other"), "1.0.0"), metaClock()());
    await replica.apply(await other.readEvents(0, 10), { primary: "postgres:elsewhere" });
    const store = await hybrid(new MemoryCatalogStore(), [replica]);
    expect(store.appliers[0]!.condition).toBe("refused");
    expect(store.appliers[0]!.reason).toContain(
      `fed by primary postgres:elsewhere, not by this catalog's primary ${PRIMARY}`,
    );
  });

  it.each([
    ["redis", () => redisReplica()],
    ["postgres", () => postgresReplica()],
  ])(
    "rebuilds a %s replica the compacted log no longer reaches, logging its progress, then tails again",
    async (_kind, open) => {
      const replica = await open();
      const primary = new MemoryCatalogStore();
      const { logger, lines } = logLines();
      const store = await hybrid(primary, [replica], { logger });
      const clock = metaClock();
      const name = uniqueName("rebuild");
      const first = await store.insertVersion(newRecord(name, "1.0.0"), clock());
      await store.readAt(first.revision);
      replica.hold();
      const held = replica.waiting();
      for (let i = 1; i <= 12; i++) await store.insertVersion(newRecord(name, `1.${i}.0`), clock());
      await store.deleteVersions(name, ["1.3.0"], clock());
      await held;
      const { current } = await store.revisionBounds();
      await store.compact(current - 1);
      replica.open();
      await store.appliers[0]!.wake();
      const view = await store.readAt(current);
      expect(view.revision).toBe(current);
      expect((await view.reader.listVersions(name)).map((r) => r.version)).toEqual(
        (await primary.listVersions(name)).map((r) => r.version),
      );
      expect(lines.map((line) => line.msg)).toEqual(
        expect.arrayContaining(["rebuilding replica from a snapshot of the primary", "replica rebuilt"]),
      );
      expect(lines.find((line) => line.msg === "rebuilding replica from a snapshot of the primary")?.reason).toMatch(
        /compacted through revision \d+, past its applied revision [12]\b/,
      );
      expect(lines.filter((line) => line.msg === "rebuilding replica").at(-1)).toMatchObject({
        versions: 12,
        names: 1,
      });
      const next = await store.insertVersion(newRecord(name, "2.0.0"), clock());
      expect((await (await store.readAt(next.revision)).reader.getVersion(name, "2.0.0"))?.version).toBe("2.0.0");
    },
  );

  it("catches an emptied replica up from revision 0 again", async () => {
    const prefix = `nestor-hybrid-unit:${randomBytes(4).toString("hex")}:`;
    const store = await hybrid(new MemoryCatalogStore(), [await redisReplica(prefix)]);
    const clock = metaClock();
    const name = uniqueName("emptied");
    for (const version of ["1.0.0", "1.1.0"]) await store.insertVersion(newRecord(name, version), clock());
    const { current } = await store.revisionBounds();
    await store.readAt(current);
    await dropRedisPrefix(prefix);
    await store.appliers[0]!.check();
    const view = await store.readAt(current);
    expect((await view.reader.listVersions(name)).map((r) => r.version)).toEqual(["1.1.0", "1.0.0"]);
  });
});
