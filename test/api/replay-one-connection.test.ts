/**
 * Many WatchEvents streams on ONE HTTP/2 connection, each replaying the
 * whole event log, as a processor fleet behind one client channel does
 * after a restart (grpc-go and grpc-java multiplex every call on one
 * connection). Every stream must receive every event, in order: the
 * server's writes wait for the connection to drain and stay within the
 * session's memory budget, so no stream is refused or reset for it.
 */
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import type { ClientReadableStream } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { ComponentSchema } from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import { draftFromWire } from "../../src/api/convert.js";
import { sampleComponent, useHarness } from "./harness.js";

/** Modest: 1,000 streams x 200 events of ~700 bytes is ~140 MB on loopback. */
const EVENTS = 200;
const h = useHarness();

async function publishEvents(count: number): Promise<number> {
  const base = sampleComponent({ name: "replay", description: "d".repeat(300) });
  let revision = 0;
  for (let i = 0; i < count; i++) {
    const draft = draftFromWire(create(ComponentSchema, { ...base, version: `1.0.${i}` }));
    revision = (await h.server.manager.publish(draft, { actor: "test" })).revision;
  }
  return revision;
}

interface Replay {
  revisions: number[];
  error: string | undefined;
}

/** Whether a replay holds revisions 1..last, each once, in order. */
function complete(replay: Replay, last: number): boolean {
  return replay.revisions.length === last && replay.revisions.every((revision, i) => revision === i + 1);
}

function expectEveryStreamComplete(replays: Replay[], last: number): void {
  const errors = replays.flatMap((r) => (r.error === undefined ? [] : [r.error]));
  expect(errors.slice(0, 3), `${errors.length} of ${replays.length} streams failed`).toEqual([]);
  const incomplete = replays.filter((r) => !complete(r, last)).length;
  expect(incomplete, `${incomplete} of ${replays.length} streams missed or reordered events`).toBe(0);
}

/** `streams` watches from revision 0 through one connect-node HTTP/2 session, each ended by the client at `last`. */
async function replayOverConnectNode(streams: number, last: number): Promise<Replay[]> {
  const sessions = new Http2SessionManager(h.server.url);
  const client = createClient(CatalogService, createGrpcTransport({ baseUrl: h.server.url, sessionManager: sessions }));
  try {
    return await Promise.all(
      Array.from({ length: streams }, async (): Promise<Replay> => {
        const abort = new AbortController();
        const replay: Replay = { revisions: [], error: undefined };
        try {
          const responses = client.watchEvents({ startRevision: 0n, resume: true }, { signal: abort.signal });
          for await (const response of responses) {
            for (const event of response.events) replay.revisions.push(Number(event.revision));
            if (response.revision >= BigInt(last)) abort.abort();
          }
        } catch (err) {
          if (!abort.signal.aborted) replay.error = String(err);
        }
        return replay;
      }),
    );
  } finally {
    sessions.abort();
  }
}

/**
 * One grpc-js watch from revision 0, cancelled by the client at `last`; `onFirst` sees it receive its first
 * response.
 */
function grpcJsReplay(last: number, onFirst: (call: ClientReadableStream<unknown>) => void): Promise<Replay> {
  return new Promise((resolve) => {
    const replay: Replay = { revisions: [], error: undefined };
    const call = h.grpcjs.watch({ start_revision: 0, resume: true });
    let cancelled = false;
    call.on("data", (response: { events: { revision: string }[]; revision: string }) => {
      if (replay.revisions.length === 0) onFirst(call);
      for (const event of response.events) replay.revisions.push(Number(event.revision));
      if (Number(response.revision) >= last && !cancelled) {
        cancelled = true;
        call.cancel();
      }
    });
    call.on("error", (err: Error) => {
      if (!cancelled) replay.error = String(err);
    });
    call.on("close", () => resolve(replay));
  });
}

/**
 * Through @grpc/grpc-js (one channel is one connection): half the streams
 * stop reading after their first response, as slow processors do, while the
 * other half start; then the slow half reads on.
 */
async function replayOverGrpcJsWithSlowReaders(streams: number, last: number): Promise<Replay[]> {
  const slow = Math.floor(streams / 2);
  const paused: ClientReadableStream<unknown>[] = [];
  let allPaused!: () => void;
  const slowHalfPaused = new Promise<void>((resolve) => {
    allPaused = resolve;
  });
  const slowReplays = Array.from({ length: slow }, () =>
    grpcJsReplay(last, (call) => {
      call.pause();
      paused.push(call);
      if (paused.length === slow) allPaused();
    }),
  );
  await slowHalfPaused;
  let fastStarted = 0;
  let allFastStarted!: () => void;
  const fastHalfStarted = new Promise<void>((resolve) => {
    allFastStarted = resolve;
  });
  const fastReplays = Array.from({ length: streams - slow }, () =>
    grpcJsReplay(last, () => {
      fastStarted += 1;
      if (fastStarted === streams - slow) allFastStarted();
    }),
  );
  // Every stream of the second half is receiving on the connection before the slow half reads on.
  await fastHalfStarted;
  for (const call of paused) call.resume();
  return Promise.all([...slowReplays, ...fastReplays]);
}

describe("replay to many streams on one connection", () => {
  let last = 0;

  it("publishes the log the streams replay", async () => {
    last = await publishEvents(EVENTS);
    expect(last).toBe(EVENTS);
  }, 60_000);

  it("100 grpc-js streams on one channel, half of them slow readers, each receive every event in order", async () => {
    expect(last).toBe(EVENTS);
    expectEveryStreamComplete(await replayOverGrpcJsWithSlowReaders(100, last), last);
  }, 120_000);

  it("1,000 connect-node streams on one session each receive every event in order", async () => {
    expect(last).toBe(EVENTS);
    expectEveryStreamComplete(await replayOverConnectNode(1000, last), last);
  }, 240_000);
});
