/**
 * WatchEvents over a real socket: replay from a revision, the switch from
 * replay to live with no gap and no duplicate, server-side filters, progress
 * messages, and the errors a watcher can cause.
 */
import { Code } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { beforeAll, describe, expect, test } from "vitest";
import type { WatchEventsResponse } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { EventType } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import {
  type ComponentInit,
  expectConnectError,
  expectGrpcJsError,
  GrpcJsStreamReader,
  type GrpcJsWatchResponse,
  grpcJsFieldViolations,
  type Harness,
  sampleComponent,
  uniqueName,
  useHarness,
  violatedFields,
  withExtraOptionalInput,
} from "./harness.js";

const h = useHarness((config) => {
  config.events.progressIntervalMs = 150;
});

const publish = async (component: ComponentInit) => (await h.grpc.createComponent({ component })).revision;
const currentRevision = async () => (await h.grpc.listComponents({ pageSize: 1 })).revision;

/** Opens a Connect watch; `next()` is the next message, `close()` cancels. */
function watch(request: Parameters<Harness["grpc"]["watchEvents"]>[0]) {
  const abort = new AbortController();
  const it = h.grpc.watchEvents(request, { signal: abort.signal })[Symbol.asyncIterator]();
  return {
    async next(): Promise<WatchEventsResponse> {
      const r = await it.next();
      if (r.done) throw new Error("watch ended");
      return r.value;
    },
    /** Messages until one reaches `revision`; progress messages are skipped. */
    async eventsThrough(revision: bigint): Promise<WatchEventsResponse["events"]> {
      const events: WatchEventsResponse["events"] = [];
      for (;;) {
        const msg = await this.next();
        events.push(...msg.events);
        if (msg.revision >= revision) return events;
      }
    },
    close: () => abort.abort(),
  };
}

describe("WatchEvents from now (start_revision 0)", () => {
  test("first message is a progress message carrying the current revision, then live events follow", async () => {
    const name = uniqueName("now");
    const before = await publish(sampleComponent({ name, version: "1.0.0" }));
    const w = watch({ startRevision: 0n, filter: { names: [name] } });
    try {
      const first = await w.next();
      expect(first.progress).toBe(true);
      expect(first.events).toEqual([]);
      expect(first.revision).toBe(before);
      const created = await publish(sampleComponent({ name, version: "1.1.0" }));
      let msg = await w.next();
      while (msg.progress) msg = await w.next();
      expect(msg.events.map((e) => [e.type, e.component?.version, e.revision])).toEqual([
        [EventType.CREATED, "1.1.0", created],
      ]);
      expect(msg.revision).toBe(created);
      expect(msg.events[0]!.actor).toBe("anonymous");
      expect(msg.events[0]!.eventTime).toBeDefined();
    } finally {
      w.close();
    }
  });

  test("grpc-js sees the same first progress message", async () => {
    const current = await currentRevision();
    const reader = new GrpcJsStreamReader<GrpcJsWatchResponse>(h.grpcjs.watch({ start_revision: "0" }));
    try {
      const first = await reader.next();
      expect(first).toMatchObject({ progress: true, events: [], revision: current.toString() });
    } finally {
      reader.cancel();
    }
  });
});

