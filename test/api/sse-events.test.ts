/**
 * GET /v1/events followed with `curl -N` over a real socket (memory
 * backend): replay then live in order with no gap or duplicate, each event
 * as its Connect JSON form, progress events, filters, HTTP/2, every error a
 * caller can cause answered with its status and the parameter at fault, 410
 * Gone after compaction, a stalled reader that falls behind the retained log
 * ended with a reason while a healthy one is not held back, and shutdown
 * ending the stream with a reason to resume. Ordering and counts only; no
 * wall-clock assertions.
 */
import { once } from "node:events";
import * as net from "node:net";
import { fromJsonString } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EventSchema, EventType } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import { RETRY_MS } from "../../src/api/sse-events.js";
import { metaClock, newRecord } from "../storage/fixtures.js";
import { freePort } from "../support/ports.js";
import { CurlEventStream, curlOnce, type SseMessage } from "../support/sse-curl.js";
import { type Harness, sampleComponent, startHarness, uniqueName, useHarness } from "./harness.js";

const eventsOnly = (messages: SseMessage[]) => messages.filter((m) => m.event !== "progress");
const ids = (messages: SseMessage[]) => messages.map((m) => Number(m.id));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function errorAnswer(url: string, headers?: Record<string, string>) {
  const answer = await curlOnce(url, headers ? { headers } : {});
  expect(answer.headers).toMatch(/content-type: application\/json/i);
  return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
}

const violated = (body: Record<string, unknown>) =>
  (body.field_violations as Array<{ field: string }> | undefined)?.map((v) => v.field);

