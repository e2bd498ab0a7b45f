/**
 * The WatchEvents request rules, for every transport that serves the event
 * feed: the RPC (catalog-service.ts) and Server-Sent Events (sse-events.ts)
 * decode their requests into a WatchEventsRequest and open the watch here,
 * so both check the start and the filter alike and name the same fields.
 */
import type { WatchEventsRequest } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { componentNameViolation } from "../catalog/names.js";
import { parseVersionSelector } from "../catalog/resolution.js";
import type { ResolutionFilter, WatchBatch, WatchEventType, WatchFeed, WatchOptions } from "../catalog/watch.js";
import { CatalogError, REASONS } from "../errors/index.js";
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
  const types: WatchEventType[] = [];
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
  const resolution = filter?.resolution;
  const followed = resolution === undefined ? {} : { resolution: checkedResolution(resolution) };
  return feed.watch(
    startRevision,
    { names, provider: filter?.provider ?? "", category: filter?.category ?? "", types, ...followed },
    signal,
    { resume: request.resume, ...options },
  );
}

/** A followed constraint: a component name and a version selector, or INVALID_ARGUMENT naming the field. */
function checkedResolution({ name, constraint }: { name: string; constraint: string }): ResolutionFilter {
  const problem = componentNameViolation("filter.resolution.name", name);
  if (problem !== undefined) throw CatalogError.invalid([problem]);
  parseVersionSelector(constraint, "filter.resolution.constraint");
  return { name, constraint };
}
