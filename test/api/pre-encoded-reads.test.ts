/**
 * GetComponent and ListComponents answer binary calls with Components
 * encoded once per stored record (src/api/stored-components.ts). Every client
 * must decode them as the ordinary fields: Connect-ES over gRPC and over the
 * Connect protocol (binary and JSON) and grpc-js with its own decoder see
 * the same components, in page order, call after call.
 */
import { equals } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, expect, test } from "vitest";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { ComponentSchema } from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import { type CatalogClient, type Harness, sampleComponent, startHarness, uniqueName } from "./harness.js";

let h: Harness;
let connectBinary: CatalogClient;
const provider = `p${uniqueName("x").replace(/-/g, "")}`.slice(0, 20);
const names = [uniqueName("enc-a"), uniqueName("enc-b"), uniqueName("enc-c")];

beforeAll(async () => {
  h = await startHarness();
  connectBinary = createClient(
    CatalogService,
    createConnectTransport({ baseUrl: h.server.url, httpVersion: "1.1", useBinaryFormat: true }),
  );
  for (const name of names) {
    for (const version of ["1.0.0", "1.1.0"]) {
      await h.grpc.createComponent({ component: sampleComponent({ name, version, provider }) });
    }
  }
});
afterAll(() => h.close());

test("GetComponent decodes to the same Component over every protocol, on first and repeated reads", async () => {
  const name = names[0]!;
  for (let i = 0; i < 2; i++) {
    const viaGrpc = await h.grpc.getComponent({ name, version: "latest" });
    const viaBinary = await connectBinary.getComponent({ name, version: "latest" });
    const viaJson = await h.connectJson.getComponent({ name, version: "latest" });
    expect(viaGrpc.component?.version).toBe("1.1.0");
    expect(viaGrpc.$unknown ?? []).toEqual([]);
    expect(equals(ComponentSchema, viaGrpc.component!, viaBinary.component!)).toBe(true);
    expect(equals(ComponentSchema, viaGrpc.component!, viaJson.component!)).toBe(true);
    expect(viaGrpc.revision).toBe(viaJson.revision);
    const viaGrpcJs = await h.grpcjs.call<{ component: { name: string; version: string; inputs: unknown[] } }>(
      "GetComponent",
      { name, version: "latest" },
    );
    expect(viaGrpcJs.component).toMatchObject({ name, version: "1.1.0" });
    expect(viaGrpcJs.component.inputs).toHaveLength(viaGrpc.component!.inputs.length);
  }
});

test("ListComponents pages decode to the same Components in the same order over every protocol", async () => {
  const request = { filter: { provider }, allVersions: true, pageSize: 10 };
  const viaGrpc = await h.grpc.listComponents(request);
  const viaJson = await h.connectJson.listComponents(request);
  expect(viaGrpc.components.map((c) => `${c.name}@${c.version}`)).toEqual(
    viaJson.components.map((c) => `${c.name}@${c.version}`),
  );
  expect(viaGrpc.components).toHaveLength(6);
  viaGrpc.components.forEach((c, i) => expect(equals(ComponentSchema, c, viaJson.components[i]!)).toBe(true));
  const viaGrpcJs = await h.grpcjs.call<{ components: { name: string; version: string }[] }>("ListComponents", {
    filter: { provider },
    all_versions: true,
    page_size: 10,
  });
  expect(viaGrpcJs.components.map((c) => `${c.name}@${c.version}`)).toEqual(
    viaGrpc.components.map((c) => `${c.name}@${c.version}`),
  );
});
