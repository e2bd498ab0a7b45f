/**
 * Mapping between the wire types (gen/ts) and the domain records
 * (src/storage/records.ts). The only place that knows both.
 */
import { create, fromJson, type MessageInitShape } from "@bufbuild/protobuf";
import { type Timestamp, timestampFromDate, type Value, ValueSchema } from "@bufbuild/protobuf/wkt";
import { type SpecChangeSchema, VersionBump } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import {
  type Component,
  ComponentSchema,
  type Deprecation,
  type Input,
  type Output,
  type Validation,
  ValueType as WireValueType,
} from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import {
  type Event,
  EventSchema,
  ResolutionChangeSchema,
  EventType as WireEventType,
} from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import type { SpecChange } from "../catalog/compatibility.js";
import { type DeprecationRequest, etagOf } from "../catalog/requests.js";
import type { ComponentDraft } from "../catalog/validation.js";
import type { WatchEvent, WatchEventType } from "../catalog/watch.js";
import { CatalogError, type FieldViolation, REASONS } from "../errors/index.js";
import type {
  ComponentRecord,
  InputSpec,
  JsonObject,
  JsonValue,
  OutputSpec,
  ValidationRules,
  ValueType,
} from "../storage/records.js";
import { consumerToWire, policyToWire } from "./convert-registry.js";
import { wireFieldPath } from "./field-paths.js";

const VALUE_TYPE_TO_WIRE: Record<ValueType, WireValueType> = {
  string: WireValueType.STRING,
  number: WireValueType.NUMBER,
  integer: WireValueType.INTEGER,
  boolean: WireValueType.BOOLEAN,
  list: WireValueType.LIST,
  map: WireValueType.MAP,
  object: WireValueType.OBJECT,
};

const WIRE_TO_VALUE_TYPE = new Map<WireValueType, ValueType>(
  Object.entries(VALUE_TYPE_TO_WIRE).map(([domain, wire]) => [wire, domain as ValueType]),
);

const EVENT_TYPE_TO_WIRE: Record<WatchEventType, WireEventType> = {
  created: WireEventType.CREATED,
  updated: WireEventType.UPDATED,
  deleted: WireEventType.DELETED,
  yanked: WireEventType.YANKED,
  unyanked: WireEventType.UNYANKED,
  policy_changed: WireEventType.POLICY_CHANGED,
  consumer_registered: WireEventType.CONSUMER_REGISTERED,
  consumer_deregistered: WireEventType.CONSUMER_DEREGISTERED,
  resolution_changed: WireEventType.RESOLUTION_CHANGED,
};

const WIRE_TO_EVENT_TYPE = new Map<WireEventType, WatchEventType>(
  Object.entries(EVENT_TYPE_TO_WIRE).map(([domain, wire]) => [wire, domain as WatchEventType]),
);

export function eventTypeFromWire(type: WireEventType): WatchEventType | undefined {
  return WIRE_TO_EVENT_TYPE.get(type);
}

export const BUMP_TO_WIRE = {
  none: VersionBump.NONE,
  patch: VersionBump.PATCH,
  minor: VersionBump.MINOR,
  major: VersionBump.MAJOR,
} as const;

/** One change of the compatibility diff, its path in proto names. */
export function specChangeToWire(change: SpecChange): MessageInitShape<typeof SpecChangeSchema> {
  return {
    path: wireFieldPath(change.path),
    breaking: change.breaking,
    description: change.description,
    bump: BUMP_TO_WIRE[change.bump],
  };
}

/**
 * The publisher's draft from a wire Component. An unknown value type maps to
 * the string "unspecified" so validation reports it with its field path; a
 * google.protobuf.Value with no kind set (no JSON equivalent) is
 * INVALID_ARGUMENT naming where it is.
 */
export function draftFromWire(component: Component | undefined): ComponentDraft {
  const c = component ?? create(ComponentSchema);
  const violations: FieldViolation[] = [];
  const inputs = c.inputs.map((input, index) => inputFromWire(input, `component.inputs[${index}]`, violations));
  if (violations.length > 0) throw CatalogError.invalid(violations);
  return {
    name: c.name,
    version: c.version,
    provider: c.provider,
    category: c.category,
    description: c.description,
    labels: { ...c.labels },
    inputs,
    outputs: c.outputs.map(outputFromWire),
    deployment: {
      engine: c.deployment?.engine ?? "",
      engineVersion: c.deployment?.engineVersion ?? "",
      config: (c.deployment?.config ?? {}) as JsonObject,
    },
    ...(c.source && (c.source.repository || c.source.commit || c.source.path)
      ? { source: { repository: c.source.repository, commit: c.source.commit, path: c.source.path } }
      : {}),
  };
}

function valueTypeFromWire(type: WireValueType): ValueType {
  return WIRE_TO_VALUE_TYPE.get(type) ?? ("unspecified" as ValueType);
}

