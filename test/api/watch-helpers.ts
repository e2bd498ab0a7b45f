/**
 * Reading a WatchEvents stream in tests: every event from a start revision
 * up to a revision the caller knows was written, through any client.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import type {
  CatalogService,
  WatchEventsRequestSchema,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import type { Event } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";

/** The events a watch from `request` delivers until it has seen `through` (resume is implied). */
export async function eventsThrough(
  client: Client<typeof CatalogService>,
  request: MessageInitShape<typeof WatchEventsRequestSchema>,
  through: bigint,
  callOptions: { headers?: Record<string, string> } = {},
): Promise<Event[]> {
  const events: Event[] = [];
  const abort = new AbortController();
  try {
    const options = { ...callOptions, signal: abort.signal };
    for await (const message of client.watchEvents({ resume: true, ...request }, options)) {
      events.push(...message.events);
      if (message.revision >= through) break;
    }
  } finally {
    abort.abort();
  }
  return events;
}
