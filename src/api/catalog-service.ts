/**
 * CatalogService handlers: decode the request, call the Manager or the event
 * feed, encode the response. No business rules and no storage here.
 */
import { create, toBinary, type UnknownField } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  type CatalogService,
  CompareComponentVersionsResponseSchema,
  CreateComponentResponseSchema,
  DeleteComponentResponseSchema,
  GetComponentResponseSchema,
  ListComponentsResponseSchema,
  ListComponentVersionsResponseSchema,
  SearchComponentsResponseSchema,
  UpdateComponentResponseSchema,
  type WatchEventsResponse,
  WatchEventsResponseSchema,
  type ComponentFilter as WireComponentFilter,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { EventSchema, type Event as WireEvent } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import type { Manager, WriteOptions } from "../catalog/manager.js";
import type { WatchBatch, WatchFeed } from "../catalog/watch.js";
import { CatalogError } from "../errors/index.js";
import type { CatalogEvent } from "../storage/records.js";
import type { ComponentFilter } from "../storage/store.js";
import { actorKey, writeAuthorizerKey } from "./context.js";
import {
  BUMP_TO_WIRE,
  componentToWire,
  draftFromWire,
  eventToWire,
  wireFieldPath,
  withWireFieldPaths,
} from "./convert.js";
import { respondsInBinary, storedComponentAsField, storedComponentToWire } from "./stored-components.js";
import { watchBatches } from "./watch-request.js";

/** Field numbers of the Component fields that reads fill with pre-encoded bytes. */
const GET_COMPONENT_FIELD = GetComponentResponseSchema.field.component.number;
const LIST_COMPONENTS_FIELD = ListComponentsResponseSchema.field.components.number;

export interface CatalogServiceDeps {
  manager: Manager;
  feed: WatchFeed;
}

const actor = (context: HandlerContext) => context.values.get(actorKey);

/**
 * Who writes, the call's signal (its deadline or cancellation stops a write
 * still waiting to commit) and, for a scoped caller, the scope check the
 * Manager runs inside the write.
 */
function writeOptions(context: HandlerContext): WriteOptions {
  const authorize = context.values.get(writeAuthorizerKey);
  const options: WriteOptions = { actor: actor(context), signal: context.signal };
  if (authorize) options.authorize = authorize;
  return options;
}