function inputFromWire(input: Input, path: string, violations: FieldViolation[]): InputSpec {
  const defaultValue = input.defaultValue
    ? jsonFromValue(input.defaultValue, `${path}.default_value`, violations)
    : undefined;
  return {
    name: input.name,
    type: valueTypeFromWire(input.type),
    description: input.description,
    ...(defaultValue !== undefined ? { default: defaultValue } : {}),
    required: input.required,
    sensitive: input.sensitive,
    validation: validationFromWire(input.validation, `${path}.validation`, violations),
  };
}

function validationFromWire(v: Validation | undefined, path: string, violations: FieldViolation[]): ValidationRules {
  if (!v) return {};
  const rules: ValidationRules = {};
  if (v.minLength !== undefined) rules.minLength = v.minLength;
  if (v.maxLength !== undefined) rules.maxLength = v.maxLength;
  if (v.pattern !== "") rules.pattern = v.pattern;
  if (v.allowedValues.length > 0) {
    rules.allowedValues = v.allowedValues.map(
      (value, index) => jsonFromValue(value, `${path}.allowed_values[${index}]`, violations) ?? null,
    );
  }
  if (v.minimum !== undefined) rules.minimum = v.minimum;
  if (v.maximum !== undefined) rules.maximum = v.maximum;
  return rules;
}

function outputFromWire(output: Output): OutputSpec {
  return {
    name: output.name,
    type: valueTypeFromWire(output.type),
    description: output.description,
    sensitive: output.sensitive,
  };
}

/**
 * The JSON of a Value, or undefined (with a violation at `path`) when a
 * Value inside it has no kind set. NaN and ±Infinity (a binary number_value
 * can carry them) come through as numbers, for validation to refuse by path.
 */
function jsonFromValue(value: Value, path: string, violations: FieldViolation[]): JsonValue | undefined {
  const json = valueToJson(value);
  if (json !== undefined) return json;
  violations.push({
    field: path,
    description:
      "is a google.protobuf.Value with no kind set; " +
      "set null_value, number_value, string_value, bool_value, struct_value or list_value",
    reason: REASONS.valueKindMissing,
  });
  return undefined;
}

function valueToJson(value: Value): JsonValue | undefined {
  const kind = value.kind;
  switch (kind.case) {
    case "nullValue":
      return null;
    case "numberValue":
    case "stringValue":
    case "boolValue":
      return kind.value;
    case "structValue": {
      const object: { [key: string]: JsonValue } = {};
      for (const [key, member] of Object.entries(kind.value.fields)) {
        const json = valueToJson(member);
        if (json === undefined) return undefined;
        setOwn(object, key, json);
      }
      return object;
    }
    case "listValue": {
      const list: JsonValue[] = [];
      for (const element of kind.value.values) {
        const json = valueToJson(element);
        if (json === undefined) return undefined;
        list.push(json);
      }
      return list;
    }
    default:
      return undefined;
  }
}

/**
 * A stored JSON value as a google.protobuf.Value. JSON cannot write NaN or
 * ±Infinity, so a number that is not finite (validation refuses them; a
 * record stored before it did may hold one) is served as null, on every
 * protocol alike, as JSON.stringify writes it and as the content digest
 * already counts it.
 */
function valueFromJson(json: JsonValue): Value {
  return fromJson(ValueSchema, finiteJson(json));
}

/** `json` itself when every number in it is finite (the rule), else a copy with null in their place. */
export function finiteJson<T extends JsonValue>(json: T): T {
  return allFinite(json) ? json : (withoutNonFinite(json) as T);
}

function allFinite(json: JsonValue): boolean {
  if (typeof json === "number") return Number.isFinite(json);
  if (json === null || typeof json !== "object") return true;
  if (Array.isArray(json)) return json.every(allFinite);
  for (const key of Object.keys(json)) if (!allFinite(json[key]!)) return false;
  return true;
}

function withoutNonFinite(json: JsonValue): JsonValue {
  if (typeof json === "number") return Number.isFinite(json) ? json : null;
  if (json === null || typeof json !== "object") return json;
  if (Array.isArray(json)) return json.map(withoutNonFinite);
  const object: { [key: string]: JsonValue } = {};
  for (const key of Object.keys(json)) setOwn(object, key, withoutNonFinite(json[key]!));
  return object;
}

