/**
 * The web catalog browser in a real browser (Debian's chromium through
 * playwright-core) against a real catalog server: the paged, filtered list,
 * a component and its versions, a diff, live activity, Git sync status,
 * keyboard use, and every page at 360 px. Each page is also written as a
 * screenshot for a reviewer (test/web/screenshots/).
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_SYNC_REPOSITORY } from "../../src/config/schema.js";
import { type Harness, sampleComponent, startHarness, steppingClock, tempDir } from "../api/harness.js";
import { definition, definitionYaml, GitFixture } from "../sync/git-fixture.js";
import {
  accessibilityViolations,
  buildWebApp,
  DESKTOP,
  horizontalOverflow,
  launchBrowser,
  listedRevisions,
  PHONE,
  screenshot,
} from "./browser.js";
import { seedCatalog } from "./catalog-fixture.js";

const FILLERS = 55;
const WAIT = { timeout: 15_000, interval: 50 };

let web: { dir: string; remove(): void };
let repo: GitFixture;
let cache: { path: string; remove(): void };
let h: Harness;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [web, browser] = await Promise.all([buildWebApp(), launchBrowser()]);
  repo = new GitFixture();
  repo.write("network/aws-vpc.yaml", definitionYaml(definition({ name: "aws-vpc", labels: { team: "network" } })));
  repo.write("broken.yaml", definitionYaml(definition({ name: "aws-s3", version: "v1.0.0" })));
  const head = repo.commit("definitions");
  cache = tempDir("nestor-web-sync-cache-");
  h = await startHarness(
    (config) => {
      config.server.webAppDir = web.dir;
      config.sync.cacheDir = cache.path;
      config.sync.repositories = [{ ...DEFAULT_SYNC_REPOSITORY, name: "platform", url: repo.dir, pollIntervalMs: 0 }];
    },
    { clock: steppingClock() },
  );
  await seedCatalog(h.grpc, FILLERS);
  // The server syncs every repository once at start; let that finish first.
  await vi.waitFor(async () => expect((await h.server.sync.getStatus("platform")).lastSyncedCommit).toBe(head), {
    timeout: 30_000,
    interval: 50,
  });
  context = await browser.newContext({ viewport: DESKTOP });
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
  web?.remove();
  repo?.cleanup();
  cache?.remove();
});

const rowNames = (p: Page) =>
  p
    .locator("table.components-table tbody tr")
    .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-component")));

async function rowsAfterLoad(p: Page): Promise<(string | null)[]> {
  await p.locator("table.components-table, p.empty, .error").first().waitFor();
  return rowNames(p);
}

/** The rows of page `number` once it has loaded (the page number changes first, then "Loading", then the rows). */
async function rowsOfPage(p: Page, number: number): Promise<(string | null)[]> {
  await p
    .locator(".page-number")
    .filter({ hasText: `Page ${number}` })
    .waitFor();
  await p.locator("p.loading").waitFor({ state: "detached" });
  return rowsAfterLoad(p);
}

