/**
 * Resume, on every backend: while 2,000 events are written, a watcher's
 * connection is cut at random points; it reconnects from the last revision
 * it delivered (the client package's watchCatalog helper) and ends with
 * every event exactly once, in order, equal to the log.
 *
 * The writer behaves like a retention policy tuned to its one consumer: every
 * few writes it reads the new part of the event log into the expected list,
 * then compacts the log through the consumer's acknowledged revision; and it
 * keeps only a few versions alive. The table stays small for the whole run,
 * so moto's cost per event stays flat (it deep-copies the whole table once
 * per item of every TransactWriteItems, so a growing table made the run
 * quadratic; see DYNAMODB_EVENTS for what is left). Every resume then also
 * proves it never needs an event behind the client's own revision: one
 * compacted away would surface as a "relist" update, which fails the test.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { watchCatalog } from "../../gen/ts/src/client/watch-catalog.js";
import type { Event } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import type { CatalogServer } from "../../src/app.js";
import type { CatalogEvent, CatalogStore } from "../../src/storage/store.js";
import { metaClock, newRecord, uniqueName } from "../storage/fixtures.js";
import { BACKENDS, type BackendPlace, droppableClient, freshPlace, seededRandom, startServerOn } from "./backends.js";

/**
 * 2,000 by default; NESTOR_TEST_WATCH_EVENTS overrides. DynamoDB still runs
 * 300 in the main run (NESTOR_TEST_WATCH_EVENTS_DYNAMODB), and 2,000 in
 * scripts/test-watch-dynamodb.sh, which `npm test` runs after vitest against
 * a moto of its own. With the table kept small its cost per event no longer grows
 * (moto's TransactWriteItems stays ~46 ms from the first write to the last),
 * but each event still costs ~6 moto requests (revision read, versions
 * query and transaction for the write; log query and revision read for the
 * feed), and moto answers one request at a time for every test file at once:
 * on a loaded 2-core machine that is 10–45 ms a request, so 2,000 events took
 * over 600 s where 300 take 75–90 s.
 */
const DEFAULT_EVENTS = Number(process.env.NESTOR_TEST_WATCH_EVENTS ?? 2_000);
const DYNAMODB_EVENTS = Number(
  process.env.NESTOR_TEST_WATCH_EVENTS_DYNAMODB ?? process.env.NESTOR_TEST_WATCH_EVENTS ?? 300,
);
const eventsFor = (backend: string) => (backend === "dynamodb" ? DYNAMODB_EVENTS : DEFAULT_EVENTS);
const disconnectsFor = (events: number) => Math.max(5, Math.round(events / 80));
/** Writes between compactions of the log behind the consumer. */
const COMPACT_EVERY = 10;
/** Versions alive at once: past this, the next write deletes some. */
const MAX_LIVE_VERSIONS = 8;

/**
 * The event log as the writer saw it: `logged` holds every event read from
 * the log, in order, each read before any compaction could remove it.
 */
class DrainedLog {
  readonly logged: CatalogEvent[] = [];
  constructor(
    private readonly store: CatalogStore,
    private readThrough: number,
  ) {}

  /** Moves every event after what was read so far into `logged`. */
  async drain(): Promise<void> {
    for (;;) {
      const batch = await this.store.readEvents(this.readThrough, 1_000);
      if (batch.length === 0) return;
      this.logged.push(...batch);
      this.readThrough = batch.at(-1)!.revision;
    }
  }

  /** Drains, then deletes the log through `revision` (the store keeps the current revision's event). */
  async compactThrough(revision: number): Promise<void> {
    await this.drain();
    await this.store.compact(revision);
  }
}

/**
 * Writes `count` events (publishes, updates, deletes of one or several
 * versions in one write) straight to the store, in order, and returns every
 * event the writes reported. `pace` is awaited after each write so a fast
 * backend cannot finish before the watcher starts; `compact` every
 * COMPACT_EVERY writes.
 */
async function writeEvents(
  store: CatalogStore,
  count: number,
  random: () => number,
  pace: (written: number) => Promise<void>,
  compact: () => Promise<void>,
): Promise<CatalogEvent[]> {
  const meta = metaClock();
  const name = uniqueName("resume");
  const live: string[] = [];
  const reported: CatalogEvent[] = [];
  let written = 0;
  let nextVersion = 0;
  for (let writes = 1; written < count; writes++) {
    const roll = random();
    if (live.length === 0 || (roll < 0.15 && live.length < MAX_LIVE_VERSIONS)) {
      const version = `1.0.${nextVersion++}`;
      reported.push(await store.insertVersion(newRecord(name, version), meta()));
      live.push(version);
    } else if ((roll < 0.2 || live.length >= MAX_LIVE_VERSIONS) && live.length > 1) {
      const doomed = live.splice(0, 1 + Math.floor(random() * Math.min(5, live.length - 1, count - written)));
      const events = await store.deleteVersions(name, doomed, meta());
      reported.push(...events);
      written += events.length - 1;
    } else {
      const version = live[Math.floor(random() * live.length)]!;
      reported.push(await store.updateVersion(name, version, { description: `update ${written}` }, meta()));
    }
    written += 1;
    await pace(reported.at(-1)!.revision);
    if (writes % COMPACT_EVERY === 0) await compact();
  }
  return reported;
}

