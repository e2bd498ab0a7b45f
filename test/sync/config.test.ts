import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, repositoryNameFromUrl } from "../../src/config/load.js";
import { DEFAULT_SYNC_REPOSITORY } from "../../src/config/schema.js";

function configFile(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "nestor-sync-config-")), "config.yaml");
  writeFileSync(file, yaml);
  return file;
}

describe("sync configuration", () => {
  it("has no repositories by default", () => {
    const config = loadConfig({ env: {} });
    expect(config.sync.repositories).toEqual([]);
    expect(config.sync.leaseTtlMs).toBeGreaterThan(0);
  });

  it("fills each repository item from the item defaults and derives its name from the URL", () => {
    const file = configFile(`
sync:
  cacheDir: /var/cache/nestor
  repositories:
    - url: https://git.example.com/platform/components.git
      paths: ["defs/**/*.yaml"]
    - url: /srv/git/extra
      name: extra-defs
      branch: release
      onRemoval: deprecate
      pollIntervalMs: 0
      credentials: { passwordEnv: GIT_TOKEN }
`);
    const config = loadConfig({ file, env: {} });
    expect(config.sync.cacheDir).toBe("/var/cache/nestor");
    expect(config.sync.repositories).toEqual([
      {
        ...DEFAULT_SYNC_REPOSITORY,
        name: "components",
        url: "https://git.example.com/platform/components.git",
        paths: ["defs/**/*.yaml"],
      },
      {
        ...DEFAULT_SYNC_REPOSITORY,
        name: "extra-defs",
        url: "/srv/git/extra",
        branch: "release",
        onRemoval: "deprecate",
        pollIntervalMs: 0,
        credentials: { ...DEFAULT_SYNC_REPOSITORY.credentials, passwordEnv: "GIT_TOKEN" },
      },
    ]);
  });

  it("does not share the defaults object between items", () => {
    const file = configFile(`sync: { repositories: [ { url: /a }, { url: /b } ] }`);
    const [a, b] = loadConfig({ file, env: {} }).sync.repositories;
    expect(a!.paths).not.toBe(b!.paths);
    expect(DEFAULT_SYNC_REPOSITORY.name).toBe("");
  });

  it.each([
    [`sync: { repositories: [ { url: /a, branchh: main } ] }`, /unknown key "sync.repositories\[0\].branchh"/],
    [
      `sync: { repositories: [ { url: /a, pollIntervalMs: soon } ] }`,
      /sync.repositories\[0\].*pollIntervalMs.*must be a number/,
    ],
    [
      `sync: { repositories: [ { url: /a, onRemoval: delete } ] }`,
      /sync.repositories\[0\].onRemoval must be one of keep, deprecate/,
    ],
    [`sync: { repositories: [ { branch: main } ] }`, /sync.repositories\[0\].url is required/],
    [
      `sync: { repositories: [ { url: /x/a }, { url: /y/a } ] }`,
      /sync.repositories\[1\].name "a" is already used by sync.repositories\[0\]/,
    ],
    [`sync: { repositories: [ { url: "https://u:secret@host/r.git" } ] }`, /must not contain credentials/],
    [
      `sync: { repositories: [ { url: /a, credentials: { passwordEnv: T, tokenFile: /t } } ] }`,
      /passwordEnv or tokenFile, not both/,
    ],
    [`sync: { repositories: { url: /a } }`, /sync.repositories must be a list/],
    [`sync: { repositories: [ "/a" ] }`, /sync.repositories\[0\] must be a mapping/],
    [`sync: { repositories: [ { url: /a, paths: "*.yaml" } ] }`, /sync.repositories\[0\].paths must be a list/],
  ])("rejects %s", (yaml, message) => {
    const file = configFile(yaml);
    expect(() => loadConfig({ file, env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ file, env: {} })).toThrow(message);
  });

  it("takes repositories as a JSON list from the environment", () => {
    const config = loadConfig({
      env: { NESTOR_SYNC_REPOSITORIES: JSON.stringify([{ url: "file:///srv/defs.git", branch: "trunk" }]) },
    });
    expect(config.sync.repositories).toEqual([
      { ...DEFAULT_SYNC_REPOSITORY, name: "defs", url: "file:///srv/defs.git", branch: "trunk" },
    ]);
  });

  it("names repositories after the last path segment of their URL", () => {
    expect(repositoryNameFromUrl("git@github.com:org/platform-defs.git")).toBe("platform-defs");
    expect(repositoryNameFromUrl("ssh://git@host/org/x.git/")).toBe("x");
    expect(repositoryNameFromUrl("./local/repo")).toBe("repo");
  });
});
