/**
 * Resume, on every backend: while 2,000 events are written, a watcher's
 * connection is cut at random points; it reconnects from the last revision
 * it delivered (the client package's watchCatalog helper) and ends with
 * every event exactly once, in order, equal to the log.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { watchCatalog } from "../../gen/ts/src/client/watch-catalog.js";
import type { Event } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import type { CatalogServer } from "../../src/app.js";
import type { CatalogEvent, CatalogStore } from "../../src/storage/store.js";
import { metaClock, newRecord, uniqueName } from "../storage/fixtures.js";
import { BACKENDS, droppableClient, freshPlace, seededRandom, startServerOn, type BackendPlace } from "./backends.js";

/**
 * 2,000 by default; NESTOR_TEST_WATCH_EVENTS overrides. DynamoDB runs 300 by
 * default: moto copies the whole table on every transaction, so 2,000 writes
 * grow quadratically past the CI budget (measured: over 480 s on a shared
 * 2-core machine). The logic under test is the same on every backend; set
 * NESTOR_TEST_WATCH_EVENTS_DYNAMODB=2000 against real DynamoDB.
 */
const DEFAULT_EVENTS = Number(process.env.NESTOR_TEST_WATCH_EVENTS ?? 2_000);
const DYNAMODB_EVENTS = Number(process.env.NESTOR_TEST_WATCH_EVENTS_DYNAMODB ?? process.env.NESTOR_TEST_WATCH_EVENTS ?? 300);
const eventsFor = (backend: string) => (backend === "dynamodb" ? DYNAMODB_EVENTS : DEFAULT_EVENTS);
const disconnectsFor = (events: number) => Math.max(5, Math.round(events / 80));

/**
 * Writes `count` events (publishes, updates, deletes of one or several
 * versions in one write) straight to the store, in order. `pace` is awaited
 * after each write so a fast backend cannot finish before the watcher starts.
 */
async function writeEvents(store: CatalogStore, count: number, random: () => number, pace: (written: number) => Promise<void>): Promise<number> {
  const meta = metaClock();
  const name = uniqueName("resume");
  const live: string[] = [];
  let written = 0;
  let last = 0;
  let nextVersion = 0;
  while (written < count) {
    const roll = random();
    if (live.length === 0 || roll < 0.15) {
      const version = `1.0.${nextVersion++}`;
      last = (await store.insertVersion(newRecord(name, version), meta())).revision;
      live.push(version);
    } else if (roll < 0.2 && live.length > 1) {
      const doomed = live.splice(0, 1 + Math.floor(random() * Math.min(5, live.length - 1, count - written)));
      const events = await store.deleteVersions(name, doomed, meta());
      last = events.at(-1)!.revision;
      written += events.length - 1;
    } else {
      const version = live[Math.floor(random() * live.length)]!;
      last = (await store.updateVersion(name, version, { description: `update ${written}` }, meta())).revision;
    }
    written += 1;
    await pace(last);
  }
  return last;
}

async function wholeLog(store: CatalogStore, after: number): Promise<CatalogEvent[]> {
  const out: CatalogEvent[] = [];
  for (;;) {
    const batch = await store.readEvents(after, 1_000);
    if (batch.length === 0) return out;
    out.push(...batch);
    after = batch.at(-1)!.revision;
  }
}

const summary = (e: { revision: number | bigint; component?: { name: string; version: string; description: string } }) =>
  `${e.revision}:${e.component?.name}@${e.component?.version}:${e.component?.description}`;

describe.each(BACKENDS)("resume on %s", (backend) => {
  let place: BackendPlace;
  let server: CatalogServer;
  beforeAll(async () => {
    place = freshPlace(backend);
    server = await startServerOn(place);
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
      const cuts = Array.from({ length: disconnectsFor(EVENTS) }, () => start + 1 + Math.floor(random() * EVENTS)).sort((a, b) => a - b);
      const connection = droppableClient(server.url);
      const stop = new AbortController();
      let writerDone = false;
      let lastWritten = Number.POSITIVE_INFINITY;
      let lastDelivered = start;
      // Keeps the writer at most ~50 revisions ahead, so cuts land during the writes, not after.
      const pace = async (written: number) => {
        while (written - lastDelivered > 50 && !stop.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 1));
      };
      const writer = writeEvents(server.store, EVENTS, seededRandom(seed + 1), pace).then((last) => {
        lastWritten = last;
        writerDone = true;
        return last;
      });

      const delivered: Event[] = [];
      let reconnects = 0;
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
          while (cuts.length > 0 && cuts[0]! <= at) {
            cuts.shift();
            connection.disconnect();
          }
          if (writerDone && at >= lastWritten) break;
        }
      } finally {
        stop.abort();
        connection.close();
      }
      await writer;

      const log = await wholeLog(server.store, start);
      expect(log).toHaveLength(EVENTS);
      expect(delivered.map(summary), `seed ${seed}`).toEqual(log.map(summary));
      expect(reconnects, "the connection was cut and the watch resumed").toBeGreaterThanOrEqual(5);
    },
    backend === "dynamodb" ? 480_000 : 240_000,
  );
});
