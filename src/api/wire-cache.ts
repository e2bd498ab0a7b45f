/**
 * The API's speed caches, all in one place: wire forms (encoded bytes, JSON
 * text, framed gRPC messages) made once per stored object and shared by
 * every response that carries it.
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
 *   - the JSON writer is connect's only reader of a "json" response: the
 *     shared forms such a response carries in place of messages are written
 *     by toJsonStringWithCache and by nothing else (the interceptors pass
 *     messages through unread).
 *
 * How each response carries them depends on its encoding: see AnswerForm.
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
import { createMethodSerializationLookup, encodeEnvelope } from "@connectrpc/connect/protocol";
import {
  CatalogService,
  GetComponentResponseSchema,
  type WatchEventsResponse,
  WatchEventsResponseSchema,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { ComponentSchema } from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import { EventSchema } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import { TwoGenerationMap } from "../catalog/two-generation-map.js";
import type { WatchBatch, WatchEvent } from "../catalog/watch.js";
import type { ComponentRecord } from "../storage/records.js";
import { componentToWire, eventToWire } from "./convert.js";

// ---------------------------------------------------------------- shared forms

/** How a kind of stored object becomes its wire message. */
interface WireKind<S> {
  desc: DescMessage;
  toWire(source: S): Message;
}

const COMPONENT: WireKind<ComponentRecord> = { desc: ComponentSchema, toWire: componentToWire };
const EVENT: WireKind<WatchEvent> = { desc: EventSchema, toWire: eventToWire };

/**
 * A stored object's wire forms, each made on its first use and shared by every response that carries the
 * object: its encoding and its JSON text. The protobuf-es message they are made from is let go: a
 * Component's is a tree of some hundred objects, and 20,000 cached ones doubled the time of every full
 * collection (docs/performance.md, "List pages after the get scenarios"). Only answers that must carry
 * messages ("messages", see AnswerForm) keep it.
 */
class SharedForms<S = unknown> {
  /** The encoding as a length-delimited field body: the length prefix, then the bytes. */
  private body?: Uint8Array;
  /** The JSON text, under the options the texts are written with (textOptions). */
  private text?: string;
  private message?: Message;

  constructor(
    private readonly kind: WireKind<S>,
    private readonly source: S,
  ) {}

  /** The message, kept: for answers serialised by something other than toJsonStringWithCache. */
  wire(): Message {
    this.message ??= this.kind.toWire(this.source);
    return this.message;
  }

  /** The encoding as an unknown field numbered `no` (a field of the object's type, or one element of a list). */
  field(no: number): UnknownField {
    this.body ??= new BinaryWriter().bytes(toBinary(this.kind.desc, this.converted())).finish();
    return { no, wireType: WireType.LengthDelimited, data: this.body };
  }

  /** The JSON text: the shared one, made on first use, or written now under options it was not made with. */
  json(options: JsonWriterOptions): string {
    textOptions ??= options;
    if (!sameWriteOptions(textOptions, options)) return toJsonString(this.kind.desc, this.converted(), options);
    this.text ??= toJsonString(this.kind.desc, this.converted(), options);
    return this.text;
  }

  private converted(): Message {
    return this.message ?? this.kind.toWire(this.source);
  }
}

/**
 * How a response is serialised, read from its request:
 *   - "binary": gRPC, gRPC-Web and Connect with protobuf. Responses carry each stored object's encoding as
 *     an unknown field with the real field number; toBinary writes it after the known fields, and field
 *     order does not matter on the wire, so every client decodes it as the ordinary field.
 *   - "json": the same protocols with JSON, where connect writes JSON through toJsonStringWithCache (the
 *     server's `jsonOptions.toJsonString`, an option scripts/rewrite-connect.mjs adds to connect).
 *     Responses carry each stored object's SharedForms in place of its message, written as its JSON text.
 *   - "messages": anything else (connect without that option, an encoding not named here): responses
 *     carry real messages, which any serialiser writes.
 */
