/**
 * The compact form the in-process engine keeps each stored record in: JSON
 * of the record's values in a fixed order, without its keys, held as one
 * string. Why: a record as a tree of JavaScript objects costs about three
 * times its JSON (bench/embedded measured ~5 KiB of RSS per version for
 * ~1.6 KB records), and its keys are half of its JSON (1,579 -> 835 bytes
 * for a bench/unary record). Plain JSON of ASCII text is a one-byte string
 * in V8, so a record costs its positional JSON and a string header. zlib
 * with a dictionary shrinks it further but costs more to write than the
 * whole log replay's time budget at cold start (~150 us a record, measured
 * under load), so the form stays plain JSON.
 *
 * Decoding (JSON.parse plus rebuilding the keys) happens only on reads that
 * miss the decoded-record cache (RecordDecoder): the engine hands out the
 * same frozen record for a blob while it stays cached, so callers that key
 * caches by record identity (src/api/wire-cache.ts) keep hitting.
 */

import { deepFreeze } from "../core/freeze.js";
import type {
  ComponentRecord,
  DeploymentSpec,
  Deprecation,
  InputSpec,
  JsonObject,
  JsonValue,
  OutputSpec,
  SourceRef,
  ValidationRules,
  ValueType,
} from "../records.js";

type Positional = JsonValue[];

const RULE_KEYS = ["minLength", "maxLength", "pattern", "allowedValues", "minimum", "maximum"] as const;

function trimmed(values: JsonValue[]): JsonValue[] {
  let end = values.length;
  while (end > 0 && values[end - 1] === null) end--;
  return values.slice(0, end);
}

function encodeRules(rules: ValidationRules): JsonValue[] {
  return trimmed(RULE_KEYS.map((key) => (rules[key] ?? null) as JsonValue));
}

function decodeRules(values: JsonValue[]): ValidationRules {
  const rules: Record<string, JsonValue> = {};
  RULE_KEYS.forEach((key, i) => {
    const value = values[i];
    if (value !== undefined && value !== null) rules[key] = value;
  });
  return rules as ValidationRules;
}

function encodeInput(input: InputSpec): JsonValue[] {
  const values: JsonValue[] = [
    input.name,
    input.type,
    input.description,
    input.required ? 1 : 0,
    input.sensitive ? 1 : 0,
    encodeRules(input.validation),
  ];
  // A default may be null: its presence is the array's length, not its value.
  if (input.default !== undefined) values.push(input.default);
  return values;
}

function decodeInput(values: JsonValue[]): InputSpec {
  const input: InputSpec = {
    name: values[0] as string,
    type: values[1] as ValueType,
    description: values[2] as string,
    required: values[3] === 1,
    sensitive: values[4] === 1,
    validation: decodeRules(values[5] as JsonValue[]),
  };
  if (values.length > 6) input.default = values[6] as JsonValue;
  return input;
}

function encodeOutput(output: OutputSpec): JsonValue[] {
  return [output.name, output.type, output.description, output.sensitive ? 1 : 0];
}

function decodeOutput(values: JsonValue[]): OutputSpec {
  return {
    name: values[0] as string,
    type: values[1] as ValueType,
    description: values[2] as string,
    sensitive: values[3] === 1,
  };
}

/** [deprecated, message, time, [replacement name, constraint], sunset time], trailing absent parts left out. */
function encodeDeprecation(deprecation: Deprecation): JsonValue[] {
  const { replacement, sunsetTime, time } = deprecation;
  return trimmed([
    deprecation.deprecated ? 1 : 0,
    deprecation.message,
    time ?? null,
    replacement === undefined ? null : [replacement.name, replacement.constraint],
    sunsetTime ?? null,
  ]);
}

function decodeDeprecation(values: JsonValue[]): Deprecation {
  const deprecation: Deprecation = { deprecated: values[0] === 1, message: (values[1] as string | undefined) ?? "" };
  const [, , time, replacement, sunsetTime] = values;
  if (typeof time === "string") deprecation.time = time;
  if (Array.isArray(replacement)) {
    deprecation.replacement = { name: replacement[0] as string, constraint: replacement[1] as string };
  }
  if (typeof sunsetTime === "string") deprecation.sunsetTime = sunsetTime;
  return deprecation;
}

/** The record's positional JSON (see the header for the layout's reason). */
export function encodeRecord(record: ComponentRecord): string {
  const positional: Positional = [
    record.name,
    record.version,
    record.provider,
    record.category,
    record.description,
    record.labels,
    encodeDeprecation(record.deprecation),
    record.inputs.map(encodeInput),
    record.outputs.map(encodeOutput),
    [record.deployment.engine, record.deployment.engineVersion, record.deployment.config],
    record.source === undefined ? 0 : [record.source.repository, record.source.commit, record.source.path],
    record.contentDigest,
    record.createTime,
    record.updateTime,
    record.createRevision,
    record.updateRevision,
    record.createActor,
    record.updateActor,
  ];
  // Only yanked versions carry the last position, so records of before yanking decode as they were.
  if (record.yank !== undefined) positional.push([record.yank.time, record.yank.actor, record.yank.reason]);
  return JSON.stringify(positional);
}

export function decodeRecord(blob: string): ComponentRecord {
  const v = JSON.parse(blob) as Positional;
  const deployment = v[9] as JsonValue[];
  const record: ComponentRecord = {
    name: v[0] as string,
    version: v[1] as string,
    provider: v[2] as string,
    category: v[3] as string,
    description: v[4] as string,
    labels: v[5] as Record<string, string>,
    deprecation: decodeDeprecation(v[6] as JsonValue[]),
    inputs: (v[7] as JsonValue[][]).map(decodeInput),
    outputs: (v[8] as JsonValue[][]).map(decodeOutput),
    deployment: {
      engine: deployment[0] as string,
      engineVersion: deployment[1] as string,
      config: deployment[2] as JsonObject,
    } satisfies DeploymentSpec,
    contentDigest: v[11] as string,
    createTime: v[12] as string,
    updateTime: v[13] as string,
    createRevision: v[14] as number,
    updateRevision: v[15] as number,
    createActor: v[16] as string,
    updateActor: v[17] as string,
  };
  const source = v[10];
  if (Array.isArray(source)) {
    record.source = { repository: source[0], commit: source[1], path: source[2] } as SourceRef;
  }
  const yank = v[18];
  if (Array.isArray(yank))
    record.yank = { time: yank[0] as string, actor: yank[1] as string, reason: yank[2] as string };
  return record;
}

/**
 * Decoded, deep-frozen records by blob, the most recently used `capacity`
 * of them: a blob read again while cached gives the same object.
 */
export class RecordDecoder {
  private readonly cache = new Map<string, ComponentRecord>();

  constructor(private readonly capacity = 4_096) {}

  record(blob: string): ComponentRecord {
    const cached = this.cache.get(blob);
    if (cached !== undefined) {
      // Re-inserted: a Map iterates in insertion order, so the first entry is the least recently used.
      this.cache.delete(blob);
      this.cache.set(blob, cached);
      return cached;
    }
    const record = deepFreeze(decodeRecord(blob));
    this.remember(blob, record);
    return record;
  }

  /** Caches a record the engine already holds decoded (a write's own record). */
  remember(blob: string, record: ComponentRecord): void {
    this.cache.set(blob, record);
    if (this.cache.size > this.capacity) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
  }

  clear(): void {
    this.cache.clear();
  }
}
