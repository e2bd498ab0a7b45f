import { readFileSync } from "node:fs";
import { join } from "node:path";
/**
 * The config loader: defaults from the schema, YAML in camelCase or
 * snake_case, NESTOR_* variables for every key, and a message naming the key
 * (and the file or variable it came from) for every kind of bad value.
 */
import { describe, expect, it } from "vitest";
import { leavesOf } from "../../src/config/env.js";
import { envName, loadConfig } from "../../src/config/load.js";
import { catalogConfigSchema, DEFAULT_CONFIG } from "../../src/config/schema.js";
import { repoRoot } from "../api/harness.js";
import { configFile, fromYaml, refusal } from "./helpers.js";

describe("config loader", () => {
  it("gives every default with no file and no environment", () => {
    expect(loadConfig({ env: {} })).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG.storage.type).toBe("embedded");
    expect(DEFAULT_CONFIG.server.port).toBe(8080);
  });

  it("takes the architecture note's snake_case keys (Phase 1 and Phase 2 examples)", () => {
    const phase1 = fromYaml(
      "storage:\n  type: dynamodb\n  dynamodb:\n    table_name: nestor-components\n    region: us-west-2\n",
    );
    expect(phase1.storage.type).toBe("dynamodb");
    expect(phase1.storage.dynamodb).toMatchObject({ tableName: "nestor-components", region: "us-west-2" });
    const phase2 = fromYaml(
      "storage:\n  type: postgres\n  postgres:\n    host: localhost\n    database: nestor\n    user: nestor_user\n",
    );
    expect(phase2.storage.postgres).toMatchObject({ host: "localhost", database: "nestor", user: "nestor_user" });
  });

  it("takes snake_case inside list items too", () => {
    const config = fromYaml(
      "sync:\n  repositories:\n    - url: /srv/defs\n      poll_interval_ms: 0\n      on_removal: deprecate\n",
    );
    expect(config.sync.repositories[0]).toMatchObject({ pollIntervalMs: 0, onRemoval: "deprecate" });
  });

  it("refuses both spellings of one key in one mapping, naming both", () => {
    const message = refusal(() => fromYaml("storage:\n  dynamodb:\n    table_name: a\n    tableName: b\n"));
    expect(message).toContain('"storage.dynamodb.table_name" and "storage.dynamodb.tableName"');
  });

  it("maps every key to a NESTOR_ variable and reads each one", () => {
    const names = leavesOf(catalogConfigSchema).map((leaf) => envName(leaf.path));
    expect(names).toContain("NESTOR_STORAGE_POSTGRES_POOL_SIZE");
    expect(names).toContain("NESTOR_SERVER_HEALTH_CHECK_INTERVAL_MS");
    expect(new Set(names).size).toBe(names.length);
    const config = loadConfig({
      env: {
        NESTOR_STORAGE_POSTGRES_POOL_SIZE: "3",
        NESTOR_SERVER_INSECURE: "1",
        NESTOR_SYNC_REPOSITORIES: JSON.stringify([{ url: "/srv/defs", poll_interval_ms: 0 }]),
        NESTOR_AUTH_OPEN_METHODS: "a.B/*, c.D/E",
      },
    });
    expect(config.storage.postgres.poolSize).toBe(3);
    expect(config.server.insecure).toBe(true);
    expect(config.sync.repositories[0]).toMatchObject({ url: "/srv/defs", pollIntervalMs: 0, name: "defs" });
    expect(config.auth.openMethods).toEqual(["a.B/*", "c.D/E"]);
  });

  it("lets the environment win over the file", () => {
    const file = configFile("server:\n  port: 9000\n");
    expect(loadConfig({ file, env: { NESTOR_SERVER_PORT: "9001" } }).server.port).toBe(9001);
  });

  it.each([
    [
      "an unknown key, with the keys known there",
      "storage:\n  postgress: {}\n",
      /unknown key "storage.postgress" \(known keys here: type, primary, replicas, hybrid, embedded/,
    ],
    [
      "an unknown backend",
      "storage:\n  type: mongo\n",
      /storage.type must be one of memory, embedded, postgres, dynamodb, mysql, hybrid \(got "mongo"\)/,
    ],
    ["a word where a number goes", "server:\n  port: eighty\n", /server.port must be a number \(got "eighty"\)/],
    ["a port out of range", "server:\n  port: 70000\n", /server.port must be from 0 to 65535 \(got 70000\)/],
    [
      "a zero timeout",
      "storage:\n  postgres:\n    timeout_ms: 0\n",
      /storage.postgres.timeoutMs must be a positive integer \(got 0\)/,
    ],
    ["a mapping where text goes", "server:\n  host: { a: 1 }\n", /server.host must be text/],
    ["a word where a boolean goes", "server:\n  insecure: maybe\n", /server.insecure must be true or false/],
    ["a negative limit", "server:\n  limits: { burst: -1 }\n", /server.limits.burst must be 0 or more/],
    [
      "half a TLS pair",
      "server:\n  tls: { certFile: /c.pem }\n",
      /server.tls.certFile and server.tls.keyFile must be set together/,
    ],
  ])("refuses %s, naming the key and the file", (_what, yaml, expected) => {
    const file = configFile(yaml);
    const message = refusal(() => loadConfig({ file, env: {} }));
    expect(message).toMatch(expected);
    expect(message.startsWith(`${file}: `) || !message.includes(": ")).toBe(true);
  });

  it("names the environment variable a bad value came from", () => {
    const message = refusal(() => loadConfig({ env: { NESTOR_STORAGE_POSTGRES_POOL_SIZE: "many" } }));
    expect(message).toBe(
      'environment variable NESTOR_STORAGE_POSTGRES_POOL_SIZE: storage.postgres.poolSize must be a number (got "many")',
    );
  });

  it("refuses a file that is not YAML, or not a mapping", () => {
    expect(refusal(() => fromYaml("server: [unclosed\n"))).toMatch(/is not valid YAML/);
    expect(refusal(() => fromYaml("- a\n- b\n"))).toMatch(/must hold a mapping at the top level/);
  });
});

describe("docs/configuration.md", () => {
  it("shows every key with its default: the documented file loads and equals the defaults", () => {
    const doc = readFileSync(join(repoRoot, "docs/configuration.md"), "utf8");
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(yaml, "docs/configuration.md has no yaml block").toBeDefined();
    const documented = fromYaml(yaml!);
    expect(documented).toEqual(DEFAULT_CONFIG);
    const documentedLeaves = new Set(leavesOf(catalogConfigSchema).map((leaf) => leaf.path.split(".").at(-1)));
    for (const key of documentedLeaves)
      expect(yaml, `key ${key} missing from docs/configuration.md`).toContain(`${key}:`);
  });
});
