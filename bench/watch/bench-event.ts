/**
 * The event both baseline servers fan out (bare-server.ts, http2-server.ts):
 * an update of one typical component at `revision`, encoded once as
 * WatchEventsResponse field 1 (an unknown field, as the catalog's
 * WatchEvents carries its pre-encoded events).
 */
import { create, toBinary, type UnknownField } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import {
  type WatchEventsResponse,
  WatchEventsResponseSchema,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { EventSchema } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import { eventToWire } from "../../src/api/convert.js";
import { storedRecord } from "../unary/bare-server.js";

export function benchEventResponse(revision: number): WatchEventsResponse {
  const time = new Date().toISOString();
  const event = eventToWire({
    revision,
    type: "updated",
    time,
    actor: "bench",
    component: { ...storedRecord(0, "1.0.0"), updateRevision: revision },
  });
  const field: UnknownField = {
    no: 1,
    wireType: WireType.LengthDelimited,
    data: new BinaryWriter().bytes(toBinary(EventSchema, event)).finish(),
  };
  const response = create(WatchEventsResponseSchema, { revision: BigInt(revision) });
  response.$unknown = [field];
  return response;
}
