/**
 * A hybrid store as the factory opens it from config: a replica whose
 * server is down at start does not keep the store from opening (reads go to
 * the next replica, health names the one down), and `migrate` migrates the
 * primary and every SQL replica.
 */

import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { migrateStore, openStore } from "../../src/storage/factory.js";
import { HybridCatalogStore } from "../../src/storage/hybrid/store.js";
import { POSTGRES_MIGRATIONS } from "../../src/storage/postgres/migrations/index.js";
import { metaClock, newRecord, uniqueName } from "./fixtures.js";
import { HybridPlaces } from "./hybrid.harness.js";

const places = new HybridPlaces();
afterAll(() => places.remove());

describe("hybrid store from config", () => {
  it("opens with a replica that cannot be reached, serving reads from the next one", async () => {
    const storage = await places.storage("embedded", ["postgres", "redis"], (s) => {
      s.replicas[0] = {
        ...s.replicas[0]!,
        name: "unreachable",
        url: "postgres://nestor:nestor@127.0.0.1:1/nestor",
        timeoutMs: 500,
      } as (typeof s.replicas)[0];
    });
    const store = await openStore(storage, DEFAULT_CONFIG.cache, silentLogger);
    try {
      expect(store).toBeInstanceOf(HybridCatalogStore);
      const [down, redis] = (store as HybridCatalogStore).appliers;
      expect(down!.condition).toBe("down");
      const event = await store.insertVersion(newRecord(uniqueName("factory"), "1.0.0"), metaClock()());
      const view = await store.readAt(event.revision);
      expect(await view.reader.getVersion(event.component.name, "1.0.0")).toEqual(event.component);
      expect(redis!.applied).toBeGreaterThanOrEqual(event.revision);
      const health = await store.health();
      expect(health.ok).toBe(true);
      expect(health.detail).toMatch(
        /replica unreachable \(postgres replica \(schema "nestor_test_\w+"\)\): DOWN: postgres is unavailable/,
      );
    } finally {
      await store.close();
    }
  });

  it("migrates the primary and each SQL replica", async () => {
    const storage = await places.storage("postgres", ["postgres", "redis"]);
    const done = await migrateStore(storage, silentLogger);
    // Every migration, on the primary and on the replica's own schema: the list ends where the files end.
    const all = POSTGRES_MIGRATIONS.map((migration) => migration.id).join(", ");
    expect(done).toMatch(new RegExp(`^postgres: applied ${all}; replica postgres-\\w+: postgres applied ${all}$`));
    expect(await migrateStore(storage, silentLogger)).toContain("schema up to date");
  });
});