export type AnswerForm = "binary" | "json" | "messages";

const BINARY_CONTENT_TYPE = /^application\/(grpc|grpc\+proto|grpc-web|grpc-web\+proto|proto|connect\+proto)\s*(;|$)/i;
const JSON_CONTENT_TYPE = /^application\/(grpc\+json|grpc-web\+json|json|connect\+json)\s*(;|$)/i;

/** The request's method, headers and URL (a Connect GET names its encoding in the query). */
export interface AnswerRequest {
  requestMethod: string;
  requestHeader: Headers;
  url: string;
}

export function answerFormOf(request: AnswerRequest): AnswerForm {
  const type =
    request.requestMethod === "GET"
      ? `application/${new URLSearchParams(request.url.split("?")[1] ?? "").get("encoding") ?? ""}`
      : (request.requestHeader.get("content-type") ?? "");
  if (BINARY_CONTENT_TYPE.test(type)) return "binary";
  return JSON_CONTENT_TYPE.test(type) && jsonWriterInstalled() ? "json" : "messages";
}

let writerInstalled: boolean | undefined;

/**
 * Whether connect serialises JSON through the options' toJsonString (scripts/rewrite-connect.mjs; an install
 * without dev dependencies does not run it). Asked of connect's own serialisation lookup, once.
 */
function jsonWriterInstalled(): boolean {
  if (writerInstalled === undefined) {
    let called = false;
    const probe = () => {
      called = true;
      return "{}";
    };
    const limits = { readMaxBytes: 1024, writeMaxBytes: 1024 };
    const options = { toJsonString: probe } as Partial<JsonWriteOptions>;
    createMethodSerializationLookup(CatalogService.method.getComponent, undefined, options, limits)
      .getO(false)
      .serialize(create(GetComponentResponseSchema));
    writerInstalled = called;
  }
  return writerInstalled;
}

// ---------------------------------------------------------------- stored records (GetComponent, List, Search)

/** Two generations of at most this many records: ~3 KB per typical Component for its bytes, as much for its text. */
const MAX_RECORDS = 10_000;

const records = new TwoGenerationMap<ComponentRecord, SharedForms<ComponentRecord>>(MAX_RECORDS);

/** The map's forms for `source`, made and kept on first use. */
function formsIn<T extends object>(
  map: { get(key: T): SharedForms<T> | undefined; set(key: T, value: SharedForms<T>): unknown },
  kind: WireKind<T>,
  source: T,
): SharedForms<T> {
  let forms = map.get(source);
  if (forms === undefined) {
    forms = new SharedForms(kind, source);
    map.set(source, forms);
  }
  return forms;
}

const formsOf = (record: ComponentRecord) => formsIn(records, COMPONENT, record);

/**
 * Puts stored records into a response's Component field (one record) or repeated Component field (a page,
 * in order), in the answer's form. Records handed out unfrozen (the remote stores build fresh objects per
 * read, which would never hit) are converted per call and never cached; a binary page with any of them is
 * built as messages, so its elements stay in order.
 */
export function setStoredComponents(
  response: Message,
  field: DescField,
  stored: readonly ComponentRecord[],
  form: AnswerForm,
): void {
  const cacheable = stored.every((record) => Object.isFrozen(record));
  if (form === "binary" && cacheable && stored.length > 0) {
    response.$unknown = [...(response.$unknown ?? []), ...stored.map((record) => formsOf(record).field(field.number))];
    return;
  }
  const values = stored.map((record) => {
    if (!Object.isFrozen(record)) return componentToWire(record);
    return form === "json" ? formsOf(record) : formsOf(record).wire();
  });
  (response as unknown as Record<string, unknown>)[field.localName] = field.fieldKind === "list" ? values : values[0];
}

// ---------------------------------------------------------------- events (WatchEvents)

