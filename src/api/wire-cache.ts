/**
 * The API's speed caches, all in one place: wire forms (protobuf-es
 * messages, encoded bytes, framed gRPC messages) made once per stored object
 * and shared by every response that carries it.
 *
 * Why: converting and encoding the same record or event again for every
 * call and every stream was the largest cost above the RPC framework
 * (bench/unary and bench/watch, --cpu-prof): componentToWire (create() over
 * nested inits, Value and Timestamp conversions), then toBinary, then, on a
 * WatchEvents fan-out, the same bytes framed for each of 10,000 streams.
 *
 * What they rely on, stated in the storage contract (src/storage/store.ts,
 * "Object identity") and checked by test/api/wire-cache.test.ts:
 *   - a record a store hands out frozen is deeply frozen, and a write
 *     replaces it with a new object: its identity fixes its content, so a
 *     form cached by it is never stale. Unfrozen records (the remote stores
 *     build fresh objects per read, which would never hit) are converted per
 *     call and never cached; the Manager's resolution cache freezes the ones
 *     it keeps, which then hit;
 *   - the event feed hands every watcher it serves from its ring (live and
 *     recent events) the same CatalogEvent object for a revision and never
 *     changes it, so forms cached by it are shared by every stream and let
 *     go with the event (catching-up watchers may get fresh objects from the
 *     log, which only miss);
 *   - nothing downstream mutates a response message or a cached form (the
 *     adapters only serialise them).
 *
 * Binary responses (gRPC, gRPC-Web, Connect with protobuf) carry cached
 * bytes as protobuf-es unknown fields with the real field number, which
 * toBinary writes verbatim after the known fields; field order does not
 * matter on the wire, so every client decodes them as the ordinary field.
 * JSON responses get the cached message, and connect serialises them
 * through toJsonStringWithCache (the server's `jsonOptions.toJsonString`,
 * an option scripts/rewrite-connect.mjs adds to connect): a cached message
 * in a top-level field of the response is written as its JSON text, made
 * once, and the result is the text protobuf-es's toJsonString gives.
 */
