/**
 * Shared setup for the web app suites: a fresh build of web/ (Vite, into a
 * temp dir the server is pointed at with server.webAppDir, so the tests see
 * the current source and never touch dist/), Debian's chromium driven by
 * playwright-core (test/support/chromium.ts), and screenshots for a reviewer under
 * test/web/screenshots/ (gitignored; docs/web.md).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { build } from "vite";
import { repoRoot } from "../api/harness.js";

export { launchBrowser } from "../support/chromium.js";

export const SCREENSHOT_DIR = join(repoRoot, "test/web/screenshots");
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 360, height: 740 };

/** Builds web/ into a new temp dir; remove() deletes it. */
export async function buildWebApp(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "nestor-web-"));
  await build({
    configFile: join(repoRoot, "web/vite.config.ts"),
    logLevel: "warn",
    build: { outDir: dir, emptyOutDir: true },
  });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `<name>-<width>.png` for a reviewer (full page). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const width = page.viewportSize()?.width ?? 0;
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${width}.png`), fullPage: true });
}

/** How far the page is wider than the viewport (0 when nothing scrolls sideways). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
}

/** The revisions of the events the activity page lists, top (newest) first. */
export async function listedRevisions(page: Page): Promise<number[]> {
  return page
    .locator("li.event")
    .evaluateAll((items) => items.map((item) => Number(item.getAttribute("data-revision"))));
}

let axeSource: string | undefined;

/**
 * axe-core's WCAG 2.1 A and AA checks (labels, contrast, names, landmarks,
 * ARIA use) on the page as it stands, one line per violated rule with the
 * elements at fault. Evaluated through the DevTools protocol, which the
 * page's Content-Security-Policy does not govern.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(axeSource);
  return page.evaluate<string[]>(`
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
      .then((result) => result.violations.map((violation) =>
        violation.id + ": " + violation.help +
        " (" + violation.nodes.map((node) => node.target.join(" ")).join(", ") + ")"))
  `);
}