describe("on one server", () => {
  const h = useHarness((config) => {
    config.events.progressIntervalMs = 150;
  });
  const events = (query: string, headers?: Record<string, string>) =>
    new CurlEventStream(`${h.server.url}/v1/events${query}`, headers ? { headers } : {});
  const current = async () => (await h.server.store.revisionBounds()).current;

  test("replays from start_revision, then live events: in order, each once, as Connect JSON Events", async () => {
    const name = uniqueName("sse");
    const start = await current();
    await h.grpc.createComponent({ component: sampleComponent({ name }) });
    await h.grpc.createComponent({ component: sampleComponent({ name, version: "1.1.0" }) });
    const stream = events(`?start_revision=${start}&resume=true`);
    try {
      const replayed = await stream.untilRevision(start + 2);
      expect(stream.status).toBe(200);
      expect(stream.header("content-type")).toBe("text/event-stream; charset=utf-8");
      expect(stream.retry).toBeGreaterThanOrEqual(RETRY_MS / 2);
      expect(stream.retry).toBeLessThanOrEqual((RETRY_MS * 3) / 2);

      await h.grpc.updateComponent({
        component: { name, version: "1.0.0", description: "now with\ntwo lines" },
        updateMask: { paths: ["description"] },
      });
      const deleted = await h.grpc.deleteComponent({ name, version: "1.1.0" });
      const live = await stream.untilRevision(Number(deleted.revision));

      const received = eventsOnly([...replayed, ...live]);
      expect(ids(received)).toEqual(range(start + 1, start + 4));
      expect(received.map((m) => m.event)).toEqual(["created", "created", "updated", "deleted"]);
      const decoded = received.map((m) => fromJsonString(EventSchema, m.data));
      expect(decoded.map((e) => Number(e.revision))).toEqual(ids(received));
      expect(decoded.map((e) => EventType[e.type])).toEqual(["CREATED", "CREATED", "UPDATED", "DELETED"]);
      expect(decoded.map((e) => `${e.component?.name}@${e.component?.version}`)).toEqual([
        `${name}@1.0.0`,
        `${name}@1.1.0`,
        `${name}@1.0.0`,
        `${name}@1.1.0`,
      ]);
      expect(decoded[2]?.component?.description).toBe("now with\ntwo lines");
    } finally {
      await stream.close();
    }
  });

  test("start_revision 0 without resume starts now: progress at the current revision, then live events", async () => {
    await h.grpc.createComponent({ component: sampleComponent({ name: uniqueName("before") }) });
    const now = await current();
    const stream = events("");
    try {
      const first = await stream.next();
      expect(first).toMatchObject({ event: "progress", id: String(now) });
      expect(JSON.parse(first.data)).toEqual({ revision: String(now) });
      const name = uniqueName("after");
      const { revision } = await h.grpc.createComponent({ component: sampleComponent({ name }) });
      const received = eventsOnly(await stream.untilRevision(Number(revision)));
      expect(ids(received)).toEqual([Number(revision)]);
    } finally {
      await stream.close();
    }
  });

  test("a resumed start with nothing to replay is announced at once by a progress event at that start", async () => {
    const now = await current();
    const stream = events(`?start_revision=${now}&resume=true`);
    try {
      expect(await stream.next()).toMatchObject({ event: "progress", id: String(now) });
      expect(stream.status).toBe(200);
    } finally {
      await stream.close();
    }
  });

  test("progress events keep an idle stream alive and carry its position past filtered-out writes", async () => {
    const start = await current();
    const stream = events(`?start_revision=${start}&filter.names=${uniqueName("nobody")}`);
    try {
      const { revision } = await h.grpc.createComponent({ component: sampleComponent({ name: uniqueName("other") }) });
      const messages = await stream.untilRevision(Number(revision));
      expect(messages.every((m) => m.event === "progress")).toBe(true);
      expect(messages.at(-1)?.id).toBe(String(revision));
      expect(await stream.next()).toMatchObject({ event: "progress", id: String(revision) });
    } finally {
      await stream.close();
    }
  });

  test("filters by names, provider, category and types (the stream's event names or the enum names)", async () => {
    const [a, b] = [uniqueName("fa"), uniqueName("fb")];
    const start = await current();
    const query = new URLSearchParams([
      ["start_revision", String(start)],
      ["filter.names", a],
      ["filter.names", b],
      ["filter.provider", "gcp"],
      ["filter.category", "network"],
      ["filter.types", "created"],
      ["filter.types", "EVENT_TYPE_DELETED"],
    ]);
    const stream = events(`?${query}`);
    try {
      const store = h.server.store;
      const meta = metaClock();
      const net = { provider: "gcp", category: "network" };
      await store.insertVersion(newRecord(a, "1.0.0", net), meta());
      await store.insertVersion(newRecord(a, "1.1.0", { provider: "gcp", category: "database" }), meta()); // out
      await store.updateVersion(a, "1.0.0", { description: "x" }, meta()); // updated: out
      await store.insertVersion(newRecord(uniqueName("other"), "1.0.0", net), meta()); // name: out
      await store.insertVersion(newRecord(b, "2.0.0", net), meta());
      const last = (await store.deleteVersions(a, ["1.0.0"], meta())).at(-1)!.revision;
      const received = eventsOnly(await stream.untilRevision(last));
      const seen = received.map((m) => {
        const event = fromJsonString(EventSchema, m.data);
        return `${event.component?.name}@${event.component?.version}:${m.event}`;
      });
      expect(seen).toEqual([`${a}@1.0.0:created`, `${b}@2.0.0:created`, `${a}@1.0.0:deleted`]);
    } finally {
      await stream.close();
    }
  });

  test("serves HTTP/2 too (curl --http2-prior-knowledge)", async () => {
    const start = await current();
    const { revision } = await h.grpc.createComponent({ component: sampleComponent({ name: uniqueName("h2") }) });
    const stream = new CurlEventStream(`${h.server.url}/v1/events?start_revision=${start}`, { http2: true });
    try {
      const received = eventsOnly(await stream.untilRevision(Number(revision)));
      expect(stream.head).toMatch(/^HTTP\/2 200/);
      expect(ids(received)).toEqual([Number(revision)]);
    } finally {
      await stream.close();
    }
  });

  describe("answers a request no watch can take with 400 naming the parameter", () => {
    const cases: Array<[string, string, Record<string, string> | undefined, string[]]> = [
      ["a start_revision that is not a number", "?start_revision=ten", undefined, ["start_revision"]],
      [
        "a start_revision past the largest revision",
        "?start_revision=99999999999999999999",
        undefined,
        ["start_revision"],
      ],
      ["a resume that is not true or false", "?resume=maybe", undefined, ["resume"]],
      ["an unknown event type", "?filter.types=created&filter.types=moved", undefined, ["filter.types[1]"]],
      [
        "a name that is not a DNS-1123 label",
        "?filter.names=ok-name&filter.names=Bad_Name",
        undefined,
        ["filter.names[1]"],
      ],
      ["a provider given twice", "?filter.provider=aws&filter.provider=gcp", undefined, ["filter.provider"]],
      ["a followed name that is no name", "?filter.resolution.name=Bad_Name", undefined, ["filter.resolution.name"]],
      [
        "a followed constraint that is none",
        "?filter.resolution.name=ok-name&filter.resolution.constraint=one",
        undefined,
        ["filter.resolution.constraint"],
      ],
      ["an unknown parameter", "?since=3", undefined, ["since"]],
      ["a Last-Event-ID that is not a revision", "", { "Last-Event-ID": "abc" }, ["Last-Event-ID"]],
    ];
    test.each(cases)("%s", async (_, query, headers, fields) => {
      const { status, body } = await errorAnswer(`${h.server.url}/v1/events${query}`, headers);
      expect(status).toBe(400);
      expect(body.code).toBe("invalid_argument");
      expect(violated(body)).toEqual(fields);
      for (const field of fields) expect(body.message).toContain(field);
    });

    test("every bad parameter at once", async () => {
      const { status, body } = await errorAnswer(`${h.server.url}/v1/events?start_revision=x&filter.types=moved&z=1`);
      expect(status).toBe(400);
      expect(violated(body)).toEqual(["z", "start_revision", "filter.types[0]"]);
    });

    test("a start ahead of the catalog, naming it and the current revision", async () => {
      const now = await current();
      const { status, body } = await errorAnswer(`${h.server.url}/v1/events?start_revision=${now + 50}`);
      expect(status).toBe(400);
      expect(body.code).toBe("out_of_range");
      expect(body.message).toContain(`start_revision ${now + 50}`);
      expect(body.message).toContain(`current revision ${now}`);
    });

    test("a Last-Event-ID ahead of the catalog, saying the start came from that header", async () => {
      const now = await current();
      const { status, body } = await errorAnswer(`${h.server.url}/v1/events`, { "Last-Event-ID": String(now + 7) });
      expect(status).toBe(400);
      expect(body.message).toContain(`start_revision ${now + 7}`);
      expect(body.message).toContain("Last-Event-ID");
    });
  });

  test("answers 405 to anything but GET", async () => {
    const answer = await curlOnce(`${h.server.url}/v1/events`, { method: "POST" });
    expect(answer.status).toBe(405);
    expect(answer.headers).toMatch(/^allow: GET/im);
  });

  test("Last-Event-ID takes the place of start_revision and resume, and is taken literally", async () => {
    const name = uniqueName("leid");
    const first = await h.grpc.createComponent({ component: sampleComponent({ name }) });
    const second = await h.grpc.createComponent({ component: sampleComponent({ name, version: "1.0.1" }) });
    // start_revision 0 alone would mean "from now"; the header names the last event received.
    const stream = events("?start_revision=0", { "Last-Event-ID": String(first.revision) });
    try {
      const received = eventsOnly(await stream.untilRevision(Number(second.revision)));
      expect(ids(received)).toEqual([Number(second.revision)]);
    } finally {
      await stream.close();
    }
  });
});

