/**
 * Config of a hybrid store: the architecture note's shape (primary,
 * replicas as a plain list) in camelCase or snake_case, replicas as
 * mappings overriding their type's section, the environment form, and a
 * refusal naming the key for every way the combination can be wrong.
 */
import { describe, expect, it } from "vitest";
import { primaryIdentity, replicaSettings } from "../../src/config/hybrid-rules.js";
import { loadConfig } from "../../src/config/load.js";
import { fromYaml, refusal } from "./helpers.js";

describe("hybrid storage config", () => {
  it("takes the architecture note's shape, with its snake_case backend settings", () => {
    const config = fromYaml(`
storage:
  type: hybrid
  primary: dynamodb    # writes go here
  replicas:            # reads can come from here
    - postgres
    - redis
  dynamodb:
    table_name: nestor-components
    region: us-west-2
  postgres:
    host: replica-db
    database: nestor
  hybrid:
    read_wait_ms: 500
    read_fallback: fail
`);
    expect(config.storage).toMatchObject({
      type: "hybrid",
      primary: "dynamodb",
      hybrid: { readWaitMs: 500, readFallback: "fail" },
    });
    expect(config.storage.dynamodb).toMatchObject({ tableName: "nestor-components", region: "us-west-2" });
    const replicas = replicaSettings(config.storage);
    expect(replicas.map((r) => [r.name, r.type])).toEqual([
      ["postgres", "postgres"],
      ["redis", "redis"],
    ]);
    expect(replicas[0]!.config).toMatchObject({ host: "replica-db", database: "nestor", schema: "public" });
    expect(replicas[1]!.config).toEqual({
      url: "redis://127.0.0.1:6379",
      keyPrefix: "nestor:replica:",
      timeoutMs: 1000,
    });
    expect(primaryIdentity(config.storage)).toBe("dynamodb:us-west-2/nestor-components");
  });

  it("defaults to a 3 s read wait with the primary as fallback", () => {
    const config = fromYaml("storage:\n  type: hybrid\n  replicas: [redis]\n");
    expect(config.storage.primary).toBe("embedded");
    expect(config.storage.hybrid).toEqual({ readWaitMs: 3000, readFallback: "primary" });
  });

  it("lets a replica override its type's settings and name it; a second one of a type is numbered", () => {
    const config = fromYaml(`
storage:
  type: hybrid
  primary: postgres
  postgres: { url: "postgres://u:secret@db:5432/nestor", schema: catalog }
  replicas:
    - { type: postgres, schema: replica_a }
    - { type: postgres, name: reports, schema: replica_b, pool_size: 3 }
    - { type: redis, key_prefix: "r1:" }
`);
    const replicas = replicaSettings(config.storage);
    expect(replicas.map((r) => r.name)).toEqual(["postgres-0", "reports", "redis"]);
    expect(replicas[0]!.config).toMatchObject({
      url: "postgres://u:secret@db:5432/nestor",
      schema: "replica_a",
      poolSize: 10,
    });
    expect(replicas[1]!.config).toMatchObject({ schema: "replica_b", poolSize: 3 });
    expect(replicas[2]!.config).toMatchObject({ keyPrefix: "r1:" });
    expect(primaryIdentity(config.storage)).toBe('postgres:db:5432/nestor schema "catalog"');
  });

  it("reads replicas from NESTOR_STORAGE_REPLICAS as a comma-separated list", () => {
    const config = loadConfig({
      env: {
        NESTOR_STORAGE_TYPE: "hybrid",
        NESTOR_STORAGE_PRIMARY: "postgres",
        NESTOR_STORAGE_REPLICAS: "redis, mysql",
      },
    });
    expect(replicaSettings(config.storage).map((r) => r.type)).toEqual(["redis", "mysql"]);
  });

  it.each([
    [
      "an unknown replica type",
      "storage:\n  type: hybrid\n  replicas: [redis, mongo]\n",
      /storage.replicas\[1\].type must be one of postgres, redis, mysql \(got "mongo"\)/,
    ],
    [
      "memory as the primary",
      "storage:\n  type: hybrid\n  primary: memory\n  replicas: [redis]\n",
      /storage.primary must be one of embedded, postgres, dynamodb, mysql \(got "memory"\)/,
    ],
    [
      "a setting the replica's type has not",
      "storage:\n  type: hybrid\n  replicas: [{type: redis, schema: x}]\n",
      /unknown key "storage.replicas\[0\].schema" \(known keys here: type, name, url, keyPrefix, timeoutMs\)/,
    ],
    [
      "no replica",
      "storage:\n  type: hybrid\n  primary: postgres\n",
      /storage.replicas must name at least one replica/,
    ],
    [
      "replicas without hybrid",
      "storage:\n  type: postgres\n  replicas: [redis]\n",
      /storage.replicas is set but storage.type is postgres/,
    ],
    [
      "a cache in front of replicas",
      "storage:\n  type: hybrid\n  replicas: [redis]\ncache:\n  type: redis\n",
      /cache.type must be none when storage.type is hybrid \(got "redis"\)/,
    ],
    [
      "a replica in the primary's own schema",
      "storage:\n  type: hybrid\n  primary: postgres\n  replicas: [postgres]\n",
      new RegExp(
        String.raw`storage.replicas\[0\] \(postgres at 127.0.0.1:5432/nestor schema "public"\) ` +
          "is where the primary storage.postgres keeps its data",
      ),
    ],
    [
      "two replicas in one place",
      "storage:\n  type: hybrid\n  replicas: [redis, {type: redis, name: again}]\n",
      new RegExp(
        String.raw`storage.replicas\[1\] \(redis at 127.0.0.1:6379/0 prefix "nestor:replica:"\) ` +
          String.raw`is the same place as storage.replicas\[0\]`,
      ),
    ],
    [
      "one name twice",
      "storage:\n  type: hybrid\n  replicas: [{type: redis, name: r}, {type: redis, name: r, key_prefix: other}]\n",
      /storage.replicas\[1\].name "r" is already used by storage.replicas\[0\]/,
    ],
    [
      "a name with capitals",
      "storage:\n  type: hybrid\n  replicas: [{type: redis, name: Fast}]\n",
      /storage.replicas\[0\].name must be a lower-case name/,
    ],
    [
      "a negative read wait",
      "storage:\n  hybrid:\n    readWaitMs: -1\n",
      /storage.hybrid.readWaitMs must be 0 or more/,
    ],
    [
      "an unknown fallback",
      "storage:\n  hybrid:\n    readFallback: replica\n",
      /storage.hybrid.readFallback must be one of primary, fail \(got "replica"\)/,
    ],
  ])("refuses %s, naming the key", (_what, yaml, expected) => {
    expect(refusal(() => fromYaml(yaml))).toMatch(expected);
  });
});