const summary = (e: {
  revision: number | bigint;
  component?: { name: string; version: string; description: string };
}) => `${e.revision}:${e.component?.name}@${e.component?.version}:${e.component?.description}`;

describe.each(BACKENDS)("resume on %s", (backend) => {
  let place: BackendPlace;
  let server: CatalogServer;
  beforeAll(async () => {
    place = freshPlace(backend);
    // One replica: its own commits wake its feed directly, so DynamoDB's poll for other
    // replicas' writes only adds requests to moto's one-at-a-time queue here.
    server = await startServerOn(place, (c) => {
      c.storage.dynamodb.pollIntervalMs = 2_000;
    });
  });
  afterAll(async () => {
    await server?.shutdown();
    await place?.remove();
  });

  const EVENTS = eventsFor(backend);
  test(
    `a watcher cut off at random points during ${EVENTS} events ends with every event exactly once, in order`,
    async () => {
      const seed = Number(process.env.NESTOR_TEST_SEED ?? Date.now() % 1_000_000);
      const random = seededRandom(seed);
      // start_revision 0 means "from now", so the watch starts after one event already logged.
      const start = (await server.store.insertVersion(newRecord(uniqueName("first"), "1.0.0"), metaClock()())).revision;
      const cuts = Array.from({ length: disconnectsFor(EVENTS) }, () => start + 1 + Math.floor(random() * EVENTS)).sort(
        (a, b) => a - b,
      );
      const planned = cuts.length;
      const connection = droppableClient(server.url);
      const stop = new AbortController();
      let writerDone = false;
      let lastWritten = Number.POSITIVE_INFINITY;
      let lastDelivered = start;
      // Keeps the writer at most ~50 revisions ahead, so cuts land during the writes, not after;
      // a watch that ended early stops the writer too.
      const pace = async (written: number) => {
        while (written - lastDelivered > 50) {
          if (stop.signal.aborted) throw new Error("the watch ended before the writer finished");
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      };
      const log = new DrainedLog(server.store, start);
      const writer = writeEvents(server.store, EVENTS, seededRandom(seed + 1), pace, () =>
        log.compactThrough(lastDelivered),
      );
      void writer.then(
        (reported) => {
          lastWritten = reported.at(-1)!.revision;
          writerDone = true;
        },
        () => undefined,
      );

      const delivered: Event[] = [];
      let reconnects = 0;
      let disconnects = 0;
      try {
        for await (const update of watchCatalog(connection.client, {
          startRevision: BigInt(start),
          signal: stop.signal,
          backoff: { initialMs: 5, maxMs: 50 },
          onReconnect: () => (reconnects += 1),
        })) {
          expect(update.kind, `seed ${seed}`).not.toBe("relist");
          if (update.kind === "events") delivered.push(...update.events);
          const at = Number(update.revision);
          lastDelivered = at;
          if (writerDone && at >= lastWritten) break;
          // No cut until the last one was resumed from: messages that reached the client
          // in the same read as the one before a cut are still delivered after it, so a
          // second cut there would hit a connection already cut. A resume must follow every cut.
          if (cuts.length > 0 && cuts[0]! <= at && reconnects >= disconnects) {
            cuts.shift();
            connection.disconnect();
            disconnects += 1;
          }
        }
      } finally {
        stop.abort();
        connection.close();
      }
      const reported = await writer;
      await log.drain();

      expect(log.logged).toHaveLength(EVENTS);
      expect(reported.map(summary), "the writes reported what the log holds").toEqual(log.logged.map(summary));
      expect(delivered.map(summary), `seed ${seed}`).toEqual(log.logged.map(summary));
      expect(
        (await server.store.revisionBounds()).compacted,
        "the log was compacted behind the watcher",
      ).toBeGreaterThan(start);
      // Every cut but possibly the last (made after the final delivery was already in the client's buffer) was
      // resumed from.
      expect(reconnects, "the watch resumed after every cut").toBeGreaterThanOrEqual(disconnects - 1);
      expect(disconnects, "most planned cuts were made (each waits for the resume before it)").toBeGreaterThanOrEqual(
        Math.ceil(planned / 2),
      );
    },
    // DynamoDB at 2,000 events (scripts/test-watch-dynamodb.sh) needs minutes on moto.
    Math.max(240_000, EVENTS * 500),
  );
});
