/**
 * The catalog's domain records as every backend stores them. Plain data:
 * JSON-serialisable, no classes, times as ISO-8601 strings, revisions as
 * numbers (safe up to 2^53).
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const VALUE_TYPES = ["string", "number", "integer", "boolean", "list", "map", "object"] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

export interface ValidationRules {
  minLength?: number;
  maxLength?: number;
  /** RE2-compatible; the whole value must match. */
  pattern?: string;
  allowedValues?: JsonValue[];
  minimum?: number;
  maximum?: number;
}

export interface InputSpec {
  name: string;
  type: ValueType;
  description: string;
  /** Absent when the input has no default. */
  default?: JsonValue;
  required: boolean;
  sensitive: boolean;
  validation: ValidationRules;
}

export interface OutputSpec {
  name: string;
  type: ValueType;
  description: string;
  sensitive: boolean;
}

export interface DeploymentSpec {
  engine: string;
  engineVersion: string;
  config: JsonObject;
}

export interface SourceRef {
  repository: string;
  commit: string;
  path: string;
}

export interface Deprecation {
  deprecated: boolean;
  message: string;
  /** ISO time the version was deprecated; absent when not deprecated. */
  time?: string;
}

/** The immutable part of a published version; `contentDigest` is computed over it. */
export interface ComponentContent {
  provider: string;
  category: string;
  inputs: InputSpec[];
  outputs: OutputSpec[];
  deployment: DeploymentSpec;
}

/** One published version, as stored. */
export interface ComponentRecord extends ComponentContent {
  name: string;
  /** SemVer as published (may carry build metadata; see semver.versionKey). */
  version: string;
  description: string;
  labels: Record<string, string>;
  deprecation: Deprecation;
  /** Git provenance; absent for versions published through the API without one. */
  source?: SourceRef;
  /** "sha256:<hex>" over ComponentContent (canonical JSON). */
  contentDigest: string;
  createTime: string;
  updateTime: string;
  createRevision: number;
  updateRevision: number;
  /** Identity that published this version (WriteMeta.actor of the insert). Not part of the content digest. */
  createActor: string;
  /** Identity of the last write that changed this version. "" for versions stored before actors were recorded. */
  updateActor: string;
}

/** A version about to be inserted: the store assigns revisions, times and actors (from WriteMeta). */
export type NewComponentRecord = Omit<
  ComponentRecord,
  "createRevision" | "updateRevision" | "createTime" | "updateTime" | "createActor" | "updateActor"
>;

/** The fields UpdateComponent may change. Absent fields stay as they are. */
export interface MutablePatch {
  description?: string;
  labels?: Record<string, string>;
  deprecation?: Deprecation;
}

export type EventType = "created" | "updated" | "deleted";

/** One entry of the event log. */
export interface CatalogEvent {
  revision: number;
  type: EventType;
  time: string;
  /** The version after the change; for "deleted", its last state. */
  component: ComponentRecord;
  actor: string;
}

/**
 * A write's precondition, evaluated by the store inside the write's atomic
 * unit: called with the name's current versions (SemVer-descending, empty
 * when the name has none) after the store has serialised this write against
 * every other write, and before anything is written. Throwing refuses the
 * write: nothing is written and the thrown error propagates unchanged.
 * Synchronous on purpose: it runs while other writers wait.
 */
export type WriteGuard = (versions: readonly ComponentRecord[]) => void;

/** Who and when, for a write. The Manager's clock sets `time`. */
export interface WriteMeta {
  actor: string;
  time: string;
  /** Optional precondition checked inside the write's atomic unit (see WriteGuard and ComponentWriter). */
  guard?: WriteGuard;
  /**
   * The caller's deadline or cancellation (see ComponentWriter): a write
   * whose signal has aborted before it commits writes nothing and rejects
   * with the signal's reason. Absent for writers without a caller (git sync).
   */
  signal?: AbortSignal;
}