describe("compaction", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness((config) => {
      config.events.progressIntervalMs = 150;
    });
  });
  afterAll(() => h.close());

  test("a start the log has compacted answers 410 Gone naming the oldest revision still held", async () => {
    const meta = metaClock();
    const name = uniqueName("gone");
    await h.server.store.insertVersion(newRecord(name, "1.0.0"), meta());
    for (let i = 0; i < 5; i++) await h.server.store.updateVersion(name, "1.0.0", { description: `${i}` }, meta());
    const { current } = await h.server.store.revisionBounds();
    await h.server.store.compact(current - 2);
    const { compacted } = await h.server.store.revisionBounds();
    expect(compacted).toBe(current - 2);

    const { status, body } = await errorAnswer(`${h.server.url}/v1/events?start_revision=1`);
    expect(status).toBe(410);
    expect(body).toMatchObject({ code: "out_of_range", oldest_revision: String(compacted) });
    expect(body.message).toContain(`oldest available revision is ${compacted}`);

    const resumed = await errorAnswer(`${h.server.url}/v1/events`, { "Last-Event-ID": "2" });
    expect(resumed.status).toBe(410);
    expect(resumed.body.oldest_revision).toBe(String(compacted));
    expect(resumed.body.message).toContain("Last-Event-ID");

    const held = new CurlEventStream(`${h.server.url}/v1/events?start_revision=${compacted}`);
    try {
      expect(ids(eventsOnly(await held.untilRevision(current)))).toEqual(range(compacted + 1, current));
    } finally {
      await held.close();
    }
  });

  test("a stalled reader costs a healthy one nothing; behind the retained log, it is ended with a reason", async () => {
    const store = h.server.store;
    const meta = metaClock();
    const name = uniqueName("stall");
    const start = (await store.insertVersion(newRecord(name, "1.0.0"), meta())).revision;
    const url = `${h.server.url}/v1/events?start_revision=${start}`;
    const [stalled, healthy] = [new CurlEventStream(url), new CurlEventStream(url)];
    try {
      // Both streams are open (their start announced) before one stops reading.
      await stalled.next();
      await healthy.next();
      stalled.pause();
      // The sockets take ~4 MiB (~2,000 of these events) before the server waits for the reader; the
      // feed keeps the last 4,096 events in memory. Past both, the stalled reader's next batch must come
      // from the log, which no longer holds it.
      const description = "x".repeat(2_000);
      let last = start;
      for (let i = 0; i < 8_000; i++) {
        last = (await store.updateVersion(name, "1.0.0", { description: `${i} ${description}` }, meta())).revision;
      }
      expect(ids(eventsOnly(await healthy.untilRevision(last)))).toEqual(range(start + 1, last));
      await store.compact(last - 1);

      stalled.resume();
      // Stops at the end event, or (a failure) once every event has arrived after all.
      const received = await stalled.until((m) => m.event === "end" || Number(m.id) >= last);
      const end = received.pop()!;
      expect(end.event).toBe("end");
      const delivered = ids(eventsOnly(received));
      // What the sockets held arrives in order, then the reason; never the events after the gap.
      expect(delivered).toEqual(range(start + 1, start + delivered.length));
      expect(delivered.length).toBeLessThan(last - start);
      expect(JSON.parse(end.data)).toMatchObject({ code: "out_of_range", oldest_revision: String(last - 1) });
      expect(end.data).toContain("list the catalog again");
      expect(await stalled.exited).toBe(0);
    } finally {
      await stalled.close();
      await healthy.close();
    }
  }, 120_000);
});

