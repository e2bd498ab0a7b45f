import { writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/catalog/clock.js";
import { Manager } from "../../src/catalog/manager.js";
import { GitSync, InProcessSyncStateStore } from "../../src/catalog/sync/index.js";
import { DEFAULT_SYNC_REPOSITORY, type SyncCredentialsConfig } from "../../src/config/schema.js";
import { createLogger } from "../../src/logging/index.js";
import { MemoryCatalogStore } from "../../src/storage/memory/index.js";
import { definition, definitionYaml, GitFixture, tempDir } from "./git-fixture.js";
import { type HttpGitServer, startHttpGitServer } from "./http-git-server.js";

const TOKEN = "s3cr3t-token-value-9f2c";
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serveRepository(): Promise<{ repo: GitFixture; server: HttpGitServer; url: string }> {
  const repo = new GitFixture();
  cleanups.push(() => repo.cleanup());
  repo.write("mysql.yaml", definitionYaml(definition()));
  repo.commit("initial");
  const server = await startHttpGitServer(dirname(repo.dir), "platform-bot", TOKEN);
  cleanups.push(() => server.close());
  return { repo, server, url: `${server.url}/${basename(repo.dir)}` };
}

async function syncWith(url: string, credentials: Partial<SyncCredentialsConfig>) {
  const lines: string[] = [];
  const manager = new Manager(
    new MemoryCatalogStore(),
    systemClock,
    createLogger({ level: "debug", format: "json", write: (l) => lines.push(l) }),
  );
  const sync = new GitSync({
    config: {
      repositories: [
        {
          ...DEFAULT_SYNC_REPOSITORY,
          name: "remote",
          url,
          pollIntervalMs: 0,
          credentials: { ...DEFAULT_SYNC_REPOSITORY.credentials, ...credentials },
        },
      ],
      cacheDir: tempDir("nestor-sync-cache-"),
      leaseTtlMs: 60_000,
    },
    manager,
    state: new InProcessSyncStateStore(),
    clock: systemClock,
    logger: createLogger({ level: "debug", format: "json", write: (l) => lines.push(l) }),
  });
  cleanups.push(() => sync.close());
  const run = await sync.syncNow("remote");
  return { run, sync, manager, lines };
}

describe("git sync over HTTPS-style authentication", () => {
  it("fetches with a token from an environment variable and never shows it", async () => {
    const { url } = await serveRepository();
    process.env.NESTOR_TEST_GIT_USER = "platform-bot";
    process.env.NESTOR_TEST_GIT_TOKEN = TOKEN;
    cleanups.push(() => {
      delete process.env.NESTOR_TEST_GIT_USER;
      delete process.env.NESTOR_TEST_GIT_TOKEN;
    });

    const { run, sync, manager, lines } = await syncWith(url, {
      usernameEnv: "NESTOR_TEST_GIT_USER",
      passwordEnv: "NESTOR_TEST_GIT_TOKEN",
    });

    expect(run).toMatchObject({ state: "succeeded", counts: { created: 1 } });
    const { component } = await manager.get("aws-rds-mysql", "1.0.0");
    expect(component.source?.repository).toBe(url);
    const everything = JSON.stringify([await sync.listStatuses(), component, lines]);
    expect(everything).not.toContain(TOKEN);
  });

  it("fetches with a token from a file", async () => {
    const { url } = await serveRepository();
    const tokenFile = join(tempDir("nestor-token-"), "token");
    writeFileSync(tokenFile, `${TOKEN}\n`);
    process.env.NESTOR_TEST_GIT_USER = "platform-bot";
    cleanups.push(() => {
      delete process.env.NESTOR_TEST_GIT_USER;
    });

    const { run } = await syncWith(url, { usernameEnv: "NESTOR_TEST_GIT_USER", tokenFile });

    expect(run).toMatchObject({ state: "succeeded", counts: { created: 1 } });
  });

  it("fails the run, without prompting, when the credentials are wrong", async () => {
    const { url, server } = await serveRepository();
    process.env.NESTOR_TEST_GIT_TOKEN = "wrong";
    cleanups.push(() => {
      delete process.env.NESTOR_TEST_GIT_TOKEN;
    });

    const { run } = await syncWith(url, { passwordEnv: "NESTOR_TEST_GIT_TOKEN" });

    expect(run.state).toBe("failed");
    expect(run.message).toMatch(/Authentication failed|401|could not read/i);
    expect(server.refused).toBeGreaterThan(0);
  });
});
