/**
 * The fan-out baseline for bench/watch (`--server bare`): a bare
 * Connect-Node server with the catalog server's transport (one cleartext
 * port, src/api/server.ts's protocol sniffing) and a CatalogService that
 * does only what the bench calls. UpdateComponent bumps a revision and
 * hands one pre-encoded event to every open WatchEvents stream; each stream
 * is an async generator waiting on one promise per event. No store, feed,
 * filters, interceptors, logging or limits: what is left is what
 * Connect-Node and node:http2 cost per stream and per delivered message,
 * which the catalog server cannot go below. The event is encoded once and
 * carried as an unknown field, as the catalog's WatchEvents does.
 *
 *   node --import tsx bench/watch/bare-server.ts PORT
 */
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { create } from "@bufbuild/protobuf";
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  CatalogService,
  CreateComponentResponseSchema,
  ListComponentsResponseSchema,
  UpdateComponentResponseSchema,
  type WatchEventsResponse,
  WatchEventsResponseSchema,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { sniffProtocol } from "../../src/api/server.js";
import { benchEventResponse } from "./bench-event.js";

const KEEP = 1_000;
let revision = 0;
const responses = new Map<number, WatchEventsResponse>();
let wake: Array<() => void> = [];

function publish(): number {
  revision += 1;
  const response = benchEventResponse(revision);
  responses.set(revision, response);
  responses.delete(revision - KEEP);
  const woken = wake;
  wake = [];
  for (const resolve of woken) resolve();
  return revision;
}

function nextPublish(signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    wake.push(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}

async function* watchEvents(_request: unknown, context: HandlerContext): AsyncGenerator<WatchEventsResponse> {
  let seen = revision;
  yield create(WatchEventsResponseSchema, { revision: BigInt(seen), progress: true });
  for (;;) {
    while (seen < revision) {
      seen += 1;
      const response = responses.get(seen);
      if (response) yield response;
    }
    await nextPublish(context.signal);
  }
}

const routes = (router: ConnectRouter) =>
  router.service(CatalogService, {
    listComponents: () => create(ListComponentsResponseSchema, { revision: BigInt(revision) }),
    createComponent: () => create(CreateComponentResponseSchema, { created: true, revision: BigInt(publish()) }),
    updateComponent: () => create(UpdateComponentResponseSchema, { revision: BigInt(publish()) }),
    watchEvents,
  });

const handler = connectNodeAdapter({ routes });
const h2 = http2.createServer({}, handler);
const h1 = http.createServer(handler);
const outer = net.createServer((socket) => {
  socket.setNoDelay(true);
  sniffProtocol(socket, (isHttp2) => (isHttp2 ? h2 : h1).emit("connection", socket));
});
outer.listen(Number(process.argv[2]), "127.0.0.1");
process.once("SIGTERM", () => process.exit(0));