const events = new WeakMap<WatchEvent, SharedForms<WatchEvent>>();
/** Responses are split below this size so no client hits its receive limit (4 MiB in most gRPC libraries). */
const MAX_RESPONSE_EVENT_BYTES = 1024 * 1024;
const EVENTS_FIELD = WatchEventsResponseSchema.field.events.number;

const eventFormsOf = (event: WatchEvent) => formsIn(events, EVENT, event);

/** An event's Connect JSON text (protobuf-es's default options), made once: Server-Sent Events carry it. */
export function eventJsonText(event: WatchEvent): string {
  return eventFormsOf(event).json({});
}

/** The responses for a batch in the answer's form (almost always one), each event converted once for every stream. */
export function watchResponses(batch: WatchBatch, form: AnswerForm): WatchEventsResponse[] {
  if (form === "binary") return watchResponsesPreEncoded(batch);
  const response = create(WatchEventsResponseSchema, { revision: BigInt(batch.revision), progress: batch.progress });
  const values = batch.events.map((event) => (form === "json" ? eventFormsOf(event) : eventFormsOf(event).wire()));
  (response as unknown as { events: unknown[] }).events = values;
  return [response];
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

/** The binary responses for a batch (almost always one), each event encoded once for every stream. */
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
    const field = eventFormsOf(event).field(EVENTS_FIELD);
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
 * The options the texts were written with. The server gives connect one set (src/api/server.ts); a call
 * with any other writes its objects afresh.
 */
let textOptions: JsonWriterOptions | undefined;

function sameWriteOptions(a: JsonWriterOptions, b: JsonWriterOptions): boolean {
  return (
    a.alwaysEmitImplicit === b.alwaysEmitImplicit &&
    a.enumAsInteger === b.enumAsInteger &&
    a.useProtoFieldName === b.useProtoFieldName &&
    a.registry === b.registry
  );
}

/** A message type's fields by number, each marked when it can hold shared forms (message or repeated message). */
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

/** How deep shared forms are looked for: the response's fields, and the fields of messages in them (Search). */
const SHARED_DEPTH = 2;

function holdsShared(desc: DescMessage, message: Message, depth: number): boolean {
  const values = message as unknown as Record<string, unknown>;
  return planOf(desc).anySpliced.some((f) => {
    const value = values[f.localName];
    const holds = (element: unknown) =>
      element instanceof SharedForms ||
      (depth > 1 && element !== undefined && holdsShared(f.message!, element as Message, depth - 1));
    return Array.isArray(value) ? value.some(holds) : holds(value);
  });
}

/**
 * protobuf-es's toJsonString for responses that carry shared forms (see AnswerForm), each written as its
 * JSON text, made once: a Connect list page of 50 components then costs one toJson of the page's other
 * fields and a join, not 50 conversions. The text is the one toJsonString gives for the same response with
 * messages (the same keys in the same order: fields by number, then extensions); test/api/wire-cache.test.ts
 * compares them. Responses without shared forms go to toJsonString.
 */
export function toJsonStringWithCache(desc: DescMessage, message: Message, options: JsonWriterOptions = {}): string {
  if (!holdsShared(desc, message, SHARED_DEPTH)) return toJsonString(desc, message, options);
  const spaces = options.prettySpaces ?? 0;
  if (spaces === 0) return writeJson(desc, message, options, SHARED_DEPTH);
  const text = writeJson(desc, message, { ...options, prettySpaces: 0 }, SHARED_DEPTH);
  return JSON.stringify(JSON.parse(text), null, spaces);
}

function writeJson(desc: DescMessage, message: Message, options: JsonWriterOptions, depth: number): string {
  const plan = planOf(desc);
  const values = message as unknown as Record<string, unknown>;
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
      const write = (m: unknown): string => {
        if (m instanceof SharedForms) return m.json(options);
        if (depth > 1 && holdsShared(element, m as Message, depth - 1))
          return writeJson(element, m as Message, options, depth - 1);
        return toJsonString(element, m as Message, options);
      };
      text = Array.isArray(value) ? `[${value.map(write).join(",")}]` : write(value);
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
