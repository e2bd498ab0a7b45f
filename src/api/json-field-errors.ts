/**
 * Which field of a request's JSON does not decode, for the error message
 * and its google.rpc.BadRequest detail.
 *
 * protobuf-es's fromJson says which message type failed, and for a
 * scalar, list or map field which field, but never the path from the
 * request down to it ("cannot decode message nestor.catalog.v1.Component
 * from JSON: 0" for `{"component": 0}`). Only requests that failed are
 * walked again: each field present is decoded on its own with the same
 * decoder and options as connect-es, and the walk goes down into the
 * message, list element or map value that fails, so the path names the
 * innermost field protobuf-es itself refuses. Well-known types
 * (google.protobuf.Struct, Value, Timestamp, ...) are leaves: they have
 * their own JSON forms.
 */
import { type DescField, type DescMessage, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { type FieldViolation, quoted, REASONS } from "../errors/index.js";

/** connect-es decodes request JSON with unknown fields ignored. */
const OPTIONS = { ignoreUnknownFields: true };
/** Deeper than any request message of this API nests; a bound for recursive types. */
const MAX_DEPTH = 32;

/** The violation naming the first field of `json` that `desc` does not decode, or undefined when it decodes. */
export function jsonDecodeViolation(desc: DescMessage, json: JsonValue): FieldViolation | undefined {
  const failure = failingPath(desc, json, "", 0);
  if (failure === undefined) return undefined;
  return {
    field: failure.path === "" ? desc.typeName : failure.path,
    description: shortReason(failure.reason),
    reason: REASONS.jsonDecode,
  };
}

interface Failure {
  path: string;
  reason: string;
}

function decodeError(desc: DescMessage, json: JsonValue): string | undefined {
  try {
    fromJson(desc, json, OPTIONS);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function isObject(json: JsonValue | undefined): json is { [key: string]: JsonValue } {
  return typeof json === "object" && json !== null && !Array.isArray(json);
}

function failingPath(desc: DescMessage, json: JsonValue, path: string, depth: number): Failure | undefined {
  const whole = decodeError(desc, json);
  if (whole === undefined) return undefined;
  if (isWellKnown(desc) || depth >= MAX_DEPTH) return { path, reason: whole };
  if (!isObject(json)) return { path, reason: `expected a JSON object (${desc.typeName}), got ${describeJson(json)}` };
  for (const key of Object.keys(json)) {
    const field = desc.fields.find((f) => f.jsonName === key || f.name === key);
    const value = json[key];
    if (field === undefined || value === undefined) continue;
    const alone = { [key]: value };
    const reason = decodeError(desc, alone);
    if (reason === undefined) continue;
    const fieldPath = path === "" ? field.name : `${path}.${field.name}`;
    return inside(field, value, fieldPath, depth) ?? { path: fieldPath, reason };
  }
  // Fields that decode alone but not together (a oneof set twice): the message itself.
  return { path, reason: whole };
}

/** The failure inside a message field, list element or map value, when the walk can go down into one. */
function inside(field: DescField, value: JsonValue, path: string, depth: number): Failure | undefined {
  if (field.fieldKind === "message") return failingPath(field.message, value, path, depth + 1);
  if (field.fieldKind === "list" && field.listKind === "message" && Array.isArray(value)) {
    for (const [index, element] of value.entries()) {
      const failure = failingPath(field.message, element, `${path}[${index}]`, depth + 1);
      if (failure !== undefined) return failure;
    }
  }
  if (field.fieldKind === "map" && field.mapKind === "message" && isObject(value)) {
    for (const key of Object.keys(value)) {
      const failure = failingPath(field.message, value[key]!, `${path}[${JSON.stringify(key)}]`, depth + 1);
      if (failure !== undefined) return failure;
    }
  }
  return undefined;
}

function describeJson(json: JsonValue): string {
  if (typeof json === "string") return `the string ${quoted(json)}`;
  if (Array.isArray(json)) return `a list of ${json.length}`;
  return json === null ? "null" : String(json);
}

function isWellKnown(desc: DescMessage): boolean {
  return desc.typeName.startsWith("google.protobuf.");
}

/** protobuf-es's reason without its "cannot decode X from JSON: " lead (messages bound long values, errors.ts). */
function shortReason(reason: string): string {
  const lead = /^cannot decode .*? from JSON:? /.exec(reason);
  return lead === null ? reason : reason.slice(lead[0].length);
}
