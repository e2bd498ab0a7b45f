/**
 * WatchEvents semantics over a real socket (memory backend): live filters,
 * progress messages carrying the watcher's position, retention compaction
 * and OUT_OF_RANGE, shutdown ending every stream UNAVAILABLE, and a stalled
 * consumer (a raw HTTP/2 stream that stops reading) not holding back a
 * healthy one. Ordering and counts only; no wall-clock assertions.
 */
import * as http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { watchCatalog } from "../../gen/ts/src/client/watch-catalog.js";
import {
  WatchEventsRequestSchema,
  type WatchEventsResponse,
  WatchEventsResponseSchema,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { EventType } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import { GrpcJsStreamReader, type GrpcJsWatchResponse, type Harness, startHarness } from "../api/harness.js";
import { metaClock, newRecord, uniqueName } from "../storage/fixtures.js";

type WatchRequest = Parameters<Harness["grpc"]["watchEvents"]>[0];

function openWatch(h: Harness, request: WatchRequest, client = h.grpc) {
  const abort = new AbortController();
  const it = client.watchEvents(request, { signal: abort.signal })[Symbol.asyncIterator]();
  return {
    async next(): Promise<WatchEventsResponse> {
      const r = await it.next();
      if (r.done) throw new Error("watch ended");
      return r.value;
    },
    async until(revision: bigint): Promise<{ events: WatchEventsResponse["events"]; messages: WatchEventsResponse[] }> {
      const events: WatchEventsResponse["events"] = [];
      const messages: WatchEventsResponse[] = [];
      for (;;) {
        const msg = await this.next();
        messages.push(msg);
        events.push(...msg.events);
        if (msg.revision >= revision) return { events, messages };
      }
    },
    close: () => abort.abort(),
  };
}

describe("on one server", () => {
  let h: Harness;
  const meta = metaClock();
  beforeAll(async () => {
    h = await startHarness((c) => (c.events.progressIntervalMs = 100));
    // start_revision 0 means "from now": tests start from a real revision.
    await h.server.store.insertVersion(newRecord(uniqueName("seed"), "1.0.0"), meta());
  });
  afterAll(() => h.close());
  const current = async () => (await h.server.store.revisionBounds()).current;

  test("live events pass the server-side filter by names, provider, category and type together", async () => {
    const [a, b] = [uniqueName("fa"), uniqueName("fb")];
    const w = openWatch(h, {
      startRevision: BigInt(await current()),
      filter: { names: [a, b], provider: "gcp", types: [EventType.CREATED, EventType.DELETED] },
    });
    try {
      const store = h.server.store;
      await store.insertVersion(newRecord(a, "1.0.0", { provider: "gcp" }), meta());
      await store.insertVersion(newRecord(a, "1.1.0"), meta()); // provider aws: filtered out
      await store.updateVersion(a, "1.0.0", { description: "x" }, meta()); // updated: filtered out
      await store.insertVersion(newRecord(uniqueName("other"), "1.0.0", { provider: "gcp" }), meta()); // name: out
      await store.insertVersion(newRecord(b, "2.0.0", { provider: "gcp", category: "network" }), meta());
      const last = (await store.deleteVersions(a, ["1.0.0"], meta())).at(-1)!.revision;
      const { events } = await w.until(BigInt(last));
      expect(events.map((e) => `${e.component!.name}@${e.component!.version}:${EventType[e.type]}`)).toEqual([
        `${a}@1.0.0:CREATED`,
        `${b}@2.0.0:CREATED`,
        `${a}@1.0.0:DELETED`,
      ]);
    } finally {
      w.close();
    }
  });

  test("progress messages carry the watcher's position, so resuming from one replays nothing it skipped", async () => {
    const watched = uniqueName("watched");
    const start = await current();
    const w = openWatch(h, { startRevision: BigInt(start), filter: { names: [watched] } });
    let bookmark: bigint;
    try {
      let last = 0;
      for (let i = 0; i < 5; i++)
        last = (await h.server.store.insertVersion(newRecord(uniqueName("noise"), "1.0.0"), meta())).revision;
      const { messages } = await w.until(BigInt(last));
      expect(messages.every((m) => m.progress && m.events.length === 0)).toBe(true);
      bookmark = messages.at(-1)!.revision;
      expect(bookmark).toBe(BigInt(last));
      // An idle stream keeps sending progress at the same position.
      const idle = await w.next();
      expect(idle).toMatchObject({ progress: true, revision: bookmark });
    } finally {
      w.close();
    }
    const created = (await h.server.store.insertVersion(newRecord(watched, "1.0.0"), meta())).revision;
    const resumed = openWatch(h, { startRevision: bookmark, filter: { names: [watched] } });
    try {
      const { events } = await resumed.until(BigInt(created));
      expect(events.map((e) => e.revision)).toEqual([BigInt(created)]);
    } finally {
      resumed.close();
    }
  });

  test("a stalled HTTP/2 consumer never holds back a healthy one, and catches up in order once it reads", async () => {
    const name = uniqueName("stall");
    const store = h.server.store;
    const start = (await store.insertVersion(newRecord(name, "1.0.0"), meta())).revision;
    const session = http2.connect(h.server.url);
    const stalled = session.request({
      ":method": "POST",
      ":path": "/nestor.catalog.v1.CatalogService/WatchEvents",
      "content-type": "application/grpc",
      te: "trailers",
    });
    const body = toBinary(
      WatchEventsRequestSchema,
      create(WatchEventsRequestSchema, { startRevision: BigInt(start), filter: { names: [name] } }),
    );
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(body.length, 1);
    frame.set(body, 5);
    stalled.end(frame);
    await new Promise((resolve) => stalled.once("response", resolve));
    // No 'data' listener: the stream stays paused and stops granting flow-control window.
    const healthy = openWatch(h, { startRevision: BigInt(start), filter: { names: [name] } });
    try {
      const big = "x".repeat(8_000);
      const revisions: number[] = [];
      for (let i = 0; i < 300; i++) {
        revisions.push((await store.updateVersion(name, "1.0.0", { description: `${i} ${big}` }, meta())).revision);
      }
      const { events } = await healthy.until(BigInt(revisions.at(-1)!));
      expect(events.map((e) => Number(e.revision))).toEqual(revisions);
      // The stalled stream holds far less than the ~2.4 MB of events: the server stopped sending to it.
      const stalledBytes = stalled.readableLength;
      expect(stalledBytes).toBeLessThan(1_000_000);

      const decoded: number[] = [];
      let pending = Buffer.alloc(0);
      await new Promise<void>((resolve, reject) => {
        stalled.on("data", (chunk: Buffer) => {
          pending = Buffer.concat([pending, chunk]);
          while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
            const length = pending.readUInt32BE(1);
            const msg = fromBinary(WatchEventsResponseSchema, pending.subarray(5, 5 + length));
            pending = pending.subarray(5 + length);
            decoded.push(...msg.events.map((e) => Number(e.revision)));
            if (decoded.length >= revisions.length) resolve();
          }
        });
        stalled.once("error", reject);
      });
      expect(decoded).toEqual(revisions);
    } finally {
      healthy.close();
      stalled.close();
      session.close();
    }
  });
});

