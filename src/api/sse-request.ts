/**
 * The request of GET /v1/events: query parameters and the Last-Event-ID
 * header decoded into a WatchEventsRequest, so the stream is opened by the
 * same rules as the RPC (watch-request.ts). Parameters are the request's
 * field paths, as HTTP transcoding of Google APIs names them
 * (`start_revision`, `resume`, `filter.names`, `filter.provider`,
 * `filter.category`, `filter.types`, `filter.resolution.name`,
 * `filter.resolution.constraint`; repeated fields by repeating the
 * parameter), so an error names the same field over either transport.
 */
import { create } from "@bufbuild/protobuf";
import {
  type WatchEventsRequest,
  WatchEventsRequestSchema,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import {
  EventTypeSchema,
  ResolutionFilterSchema,
  type EventType as WireEventType,
} from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import { CatalogError, type FieldViolation, REASONS } from "../errors/index.js";
import { eventTypeFromWire } from "./convert.js";

export const LAST_EVENT_ID = "Last-Event-ID";

const SINGLE = [
  "start_revision",
  "resume",
  "filter.provider",
  "filter.category",
  "filter.resolution.name",
  "filter.resolution.constraint",
] as const;
const REPEATED = ["filter.names", "filter.types"] as const;
const PARAMETERS: readonly string[] = [...SINGLE, ...REPEATED];

/** Event type parameter values: the names the stream's `event:` lines use (created, ...) and the proto enum names. */
const EVENT_TYPES = new Map<string, WireEventType>();
for (const value of EventTypeSchema.values) {
  const domain = eventTypeFromWire(value.number);
  if (domain === undefined) continue;
  EVENT_TYPES.set(domain, value.number);
  EVENT_TYPES.set(value.name, value.number);
}

export interface EventStreamRequest {
  /** The decoded request, or undefined with the violations that stopped it. */
  message: WatchEventsRequest | undefined;
  error: CatalogError | undefined;
  /** The header or parameter the start came from, for errors about the start. */
  startSource: typeof LAST_EVENT_ID | "start_revision";
}

/**
 * Decodes `search` (the URL's query string) and the Last-Event-ID header,
 * which EventSource sends when it reconnects: it names the last event
 * received, so it takes the place of start_revision and resume (the start
 * is taken literally). Every bad parameter is reported, by name.
 */
export function decodeEventStreamRequest(search: string, lastEventId: string | undefined): EventStreamRequest {
  const params = new URLSearchParams(search);
  const violations: FieldViolation[] = [];
  for (const name of new Set(params.keys())) {
    if (!PARAMETERS.includes(name)) {
      violations.push({
        field: name,
        description: `is not a parameter of this stream (${PARAMETERS.join(", ")})`,
        reason: REASONS.unknownParameter,
      });
    } else if (SINGLE.includes(name as (typeof SINGLE)[number]) && params.getAll(name).length > 1) {
      violations.push({ field: name, description: "may be given once", reason: REASONS.repeated });
    }
  }
  const message = create(WatchEventsRequestSchema, {
    filter: {
      names: params.getAll("filter.names"),
      provider: params.get("filter.provider") ?? "",
      category: params.get("filter.category") ?? "",
    },
  });
  const [followed, constraint] = [params.get("filter.resolution.name"), params.get("filter.resolution.constraint")];
  if ((followed !== null || constraint !== null) && message.filter !== undefined) {
    message.filter.resolution = create(ResolutionFilterSchema, { name: followed ?? "", constraint: constraint ?? "" });
  }
  const start = params.get("start_revision");
  if (start !== null) {
    const revision = revisionParameter(start);
    if (revision === undefined) violations.push(notARevision("start_revision", start));
    else message.startRevision = revision;
  }
  const resume = params.get("resume");
  if (resume !== null) {
    const flag = booleanParameter(resume);
    if (flag === undefined)
      violations.push({ field: "resume", description: `"${resume}" is not true or false`, reason: REASONS.boolean });
    else message.resume = flag;
  }
  for (const [index, value] of params.getAll("filter.types").entries()) {
    const type = EVENT_TYPES.get(value);
    if (type === undefined) {
      violations.push({
        field: `filter.types[${index}]`,
        description: `"${value}" is not an event type (${[...EVENT_TYPES.keys()].join(", ")})`,
        reason: REASONS.enum,
      });
    } else {
      message.filter?.types.push(type);
    }
  }
  let startSource: EventStreamRequest["startSource"] = "start_revision";
  if (lastEventId !== undefined && lastEventId !== "") {
    startSource = LAST_EVENT_ID;
    const revision = revisionParameter(lastEventId.trim());
    if (revision === undefined) violations.push(notARevision(LAST_EVENT_ID, lastEventId));
    else {
      message.startRevision = revision;
      message.resume = true;
    }
  }
  if (violations.length > 0) return { message: undefined, error: CatalogError.invalid(violations), startSource };
  return { message, error: undefined, startSource };
}

/** A decimal revision; its range is the watch's to check (watch-request.ts). */
function revisionParameter(value: string): bigint | undefined {
  return /^[0-9]{1,20}$/.test(value) ? BigInt(value) : undefined;
}

function booleanParameter(value: string): boolean | undefined {
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  return undefined;
}

function notARevision(field: string, value: string): FieldViolation {
  return { field, description: `"${value}" is not a revision (a non-negative integer)`, reason: REASONS.integer };
}