describe("metrics", () => {
  test("an event stream is counted as the WatchEvents call it is, and as an open watch stream", async () => {
    const adminPort = await freePort();
    const h = await startHarness((config) => {
      config.server.admin = { host: "127.0.0.1", port: adminPort };
    });
    const scrape = async () => (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    const sample = (text: string, series: RegExp) => Number(series.exec(text)?.[1] ?? Number.NaN);
    const stream = new CurlEventStream(`${h.server.url}/v1/events`);
    try {
      await stream.next();
      const { revision } = await h.grpc.createComponent({
        component: sampleComponent({ name: uniqueName("metered") }),
      });
      await stream.untilRevision(Number(revision));
      const text = await scrape();
      expect(sample(text, /^nestor_watch_streams_open (\d+)/m)).toBe(1);
      expect(sample(text, /^nestor_watch_events_sent_total (\d+)/m)).toBe(1);
      expect(sample(text, /^grpc_server_started_total\{[^}]*grpc_method="WatchEvents"[^}]*\} (\d+)/m)).toBe(1);
    } finally {
      await stream.close();
      await h.close();
    }
  });
});

describe("shutdown", () => {
  test("ends the stream with an end event naming the revision to resume from", async () => {
    const h = await startHarness();
    const { revision } = await h.grpc.createComponent({ component: sampleComponent({ name: uniqueName("bye") }) });
    const stream = new CurlEventStream(`${h.server.url}/v1/events?start_revision=${revision}&resume=true`);
    try {
      await stream.next();
      await h.close();
      const end = await stream.next();
      expect(end.event).toBe("end");
      expect(JSON.parse(end.data)).toMatchObject({ code: "unavailable" });
      expect(end.data).toContain(`resume the watch with start_revision ${revision}`);
      expect(await stream.exited).toBe(0);
    } finally {
      await stream.close();
    }
  });

  test("a stream asked for during shutdown starts and ends at once with its end event (never a 503)", async () => {
    // EventSource gives up for good on any status but 200; a 200 that ends makes it retry after `retry:`.
    const h = await startHarness();
    const { revision } = await h.grpc.createComponent({ component: sampleComponent({ name: uniqueName("late") }) });
    // A connection opened (its request begun) before the shutdown, as a browser's pooled connection is.
    const socket = net.connect(h.server.port, "127.0.0.1");
    await once(socket, "connect");
    socket.write(`GET /v1/events?start_revision=${revision}&resume=true HTTP/1.1\r\nHost: catalog\r\n`);
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      answer += chunk;
    });
    const closed = h.close();
    socket.end("\r\n");
    await once(socket, "close");
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(answer).toMatch(/content-type: text\/event-stream/i);
    expect(answer).toMatch(/retry: \d+/);
    expect(answer).toContain("event: end");
    expect(answer).toContain(`resume the watch with start_revision ${revision}`);
  });
});