describe("the components list", () => {
  it("pages through the latest version of every component with Next and Previous, by keyboard", async () => {
    await page.goto(`${h.server.url}/`);
    const first = await rowsAfterLoad(page);
    expect(first).toHaveLength(25);
    expect(first[0]).toBe("aws-rds-mysql");
    const mysql = page.locator('tr[data-component="aws-rds-mysql"]');
    expect(await mysql.locator('td[data-label="Latest"] a').textContent()).toBe("2.0.0");
    await screenshot(page, "components");

    const next = page.getByRole("button", { name: "Next page" });
    await next.focus();
    await page.keyboard.press("Enter");
    const second = await rowsOfPage(page, 2);
    expect(second).toHaveLength(25);
    await next.focus();
    await page.keyboard.press("Enter");
    const third = await rowsOfPage(page, 3);
    expect(third).toHaveLength(2 + FILLERS - 50);
    expect(await next.isDisabled()).toBe(true);

    const all = [...first, ...second, ...third];
    expect(new Set(all).size).toBe(2 + FILLERS);
    expect(all).toEqual([...all].sort());

    await page.getByRole("button", { name: "Previous page" }).click();
    expect(await rowsOfPage(page, 2)).toEqual(second);
  });

  it("searches free text and filters by provider and label, keeping them in the URL", async () => {
    await page.goto(`${h.server.url}/`);
    await page.getByLabel("Search").fill("mysql");
    await page.keyboard.press("Enter");
    // aws-vpc's description is "Managed MySQL": search reads descriptions too.
    await expect.poll(async () => (await rowNames(page)).sort(), WAIT).toEqual(["aws-rds-mysql", "aws-vpc"]);
    expect(new URL(page.url()).search).toBe("?q=mysql");
    await screenshot(page, "search");

    await page.goto(`${h.server.url}/?provider=gcp&labels=tier%3Dgold`);
    const gold = await rowsAfterLoad(page);
    expect(gold).toEqual(Array.from({ length: 11 }, (_, i) => `svc-${String(i * 5).padStart(3, "0")}`));
    expect(await page.getByLabel("Provider").inputValue()).toBe("gcp");

    await page.getByRole("textbox", { name: "Labels" }).fill("tier");
    await page.getByRole("button", { name: "Apply" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain('The label filter "tier" is not key=value');
    expect(await page.getByRole("textbox", { name: "Labels" }).getAttribute("aria-invalid")).toBe("true");
  });

  it("includes deprecated components only when asked", async () => {
    await h.grpc.createComponent({ component: sampleComponent({ name: "old-queue", provider: "azure" }) });
    await h.grpc.updateComponent({
      component: { name: "old-queue", version: "1.0.0", deprecation: { deprecated: true, message: "gone" } },
      updateMask: { paths: ["deprecation"] },
    });
    await page.goto(`${h.server.url}/?provider=azure`);
    expect(await rowsAfterLoad(page)).toEqual([]);
    await page.getByLabel("Include deprecated").check();
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(() => rowNames(page), WAIT).toEqual(["old-queue"]);
    expect(await page.locator('tr[data-component="old-queue"] .badge-deprecated').textContent()).toContain(
      "deprecated",
    );
  });
});

describe("a component", () => {
  it("lists its versions in SemVer order with pre-releases and deprecations marked", async () => {
    await page.goto(`${h.server.url}/`);
    await page.getByRole("link", { name: "aws-rds-mysql" }).click();
    const versions = page.locator("ol.version-list li");
    await expect
      .poll(() => versions.evaluateAll((items) => items.map((item) => item.getAttribute("data-version"))), WAIT)
      .toEqual(["2.0.0", "2.0.0-rc.1", "1.1.0", "1.0.0"]);
    expect(await page.locator('li[data-version="2.0.0-rc.1"] .badge-pre').count()).toBe(1);
    expect(await page.locator('li[data-version="1.0.0"] .badge-deprecated').count()).toBe(1);
    expect(await page.locator('li[data-version="1.1.0"] .badge').count()).toBe(0);
  });

  it("marks a yanked version and shows a deprecation's replacement and sunset", async () => {
    const name = "lifecycle-db";
    for (const version of ["1.0.0", "1.1.0", "1.2.0"]) {
      await h.grpc.createComponent({ component: sampleComponent({ name, version }) });
    }
    await h.grpc.updateComponent({
      component: {
        name,
        version: "1.0.0",
        deprecation: {
          deprecated: true,
          message: "moves to the new engine",
          replacement: { name: "aws-rds-mysql", constraint: "^2" },
          sunsetTime: { seconds: BigInt(Date.parse("2031-06-30T00:00:00Z") / 1000) },
        },
      },
      updateMask: { paths: ["deprecation"] },
    });
    await h.grpc.yankComponentVersion({ name, version: "1.2.0", reason: "corrupts backups" });
    await page.goto(`${h.server.url}/components/${name}`);
    const yanked = page.locator('li[data-version="1.2.0"] .badge-yanked');
    await expect.poll(() => yanked.count(), WAIT).toBe(1);
    expect(await yanked.getAttribute("title")).toBe("corrupts backups");
    expect(await page.locator('li[data-version="1.1.0"] .badge').count()).toBe(0);
    // Latest skips the yanked 1.2.0.
    await expect.poll(() => page.locator("#detail-heading").textContent(), WAIT).toContain("Version 1.1.0");

    await page.goto(`${h.server.url}/components/${name}/versions/1.2.0`);
    const yankNotice = page.locator(".yank-notice");
    await yankNotice.waitFor();
    expect(await yankNotice.textContent()).toContain("Yanked: corrupts backups");
    expect(await page.locator("#detail-heading .badge-yanked").count()).toBe(1);

    await page.goto(`${h.server.url}/components/${name}/versions/1.0.0`);
    const notice = page.locator(".deprecation-notice");
    await notice.waitFor();
    expect(await notice.locator("p").first().textContent()).toBe("Deprecated: moves to the new engine");
    const replacement = notice.locator(".replacement a");
    expect((await replacement.textContent())?.trim()).toBe("aws-rds-mysql ^2");
    expect(await notice.locator(".sunset time").getAttribute("datetime")).toBe("2031-06-30T00:00:00.000Z");
    await replacement.click();
    await expect.poll(() => page.locator("#detail-heading").textContent(), WAIT).toContain("Version 2.0.0");
  });

  it("loads more versions on demand, in SemVer order (1.10.0 above 1.9.0)", async () => {
    for (let minor = 0; minor < 60; minor++) {
      await h.grpc.createComponent({ component: sampleComponent({ name: "many-versions", version: `1.${minor}.0` }) });
    }
    await page.goto(`${h.server.url}/components/many-versions`);
    const versions = () =>
      page.locator("ol.version-list li").evaluateAll((items) => items.map((item) => item.getAttribute("data-version")));
    await expect.poll(versions, WAIT).toHaveLength(50);
    const more = page.getByRole("button", { name: "Load more versions" });
    await more.focus();
    await page.keyboard.press("Enter");
    await expect.poll(versions, WAIT).toHaveLength(60);
    expect(await versions()).toEqual(Array.from({ length: 60 }, (_, i) => `1.${59 - i}.0`));
    expect(await more.count()).toBe(0);
  });

  it("shows a version's inputs with type, requirement, default, rules in words and sensitivity", async () => {
    await page.goto(`${h.server.url}/components/aws-rds-mysql`);
    await page.locator("table.inputs-table").waitFor();
    expect(await page.locator("#detail-heading").textContent()).toContain("Version 2.0.0");
    const cells = async (input: string) =>
      page.locator(`tr[data-input="${input}"] td`).evaluateAll((tds) =>
        Object.fromEntries(
          tds.map((td) => {
            // A cell holding a list reads as its items joined by " | ".
            const items = [...td.querySelectorAll("li")].map((li) => li.textContent?.trim());
            return [td.getAttribute("data-label"), items.length > 0 ? items.join(" | ") : td.textContent?.trim()];
          }),
        ),
      );
    expect(await cells("identifier")).toMatchObject({
      Type: "string",
      Required: "required",
      Default: "none",
      Validation: "at most 63 characters long | matches the pattern [a-z][a-z0-9-]* in full",
    });
    expect(await cells("size")).toMatchObject({
      Type: "integer",
      Required: "optional",
      Default: "20",
      Validation: "between 20 and 1000 inclusive",
    });
    expect((await cells("instance_class")).Validation).toBe('one of "db.t3.micro", "db.t3.small"');
    expect(await page.locator('tr[data-input="master_password"] .badge-sensitive').textContent()).toBe("sensitive");
    expect(await page.locator('tr[data-input="size"] .badge-sensitive').count()).toBe(0);
    expect(
      await page
        .locator("table.outputs-table tbody tr")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-output"))),
    ).toEqual(["endpoint"]);
    const facts = await page.locator(".version-detail").textContent();
    expect(facts).toContain("by anonymous");
    expect(facts).toContain("terraform");
    expect(facts).toContain("git::https://example.com/modules/rds.git");
    await screenshot(page, "component");

    await page.locator('li[data-version="1.0.0"] a').click();
    await expect.poll(() => page.locator("#detail-heading").textContent(), WAIT).toContain("Version 1.0.0");
    expect(await page.locator(".version-detail .deprecation-notice p").first().textContent()).toBe(
      "Deprecated: use 1.1.0",
    );
    expect(new URL(page.url()).pathname).toBe("/components/aws-rds-mysql/versions/1.0.0");
  });

  it("shows where a synced version came from: repository, commit and path", async () => {
    await page.goto(`${h.server.url}/components/aws-vpc/versions/1.0.0`);
    await page.locator("#detail-heading").filter({ hasText: "Version 1.0.0" }).waitFor();
    const detail = await page.locator(".version-detail").textContent();
    expect(detail).toContain(repo.dir);
    expect(detail).toContain(repo.head());
    expect(detail).toContain("network/aws-vpc.yaml");
    expect(detail).toContain("by git-sync:platform");
  });

  it("answers an unknown component with NOT_FOUND naming it", async () => {
    await page.goto(`${h.server.url}/components/no-such-thing`);
    const alert = page.getByRole("alert").first();
    await alert.waitFor();
    expect(await alert.getAttribute("data-code")).toBe("5");
    expect(await alert.textContent()).toContain("no-such-thing");
  });
});

describe("the diff between two versions", () => {
  it("lists each change, highlights the breaking ones and says the bump needed", async () => {
    await page.goto(`${h.server.url}/components/aws-rds-mysql`);
    await page.getByRole("link", { name: "Compare 2.0.0-rc.1 → 2.0.0" }).click();
    await page.locator("table.changes-table").waitFor();
    expect(await page.locator("tr.breaking").count()).toBe(0);
    expect(await page.locator("dl.summary").textContent()).toMatch(/Breaking\s+no/);

    await page.getByLabel("Base version").fill("1.1.0");
    await page.getByLabel("Base version").press("Enter");
    await expect.poll(() => page.locator("tr.breaking").count(), WAIT).toBe(1);
    expect(new URL(page.url()).search).toBe("?base=1.1.0&target=2.0.0");
    const breaking = page.locator("tr.breaking");
    expect(await breaking.getAttribute("data-path")).toBe("outputs.port");
    expect(await breaking.locator(".badge-breaking").textContent()).toBe("breaking");
    expect(await breaking.locator('td[data-label="Bump"]').textContent()).toBe("major");
    expect(await page.locator('tr[data-path="inputs.master_password"] td[data-label="Breaking"]').textContent()).toBe(
      "no",
    );
    const summary = await page.locator("dl.summary").textContent();
    expect(summary).toMatch(/yes: 1 breaking change\b/);
    expect(summary).toContain("sufficient (2.0.0 is at least a major bump)");
    await screenshot(page, "compare");
  });

  it("says which version is missing when one does not exist", async () => {
    await page.goto(`${h.server.url}/components/aws-rds-mysql/compare?base=1.1.0&target=9.9.9`);
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("9.9.9");
  });
});

describe("live activity", () => {
  it("shows an event as soon as a CreateComponent commits", async () => {
    await page.goto(`${h.server.url}/activity`);
    await page.locator('[data-status="live"]').waitFor(WAIT);
    const before = await listedRevisions(page);
    expect(before.length).toBeGreaterThan(0);
    const created = await h.grpc.createComponent({ component: sampleComponent({ name: "live-demo" }) });
    const row = page.locator(`li.event[data-revision="${created.revision}"]`);
    await row.waitFor(WAIT);
    expect(await row.textContent()).toMatch(/created\s+live-demo 1\.0\.0\s+by anonymous/);
    expect((await listedRevisions(page))[0]).toBe(Number(created.revision));
    await screenshot(page, "activity");
  });
});

describe("git sync status", () => {
  it("shows each repository's last commit and every file error with its line", async () => {
    await page.goto(`${h.server.url}/sync`);
    const error = page.locator('section[data-repository="platform"] tr[data-path="broken.yaml"]');
    await error.waitFor(WAIT);
    expect(await error.locator('td[data-label="Line"]').textContent()).toBe("5");
    expect(await error.locator('td[data-label="Problem"]').textContent()).toMatch(
      /^metadata\.version: version "v1\.0\.0"/,
    );
    expect(await page.locator('section[data-repository="platform"] dl').textContent()).toContain(
      repo.head().slice(0, 12),
    );
    await screenshot(page, "sync");
  });
});

describe("keyboard and narrow screens", () => {
  it("tabs to the skip link first, then the navigation, with a visible focus ring", async () => {
    await page.goto(`${h.server.url}/`);
    await page.locator("table.components-table").waitFor();
    await page.keyboard.press("Tab");
    const focused = () =>
      page.evaluate<{ text: string; outline: string }>(
        `({ text: document.activeElement.textContent.trim(),
            outline: getComputedStyle(document.activeElement).outlineStyle })`,
      );
    expect(await focused()).toEqual({ text: "Skip to content", outline: "solid" });
    await page.keyboard.press("Tab");
    expect((await focused()).text).toBe("Nestor Catalog");
    await page.keyboard.press("Tab");
    expect((await focused()).text).toBe("Components");
    await page.keyboard.press("Tab");
    expect((await focused()).text).toBe("Activity");
    await page.keyboard.press("Enter");
    await page.locator("h1").filter({ hasText: "Activity" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/activity");
  });

  /** Each page, with the element that shows it has loaded. */
  const PAGES: [string, string, string][] = [
    ["components", "/", "table.components-table"],
    ["component", "/components/aws-rds-mysql", "table.inputs-table"],
    ["compare", "/components/aws-rds-mysql/compare?base=1.1.0&target=2.0.0", "table.changes-table"],
    ["activity", "/activity", '[data-status="live"]'],
    ["sync", "/sync", "table.file-errors"],
  ];

  it("passes axe-core's WCAG 2.1 A and AA checks on every page, credentials panel open", async () => {
    for (const [name, path, ready] of PAGES) {
      await page.goto(`${h.server.url}${path}`);
      await page.locator(ready).first().waitFor(WAIT);
      await page.locator("details.credentials summary").click();
      expect(await accessibilityViolations(page), name).toEqual([]);
    }
    // The same check on a page broken on purpose: an unlabelled field and grey-on-white text are found.
    await page.evaluate(`{
      const main = document.querySelector("main");
      main.append(document.createElement("input"));
      const faint = main.appendChild(document.createElement("p"));
      faint.textContent = "faint";
      faint.style.color = "#bbb";
    }`);
    const broken = (await accessibilityViolations(page)).map((line) => line.split(":")[0]);
    expect(broken).toEqual(expect.arrayContaining(["label", "color-contrast"]));
  });

  it("fits every page into 360 px without sideways scrolling", async () => {
    const phone = await browser.newContext({ viewport: PHONE });
    const small = await phone.newPage();
    try {
      for (const [name, path, ready] of PAGES) {
        await small.goto(`${h.server.url}${path}`);
        await small.locator(ready).first().waitFor(WAIT);
        expect(await horizontalOverflow(small), name).toBe(0);
        await screenshot(small, name);
      }
    } finally {
      await phone.close();
    }
  });
});
