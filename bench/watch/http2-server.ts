/**
 * The transport's own floor for bench/watch (`--server http2`): gRPC spoken
 * directly on node:http2, without Connect. Each WatchEvents stream is just
 * its Http2Stream in a set; UpdateComponent frames one pre-encoded response
 * once (5-byte gRPC prefix + message) and writes that buffer to every
 * stream. Unary calls answer a fixed message with grpc-status 0; request
 * bodies are not read. Set beside `--server bare` (Connect-Node) it shows
 * what node:http2 costs per stream and per delivered message, and so what a
 * WatchEvents path that bypasses Connect's stream pipeline could reach.
 *
 *   node --import tsx bench/watch/http2-server.ts PORT
 */
import * as http2 from "node:http2";
import { create, type DescMessage, type MessageShape, toBinary } from "@bufbuild/protobuf";
import {
  CreateComponentResponseSchema,
  ListComponentsResponseSchema,
  UpdateComponentResponseSchema,
  WatchEventsResponseSchema,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { benchEventResponse } from "./bench-event.js";

const SERVICE = "/nestor.catalog.v1.CatalogService/";
const watchers = new Set<http2.ServerHttp2Stream>();
let revision = 0;

function frame(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + bytes.length);
  out.writeUInt8(0, 0);
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
}

function framed<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Buffer {
  return frame(toBinary(schema, message));
}

function publish(): number {
  revision += 1;
  const bytes = framed(WatchEventsResponseSchema, benchEventResponse(revision));
  for (const stream of watchers) stream.write(bytes);
  return revision;
}

function unary(stream: http2.ServerHttp2Stream, body: Buffer): void {
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  stream.end(body);
}

const server = http2.createServer();
server.on("stream", (stream, headers) => {
  stream.on("error", () => {});
  stream.resume();
  const method = String(headers[":path"] ?? "").slice(SERVICE.length);
  switch (method) {
    case "WatchEvents":
      stream.respond({ ":status": 200, "content-type": "application/grpc" });
      stream.write(
        framed(
          WatchEventsResponseSchema,
          create(WatchEventsResponseSchema, { revision: BigInt(revision), progress: true }),
        ),
      );
      watchers.add(stream);
      stream.once("close", () => watchers.delete(stream));
      return;
    case "ListComponents":
      return unary(
        stream,
        framed(ListComponentsResponseSchema, create(ListComponentsResponseSchema, { revision: BigInt(revision) })),
      );
    case "CreateComponent":
      return unary(
        stream,
        framed(
          CreateComponentResponseSchema,
          create(CreateComponentResponseSchema, { created: true, revision: BigInt(publish()) }),
        ),
      );
    case "UpdateComponent":
      return unary(
        stream,
        framed(UpdateComponentResponseSchema, create(UpdateComponentResponseSchema, { revision: BigInt(publish()) })),
      );
    default:
      stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "12" }, { endStream: true });
  }
});
server.on("connection", (socket: import("node:net").Socket) => socket.setNoDelay(true));
server.listen(Number(process.argv[2]), "127.0.0.1");
process.once("SIGTERM", () => process.exit(0));
