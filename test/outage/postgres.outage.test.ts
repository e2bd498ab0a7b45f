/**
 * The outage drill (drill.ts) with PostgreSQL as the store: a private cluster
 * stopped with `pg_ctl -m immediate` while 8 writers and 4 readers run.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { PrivatePostgres } from "../support/servers/private-postgres.js";
import { runOutageDrill } from "./drill.js";

describe("outage drill: postgres", () => {
  let postgres: PrivatePostgres;
  beforeAll(async () => {
    postgres = await PrivatePostgres.create();
  });
  afterAll(() => postgres?.destroy());

  it("stays up, fails calls UNAVAILABLE, follows in health and loses no acknowledged write", async () => {
    await runOutageDrill(
      {
        env: {
          NESTOR_STORAGE_TYPE: "postgres",
          NESTOR_STORAGE_POSTGRES_URL: postgres.url,
          NESTOR_STORAGE_POSTGRES_SCHEMA: "nestor_drill",
          NESTOR_STORAGE_POSTGRES_TIMEOUT_MS: "2000",
        },
        kill: async () => postgres.kill(),
        start: async () => postgres.start(),
      },
      { dependencyTimeoutMs: 2_000, duringOutage: "unavailable" },
    );
  }, 180_000);
});
