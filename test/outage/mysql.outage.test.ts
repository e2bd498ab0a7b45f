/**
 * The outage drill (drill.ts) with MySQL as the store: a private MariaDB
 * server SIGKILLed while 8 writers and 4 readers run, held down, started
 * again (InnoDB recovers from its redo log): the process stays up, calls
 * fail UNAVAILABLE, health follows, and no acknowledged write is lost.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { PrivateMariaDb } from "../support/servers/private-mariadb.js";
import { runOutageDrill } from "./drill.js";

describe("outage drill: mysql", () => {
  const mariadb = new PrivateMariaDb();
  beforeAll(() => mariadb.start(), 120_000);
  afterAll(() => mariadb.destroy());

  it("stays up, fails calls UNAVAILABLE, follows in health and loses no acknowledged write", async () => {
    await runOutageDrill(
      {
        env: {
          NESTOR_STORAGE_TYPE: "mysql",
          NESTOR_STORAGE_MYSQL_URL: mariadb.url,
          NESTOR_STORAGE_MYSQL_TIMEOUT_MS: "2000",
          NESTOR_STORAGE_MYSQL_POLL_INTERVAL_MS: "200",
        },
        kill: () => mariadb.kill(),
        start: () => mariadb.start(),
      },
      { dependencyTimeoutMs: 2_000, duringOutage: "unavailable" },
    );
  }, 240_000);
});