import {
  create,
  type DescField,
  type DescMessage,
  type JsonWriteOptions,
  type Message,
  toBinary,
  toJson,
  toJsonString,
  type UnknownField,
} from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import {
  type WatchEventsResponse,
  WatchEventsResponseSchema,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { ComponentSchema, type Component as WireComponent } from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import { EventSchema, type Event as WireEvent } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import { TwoGenerationMap } from "../catalog/two-generation-map.js";
import type { WatchBatch, WatchEvent } from "../catalog/watch.js";
import type { ComponentRecord } from "../storage/records.js";
import { componentToWire, eventToWire } from "./convert.js";

/** The bytes of an encoded message as an unknown length-delimited field: the length prefix, then the bytes. */
function asField(no: number, encoded: Uint8Array): UnknownField {
  return { no, wireType: WireType.LengthDelimited, data: new BinaryWriter().bytes(encoded).finish() };
}

// ---------------------------------------------------------------- stored records (GetComponent, List, Search)

/** Two generations of at most this many records: ~3 KB per typical Component for the message, as much for bytes. */
const MAX_RECORDS = 10_000;

interface RecordForms {
  message: WireComponent;
  /** The message's encoding as a length-delimited field body, made on first binary use. */
  bytes?: Uint8Array;
}

const records = new TwoGenerationMap<ComponentRecord, RecordForms>(MAX_RECORDS);

function formsOf(record: ComponentRecord): RecordForms {
  let forms = records.get(record);
  if (forms === undefined) {
    forms = { message: componentToWire(record) };
    records.set(record, forms);
    shareJson(forms.message);
  }
  return forms;
}

/** The wire Component of a stored record (shared when cached: never mutate it). */
export function storedComponentToWire(record: ComponentRecord): WireComponent {
  return Object.isFrozen(record) ? formsOf(record).message : componentToWire(record);
}

/**
 * The record encoded as field `fieldNumber` (a Component field or one
 * element of a repeated one), or undefined when the record is not cacheable
 * and the caller should set the message field instead.
 */
export function storedComponentAsField(record: ComponentRecord, fieldNumber: number): UnknownField | undefined {
  if (!Object.isFrozen(record)) return undefined;
  const forms = formsOf(record);
  forms.bytes ??= asField(fieldNumber, toBinary(ComponentSchema, forms.message)).data;
  return { no: fieldNumber, wireType: WireType.LengthDelimited, data: forms.bytes };
}

const BINARY_CONTENT_TYPE = /^application\/(grpc|grpc\+proto|grpc-web|grpc-web\+proto|proto)\s*(;|$)/i;

/**
 * Whether a response with this request content type is serialised as
 * protobuf binary. Only positively known binary types count: anything else
 * (JSON, a Connect GET that names its encoding in the query) gets messages.
 */
export function respondsInBinary(requestContentType: string | null): boolean {
  return BINARY_CONTENT_TYPE.test(requestContentType ?? "");
}

// ---------------------------------------------------------------- events (WatchEvents)

const wireEvents = new WeakMap<WatchEvent, WireEvent>();
const encodedEvents = new WeakMap<WatchEvent, UnknownField>();
/** Responses are split below this size so no client hits its receive limit (4 MiB in most gRPC libraries). */
const MAX_RESPONSE_EVENT_BYTES = 1024 * 1024;

function wireEvent(event: WatchEvent): WireEvent {
  let wire = wireEvents.get(event);
  if (wire === undefined) {
    wire = eventToWire(event);
    wireEvents.set(event, wire);
    shareJson(wire);
  }
  return wire;
}

function encodedEvent(event: WatchEvent): UnknownField {
  let field = encodedEvents.get(event);
  if (field === undefined) {
    // A binary-only event keeps no converted message: only JSON streams need one.
    const wire = wireEvents.get(event) ?? eventToWire(event);
    field = asField(WatchEventsResponseSchema.field.events.number, toBinary(EventSchema, wire));
    encodedEvents.set(event, field);
  }
  return field;
}

/** The JSON-bound response for a batch: converted events, shared by every stream, encoded per stream. */
export function watchResponseWithMessages(batch: WatchBatch): WatchEventsResponse {
  return create(WatchEventsResponseSchema, {
    events: batch.events.map(wireEvent),
    revision: BigInt(batch.revision),
    progress: batch.progress,
  });
}

/**
 * Streams woken together mostly send the same thing, so those responses are
 * built once and shared (and the raw gRPC path then frames each one once,
 * see frameOf): a live event reaching every caught-up stream as a batch of
 * just that event, and any batch holding every revision from its first
 * event to its last, as streams catching up from the same position send.
 * An unfiltered batch always holds every revision; a filtered one only when
 * its filter let every event through, and it is then the same batch. Cached
 * by the batch's first event object, so an entry goes when its events do.
 */
const sharedResponses = new WeakMap<WatchEvent, Map<number, WatchEventsResponse[]>>();

/** The binary-bound responses for a batch (almost always one), each event encoded once for every stream. */
export function watchResponsesPreEncoded(batch: WatchBatch): WatchEventsResponse[] {
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
 * the revision of its last event (the last one the batch's revision) and
 * every event of that revision, so a resume from any of them neither misses
 * nor repeats an event.
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
    // Never between events of one revision (an event and the resolution change it caused): a resume from
    // the first response's revision would skip the rest of that revision.
    const previous = batch.events[index - 1];
    const split = previous !== undefined && previous.revision !== event.revision;
    if (split && bytes + field.data.length > MAX_RESPONSE_EVENT_BYTES) {
      responses.push(respond(previous.revision));
      fields = [];
      bytes = 0;
    }
    fields.push(field);
    bytes += field.data.length;
  }
  responses.push(respond(batch.revision));
  return responses;
}

// ---------------------------------------------------------------- JSON text (Connect and gRPC-Web with JSON)

/** The JSON write options connect passes (its JSON options, with toJsonString among them). */
export type JsonWriterOptions = Partial<JsonWriteOptions> & { prettySpaces?: number };

/**
 * Messages this module shares between responses, each with its JSON text once a response has needed it. An
 * entry goes with its message (the record's forms, the event).
 */
const jsonTexts = new WeakMap<Message, string | undefined>();

/**
 * The options the texts were written with. The server gives connect one set (src/api/server.ts); a call
 * with any other writes its messages afresh.
 */
let textOptions: JsonWriterOptions | undefined;

function shareJson(message: Message): void {
  jsonTexts.set(message, undefined);
}

function sameWriteOptions(a: JsonWriterOptions, b: JsonWriterOptions): boolean {
  return (
    a.alwaysEmitImplicit === b.alwaysEmitImplicit &&
    a.enumAsInteger === b.enumAsInteger &&
    a.useProtoFieldName === b.useProtoFieldName &&
    a.registry === b.registry
  );
}

/** A message's JSON text: the shared one (made on first use) or, for any other message, written now. */
function jsonText(desc: DescMessage, message: Message, options: JsonWriterOptions, cache: boolean): string {
  if (!cache || !jsonTexts.has(message)) return toJsonString(desc, message, options);
  let text = jsonTexts.get(message);
  if (text === undefined) {
    text = toJsonString(desc, message, options);
    jsonTexts.set(message, text);
  }
  return text;
}

/** A message type's fields by number, each marked when it can hold shared messages (message or repeated message). */
interface FieldPlan {
  fields: { field: DescField; spliced: boolean }[];
  anySpliced: DescField[];
  /** Every field's key under each naming, to tell extensions' keys from fields' in toJson's output. */
  jsonNames: Set<string>;
  protoNames: Set<string>;
}

const fieldPlans = new WeakMap<DescMessage, FieldPlan>();

function planOf(desc: DescMessage): FieldPlan {
  let plan = fieldPlans.get(desc);
  if (plan === undefined) {
    const fields = desc.fields
      .concat()
      .sort((a, b) => a.number - b.number)
      .map((field) => ({
        field,
        spliced:
          field.oneof === undefined &&
          (field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message")),
      }));
    plan = {
      fields,
      anySpliced: fields.filter((f) => f.spliced).map((f) => f.field),
      jsonNames: new Set(fields.map((f) => f.field.jsonName)),
      protoNames: new Set(fields.map((f) => f.field.name)),
    };
    fieldPlans.set(desc, plan);
  }
  return plan;
}

/**
 * protobuf-es's toJsonString, with each shared message in a top-level field written as its JSON text, made
 * once: a Connect list page of 50 components then costs one toJson of the page's other fields and a join,
 * not 50 conversions. The text is the one toJsonString gives (the same keys in the same order: fields by
 * number, then extensions); test/api/wire-cache.test.ts compares them.
 */
export function toJsonStringWithCache(desc: DescMessage, message: Message, options: JsonWriterOptions = {}): string {
  const plan = planOf(desc);
  const values = message as unknown as Record<string, unknown>;
  const shared = (value: unknown) => jsonTexts.has(value as Message);
  const holdsShared = plan.anySpliced.some((f) => {
    const value = values[f.localName];
    return Array.isArray(value) ? value.some(shared) : shared(value);
  });
  if (!holdsShared || (options.prettySpaces ?? 0) !== 0) return toJsonString(desc, message, options);
  textOptions ??= options;
  const cache = sameWriteOptions(textOptions, options);
  // The other fields as toJson writes them; the spliced ones emptied (a list as [] keeps alwaysEmitImplicit's []).
  const rest: Record<string, unknown> = { ...values };
  for (const f of plan.anySpliced) rest[f.localName] = f.fieldKind === "list" ? [] : undefined;
  const json = toJson(desc, rest as unknown as Message, options) as Record<string, unknown>;
  const parts: string[] = [];
  for (const { field, spliced } of plan.fields) {
    const key = options.useProtoFieldName ? field.name : field.jsonName;
    const value = values[field.localName];
    let text: string | undefined;
    if (spliced && value !== undefined && !(Array.isArray(value) && value.length === 0)) {
      const element = field.message!;
      text = Array.isArray(value)
        ? `[${value.map((m: Message) => jsonText(element, m, options, cache)).join(",")}]`
        : jsonText(element, value as Message, options, cache);
    } else if (key in json) text = JSON.stringify(json[key]);
    if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
  }
  // Extensions (with a registry), after the fields as toJson writes them.
  const fieldKeys = options.useProtoFieldName ? plan.protoNames : plan.jsonNames;
  for (const key of Object.keys(json))
    if (!fieldKeys.has(key)) parts.push(`${JSON.stringify(key)}:${JSON.stringify(json[key])}`);
  return `{${parts.join(",")}}`;
}

// ---------------------------------------------------------------- gRPC frames (the raw stream path)

/**
 * Frames by message object: a response shared by many streams (above) is
 * encoded and framed once, and every stream writes the same buffer.
 */
const frames = new WeakMap<object, Uint8Array>();

/** The message as one uncompressed gRPC length-prefixed frame. */
export function frameOf(desc: DescMessage, message: Message): Uint8Array {
  let framed = frames.get(message);
  if (framed === undefined) {
    // create() returns a message of the type as it is (implementations may yield init objects).
    framed = encodeEnvelope(0, toBinary(desc, create(desc, message as never)));
    frames.set(message, framed);
  }
  return framed;
}