describe("WatchEvents replay and live", () => {
  test("from N replays exactly the events after N in order, then continues live with no gap or duplicate", async () => {
    const name = uniqueName("replay");
    const start = await currentRevision();
    const revisions: bigint[] = [];
    revisions.push(await publish(sampleComponent({ name, version: "1.0.0" })));
    revisions.push(await publish(withExtraOptionalInput(sampleComponent({ name, version: "1.1.0" }))));
    revisions.push(
      (await h.grpc.updateComponent({ component: { name, version: "1.0.0", description: "x" } })).revision,
    );
    revisions.push((await h.grpc.deleteComponent({ name, version: "1.0.0" })).revision);

    const fromStart = watch({ startRevision: start });
    const fromMiddle = watch({ startRevision: revisions[1]! });
    try {
      const replayed = await fromStart.eventsThrough(revisions[3]!);
      expect(replayed.map((e) => e.revision)).toEqual(revisions);
      expect(replayed.map((e) => e.type)).toEqual([
        EventType.CREATED,
        EventType.CREATED,
        EventType.UPDATED,
        EventType.DELETED,
      ]);
      expect(replayed[3]!.component?.version).toBe("1.0.0");
      const partial = await fromMiddle.eventsThrough(revisions[3]!);
      expect(partial.map((e) => e.revision)).toEqual(revisions.slice(2));

      // Live writes from another client while both streams are open.
      const live: bigint[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await h.grpcjs.call<{ revision: string }>("UpdateComponent", {
          component: { name, version: "1.1.0", description: `live ${i}` },
        });
        live.push(BigInt(res.revision));
      }
      const last = live.at(-1)!;
      const next = await fromStart.eventsThrough(last);
      expect(next.map((e) => e.revision)).toEqual(live);
      expect(next.map((e) => e.component?.description)).toEqual(["live 0", "live 1", "live 2", "live 3", "live 4"]);
      expect((await fromMiddle.eventsThrough(last)).map((e) => e.revision)).toEqual(live);
    } finally {
      fromStart.close();
      fromMiddle.close();
    }
  });

  test("writes racing the switch from replay to live are each seen exactly once", async () => {
    const name = uniqueName("race");
    const start = await currentRevision();
    for (let i = 0; i < 10; i++) await publish(sampleComponent({ name, version: `1.0.${i}` }));
    const w = watch({ startRevision: start, filter: { names: [name] } });
    try {
      const writes = (async () => {
        const out: bigint[] = [];
        for (let i = 10; i < 30; i++) out.push(await publish(sampleComponent({ name, version: `1.0.${i}` })));
        return out;
      })();
      const reading = (async () => {
        const events: WatchEventsResponse["events"] = [];
        while (events.length < 30) events.push(...(await w.next()).events);
        return events;
      })();
      const [written, seen] = await Promise.all([writes, reading]);
      expect(seen.at(-1)!.revision).toBe(written.at(-1));
      const versions = seen.map((e) => e.component!.version);
      expect(versions).toEqual(Array.from({ length: 30 }, (_, i) => `1.0.${i}`));
      const revs = seen.map((e) => e.revision);
      expect(revs).toEqual([...revs].sort((a, b) => (a < b ? -1 : 1)));
      expect(new Set(revs).size).toBe(revs.length);
    } finally {
      w.close();
    }
  });
});

describe("WatchEvents filters", () => {
  let provider: string;
  let start: bigint;
  let names: string[];
  let end: bigint;
  beforeAll(async () => {
    provider = uniqueName("wprov");
    start = await currentRevision();
    names = [uniqueName("fa"), uniqueName("fb"), uniqueName("fc")];
    await publish(sampleComponent({ name: names[0]!, provider }));
    await publish(sampleComponent({ name: names[1]!, provider, category: "network" }));
    await publish(sampleComponent({ name: names[2]! }));
    await h.grpc.deleteComponent({ name: names[0]!, version: "1.0.0" });
    end = await currentRevision();
  });

  const replayed = async (filter: Parameters<Harness["grpc"]["watchEvents"]>[0]["filter"]) => {
    const w = watch({ startRevision: start, filter });
    try {
      return (await w.eventsThrough(end)).map((e) => `${e.component!.name}:${EventType[e.type]}`);
    } finally {
      w.close();
    }
  };

  test("by name", async () => {
    expect(await replayed({ names: [names[0]!, names[2]!] })).toEqual([
      `${names[0]}:CREATED`,
      `${names[2]}:CREATED`,
      `${names[0]}:DELETED`,
    ]);
  });

  test("a filtered watch from an unfiltered one's revision gets only its events, not the shared batch", async () => {
    // The unfiltered watch's batch (every revision from start to end) is cached by its first event and last
    // revision; this filter's batch has the same first event and the same last revision but skips one event.
    expect(await replayed(undefined)).toEqual([
      `${names[0]}:CREATED`,
      `${names[1]}:CREATED`,
      `${names[2]}:CREATED`,
      `${names[0]}:DELETED`,
    ]);
    expect(await replayed({ names: [names[0]!, names[2]!] })).toEqual([
      `${names[0]}:CREATED`,
      `${names[2]}:CREATED`,
      `${names[0]}:DELETED`,
    ]);
  });

  test("by provider, and provider with category", async () => {
    expect(await replayed({ provider })).toEqual([`${names[0]}:CREATED`, `${names[1]}:CREATED`, `${names[0]}:DELETED`]);
    expect(await replayed({ provider, category: "network" })).toEqual([`${names[1]}:CREATED`]);
  });

  test("by event type, through grpc-js with enum names", async () => {
    const reader = new GrpcJsStreamReader<GrpcJsWatchResponse>(
      h.grpcjs.watch({ start_revision: start.toString(), filter: { types: ["EVENT_TYPE_DELETED"] } }),
    );
    try {
      const msg = await reader.next();
      expect(msg.progress).toBe(false);
      expect(msg.events.map((e) => [e.type, e.component.name])).toEqual([["EVENT_TYPE_DELETED", names[0]]]);
    } finally {
      reader.cancel();
    }
  });

  test("a filtered-out write still advances the revision in the next progress message", async () => {
    const w = watch({ startRevision: end, filter: { names: [uniqueName("nobody")] } });
    try {
      const written = await publish(sampleComponent({ name: uniqueName("other") }));
      let msg = await w.next();
      while (msg.revision < written) {
        expect(msg.events).toEqual([]);
        msg = await w.next();
      }
      expect(msg.progress).toBe(true);
      expect(msg.events).toEqual([]);
    } finally {
      w.close();
    }
  });
});

