/**
 * Outages against a private PostgreSQL server this file starts
 * (test/support/servers/private-postgres.ts), so stopping it never disturbs
 * test files sharing the main server. Runs the shared contract suite with
 * stopServer/startServer, then PostgreSQL-specific recovery checks.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../src/logging/index.js";
import { openPostgresStore, type PostgresCatalogStore } from "../../src/storage/postgres/index.js";
import { PrivatePostgres } from "../support/servers/private-postgres.js";
import { defineStoreContract, expectCode, metaClock, newRecord, uniqueName } from "./contract/index.js";
import { testConfig } from "./postgres.harness.js";

describe("postgres on a private server that goes down", () => {
  // Never skipped: a machine without PostgreSQL's server binaries fails in create(), loudly.
  let server: PrivatePostgres;
  // Calls against a stopped server fail at once (connection refused); only
  // the lock test below waits for the timeout, so it gets a short one.
  const config = (timeoutMs = 10_000) => testConfig("nestor_outage", { url: server.url, timeoutMs });

  beforeAll(async () => {
    server = await PrivatePostgres.create();
  });

  afterAll(() => {
    server?.destroy();
  });

  defineStoreContract("postgres (private server)", {
    open: () => openPostgresStore(config(), silentLogger),
    stopServer: async () => server.stop(),
    startServer: async () => server.start(),
  });

  describe("recovery", () => {
    let writer: PostgresCatalogStore;
    let follower: PostgresCatalogStore;

    beforeAll(async () => {
      writer = await openPostgresStore(config(2_000), silentLogger);
      follower = await openPostgresStore(config(), silentLogger);
    });

    afterAll(async () => {
      await writer?.close();
      await follower?.close();
    });

    it("re-establishes LISTEN after a restart, catching listeners up and delivering later writes", async () => {
      const seen: number[] = [];
      follower.onCommit((revision) => seen.push(revision));
      expect(await follower.listening(10_000)).toBe(true);
      // Warm both pools so the restart kills idle connections (whose errors must not crash the process).
      await Promise.all([writer.health(), follower.health(), follower.revisionBounds()]);
      server.stop();
      await expectCode(writer.insertVersion(newRecord(uniqueName("down"), "1.0.0"), metaClock()()), "UNAVAILABLE");
      server.start();
      const afterRestart = seen.length;
      await vi.waitFor(async () => expect((await writer.health()).ok).toBe(true), { timeout: 20_000, interval: 100 });
      await vi.waitFor(() => expect(seen.length).toBeGreaterThan(afterRestart), { timeout: 20_000, interval: 100 });
      const event = await writer.insertVersion(newRecord(uniqueName("after-restart"), "1.0.0"), metaClock()());
      await vi.waitFor(() => expect(seen).toContain(event.revision), { timeout: 20_000, interval: 100 });
    });

    it("fails a write stuck behind a lock with UNAVAILABLE once the timeout passes, instead of hanging", async () => {
      const blocker = new pg.Client({ connectionString: server.url });
      await blocker.connect();
      try {
        await blocker.query("BEGIN");
        await blocker.query(`SELECT current FROM nestor_outage.catalog_revision FOR UPDATE`);
        const err = await expectCode(
          writer.insertVersion(newRecord(uniqueName("blocked"), "1.0.0"), metaClock()()),
          "UNAVAILABLE",
        );
        expect(err.message).toMatch(/^postgres is unavailable: /);
        await blocker.query("ROLLBACK");
        await writer.insertVersion(newRecord(uniqueName("unblocked"), "1.0.0"), metaClock()());
      } finally {
        await blocker.end();
      }
    });
  });
});
