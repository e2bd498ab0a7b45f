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

/** A component and the versions of it a constraint picks ("use aws-aurora-mysql ^2 instead"). */
export interface ComponentReference {
  name: string;
  /** A version selector as GetComponent takes it: an exact version, a constraint, or "" for latest. */
  constraint: string;
}

export interface Deprecation {
  deprecated: boolean;
  /** The reason, and what to do about it. */
  message: string;
  /** ISO time the version was deprecated; absent when not deprecated. */
  time?: string;
  /** What to use instead; absent when the deprecation names nothing. */
  replacement?: ComponentReference;
  /** ISO time after which the version is no longer supported; absent when no date is set. */
  sunsetTime?: string;
}

/**
 * A yanked version: still readable by its exact version, but no constraint,
 * "latest" or list of latest versions resolves to it.
 */
export interface Yank {
  /** ISO time of the yank. */
  time: string;
  /** Who yanked it. */
  actor: string;
  reason: string;
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
  /** Set while the version is yanked; absent otherwise (and on records stored before yanking existed). */
  yank?: Yank;
}

/** A version about to be inserted: the store assigns revisions, times and actors (from WriteMeta). */
export type NewComponentRecord = Omit<
  ComponentRecord,
  "createRevision" | "updateRevision" | "createTime" | "updateTime" | "createActor" | "updateActor"
>;

/**
 * The mutable state a write may change. Absent fields stay as they are;
 * `yank: null` un-yanks. A patch that sets `yank` (or null) is a yank or an
 * un-yank and changes nothing else.
 */
export interface MutablePatch {
  description?: string;
  labels?: Record<string, string>;
  deprecation?: Deprecation;
  yank?: Yank | null;
}

/**
 * The compatibility rule a new version of a name must follow against the
 * versions before it on its compatibility line (the same major; the same
 * minor below 1.0.0), as Schema Registry's modes: backward (consumers of the
 * earlier version keep working), forward (consumers written for the new
 * version work with the earlier one), full (both), none; the transitive forms
 * check every earlier version of the line instead of the highest one.
 */
export const COMPATIBILITY_MODES = [
  "none",
  "backward",
  "forward",
  "full",
  "backward_transitive",
  "forward_transitive",
  "full_transitive",
] as const;
export type CompatibilityMode = (typeof COMPATIBILITY_MODES)[number];

/** The compatibility policy of a component name, as stored (names without one follow the default, backward). */
export interface PolicyRecord {
  name: string;
  mode: CompatibilityMode;
  updateTime: string;
  updateRevision: number;
  updateActor: string;
}

/** A processor's registration as a consumer of a component: which versions it follows. */
export interface ConsumerRecord {
  /** The consumer's id, a DNS-1123 label. */
  consumer: string;
  /** The component consumed. */
  name: string;
  /** The versions it follows, as GetComponent's version selector ("" for latest). */
  constraint: string;
  labels: Record<string, string>;
  createTime: string;
  updateTime: string;
  createRevision: number;
  updateRevision: number;
  createActor: string;
  updateActor: string;
}

/** A registration about to be stored: the store assigns times, revisions and actors. */
export type NewConsumerRecord = Pick<ConsumerRecord, "consumer" | "name" | "constraint" | "labels">;

/** Which registrations to list: those of one component, or those of one consumer. */
export type ConsumerQuery = { name: string } | { consumer: string };

export type ComponentEventType = "created" | "updated" | "deleted" | "yanked" | "unyanked";
export type PolicyEventType = "policy_changed";
export type ConsumerEventType = "consumer_registered" | "consumer_deregistered";
export type EventType = ComponentEventType | PolicyEventType | ConsumerEventType;

/** Every event type, in the order the in-process log numbers them (append only). */
export const EVENT_TYPES: readonly EventType[] = [
  "created",
  "updated",
  "deleted",
  "yanked",
  "unyanked",
  "policy_changed",
  "consumer_registered",
  "consumer_deregistered",
];

/** What version resolution reads of a version besides its number. */
export interface LifecycleFlags {
  deprecated: boolean;
  yanked: boolean;
}

interface EventHeader {
  revision: number;
  time: string;
  actor: string;
}

/** A change of one version. */
export interface ComponentEvent extends EventHeader {
  type: ComponentEventType;
  /** The version after the change; for "deleted", its last state. */
  component: ComponentRecord;
  /**
   * On "updated", "yanked" and "unyanked": the version's lifecycle flags
   * before the change, so the resolution of a constraint at any revision
   * can be derived from the log (events logged before this field existed
   * lack it; readers then take the flags after the change).
   */
  before?: LifecycleFlags;
}

/** A change of a name's compatibility policy. */
export interface PolicyEvent extends EventHeader {
  type: PolicyEventType;
  /** The policy after the change. */
  policy: PolicyRecord;
}

/** A consumer registration stored (new or changed) or removed. */
export interface ConsumerEvent extends EventHeader {
  type: ConsumerEventType;
  /** The registration after the change; for "consumer_deregistered", its last state. */
  consumer: ConsumerRecord;
}

/** One entry of the event log: its kind (`type`) and that kind's payload. */
export type CatalogEvent = ComponentEvent | PolicyEvent | ConsumerEvent;

export function isComponentEvent(event: CatalogEvent): event is ComponentEvent {
  return "component" in event;
}

/** The component name an event is about, whatever its kind. */
export function eventSubject(event: CatalogEvent): string {
  switch (event.type) {
    case "policy_changed":
      return event.policy.name;
    case "consumer_registered":
    case "consumer_deregistered":
      return event.consumer.name;
    default:
      return event.component.name;
  }
}

/**
 * A write's precondition, evaluated by the store inside the write's atomic
 * unit: called with the name's current versions (SemVer-descending, empty
 * when the name has none) and its stored compatibility policy (undefined
 * when it has none), after the store has serialised this write against
 * every other write, and before anything is written. Throwing refuses the
 * write: nothing is written and the thrown error propagates unchanged.
 * Synchronous on purpose: it runs while other writers wait.
 */
export type WriteGuard = (versions: readonly ComponentRecord[], policy: PolicyRecord | undefined) => void;

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
