/**
 * The outage drill (drill.ts) with DynamoDB as the store: the endpoint is a
 * relay process in front of moto (moto keeps tables in memory, so the relay is
 * what dies), SIGKILLed under load.
 */

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, it } from "vitest";
import { RelayProcess } from "../support/servers/relay-process.js";
import { MOTO_ENDPOINT } from "../watch/backends.js";
import { runOutageDrill } from "./drill.js";

describe("outage drill: dynamodb", () => {
  const relay = new RelayProcess(new URL(MOTO_ENDPOINT));
  const tableName = `nestor-drill-${randomBytes(4).toString("hex")}`;
  beforeAll(async () => {
    if (process.env.NESTOR_TEST_DYNAMODB_ENDPOINT === undefined) {
      execFileSync("bash", ["scripts/services/moto.sh"], { stdio: ["ignore", "ignore", "inherit"] });
    }
    await relay.start();
  }, 300_000);
  afterAll(async () => {
    await relay.kill();
    const client = new DynamoDBClient({ endpoint: MOTO_ENDPOINT, region: "us-east-1" });
    await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    client.destroy();
  });

  it("stays up, fails calls UNAVAILABLE, follows in health and loses no acknowledged write", async () => {
    await runOutageDrill(
      {
        env: {
          NESTOR_STORAGE_TYPE: "dynamodb",
          NESTOR_STORAGE_DYNAMODB_ENDPOINT: relay.url,
          NESTOR_STORAGE_DYNAMODB_TABLE_NAME: tableName,
          NESTOR_STORAGE_DYNAMODB_TIMEOUT_MS: "2000",
          NESTOR_STORAGE_DYNAMODB_POLL_INTERVAL_MS: "200",
        },
        kill: () => relay.kill(),
        start: () => relay.start(),
      },
      { dependencyTimeoutMs: 2_000, duringOutage: "unavailable" },
    );
  }, 240_000);
});
