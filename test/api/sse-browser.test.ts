/**
 * A browser's own EventSource following GET /v1/events: Debian's chromium,
 * driven by playwright-core, against a server process on the embedded store.
 * The page is a document of the catalog's own origin (a path under /v1/ that
 * nothing serves: a 404), since the stream sends no CORS headers: browsers
 * follow it from the same origin (docs/events-sse.md). The EventSource
 * receives replayed and live events, sees the restart's `end` event, and
 * reconnects by itself with Last-Event-ID to the restarted server, missing
 * nothing and repeating nothing.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { launchBrowser } from "../support/chromium.js";
import { RestartableCatalog } from "../support/restartable-catalog.js";
import { tempDir } from "./harness.js";

/** What the page records, as `globalThis.followed`. */
interface Followed {
  events: Array<{ type: string; lastEventId: string; revision: string }>;
  ends: string[];
  opens: number;
  source: { readyState: number };
}

type MessageLike = { data: string; lastEventId: string };

const dataDir = tempDir("nestor-sse-browser-");
let catalog: RestartableCatalog | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchBrowser();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await catalog?.stop();
  dataDir.remove();
});

/** Runs in the page: an EventSource recording what it receives. */
function follow(url: string): void {
  const source = new EventSource(url);
  const followed: Followed = { events: [], ends: [], opens: 0, source };
  for (const type of ["created", "updated", "deleted"]) {
    source.addEventListener(type, (event) => {
      const message = event as unknown as MessageLike;
      const data = JSON.parse(message.data) as { revision: string };
      followed.events.push({ type, lastEventId: message.lastEventId, revision: data.revision });
    });
  }
  source.addEventListener("end", (event) => {
    followed.ends.push((JSON.parse((event as unknown as MessageLike).data) as { code: string }).code);
  });
  source.addEventListener("open", () => {
    followed.opens += 1;
  });
  (globalThis as unknown as { followed: Followed }).followed = followed;
}

function eventsReceived(page: Page, count: number): Promise<unknown> {
  const check = (n: number) => (globalThis as unknown as { followed: Followed }).followed.events.length >= n;
  return page.waitForFunction(check, count, { timeout: 60_000 });
}

test("EventSource receives replayed and live events and resumes by itself after the server restarts", async () => {
  catalog = await RestartableCatalog.create(dataDir.path, { NESTOR_EVENTS_PROGRESS_INTERVAL_MS: "300" });
  await catalog.start();
  const publish = (count: number) => catalog!.publish(count, "eventsource");
  await publish(2);

  const page = await browser!.newPage();
  await page.goto(`${catalog.url}/v1/blank`);
  await page.evaluate(follow, "/v1/events?start_revision=0&resume=true");
  await eventsReceived(page, 2);
  await publish(1);
  await eventsReceived(page, 3);

  await catalog.stop();
  await page.waitForFunction(() => (globalThis as unknown as { followed: Followed }).followed.ends.length > 0);
  await catalog.start();
  await publish(2);
  await eventsReceived(page, 5);
  await publish(1);
  await eventsReceived(page, 6);

  const seen = await page.evaluate(() => {
    const { events, ends, opens, source } = (globalThis as unknown as { followed: Followed }).followed;
    return { events, ends, opens, readyState: source.readyState };
  });
  expect(seen.events.map((e) => Number(e.revision))).toEqual([1, 2, 3, 4, 5, 6]);
  expect(seen.events.map((e) => e.lastEventId)).toEqual(["1", "2", "3", "4", "5", "6"]);
  expect(seen.events.every((e) => e.type === "created")).toBe(true);
  expect(seen.ends[0]).toBe("unavailable");
  expect(seen.opens).toBeGreaterThanOrEqual(2);
  // OPEN: still following, never given up.
  expect(seen.readyState).toBe(1);
}, 180_000);