/** object[key] = value, as an own member even for the key "__proto__" (which assignment takes as the prototype). */
function setOwn(object: { [key: string]: JsonValue }, key: string, value: JsonValue): void {
  if (key === "__proto__")
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

/** UpdateComponent's deprecation from the wire; an empty replacement is none. */
export function deprecationFromWire(deprecation: Deprecation | undefined): DeprecationRequest | undefined {
  if (!deprecation) return undefined;
  const { replacement, sunsetTime } = deprecation;
  return {
    deprecated: deprecation.deprecated,
    message: deprecation.message,
    ...(replacement && (replacement.name !== "" || replacement.constraint !== "")
      ? { replacement: { name: replacement.name, constraint: replacement.constraint } }
      : {}),
    ...(sunsetTime ? { sunsetTime: isoFromWire(sunsetTime, "component.deprecation.sunset_time") } : {}),
  };
}

/** A wire Timestamp as an ISO time; INVALID_ARGUMENT on `field` when it is outside what a time can be. */
export function isoFromWire(time: Timestamp, field: string): string {
  const ms = Number(time.seconds) * 1000 + Math.floor(time.nanos / 1_000_000);
  const date = new Date(ms);
  if (!Number.isFinite(ms) || Number.isNaN(date.getTime()) || time.nanos < 0 || time.nanos > 999_999_999) {
    throw CatalogError.invalid([
      { field, description: "is not a valid timestamp (seconds or nanos out of range)", reason: REASONS.range },
    ]);
  }
  return date.toISOString();
}

/** An ISO time as a wire Timestamp; absent stays absent. */
export function timestamp(iso: string | undefined): Timestamp | undefined {
  return iso ? timestampFromDate(new Date(iso)) : undefined;
}

export function componentToWire(record: ComponentRecord): Component {
  return create(ComponentSchema, {
    name: record.name,
    version: record.version,
    provider: record.provider,
    category: record.category,
    description: record.description,
    labels: record.labels,
    inputs: record.inputs.map((input) => ({
      name: input.name,
      type: VALUE_TYPE_TO_WIRE[input.type],
      description: input.description,
      ...(input.default !== undefined ? { defaultValue: valueFromJson(input.default) } : {}),
      required: input.required,
      sensitive: input.sensitive,
      validation: {
        ...(input.validation.minLength !== undefined ? { minLength: input.validation.minLength } : {}),
        ...(input.validation.maxLength !== undefined ? { maxLength: input.validation.maxLength } : {}),
        pattern: input.validation.pattern ?? "",
        allowedValues: (input.validation.allowedValues ?? []).map(valueFromJson),
        ...(input.validation.minimum !== undefined ? { minimum: input.validation.minimum } : {}),
        ...(input.validation.maximum !== undefined ? { maximum: input.validation.maximum } : {}),
      },
    })),
    outputs: record.outputs.map((output) => ({
      name: output.name,
      type: VALUE_TYPE_TO_WIRE[output.type],
      description: output.description,
      sensitive: output.sensitive,
    })),
    deployment: {
      engine: record.deployment.engine,
      engineVersion: record.deployment.engineVersion,
      config: finiteJson(record.deployment.config),
    },
    ...(record.source ? { source: record.source } : {}),
    deprecation: {
      deprecated: record.deprecation.deprecated,
      message: record.deprecation.message,
      ...(record.deprecation.time ? { deprecateTime: timestamp(record.deprecation.time) } : {}),
      ...(record.deprecation.replacement ? { replacement: record.deprecation.replacement } : {}),
      ...(record.deprecation.sunsetTime ? { sunsetTime: timestamp(record.deprecation.sunsetTime) } : {}),
    },
    ...(record.yank
      ? { yank: { reason: record.yank.reason, yankTime: timestamp(record.yank.time), actor: record.yank.actor } }
      : {}),
    createTime: timestamp(record.createTime),
    updateTime: timestamp(record.updateTime),
    createRevision: BigInt(record.createRevision),
    updateRevision: BigInt(record.updateRevision),
    etag: record.updateRevision > 0 ? etagOf(record) : "",
    contentDigest: record.contentDigest,
    // `??`: a record cached (Redis) before versions carried actors may lack them.
    createActor: record.createActor ?? "",
    updateActor: record.updateActor ?? "",
  });
}

export function eventToWire(event: WatchEvent): Event {
  const wire = create(EventSchema, {
    revision: BigInt(event.revision),
    type: EVENT_TYPE_TO_WIRE[event.type],
    eventTime: timestamp(event.time),
    actor: event.actor,
  });
  switch (event.type) {
    case "policy_changed":
      wire.policy = policyToWire(event.policy);
      break;
    case "consumer_registered":
    case "consumer_deregistered":
      wire.consumer = consumerToWire(event.consumer);
      break;
    case "resolution_changed": {
      const { name, constraint, oldVersion = "", newVersion = "" } = event.resolution;
      wire.resolutionChange = create(ResolutionChangeSchema, { name, constraint, oldVersion, newVersion });
      break;
    }
    default:
      wire.component = componentToWire(event.component);
  }
  return wire;
}

/** A wire int64 revision as a safe number; INVALID_ARGUMENT-worthy values return undefined. */
export function revisionFromWire(value: bigint): number | undefined {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return Number(value);
}

/** Domain field names (src/storage/records.ts) whose proto field name differs. */
