/**
 * The activity page across a server restart, in a real browser: the catalog
 * runs as a child process on a fixed port with the embedded store, is stopped
 * (SIGTERM) while the page watches, and started again on the same data. The
 * page must say it is reconnecting, resume from the last revision it saw,
 * and end up listing every event exactly once, including those written
 * before it got back.
 */
import { type Client, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { sampleComponent, tempDir } from "../api/harness.js";
import { restartablePort } from "../support/ports.js";
import { type ServerProcess, spawnServer } from "../support/server-process.js";
import { buildWebApp, DESKTOP, launchBrowser, listedRevisions, screenshot } from "./browser.js";

const WAIT = { timeout: 30_000, interval: 50 };

let web: { dir: string; remove(): void };
let data: { path: string; remove(): void };
let browser: Browser;
let server: ServerProcess | undefined;
let env: Record<string, string>;
let catalog: Client<typeof CatalogService>;

beforeAll(async () => {
  [web, browser] = await Promise.all([buildWebApp(), launchBrowser()]);
  data = tempDir("nestor-web-restart-");
  env = {
    NESTOR_SERVER_PORT: String(await restartablePort()),
    NESTOR_STORAGE_TYPE: "embedded",
    NESTOR_STORAGE_EMBEDDED_DATA_DIR: data.path,
    NESTOR_STORAGE_EMBEDDED_FSYNC: "false",
    NESTOR_SERVER_WEB_APP_DIR: web.dir,
    NESTOR_SERVER_SHUTDOWN_GRACE_MS: "2000",
    NESTOR_EVENTS_PROGRESS_INTERVAL_MS: "500",
  };
  server = await spawnServer(env);
  // HTTP/1.1, one request per call: nothing of this client outlives a server process.
  catalog = createClient(
    CatalogService,
    createConnectTransport({ baseUrl: server.url, httpVersion: "1.1", useBinaryFormat: false }),
  );
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  web?.remove();
  data?.remove();
});

async function publish(name: string): Promise<number> {
  const reply = await catalog.createComponent({ component: sampleComponent({ name }) });
  return Number(reply.revision);
}

const status = (page: Page) => page.locator(".stream-status").getAttribute("data-status");

describe("the activity page across a server restart", () => {
  it("shows it is reconnecting, then resumes with no missing and no repeated event", async () => {
    // Opened on the empty catalog: it follows from now, then shows each write as it commits.
    const page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
    await page.goto(`${server!.url}/activity`);
    await expect.poll(() => status(page), WAIT).toBe("live");
    expect(await listedRevisions(page)).toEqual([]);
    const before = [await publish("restart-a"), await publish("restart-b"), await publish("restart-c")];
    expect(before).toEqual([1, 2, 3]);
    await expect.poll(() => listedRevisions(page), WAIT).toEqual([3, 2, 1]);

    await server!.stop();
    await expect.poll(() => status(page), WAIT).toMatch(/^(reconnecting|resuming)$/);
    const message = await page.locator(".stream-status").textContent();
    expect(message).toContain("Will resume after revision 3");
    await screenshot(page, "activity-reconnecting");

    server = await spawnServer(env);
    // Written as soon as the server is back, most likely before the page's next attempt: replayed on resume.
    const whileAway = [await publish("restart-d"), await publish("restart-e")];
    expect(whileAway).toEqual([4, 5]);
    await expect.poll(() => listedRevisions(page), WAIT).toEqual([5, 4, 3, 2, 1]);
    await expect.poll(() => status(page), WAIT).toBe("live");

    const live = await publish("restart-f");
    await expect.poll(() => listedRevisions(page), WAIT).toEqual([live, 5, 4, 3, 2, 1]);
    expect(live).toBe(6);
    const names = await page
      .locator("li.event .event-subject")
      .evaluateAll((links) => links.map((link) => link.textContent));
    expect(names).toEqual(["f", "e", "d", "c", "b", "a"].map((x) => `restart-${x} 1.0.0`));
  });
});
