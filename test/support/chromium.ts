/**
 * A real browser for tests: Debian's chromium, driven by playwright-core.
 * scripts/services/chromium.sh installs it when missing (as root, never a
 * browser build of playwright's own) and prints its path. Each launch gets
 * a fresh profile. Used by the web app's suites (test/web/) and the
 * EventSource test of GET /v1/events.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { repoRoot } from "../api/harness.js";

/** The chromium binary: scripts/services/chromium.sh installs it when missing (as root) and prints its path. */
export function chromiumPath(): string {
  try {
    return execFileSync("bash", [join(repoRoot, "scripts/services/chromium.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    throw new Error(
      `The browser tests need Debian's chromium (/usr/bin/chromium) and could not install it: ${stderr.trim()}\n` +
        "Install it with `apt-get install -y chromium` (as root), or set NESTOR_CHROMIUM to a Chromium binary.",
    );
  }
}

/** Headless chromium with the flags this machine needs (no sandbox as root, no background network). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // playwright-core gives every launch a fresh temporary --user-data-dir of its own.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