export function catalogServiceHandlers({ manager, feed }: CatalogServiceDeps): ServiceImpl<typeof CatalogService> {
  return {
    async createComponent(request, context) {
      const result = await inWireTerms(() =>
        manager.publish(draftFromWire(request.component), {
          ...writeOptions(context),
          validateOnly: request.validateOnly,
        }),
      );
      return create(CreateComponentResponseSchema, {
        component: componentToWire(result.component),
        created: result.created,
        revision: BigInt(result.revision),
      });
    },

    async getComponent(request, context) {
      const result = await manager.get(request.name, request.version);
      const response = create(GetComponentResponseSchema, {
        revision: BigInt(result.revision),
        deprecated: result.component.deprecation.deprecated,
      });
      // Binary responses carry the Component encoded once per stored record (see stored-components.ts).
      const encoded = respondsInBinary(context)
        ? storedComponentAsField(result.component, GET_COMPONENT_FIELD)
        : undefined;
      if (encoded) response.$unknown = [encoded];
      else response.component = storedComponentToWire(result.component);
      return response;
    },

    async updateComponent(request, context) {
      const component = request.component;
      if (!component) {
        throw CatalogError.invalid([{ field: "component", description: "is required", reason: "REQUIRED" }]);
      }
      const result = await inWireTerms(() =>
        manager.update(
          {
            name: component.name,
            version: component.version,
            description: component.description,
            labels: { ...component.labels },
            deprecation: component.deprecation
              ? { deprecated: component.deprecation.deprecated, message: component.deprecation.message }
              : undefined,
            updateMask: request.updateMask?.paths ?? [],
            etag: component.etag,
          },
          writeOptions(context),
        ),
      );
      return create(UpdateComponentResponseSchema, {
        component: componentToWire(result.component),
        revision: BigInt(result.revision),
      });
    },

    async deleteComponent(request, context) {
      const result = await manager.delete(
        { name: request.name, version: request.version, allVersions: request.allVersions, etag: request.etag },
        writeOptions(context),
      );
      return create(DeleteComponentResponseSchema, {
        components: result.components.map(componentToWire),
        revision: BigInt(result.revision),
      });
    },

    async listComponents(request, context) {
      const page = await manager.list({
        filter: filterFromWire(request.filter),
        allVersions: request.allVersions,
        orderBy: request.orderBy,
        pageSize: request.pageSize,
        pageToken: request.pageToken,
      });
      const response = create(ListComponentsResponseSchema, {
        nextPageToken: page.nextPageToken,
        revision: BigInt(page.revision),
      });
      // Binary responses carry each Component encoded once per stored record, in page order
      // (repeated elements may arrive as separate fields); a page with any uncacheable record is built as messages.
      const encoded = respondsInBinary(context)
        ? page.items.map((item) => storedComponentAsField(item, LIST_COMPONENTS_FIELD))
        : [];
      if (encoded.length > 0 && encoded.every((field) => field !== undefined))
        response.$unknown = encoded as UnknownField[];
      else response.components = page.items.map(storedComponentToWire);
      return response;
    },

    async searchComponents(request) {
      const page = await manager.search({
        query: request.query,
        filter: filterFromWire(request.filter),
        pageSize: request.pageSize,
        pageToken: request.pageToken,
      });
      return create(SearchComponentsResponseSchema, {
        results: page.items.map((hit) => ({ component: storedComponentToWire(hit.component), score: hit.score })),
        nextPageToken: page.nextPageToken,
        revision: BigInt(page.revision),
      });
    },

    async listComponentVersions(request) {
      const page = await manager.listVersions(request.name, {
        pageSize: request.pageSize,
        pageToken: request.pageToken,
      });
      return create(ListComponentVersionsResponseSchema, {
        components: page.items.map(storedComponentToWire),
        nextPageToken: page.nextPageToken,
        revision: BigInt(page.revision),
      });
    },

    async compareComponentVersions(request) {
      const result = await manager.compare(request.name, request.baseVersion, request.targetVersion);
      return create(CompareComponentVersionsResponseSchema, {
        changes: result.report.changes.map((change) => ({
          path: wireFieldPath(change.path),
          breaking: change.breaking,
          description: change.description,
          bump: BUMP_TO_WIRE[change.bump],
        })),
        breaking: result.report.breaking,
        requiredBump: BUMP_TO_WIRE[result.report.requiredBump],
        bumpSufficient: result.bumpSufficient,
        revision: BigInt(result.revision),
      });
    },

    async *watchEvents(request, context) {
      const batches = watchBatches(feed, request, context.signal);
      const json = /[+/]json\s*(;|$)/i.test(context.requestHeader.get("content-type") ?? "");
      for await (const batch of batches) {
        if (json) {
          yield watchResponseWithMessages(batch);
          continue;
        }
        // Almost always one response; no generator is kept suspended across the idle wait.
        for (const response of watchResponsesPreEncoded(batch)) yield response;
      }
      // The feed ends quietly when the call's signal aborts; the call must still end with the
      // reason (DEADLINE_EXCEEDED, CANCELED), never with OK as if the stream were complete.
      context.signal.throwIfAborted();
    },
  };
}

// ---------------------------------------------------------------- WatchEvents: serialise each event once

/**
 * Every stream that sends an event shares one encoding of it. The event feed
 * hands the same CatalogEvent object to every watcher (from its ring), so the
 * wire form is cached by that object and let go with it. Binary responses
 * (gRPC, gRPC-Web, Connect binary) carry the cached bytes as field 1
 * (`events`) through protobuf-es unknown fields, which toBinary writes
 * verbatim after the known fields; field order does not matter on the wire,
 * so every client decodes them as ordinary events. JSON cannot carry bytes:
 * JSON responses share the converted message instead and are encoded per
 * stream. bench/watch measures the difference.
 */
const encodedEvents = new WeakMap<CatalogEvent, UnknownField>();
const wireEvents = new WeakMap<CatalogEvent, WireEvent>();
/** Responses are split below this size so no client hits its receive limit (4 MiB in most gRPC libraries). */
const MAX_RESPONSE_EVENT_BYTES = 1024 * 1024;