describe("WatchEvents on an idle catalog", () => {
  test("sends periodic progress messages with the current revision", async () => {
    const current = await currentRevision();
    const w = watch({ startRevision: current });
    try {
      for (let i = 0; i < 2; i++) {
        const msg = await w.next();
        expect(msg).toMatchObject({ progress: true, events: [], revision: current });
      }
    } finally {
      w.close();
    }
  });
});

describe("WatchEvents errors", () => {
  test("a negative start_revision is INVALID_ARGUMENT on start_revision", async () => {
    const w = watch({ startRevision: -5n });
    const err = await expectConnectError(w.next(), Code.InvalidArgument);
    expect(violatedFields(err)).toEqual(["start_revision"]);
  });

  test("an unknown event type is INVALID_ARGUMENT on filter.types[i], in grpc-js too", async () => {
    const reader = new GrpcJsStreamReader<GrpcJsWatchResponse>(
      h.grpcjs.watch({ start_revision: "0", filter: { types: ["EVENT_TYPE_CREATED", 42] } }),
    );
    const err = await expectGrpcJsError(reader.next(), grpc.status.INVALID_ARGUMENT);
    expect(grpcJsFieldViolations(err).map((v) => v.field)).toEqual(["filter.types[1]"]);
    expect(err.details).toContain("42");
  });

  test("a start_revision the log no longer holds is OUT_OF_RANGE naming the oldest revision", async () => {
    const name = uniqueName("compact");
    const first = await publish(sampleComponent({ name, version: "1.0.0" }));
    const second = await publish(sampleComponent({ name, version: "1.0.1" }));
    await h.server.store.compact(Number(second) - 1);
    const { compacted } = await h.server.store.revisionBounds();
    const w = watch({ startRevision: first - 1n });
    const err = await expectConnectError(w.next(), Code.OutOfRange);
    expect(err.rawMessage).toContain(String(compacted));
    expect(err.rawMessage).toContain(String(first - 1n));
    const ok = watch({ startRevision: BigInt(compacted) });
    try {
      expect((await ok.eventsThrough(second)).map((e) => e.revision)).toContain(second);
    } finally {
      ok.close();
    }
  });

  test("a grpc-js deadline on a watch ends it with DEADLINE_EXCEEDED", async () => {
    const reader = new GrpcJsStreamReader<GrpcJsWatchResponse>(
      h.grpcjs.watch({ start_revision: "0" }, { deadline: Date.now() + 400 }),
    );
    expect((await reader.next()).progress).toBe(true);
    const err = await expectGrpcJsError(
      (async () => {
        for (;;) await reader.next();
      })(),
      grpc.status.DEADLINE_EXCEEDED,
    );
    expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
  });

  test("a Connect timeout on a watch ends it with DEADLINE_EXCEEDED", async () => {
    const it = h.grpc.watchEvents({ startRevision: 0n }, { timeoutMs: 400 })[Symbol.asyncIterator]();
    expect((await it.next()).value?.progress).toBe(true);
    await expectConnectError(
      (async () => {
        for (;;) if ((await it.next()).done) return;
      })(),
      Code.DeadlineExceeded,
    );
  });
});
