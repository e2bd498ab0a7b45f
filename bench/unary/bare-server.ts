/**
 * The baseline: a bare Connect-Node server with the transport of
 * src/api/server.ts (one cleartext port; the first bytes of each connection
 * choose the HTTP/2 or the HTTP/1.1 server) and one CatalogService whose
 * GetComponent and ListComponents return responses built once at start,
 * of the same size as the catalog server's (a typical Component; a page of
 * 50). No interceptors, no store, no resolution: what is left is the RPC
 * framework's own cost, which the catalog server cannot go below.
 */
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { create } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  CatalogService,
  GetComponentResponseSchema,
  ListComponentsResponseSchema,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { componentToWire } from "../../src/api/convert.js";
import { sniffProtocol } from "../../src/api/server.js";
import type { ComponentRecord } from "../../src/storage/records.js";
import { benchRecord, metaFor, VERSIONS } from "./catalog-data.js";

/** What the catalog server stores for component `index` at `version` (times and revisions filled in). */
export function storedRecord(index: number, version: string): ComponentRecord {
  const sequence = index * VERSIONS.length + VERSIONS.indexOf(version as (typeof VERSIONS)[number]);
  const time = metaFor(sequence).time;
  const actor = metaFor(sequence).actor;
  return {
    ...benchRecord(index, version),
    createTime: time,
    updateTime: time,
    createRevision: sequence + 1,
    updateRevision: sequence + 1,
    createActor: actor,
    updateActor: actor,
  };
}

export async function startBareServer(port = 0, host = "127.0.0.1"): Promise<{ url: string; close(): void }> {
  const revision = 100_000n;
  const getResponse = create(GetComponentResponseSchema, {
    component: componentToWire(storedRecord(0, "1.3.0")),
    revision,
    deprecated: false,
  });
  const listResponse = create(ListComponentsResponseSchema, {
    components: Array.from({ length: 50 }, (_, i) => componentToWire(storedRecord(i * 3, "2.3.0"))),
    nextPageToken: "x".repeat(120),
    revision,
  });
  const routes = (router: ConnectRouter) =>
    router.service(CatalogService, {
      getComponent: () => getResponse,
      listComponents: () => listResponse,
    });
  const handler = connectNodeAdapter({ routes, readMaxBytes: 4 * 1024 * 1024 });
  const h2 = http2.createServer({}, handler);
  const h1 = http.createServer(handler);
  h1.keepAliveTimeout = 65_000;
  const outer = net.createServer((socket) => {
    // As src/api/server.ts does: without it, Nagle's algorithm holds small writes back for ACKs.
    socket.setNoDelay(true);
    sniffProtocol(socket, (isHttp2) => (isHttp2 ? h2 : h1).emit("connection", socket));
  });
  await new Promise<void>((resolve) => outer.listen(port, host, resolve));
  const bound = outer.address() as net.AddressInfo;
  return { url: `http://${host}:${bound.port}`, close: () => outer.close() };
}
