/**
 * Two `nestor-catalog serve` processes sharing one hybrid store: a
 * PostgreSQL primary, a Redis replica and a PostgreSQL replica (in a schema
 * of its own), so both processes' appliers feed both replicas at once.
 * Writes go through either process; each is read at once through the other
 * with its revision as min_revision and is there. Afterwards each replica,
 * read directly, is at the primary's head and holds what the primary holds.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../src/logging/index.js";
import { openPostgresStore } from "../../src/storage/postgres/index.js";
import { openPostgresReplica } from "../../src/storage/postgres/replica.js";
import { openRedisReplica } from "../../src/storage/redis/replica.js";
import type { ReplicaStore } from "../../src/storage/store.js";
import { sampleComponent, tempDir } from "../api/harness.js";
import { type ServerProcess, spawnServer } from "../support/server-process.js";
import { grpcClient } from "../watch/backends.js";
import { TEST_REDIS_URL } from "./cache-modes.js";
import { dropRedisPrefix } from "./hybrid.harness.js";
import { dropSchema, freshSchemaName, TEST_POSTGRES_URL, testConfig } from "./postgres.harness.js";
import { ALL_VERSIONS_BY_NAME, listAll } from "./replica-fixtures.js";

const WRITES_PER_WRITER = 30;

describe("two catalog processes sharing one primary and its replicas", () => {
  const dir = tempDir("nestor-hybrid-processes-");
  const primarySchema = freshSchemaName();
  const replicaSchema = freshSchemaName();
  const keyPrefix = `nestor-processes:${randomBytes(4).toString("hex")}:`;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    const file = join(dir.path, "catalog.yaml");
    writeFileSync(
      file,
      `storage:
  type: hybrid
  primary: postgres
  postgres: { url: "${TEST_POSTGRES_URL}", schema: ${primarySchema}, timeout_ms: 20000 }
  redis: { url: "${TEST_REDIS_URL}", key_prefix: "${keyPrefix}" }
  replicas:
    - redis
    - { type: postgres, schema: ${replicaSchema} }
`,
    );
    // One after the other: the first creates the schemas.
    servers.push(await spawnServer({ NESTOR_CONFIG: file }));
    servers.push(await spawnServer({ NESTOR_CONFIG: file }));
  }, 120_000);

  afterAll(async () => {
    for (const server of servers) await server.stop();
    await dropSchema(primarySchema);
    await dropSchema(replicaSchema);
    await dropRedisPrefix(keyPrefix);
    dir.remove();
  }, 60_000);

  it("reads each write through the other process, and both replicas end at the primary's state", async () => {
    const [a, b] = servers.map((server) => grpcClient(server.url)) as [
      ReturnType<typeof grpcClient>,
      ReturnType<typeof grpcClient>,
    ];
    try {
      const writer = async (through: typeof a, readBack: typeof a, id: string) => {
        for (let i = 0; i < WRITES_PER_WRITER; i++) {
          const name = `processes-${id}-${i}`;
          const version = `1.${i % 3}.0`;
          const created = await through.client.createComponent({ component: sampleComponent({ name, version }) });
          const read = await readBack.client.getComponent({ name, version, minRevision: created.revision });
          expect(read.component?.createRevision).toBe(created.revision);
          expect(read.revision).toBeGreaterThanOrEqual(created.revision);
        }
      };
      await Promise.all([writer(a, b, "a1"), writer(a, b, "a2"), writer(b, a, "b1"), writer(b, a, "b2")]);
    } finally {
      a.close();
      b.close();
    }
    const primary = await openPostgresStore({ ...testConfig(primarySchema), migrateOnStart: false }, silentLogger);
    const replicas: ReplicaStore[] = [
      await openRedisReplica({ url: TEST_REDIS_URL, keyPrefix, timeoutMs: 2_000 }, silentLogger),
      await openPostgresReplica({ ...testConfig(replicaSchema), migrateOnStart: false }, silentLogger),
    ];
    try {
      const { current } = await primary.revisionBounds();
      expect(current).toBe(4 * WRITES_PER_WRITER);
      const expected = await listAll(primary, ALL_VERSIONS_BY_NAME);
      const latest = {
        ...ALL_VERSIONS_BY_NAME,
        allVersions: false,
        orderBy: { field: "updateTime" as const, descending: true },
      };
      for (const replica of replicas) {
        await vi.waitFor(async () => expect((await replica.state()).appliedRevision).toBe(current), {
          timeout: 20_000,
          interval: 50,
        });
        expect(await listAll(replica, ALL_VERSIONS_BY_NAME), replica.where).toEqual(expected);
        expect(await listAll(replica, latest), replica.where).toEqual(await listAll(primary, latest));
      }
    } finally {
      for (const replica of replicas) await replica.close();
      await primary.close();
    }
  }, 180_000);
});