describe("retention on a running server", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness((c) => (c.events.retentionMaxEvents = 10), { retentionIntervalMs: 20 });
  });
  afterAll(() => h.close());

  test("compacts the log to the configured count; older watches get OUT_OF_RANGE and are told to re-list", async () => {
    const meta = metaClock();
    const name = uniqueName("retained");
    await h.server.store.insertVersion(newRecord(name, "1.0.0"), meta());
    for (let i = 0; i < 40; i++) await h.server.store.updateVersion(name, "1.0.0", { description: `${i}` }, meta());
    const bounds = await vi.waitFor(
      async () => {
        const now = await h.server.store.revisionBounds();
        expect(now.compacted).toBe(now.current - 10);
        return now;
      },
      { timeout: 20_000, interval: 20 },
    );

    const w = openWatch(h, { startRevision: 1n });
    const err = await w.next().then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(err?.code).toBe(Code.OutOfRange);
    expect(err?.rawMessage).toContain(`oldest available revision is ${bounds.compacted}`);

    const updates = [];
    for await (const update of watchCatalog(h.grpc, { startRevision: 1n })) updates.push(update);
    expect(updates.map((u) => u.kind)).toEqual(["relist"]);

    const ok = openWatch(h, { startRevision: BigInt(bounds.compacted) });
    try {
      const { events } = await ok.until(BigInt(bounds.current));
      expect(events).toHaveLength(10);
    } finally {
      ok.close();
    }
  });
});

describe("shutdown", () => {
  test("ends every open stream UNAVAILABLE naming the revision to resume from, on each protocol", async () => {
    const h = await startHarness();
    const meta = metaClock();
    const name = uniqueName("shut");
    await h.server.store.insertVersion(newRecord(uniqueName("seed"), "1.0.0"), meta());
    const at = (await h.server.store.insertVersion(newRecord(name, "1.0.0"), meta())).revision;
    const grpcWatch = openWatch(h, { startRevision: BigInt(at - 1) });
    const jsonWatch = openWatch(h, { startRevision: BigInt(at - 1) }, h.connectJson);
    const grpcjs = new GrpcJsStreamReader<GrpcJsWatchResponse>(h.grpcjs.watch({ start_revision: String(at - 1) }));
    expect((await grpcWatch.next()).revision).toBe(BigInt(at));
    expect((await jsonWatch.next()).events[0]?.component?.name).toBe(name);
    expect((await grpcjs.next()).revision).toBe(String(at));

    const ended = [grpcWatch, jsonWatch].map((w) =>
      (async () => {
        for (;;) await w.next();
      })().catch((e: unknown) => ConnectError.from(e)),
    );
    const grpcjsEnded = (async () => {
      for (;;) await grpcjs.next();
    })().catch((e: { code: number; details: string }) => e);
    await h.server.shutdown();
    for (const err of await Promise.all(ended)) {
      expect(err.code).toBe(Code.Unavailable);
      expect(err.rawMessage).toContain(`start_revision ${at}`);
    }
    const grpcjsErr = await grpcjsEnded;
    expect(grpcjsErr.code).toBe(14);
    expect(grpcjsErr.details).toContain(`start_revision ${at}`);
    await h.close();
  });
});
