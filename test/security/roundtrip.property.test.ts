/**
 * Property: any valid component published through the API comes back from
 * GetComponent with the same content, labels, description and digest, on
 * every backend (memory, embedded, postgres on the local server, dynamodb on
 * moto). Random contents come from catalog/content-fixtures' arbitrary,
 * kept to those validateComponent accepts.
 */

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { componentToWire, draftFromWire } from "../../src/api/convert.js";
import { startCatalogServer } from "../../src/app.js";
import { arbitraryContent } from "../../src/catalog/content-fixtures.js";
import { effectiveRules } from "../../src/catalog/digest.js";
import { validateComponent } from "../../src/catalog/validation.js";
import type { CatalogConfig } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import type { ComponentContent, ComponentRecord } from "../../src/storage/records.js";
import { tempDir, testConfig } from "../api/harness.js";
import { dropSchema, freshSchemaName, testConfig as postgresConfig } from "../storage/postgres.harness.js";
import { protocolClients } from "./helpers.js";

const MOTO = process.env.NESTOR_TEST_DYNAMODB_ENDPOINT ?? "http://127.0.0.1:5005";
process.env.AWS_ACCESS_KEY_ID ??= "test";
process.env.AWS_SECRET_ACCESS_KEY ??= "test";

const dataDir = tempDir("nestor-roundtrip-");
const schema = freshSchemaName();
const tableName = `nestor-roundtrip-${randomBytes(4).toString("hex")}`;

const BACKENDS: Record<string, (config: CatalogConfig) => void> = {
  memory: (config) => (config.storage.type = "memory"),
  embedded: (config) => {
    config.storage.type = "embedded";
    config.storage.embedded = { ...config.storage.embedded, dataDir: dataDir.path, fsync: false };
  },
  postgres: (config) => {
    config.storage.type = "postgres";
    config.storage.postgres = postgresConfig(schema);
  },
  dynamodb: (config) => {
    config.storage.type = "dynamodb";
    config.storage.dynamodb = {
      ...config.storage.dynamodb,
      tableName,
      endpoint: MOTO,
      timeoutMs: 20_000,
      pollIntervalMs: 200,
      migrateOnStart: true,
    };
  },
};

afterAll(async () => {
  dataDir.remove();
  await dropSchema(schema);
  await new DynamoDBClient({ endpoint: MOTO, region: "us-east-1" })
    .send(new DeleteTableCommand({ TableName: tableName }))
    .catch(() => undefined);
});

const labels = fc.dictionary(
  fc.constantFrom("team", "tier", "app.kubernetes.io/part-of"),
  fc.constantFrom("platform", "gold", "db-1", ""),
  { maxKeys: 3 },
);
const description = fc.constantFrom("", "A component", "Ünïcödé ✓ — quotes ' \" and ; -- too");

function recordOf(
  name: string,
  content: ComponentContent,
  extra: { description: string; labels: Record<string, string> },
): ComponentRecord {
  return {
    ...content,
    name,
    version: "1.0.0",
    createActor: "",
    updateActor: "",
    ...extra,
    deprecation: { deprecated: false, message: "" },
    contentDigest: "",
    createTime: "",
    updateTime: "",
    createRevision: 0,
    updateRevision: 0,
  };
}

const isValid = (record: ComponentRecord) => validateComponent({ ...record }).length === 0;

describe.each(Object.keys(BACKENDS))("on %s", (backend) => {
  it("returns every valid component published through CreateComponent unchanged from GetComponent", async () => {
    if (backend === "dynamodb")
      execFileSync("bash", ["scripts/services/moto.sh"], { stdio: ["ignore", "ignore", "inherit"] });
    const server = await startCatalogServer(testConfig(BACKENDS[backend]!), silentLogger);
    const { clients, close } = protocolClients(server.url);
    let counter = 0;
    try {
      await fc.assert(
        fc.asyncProperty(arbitraryContent, description, labels, async (content, text, labelMap) => {
          const record = recordOf(`rt-${backend}-${++counter}`, content, { description: text, labels: labelMap });
          fc.pre(isValid(record));
          const created = await clients.grpc.createComponent({ component: componentToWire(record) });
          const got = await clients.connect.getComponent({ name: record.name, version: "1.0.0" });
          expect(got.component?.contentDigest).toBe(created.component?.contentDigest);
          const { source: _source, ...draft } = draftFromWire(got.component);
          expect(draft).toEqual({
            name: record.name,
            version: "1.0.0",
            provider: content.provider,
            category: content.category,
            description: text,
            labels: labelMap,
            // An empty pattern or allowed-value list is "no rule" (the wire cannot tell them from unset).
            inputs: content.inputs.map((input) => ({ ...input, validation: effectiveRules(input.validation) })),
            outputs: content.outputs,
            deployment: content.deployment,
          });
        }),
        { numRuns: backend === "dynamodb" ? 15 : 40 },
      );
    } finally {
      close();
      await server.shutdown();
    }
  }, 240_000);
});