function wireEvent(event: CatalogEvent): WireEvent {
  let wire = wireEvents.get(event);
  if (wire === undefined) {
    wire = eventToWire(event);
    wireEvents.set(event, wire);
  }
  return wire;
}

function encodedEvent(event: CatalogEvent): UnknownField {
  let field = encodedEvents.get(event);
  if (field === undefined) {
    // Unknown length-delimited data is the length prefix followed by the bytes.
    const data = new BinaryWriter().bytes(toBinary(EventSchema, wireEvents.get(event) ?? eventToWire(event))).finish();
    field = { no: 1, wireType: WireType.LengthDelimited, data };
    encodedEvents.set(event, field);
  }
  return field;
}

function watchResponseWithMessages(batch: WatchBatch): WatchEventsResponse {
  return create(WatchEventsResponseSchema, {
    events: batch.events.map(wireEvent),
    revision: BigInt(batch.revision),
    progress: batch.progress,
  });
}

/**
 * Streams woken together mostly send the same thing, so those responses are
 * built once and shared (the raw gRPC path then also frames each one once:
 * grpc-server-streams.ts): a live event reaching every caught-up stream as a
 * batch of just that event, and any batch holding every revision from its
 * first event to its last — streams catching up from the same position, as
 * after a burst. An unfiltered batch always holds every revision; a filtered
 * one only when its filter let every event through, and it is then the same
 * batch. Cached by the batch's first event object (the feed hands every
 * watcher the same objects), so an entry goes when its events do.
 */
const sharedResponses = new WeakMap<CatalogEvent, Map<number, WatchEventsResponse[]>>();

function watchResponsesPreEncoded(batch: WatchBatch): WatchEventsResponse[] {
  const first = batch.events[0];
  const last = batch.events[batch.events.length - 1];
  const everyRevision =
    first !== undefined &&
    last !== undefined &&
    !batch.progress &&
    batch.revision === last.revision &&
    last.revision - first.revision + 1 === batch.events.length;
  if (!everyRevision) return buildWatchResponses(batch);
  let byLastRevision = sharedResponses.get(first);
  if (byLastRevision === undefined) {
    byLastRevision = new Map();
    sharedResponses.set(first, byLastRevision);
  }
  let shared = byLastRevision.get(last.revision);
  if (shared === undefined) {
    shared = buildWatchResponses(batch);
    byLastRevision.set(last.revision, shared);
  }
  return shared;
}

/**
 * One response per batch, or several when the batch is large; each carries
 * the revision of its last event (the last one the batch's revision), so a
 * resume from any of them neither misses nor repeats an event.
 */
function buildWatchResponses(batch: WatchBatch): WatchEventsResponse[] {
  const responses: WatchEventsResponse[] = [];
  let fields: UnknownField[] = [];
  let bytes = 0;
  const respond = (revision: number) => {
    const response = create(WatchEventsResponseSchema, { revision: BigInt(revision), progress: batch.progress });
    if (fields.length > 0) response.$unknown = fields;
    return response;
  };
  for (const [index, event] of batch.events.entries()) {
    const field = encodedEvent(event);
    if (fields.length > 0 && bytes + field.data.length > MAX_RESPONSE_EVENT_BYTES) {
      responses.push(respond(batch.events[index - 1]!.revision));
      fields = [];
      bytes = 0;
    }
    fields.push(field);
    bytes += field.data.length;
  }
  responses.push(respond(batch.revision));
  return responses;
}

/** Runs a Manager call whose validation speaks domain field names, reporting violations in proto field names. */
async function inWireTerms<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw withWireFieldPaths(err);
  }
}

function filterFromWire(filter: WireComponentFilter | undefined): ComponentFilter {
  if (!filter) return { includeDeprecated: false };
  return {
    ...(filter.provider ? { provider: filter.provider } : {}),
    ...(filter.category ? { category: filter.category } : {}),
    ...(Object.keys(filter.labels).length > 0 ? { labels: { ...filter.labels } } : {}),
    ...(filter.deploymentEngine ? { deploymentEngine: filter.deploymentEngine } : {}),
    includeDeprecated: filter.includeDeprecated,
  };
}
