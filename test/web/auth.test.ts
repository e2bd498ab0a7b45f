/**
 * The web app against a catalog with authentication configured (API keys,
 * docs/security.md), in a real browser: UNAUTHENTICATED and
 * PERMISSION_DENIED read clearly with the server's own message, a token is
 * kept for the tab only (sessionStorage) and sent as a bearer token.
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyncService } from "../../gen/ts/src/nestor/catalog/v1/sync_service_pb.js";
import { type CatalogServer, startCatalogServer } from "../../src/app.js";
import { silentLogger } from "../../src/logging/index.js";
import { rejectionOf, sampleComponent, tempDir, testConfig } from "../api/harness.js";
import { bearer, type KeyMaterial, makeKeyMaterial, protocolClients, withAuth } from "../security/helpers.js";
import { buildWebApp, DESKTOP, launchBrowser, screenshot } from "./browser.js";

const WAIT = { timeout: 15_000 };

let web: { dir: string; remove(): void };
let keysDir: { path: string; remove(): void };
let keys: KeyMaterial;
let server: CatalogServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [web, browser] = await Promise.all([buildWebApp(), launchBrowser()]);
  keysDir = tempDir("nestor-web-auth-");
  keys = makeKeyMaterial(keysDir.path);
  server = await startCatalogServer(
    testConfig((config) => {
      withAuth(keys)(config);
      config.server.limits = { requestsPerSecond: 0, burst: 0, maxStreamsPerIdentity: 0 };
      config.server.webAppDir = web.dir;
    }),
    silentLogger,
  );
  const clients = protocolClients(server.url);
  await clients.clients.connect.createComponent({ component: sampleComponent() }, bearer(keys.apiKeys.publisher));
  clients.close();
  context = await browser.newContext({ viewport: DESKTOP });
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await server?.shutdown();
  web?.remove();
  keysDir?.remove();
});

/** The message the server gives a Node client for the same call, to hold the page to the server's own words. */
async function serverMessage(call: () => Promise<unknown>, code: Code): Promise<string> {
  const err = await rejectionOf(call());
  expect(err).toBeInstanceOf(ConnectError);
  expect(Code[(err as ConnectError).code]).toBe(Code[code]);
  return (err as ConnectError).rawMessage;
}

async function alertOf(p: Page): Promise<{ code: string | null; title: string; detail: string }> {
  const alert = p.getByRole("alert").first();
  await alert.waitFor(WAIT);
  return {
    code: await alert.getAttribute("data-code"),
    title: (await alert.locator(".error-title").textContent()) ?? "",
    detail: (await alert.locator(".error-detail").textContent()) ?? "",
  };
}

async function useToken(p: Page, token: string): Promise<void> {
  const details = p.locator("details.credentials");
  if ((await details.getAttribute("open")) === null) await details.locator("summary").click();
  await p.getByLabel("API key or bearer token").fill(token);
  await p.getByLabel("API key or bearer token").press("Enter");
}

const tableRows = (p: Page) => p.locator("table.components-table tbody tr");

describe("the web app with authentication configured", () => {
  it("says sign-in is needed, in the server's words, when the tab has no token", async () => {
    const anonymous = protocolClients(server.url);
    const expected = await serverMessage(
      () => anonymous.clients.connect.listComponents({ pageSize: 25 }),
      Code.Unauthenticated,
    );
    anonymous.close();

    await page.goto(`${server.url}/`);
    const alert = await alertOf(page);
    expect(alert.code).toBe(String(Code.Unauthenticated));
    expect(alert.title).toContain("Sign-in needed");
    expect(alert.detail).toBe(expected);
    await screenshot(page, "auth-unauthenticated");
  });

  it("opens the credentials form from the error, and a wrong key is still UNAUTHENTICATED", async () => {
    const wrongKey = "nck_not-a-configured-key";
    const anonymous = protocolClients(server.url);
    const expected = await serverMessage(
      () => anonymous.clients.connect.listComponents({ pageSize: 25 }, bearer(wrongKey)),
      Code.Unauthenticated,
    );
    anonymous.close();
    expect(expected).not.toBe((await alertOf(page)).detail);

    await page.getByRole("button", { name: "Enter a token" }).click();
    const field = page.getByLabel("API key or bearer token");
    expect(await field.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
    await field.fill(wrongKey);
    await field.press("Enter");
    await expect.poll(async () => (await alertOf(page)).detail, WAIT).toBe(expected);
    expect((await alertOf(page)).code).toBe(String(Code.Unauthenticated));
    expect(await page.locator(".token-state").textContent()).toBe("(token in use)");
  });

  it("lists components once a reader key is entered, keeping it in this tab's sessionStorage only", async () => {
    await useToken(page, keys.apiKeys.reader);
    await tableRows(page).first().waitFor(WAIT);
    expect(await tableRows(page).getAttribute("data-component")).toBe("aws-rds-mysql");
    expect(await page.locator(".token-state").textContent()).toBe("(token in use)");
    expect(await page.evaluate("Object.values(sessionStorage)")).toEqual([keys.apiKeys.reader]);
    expect(await page.evaluate("localStorage.length")).toBe(0);
    expect(await context.cookies()).toEqual([]);

    // Another tab starts without it.
    const other = await context.newPage();
    await other.goto(`${server.url}/`);
    expect((await alertOf(other)).code).toBe(String(Code.Unauthenticated));
    await other.close();
  });

  it("says permission is denied, naming the role needed, where the key's role does not reach", async () => {
    const sync = createClient(
      SyncService,
      createConnectTransport({ baseUrl: server.url, httpVersion: "1.1", useBinaryFormat: false }),
    );
    const expected = await serverMessage(
      () => sync.listSyncStatuses({}, bearer(keys.apiKeys.reader)),
      Code.PermissionDenied,
    );
    expect(expected).toContain("admin role");

    await page.getByRole("link", { name: "Git sync" }).click();
    const alert = await alertOf(page);
    expect(alert.code).toBe(String(Code.PermissionDenied));
    expect(alert.title).toContain("Permission denied");
    expect(alert.detail).toBe(expected);
    await screenshot(page, "auth-permission-denied");

    await page.getByRole("button", { name: "Use another token" }).click();
    await page.getByLabel("API key or bearer token").fill(keys.apiKeys.admin);
    await page.getByLabel("API key or bearer token").press("Enter");
    await page.locator(".empty").filter({ hasText: "No repositories are configured" }).waitFor(WAIT);
  });

  it("forgets the token on request", async () => {
    await page.goto(`${server.url}/`);
    await tableRows(page).first().waitFor(WAIT);
    await page.locator("details.credentials summary").click();
    await page.getByRole("button", { name: "Forget token" }).click();
    expect((await alertOf(page)).code).toBe(String(Code.Unauthenticated));
    expect(await page.evaluate("sessionStorage.length")).toBe(0);
    expect(await page.locator(".token-state").textContent()).toBe("(none)");
  });
});
