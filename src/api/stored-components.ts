/**
 * Wire forms of records read from the store, made once per record and shared
 * by every response that carries it: the wire Component message, and for
 * binary responses its encoded bytes.
 *
 * componentToWire (protobuf-es create() over nested inits, Value and
 * Timestamp conversions) was the largest cost of GetComponent and
 * ListComponents above the RPC framework (bench/unary, --cpu-prof); after
 * that, encoding the same Component again for every call was. Binary
 * responses (gRPC, gRPC-Web, Connect with protobuf) carry the cached bytes
 * as an unknown field with the Component's field number, which toBinary
 * writes verbatim after the known fields (the technique of the watch path,
 * see encodedEvent in catalog-service.ts); field order does not matter on
 * the wire, so every client decodes them as the ordinary field. JSON cannot
 * carry bytes: JSON responses get the message.
 *
 * Only frozen records are cached: the in-process stores hand out the same
 * frozen record until a write replaces it, so a record's identity fixes its
 * content and the cache can never serve a stale form; the remote stores
 * return fresh objects per read, which would never hit, so they are
 * converted per call as before. Nothing downstream mutates response
 * messages (the adapter only serialises them). Two generations of at most
 * MAX_ENTRIES bound the memory (about 3 KB per typical Component for the
 * message, as much again for the bytes) and keep what is read often.
 */
import { toBinary, type UnknownField } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { HandlerContext } from "@connectrpc/connect";
import { ComponentSchema, type Component as WireComponent } from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import { TwoGenerationMap } from "../catalog/two-generation-map.js";
import type { ComponentRecord } from "../storage/records.js";
import { componentToWire } from "./convert.js";

const MAX_ENTRIES = 10_000;

interface WireForms {
  message: WireComponent;
  /** The message's encoding as a length-delimited field, made on first binary use. */
  bytes?: Uint8Array;
}

const cached = new TwoGenerationMap<ComponentRecord, WireForms>(MAX_ENTRIES);

function formsOf(record: ComponentRecord): WireForms {
  let forms = cached.get(record);
  if (forms === undefined) {
    forms = { message: componentToWire(record) };
    cached.set(record, forms);
  }
  return forms;
}

/** The wire Component of a stored record (shared; never mutate it). */
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
  // Unknown length-delimited data is the length prefix followed by the bytes.
  forms.bytes ??= new BinaryWriter().bytes(toBinary(ComponentSchema, forms.message)).finish();
  return { no: fieldNumber, wireType: WireType.LengthDelimited, data: forms.bytes };
}

/**
 * Whether the response to this call is serialised as protobuf binary. Only
 * positively known binary content types count: anything else (JSON, a
 * Connect GET that names its encoding in the query) gets plain messages.
 */
export function respondsInBinary(context: HandlerContext): boolean {
  return BINARY_CONTENT_TYPE.test(context.requestHeader.get("content-type") ?? "");
}

const BINARY_CONTENT_TYPE = /^application\/(grpc|grpc\+proto|grpc-web|grpc-web\+proto|proto)\s*(;|$)/i;
