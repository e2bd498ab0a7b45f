/**
 * One load-generator worker of bench/watch, forked by run.ts (several of
 * them, so no single process holds every client stream): opens its share of
 * WatchEvents streams, ~perConnection per HTTP/2 connection (or, with
 * protocol "sse", GET /v1/events streams, one HTTP/1.1 connection each), and
 * records when each stream receives each revision. Driven over IPC:
 *   { type: "open", url, streams, perConnection, epoch, protocol } → { type: "opened", streams, failures }
 *   { type: "await", revisions, keepTimes }              → { type: "delivered", stats, failures }
 *   { type: "memory" }                                   → { type: "memory", rssKiB, heapUsedKiB }
 *   { type: "close" }                                    → exits
 * Times are milliseconds of the machine's monotonic clock (process.hrtime,
 * shared by every process on the host) after the parent's `epoch`, so the
 * writer's acknowledgement in run.ts and every worker's deliveries are on
 * one time line.
 */
import * as http from "node:http";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { createParser } from "eventsource-parser";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";

export type WorkerCommand =
  | { type: "open"; url: string; streams: number; perConnection: number; epoch: string; protocol: "grpc" | "sse" }
  | { type: "await"; revisions: number[]; keepTimes: boolean }
  | { type: "memory" }
  | { type: "close" };

export interface RevisionStats {
  revision: number;
  count: number;
  first: number;
  last: number;
  /** Every stream's delivery time, when asked for. */
  times?: number[];
}

let epoch = 0n;
const now = () => Number(process.hrtime.bigint() - epoch) / 1e6;

/** One controller per stream: a shared signal would carry 10,000 abort listeners. */
const streams: AbortController[] = [];
const sessions: Http2SessionManager[] = [];
const seen = new Map<number, { count: number; first: number; last: number; times: number[] }>();
let opened = 0;
let failures = 0;
let closing = false;

/** The await in progress: revisions still short of a delivery on every open stream. */
let pending: { revisions: number[]; keepTimes: boolean; missing: Set<number> } | undefined;
const target = () => opened - failures;

function record(revision: number, at: number): void {
  let entry = seen.get(revision);
  if (!entry) {
    entry = { count: 0, first: at, last: at, times: [] };
    seen.set(revision, entry);
  }
  entry.count += 1;
  entry.last = at;
  entry.times.push(at);
  if (pending && entry.count >= target() && pending.missing.delete(revision)) settle();
}

/** Answers the pending await once every revision reached every stream. */
function settle(): void {
  if (!pending) return;
  for (const revision of pending.missing)
    if ((seen.get(revision)?.count ?? 0) >= target()) pending.missing.delete(revision);
  if (pending.missing.size > 0) return;
  const { revisions, keepTimes } = pending;
  pending = undefined;
  const stats: RevisionStats[] = revisions.map((revision) => {
    const entry = seen.get(revision)!;
    seen.delete(revision);
    return {
      revision,
      count: entry.count,
      first: entry.first,
      last: entry.last,
      ...(keepTimes ? { times: entry.times } : {}),
    };
  });
  process.send?.({ type: "delivered", stats, failures });
}

async function follow(
  client: ReturnType<typeof createClient<typeof CatalogService>>,
  ready: () => void,
): Promise<void> {
  const stream = new AbortController();
  streams.push(stream);
  let first = true;
  try {
    for await (const message of client.watchEvents({ startRevision: 0n }, { signal: stream.signal, timeoutMs: 0 })) {
      if (first) {
        first = false;
        ready();
      }
      if (message.events.length === 0) continue;
      const at = now();
      for (const event of message.events) record(Number(event.revision), at);
    }
  } catch (err) {
    failed(err);
  }
}

function failed(err: unknown): void {
  if (closing) return;
  failures += 1;
  if (failures <= 3) process.stderr.write(`load: stream failed: ${String(err)}\n`);
  settle();
}

/** One GET /v1/events stream from now, on a connection of its own; progress events are not deliveries. */
function followEvents(url: string, ready: () => void): void {
  const stream = new AbortController();
  streams.push(stream);
  let first = true;
  const parser = createParser({
    onEvent: (message) => {
      if (first) {
        first = false;
        ready();
      }
      if (message.event === "progress" || message.event === "end" || message.id === undefined) return;
      record(Number(message.id), now());
    },
  });
  const request = http.get(`${url}/v1/events`, { signal: stream.signal }, (res) => {
    if (res.statusCode !== 200) {
      failed(new Error(`HTTP ${res.statusCode}`));
      res.resume();
      return;
    }
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => parser.feed(chunk));
    res.on("end", () => failed(new Error("the stream ended")));
    res.on("error", failed);
  });
  request.on("error", failed);
}

async function open(url: string, count: number, perConnection: number, protocol: "grpc" | "sse"): Promise<void> {
  const connections = Math.ceil(count / perConnection);
  let ready = 0;
  if (count === 0) return;
  await new Promise<void>((resolve) => {
    const onReady = () => {
      ready += 1;
      opened += 1;
      if (ready === count) resolve();
    };
    if (protocol === "sse") {
      for (let s = 0; s < count; s++) followEvents(url, onReady);
      return;
    }
    for (let c = 0; c < connections; c++) {
      const sessionManager = new Http2SessionManager(url, { idleConnectionTimeoutMs: 3_600_000 });
      sessions.push(sessionManager);
      const client = createClient(CatalogService, createGrpcTransport({ baseUrl: url, sessionManager }));
      for (let s = 0; s < perConnection && c * perConnection + s < count; s++) {
        void follow(client, onReady);
      }
    }
  });
}

process.on("message", (command: WorkerCommand) => {
  void (async () => {
    switch (command.type) {
      case "open":
        epoch = BigInt(command.epoch);
        await open(command.url, command.streams, command.perConnection, command.protocol);
        process.send?.({ type: "opened", streams: opened, failures });
        return;
      case "await":
        pending = { revisions: command.revisions, keepTimes: command.keepTimes, missing: new Set(command.revisions) };
        settle();
        return;
      case "memory": {
        const usage = process.memoryUsage();
        process.send?.({
          type: "memory",
          rssKiB: Math.round(usage.rss / 1024),
          heapUsedKiB: Math.round(usage.heapUsed / 1024),
        });
        return;
      }
      case "close":
        closing = true;
        for (const stream of streams) stream.abort();
        for (const session of sessions) session.abort();
        setTimeout(() => process.exit(0), 200);
    }
  })();
});
