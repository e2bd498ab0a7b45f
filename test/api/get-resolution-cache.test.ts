/**
 * GetComponent remembers what a selector resolved to for one catalog
 * revision (src/catalog/resolution-cache.ts). These calls go through real
 * servers and check that every kind of write is seen by the next read, on
 * the server that wrote and on a second server sharing the same store (a
 * replica that learns of writes only through the store's revision).
 */
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { type CatalogServer, startCatalogServer } from "../../src/app.js";
import { silentLogger } from "../../src/logging/index.js";
import { MemoryCatalogStore } from "../../src/storage/memory/catalog.js";
import { type CatalogClient, expectConnectError, sampleComponent, testConfig, uniqueName } from "./harness.js";

let store: MemoryCatalogStore;
let writer: CatalogServer;
let replica: CatalogServer;
const sessions: Http2SessionManager[] = [];
let viaWriter: CatalogClient;
let viaReplica: CatalogClient;

function clientOf(server: CatalogServer): CatalogClient {
  const manager = new Http2SessionManager(server.url);
  sessions.push(manager);
  return createClient(CatalogService, createGrpcTransport({ baseUrl: server.url, sessionManager: manager }));
}

beforeAll(async () => {
  store = new MemoryCatalogStore();
  writer = await startCatalogServer(testConfig(), silentLogger, { store });
  replica = await startCatalogServer(testConfig(), silentLogger, { store });
  viaWriter = clientOf(writer);
  viaReplica = clientOf(replica);
});
afterAll(async () => {
  for (const s of sessions) s.abort();
  await replica.shutdown();
  // Both servers were handed the one store; the first shutdown already closed it.
  await writer.shutdown().catch(() => {});
});

async function publish(name: string, version: string, description = `${name} ${version}`) {
  await viaWriter.createComponent({ component: sampleComponent({ name, version, description }) });
}

async function resolved(client: CatalogClient, name: string, selector: string): Promise<string> {
  const res = await client.getComponent({ name, version: selector });
  return res.component!.version;
}

describe("GetComponent after writes", () => {
  test("a newly published version becomes latest on the next get, on both servers", async () => {
    const name = uniqueName("latest");
    await publish(name, "1.0.0");
    expect(await resolved(viaWriter, name, "latest")).toBe("1.0.0");
    expect(await resolved(viaReplica, name, "")).toBe("1.0.0");

    await publish(name, "1.1.0");
    expect(await resolved(viaWriter, name, "latest")).toBe("1.1.0");
    expect(await resolved(viaReplica, name, "")).toBe("1.1.0");
  });

  test("a constraint follows a new matching version and ignores a non-matching one", async () => {
    const name = uniqueName("caret");
    await publish(name, "1.2.0");
    expect(await resolved(viaWriter, name, "^1.2.0")).toBe("1.2.0");
    expect(await resolved(viaReplica, name, "^1.2.0")).toBe("1.2.0");

    await publish(name, "2.0.0");
    await publish(name, "1.3.0");
    expect(await resolved(viaWriter, name, "^1.2.0")).toBe("1.3.0");
    expect(await resolved(viaReplica, name, "^1.2.0")).toBe("1.3.0");
    expect(await resolved(viaReplica, name, "latest")).toBe("2.0.0");
  });

  test("deprecating the latest version moves latest back, and undeprecating moves it forward again", async () => {
    const name = uniqueName("deprecate");
    await publish(name, "1.0.0");
    await publish(name, "1.1.0");
    expect(await resolved(viaReplica, name, "latest")).toBe("1.1.0");
    expect(await resolved(viaReplica, name, "^1.0.0")).toBe("1.1.0");

    await viaWriter.updateComponent({
      component: { name, version: "1.1.0", deprecation: { deprecated: true, message: "use 1.0.0" } },
      updateMask: { paths: ["deprecation"] },
    });
    expect(await resolved(viaReplica, name, "latest")).toBe("1.0.0");
    expect(await resolved(viaWriter, name, "^1.0.0")).toBe("1.0.0");

    await viaWriter.updateComponent({
      component: { name, version: "1.1.0", deprecation: { deprecated: false, message: "" } },
      updateMask: { paths: ["deprecation"] },
    });
    expect(await resolved(viaReplica, name, "latest")).toBe("1.1.0");
  });

  test("an exact get returns the updated record, not the one read before the update", async () => {
    const name = uniqueName("exact");
    await publish(name, "1.0.0", "before");
    const before = await viaReplica.getComponent({ name, version: "1.0.0" });
    expect(before.component!.description).toBe("before");

    await viaWriter.updateComponent({
      component: { name, version: "1.0.0", description: "after" },
      updateMask: { paths: ["description"] },
    });
    const after = await viaReplica.getComponent({ name, version: "1.0.0" });
    expect(after.component!.description).toBe("after");
    expect(after.revision).toBeGreaterThan(before.revision);
  });

  test("deleting the latest version makes the previous one latest; deleting all makes the name NOT_FOUND", async () => {
    const name = uniqueName("delete");
    await publish(name, "1.0.0");
    await publish(name, "1.1.0");
    expect(await resolved(viaReplica, name, "latest")).toBe("1.1.0");
    expect(await resolved(viaReplica, name, "1.1.0")).toBe("1.1.0");

    await viaWriter.deleteComponent({ name, version: "1.1.0" });
    expect(await resolved(viaReplica, name, "latest")).toBe("1.0.0");
    await expectConnectError(viaReplica.getComponent({ name, version: "1.1.0" }), Code.NotFound);

    await viaWriter.deleteComponent({ name, allVersions: true });
    await expectConnectError(viaReplica.getComponent({ name, version: "latest" }), Code.NotFound);
  });

  test("a write to another component does not change what a selector resolves to", async () => {
    const name = uniqueName("stable");
    await publish(name, "1.0.0");
    expect(await resolved(viaReplica, name, "latest")).toBe("1.0.0");
    await publish(uniqueName("other"), "9.0.0");
    expect(await resolved(viaReplica, name, "latest")).toBe("1.0.0");
  });
});
