/**
 * The load generator of bench/watch, run as its own process (forked by
 * run.ts): opens WatchEvents streams, ~perConnection per HTTP/2 connection,
 * and records when each stream receives each revision. Driven over IPC:
 *   { type: "open", url, streams, perConnection }  → { type: "opened", streams }
 *   { type: "await", revisions, keepTimes }        → { type: "delivered", stats }
 *   { type: "close" }                              → exits
 * Times are epoch milliseconds with sub-millisecond precision, comparable
 * with the writer's in run.ts (same host).
 */
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";

type Command =
  | { type: "open"; url: string; streams: number; perConnection: number }
  | { type: "await"; revisions: number[]; keepTimes: boolean }
  | { type: "close" };

export interface RevisionStats {
  revision: number;
  count: number;
  first: number;
  last: number;
  /** Every stream's delivery time, when asked for. */
  times?: number[];
}

const now = () => performance.timeOrigin + performance.now();
const abort = new AbortController();
const sessions: Http2SessionManager[] = [];
const seen = new Map<number, { count: number; first: number; last: number; times: number[] }>();
let opened = 0;
let failures = 0;

function record(revision: number, at: number): void {
  let entry = seen.get(revision);
  if (!entry) {
    entry = { count: 0, first: at, last: at, times: [] };
    seen.set(revision, entry);
  }
  entry.count += 1;
  entry.last = at;
  entry.times.push(at);
}

async function follow(client: ReturnType<typeof createClient<typeof CatalogService>>, ready: () => void): Promise<void> {
  let first = true;
  try {
    for await (const message of client.watchEvents({ startRevision: 0n }, { signal: abort.signal, timeoutMs: 0 })) {
      if (first) {
        first = false;
        ready();
      }
      if (message.events.length === 0) continue;
      const at = now();
      for (const event of message.events) record(Number(event.revision), at);
    }
  } catch (err) {
    if (!abort.signal.aborted) {
      failures += 1;
      if (failures <= 3) process.stderr.write(`load: stream failed: ${String(err)}\n`);
    }
  }
}

async function open(url: string, streams: number, perConnection: number): Promise<void> {
  const connections = Math.ceil(streams / perConnection);
  let ready = 0;
  const allReady = new Promise<void>((resolve) => {
    for (let c = 0; c < connections; c++) {
      const sessionManager = new Http2SessionManager(url, { idleConnectionTimeoutMs: 3_600_000 });
      sessions.push(sessionManager);
      const client = createClient(CatalogService, createGrpcTransport({ baseUrl: url, sessionManager }));
      for (let s = 0; s < perConnection && c * perConnection + s < streams; s++) {
        void follow(client, () => {
          ready += 1;
          opened += 1;
          if (ready === streams) resolve();
        });
      }
    }
  });
  await allReady;
}

async function awaitDelivered(revisions: number[], keepTimes: boolean): Promise<RevisionStats[]> {
  for (;;) {
    if (revisions.every((r) => (seen.get(r)?.count ?? 0) >= opened - failures)) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return revisions.map((revision) => {
    const entry = seen.get(revision)!;
    seen.delete(revision);
    return { revision, count: entry.count, first: entry.first, last: entry.last, ...(keepTimes ? { times: entry.times } : {}) };
  });
}

process.on("message", (command: Command) => {
  void (async () => {
    switch (command.type) {
      case "open":
        await open(command.url, command.streams, command.perConnection);
        process.send?.({ type: "opened", streams: opened, failures });
        return;
      case "await":
        process.send?.({ type: "delivered", stats: await awaitDelivered(command.revisions, command.keepTimes), failures });
        return;
      case "close":
        abort.abort();
        for (const session of sessions) session.abort();
        setTimeout(() => process.exit(0), 200);
    }
  })();
});
