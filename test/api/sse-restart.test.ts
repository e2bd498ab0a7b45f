/**
 * GET /v1/events across a server restart, with `curl -N` as a shell script
 * would follow the catalog: the embedded store keeps its data directory and
 * the server its port, shutdown ends the stream with an `end` event, and a
 * second curl resuming with the Last-Event-ID of the last message the first
 * one received gets every later event (replayed, then live) with no gap and
 * no duplicate.
 */
import { afterAll, expect, test } from "vitest";
import { RestartableCatalog } from "../support/restartable-catalog.js";
import { CurlEventStream, type SseMessage } from "../support/sse-curl.js";
import { tempDir } from "./harness.js";

const dataDir = tempDir("nestor-sse-restart-");
let catalog: RestartableCatalog | undefined;
afterAll(async () => {
  await catalog?.stop();
  dataDir.remove();
});

const eventIds = (messages: SseMessage[]) => messages.filter((m) => m.event !== "progress").map((m) => Number(m.id));

test("a stream ended by a restart resumes from its Last-Event-ID with no gap and no duplicate", async () => {
  catalog = await RestartableCatalog.create(dataDir.path, { NESTOR_EVENTS_PROGRESS_INTERVAL_MS: "300" });
  await catalog.start();
  const publish = (count: number) => catalog!.publish(count);

  const replayed = await publish(3);
  const before = new CurlEventStream(`${catalog.url}/v1/events?start_revision=0&resume=true`);
  const firstRun = await before.untilRevision(replayed);
  const live = await publish(2);
  firstRun.push(...(await before.untilRevision(live)));
  await catalog.stop();
  const end = await before.next();
  expect(end.event).toBe("end");
  expect(JSON.parse(end.data)).toMatchObject({ code: "unavailable" });
  expect(await before.exited).toBe(0);
  const lastEventId = [...firstRun].reverse().find((m) => m.id !== undefined)?.id;
  expect(lastEventId).toBe(String(live));

  await catalog.start();
  const whileAway = await publish(2);
  const after = new CurlEventStream(`${catalog.url}/v1/events?start_revision=0&resume=true`, {
    headers: { "Last-Event-ID": lastEventId! },
  });
  try {
    const secondRun = await after.untilRevision(whileAway);
    const last = await publish(1);
    secondRun.push(...(await after.untilRevision(last)));
    expect(eventIds(firstRun)).toEqual([1, 2, 3, 4, 5]);
    expect(eventIds(secondRun)).toEqual([6, 7, 8]);
  } finally {
    await after.close();
  }
}, 120_000);
