/**
 * Live delivery across replicas: two `nestor-catalog serve` processes on one
 * Postgres schema (LISTEN/NOTIFY wake-ups), two on one DynamoDB table and
 * two on one MySQL database (polling wake-ups), and two hybrid stores sharing
 * one PostgreSQL primary and its Redis replica. Writes go through one, a watch runs on the other;
 * every acknowledged write arrives, once, in revision order.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { WatchEventsResponse } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { sampleComponent, uniqueName } from "../api/harness.js";
import { type BackendPlace, freshPlace, grpcClient, type ServerProcess, spawnServer, storageEnv } from "./backends.js";

const WRITES = 120;

describe.each(["postgres", "dynamodb", "mysql", "hybrid"] as const)("two replicas on one %s", (backend) => {
  let place: BackendPlace;
  let writer: ServerProcess;
  let watcher: ServerProcess;
  beforeAll(async () => {
    place = freshPlace(backend);
    await place.prepare?.();
    const env = { ...storageEnv(place), NESTOR_EVENTS_PROGRESS_INTERVAL_MS: "500" };
    // One after the other: the first creates the schema or table.
    writer = await spawnServer(env);
    watcher = await spawnServer(env);
  }, 120_000);
  afterAll(async () => {
    await writer?.stop();
    await watcher?.stop();
    await place?.remove();
  }, 60_000);

  test("writes through one replica reach a watch on the other, nothing lost and in order", async () => {
    const a = grpcClient(writer.url);
    const b = grpcClient(watcher.url);
    const abort = new AbortController();
    try {
      const name = uniqueName("replica");
      await a.client.createComponent({ component: sampleComponent({ name, version: "1.0.0" }) });
      // List on the watching replica, then watch from the revision the list reflects.
      const listed = await b.client.listComponents({ pageSize: 1 });
      const stream = b.client.watchEvents(
        { startRevision: listed.revision, filter: { names: [name] } },
        { signal: abort.signal },
      );
      const received: WatchEventsResponse["events"] = [];
      const acked: bigint[] = [];
      let lastAcked = -1n;
      const writes = (async () => {
        for (let i = 0; i < WRITES; i++) {
          const reply =
            i % 10 === 9
              ? await a.client.createComponent({ component: sampleComponent({ name, version: `1.0.${i + 1}` }) })
              : await a.client.updateComponent({
                  component: { name, version: "1.0.0", description: `write ${i}` },
                  updateMask: { paths: ["description"] },
                });
          acked.push(reply.revision);
        }
        lastAcked = acked.at(-1)!;
      })();
      for await (const message of stream) {
        received.push(...message.events);
        if (lastAcked >= 0n && message.revision >= lastAcked) break;
      }
      await writes;
      expect(received.map((e) => e.revision)).toEqual(acked);
      expect(received.filter((e) => e.component?.version === "1.0.0").map((e) => e.component?.description)).toEqual(
        Array.from({ length: WRITES }, (_, i) => `write ${i}`).filter((_, i) => i % 10 !== 9),
      );
    } finally {
      abort.abort();
      a.close();
      b.close();
    }
  }, 180_000);
});
