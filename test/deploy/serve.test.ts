/**
 * Each Kubernetes variant's config.yaml and Secrets, given to a real server
 * process the way the pod gives them (NESTOR_CONFIG, NESTOR_AUTH_API_KEYS,
 * the PostgreSQL URL), on the test PostgreSQL and moto: the readiness
 * probe's health service answers SERVING, the admin port serves /metrics,
 * calls need an API key, and SIGTERM drains to exit code 0. Only what must
 * differ on a test machine is overridden: loopback listeners on free ports,
 * a fresh schema or table, moto's endpoint.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/ts/src/grpc/health/v1/health_pb.js";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { generateApiKey, hashApiKey } from "../../src/api/auth/api-keys.js";
import { expectConnectError } from "../api/harness.js";
import { TEST_DYNAMODB_ENDPOINT } from "../storage/dynamodb.harness.js";
import { dropSchema, freshSchemaName, TEST_POSTGRES_URL } from "../storage/postgres.harness.js";
import { freePort } from "../support/ports.js";
import { spawnServer } from "../support/server-process.js";
import {
  catalogContainer,
  deployTools,
  INSTALL_TIMEOUT_MS,
  type Manifest,
  render,
  VARIANTS,
  type Variant,
  writePodConfig,
} from "./harness.js";

let kustomize = "";
const scratch = mkdtempSync(join(tmpdir(), "nestor-deploy-serve-"));

beforeAll(async () => {
  kustomize = (await deployTools()).KUSTOMIZE!;
}, INSTALL_TIMEOUT_MS);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The test servers' storage in place of the variant's, and how to remove it afterwards. */
function testStorage(
  variant: Variant,
  manifests: Manifest[],
): { env: Record<string, string>; remove(): Promise<void> } {
  if (variant === "postgres") {
    const schema = freshSchemaName();
    return {
      env: { NESTOR_STORAGE_POSTGRES_URL: TEST_POSTGRES_URL, NESTOR_STORAGE_POSTGRES_SCHEMA: schema },
      remove: () => dropSchema(schema),
    };
  }
  const tableName = `nestor-deploy-${randomBytes(4).toString("hex")}`;
  const config = manifests.find((m) => m.kind === "ConfigMap")!.data!["config.yaml"]!;
  const region = /region: (\S+)/.exec(config)![1]!;
  return {
    env: {
      NESTOR_STORAGE_DYNAMODB_ENDPOINT: TEST_DYNAMODB_ENDPOINT,
      NESTOR_STORAGE_DYNAMODB_TABLE_NAME: tableName,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
    },
    remove: async () => {
      const client = new DynamoDBClient({ endpoint: TEST_DYNAMODB_ENDPOINT, region });
      await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
      client.destroy();
    },
  };
}

describe.each(VARIANTS)("deploy/kubernetes/%s served by a real server", (variant) => {
  it("is ready on the probe's service, exports /metrics, needs the API key and drains on SIGTERM", async () => {
    const manifests = await render(kustomize, variant);
    const readiness = catalogContainer(manifests).readinessProbe.grpc.service;
    const key = generateApiKey();
    const adminPort = await freePort();
    const storage = testStorage(variant, manifests);
    const server = await spawnServer({
      NESTOR_CONFIG: writePodConfig(manifests, join(scratch, `${variant}.yaml`)),
      NESTOR_AUTH_API_KEYS: JSON.stringify([{ name: "processors", hash: hashApiKey(key), role: "reader" }]),
      NESTOR_SERVER_ADMIN_HOST: "127.0.0.1",
      NESTOR_SERVER_ADMIN_PORT: String(adminPort),
      ...storage.env,
    });
    try {
      const transport = createGrpcTransport({ baseUrl: server.url });
      const health = await createClient(Health, transport).check({ service: readiness });
      expect(HealthCheckResponse_ServingStatus[health.status]).toBe("SERVING");

      const scrape = await fetch(`http://127.0.0.1:${adminPort}/metrics`);
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toContain(`nestor_health_serving{service="${readiness}"} 1`);

      const catalog = createClient(CatalogService, transport);
      const refused = await expectConnectError(catalog.listComponents({}), Code.Unauthenticated);
      expect(refused.rawMessage).toContain("ListComponents");
      const listed = await catalog.listComponents({}, { headers: { authorization: `Bearer ${key}` } });
      expect(listed.components).toEqual([]);
    } finally {
      await server.stop();
      await storage.remove();
    }
    expect(server.exited(), server.output()).toBe(0);
  }, 120_000);
});
