/**
 * A real browser for tests: Debian's chromium, driven by playwright-core.
 * The binary is installed with apt-get when missing (idempotent; root, as in
 * CI), never downloaded by playwright. Each launch gets a fresh profile
 * directory, removed when the browser closes.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.NESTOR_CHROMIUM ?? "/usr/bin/chromium";

/** Installs Debian's chromium unless CHROMIUM is there already. Takes minutes the first time. */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  execFileSync("bash", ["-c", "apt-get update -qq && apt-get install -y -qq chromium >/dev/null"], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    stdio: "inherit",
  });
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} is not there`);
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless chromium with nothing of its own on the network (no updates, sync, QUIC or background fetches). */
export async function launchChromium(): Promise<Browser> {
  ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), "nestor-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
