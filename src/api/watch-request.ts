/**
 * The WatchEvents request rules, for every transport that serves the event
 * feed: the RPC (catalog-service.ts) and Server-Sent Events (sse-events.ts)
 * decode their requests into a WatchEventsRequest and open the watch here,
 * so both check the start and the filter alike and name the same fields.
 */
import type { WatchEventsRequest } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { componentNameViolation } from "../catalog/names.js";
import type { WatchBatch, WatchFeed, WatchOptions } from "../catalog/watch.js";
import { CatalogError, REASONS } from "../errors/index.js";
import type { EventType } from "../storage/records.js";
import { eventTypeFromWire, revisionFromWire } from "./convert.js";

/**
 * The feed's batches for `request`; throws INVALID_ARGUMENT naming the field
 * at once for a start or filter no watch can take. The feed itself answers
 * starts the log cannot serve (compacted, ahead of the catalog).
 */
export function watchBatches(
  feed: WatchFeed,
  request: WatchEventsRequest,
  signal: AbortSignal,
  options: Pick<WatchOptions, "announceStart"> = {},
): AsyncIterable<WatchBatch> {
  const startRevision = revisionFromWire(request.startRevision);
  if (startRevision === undefined) {
    throw CatalogError.invalid([
      {
        field: "start_revision",
        description: `must be between 0 and ${Number.MAX_SAFE_INTEGER}`,
        reason: REASONS.range,
      },
    ]);
  }
  const filter = request.filter;
  const types: EventType[] = [];
  for (const [index, type] of (filter?.types ?? []).entries()) {
    const domain = eventTypeFromWire(type);
    if (!domain) {
      throw CatalogError.invalid([
        { field: `filter.types[${index}]`, description: `${type} is not an event type`, reason: REASONS.enum },
      ]);
    }
    types.push(domain);
  }
  const names = filter?.names ?? [];
  for (const [index, name] of names.entries()) {
    const problem = componentNameViolation(`filter.names[${index}]`, name);
    if (problem !== undefined) throw CatalogError.invalid([problem]);
  }
  return feed.watch(
    startRevision,
    { names, provider: filter?.provider ?? "", category: filter?.category ?? "", types },
    signal,
    { resume: request.resume, ...options },
  );
}
