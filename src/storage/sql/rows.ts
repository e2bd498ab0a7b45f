/**
 * Driver rows to domain values, the same for every SQL dialect: the columns
 * a version is read with, how a row becomes a record, a policy, a
 * registration, an event or the revision bounds, and the columns an event
 * is written in. JSON columns come parsed (PostgreSQL jsonb, MySQL JSON)
 * or as text (MariaDB, where JSON is LONGTEXT); none holds a bare string, so
 * a string is always JSON to parse. Numbers may come as strings (int8, big
 * numbers) and are converted.
 */
import { withActors } from "../core/patch.js";
import type {
  CatalogEvent,
  CompatibilityMode,
  ComponentRecord,
  ConsumerRecord,
  EventType,
  PolicyRecord,
} from "../records.js";
import type { RevisionBounds } from "../store.js";

export const COMPONENT_COLUMN_NAMES = [
  "name",
  "version_key",
  "version",
  "version_order",
  "provider",
  "category",
  "deployment_engine",
  "description",
  "labels",
  "content",
  "source",
  "deprecated",
  "deprecation",
  "content_digest",
  "create_time",
  "update_time",
  "create_revision",
  "update_revision",
  "create_actor",
  "update_actor",
  "yank",
] as const;

export const COMPONENT_COLUMNS = COMPONENT_COLUMN_NAMES.join(", ");

/** The columns insertVersion writes that a replica's upsert replaces: all but the row's key (name, version key). */
export const UPSERT_COLUMNS = [
  ...COMPONENT_COLUMN_NAMES.filter((column) => column !== "name" && column !== "version_key"),
  "search_name",
  "search_fields",
  "search_description",
];

type Json<T> = T | string;

interface ComponentRow {
  name: string;
  version: string;
  provider: string;
  category: string;
  description: string;
  labels: Json<Record<string, string>>;
  content: Json<Pick<ComponentRecord, "inputs" | "outputs" | "deployment">>;
  source: Json<ComponentRecord["source"]> | null;
  deprecation: Json<ComponentRecord["deprecation"]>;
  content_digest: string;
  create_time: Date;
  update_time: Date;
  create_revision: number | string;
  update_revision: number | string;
  create_actor: string;
  update_actor: string;
  yank: Json<NonNullable<ComponentRecord["yank"]>> | null;
  score?: number | string;
}

/**
 * A readEvents row: the compaction mark, and an event unless the log holds
 * none after the position. A version event's component is in `component`;
 * what else its kind carries (a policy, a registration, a version's flags
 * before an update) is in `payload`, as the event's own members.
 */
interface EventRow {
  compacted: number | string;
  revision: number | string | null;
  type: EventType;
  time: Date;
  component: Json<ComponentRecord> | null;
  actor: string;
  payload: Json<Record<string, unknown>> | null;
}

interface PolicyRow {
  name: string;
  mode: CompatibilityMode;
  update_time: Date;
  update_revision: number | string;
  update_actor: string;
}

interface ConsumerRow {
  consumer: string;
  name: string;
  version_constraint: string;
  labels: Json<Record<string, string>>;
  create_time: Date;
  update_time: Date;
  create_revision: number | string;
  update_revision: number | string;
  create_actor: string;
  update_actor: string;
}

export const POLICY_COLUMNS = "name, mode, update_time, update_revision, update_actor";
export const CONSUMER_COLUMNS =
  "consumer, name, version_constraint, labels, create_time, update_time, create_revision, update_revision, " +
  "create_actor, update_actor";

function json<T>(value: Json<T>): T {
  return typeof value === "string" ? (JSON.parse(value) as T) : value;
}

export function recordOfRow(raw: unknown): ComponentRecord {
  const row = raw as ComponentRow;
  const content = json(row.content);
  const record: ComponentRecord = {
    name: row.name,
    version: row.version,
    provider: row.provider,
    category: row.category,
    description: row.description,
    labels: json(row.labels),
    inputs: content.inputs,
    outputs: content.outputs,
    deployment: content.deployment,
    deprecation: json(row.deprecation),
    contentDigest: row.content_digest,
    createTime: row.create_time.toISOString(),
    updateTime: row.update_time.toISOString(),
    createRevision: Number(row.create_revision),
    updateRevision: Number(row.update_revision),
    createActor: row.create_actor,
    updateActor: row.update_actor,
  };
  const source = row.source === null ? undefined : json(row.source);
  if (source !== undefined && source !== null) record.source = source;
  if (row.yank !== null && row.yank !== undefined) record.yank = json(row.yank);
  return record;
}

export function eventOfRow(raw: unknown): CatalogEvent {
  const row = raw as EventRow;
  const header = { revision: Number(row.revision), type: row.type, time: row.time.toISOString(), actor: row.actor };
  const payload = row.payload === null || row.payload === undefined ? {} : json(row.payload);
  // Events logged before versions carried actors hold components without them.
  const component = row.component === null ? {} : { component: withActors(json(row.component)) };
  return { ...header, ...payload, ...component } as CatalogEvent;
}

/** The `component` and `payload` columns an event is logged with (JSON text, or null). */
export function eventColumns(event: CatalogEvent): { component: string | null; payload: string | null } {
  switch (event.type) {
    case "policy_changed":
      return { component: null, payload: JSON.stringify({ policy: event.policy }) };
    case "consumer_registered":
    case "consumer_deregistered":
      return { component: null, payload: JSON.stringify({ consumer: event.consumer }) };
    default:
      return {
        component: JSON.stringify(event.component),
        payload: event.before === undefined ? null : JSON.stringify({ before: event.before }),
      };
  }
}

export function policyOfRow(raw: unknown): PolicyRecord {
  const row = raw as PolicyRow;
  return {
    name: row.name,
    mode: row.mode,
    updateTime: row.update_time.toISOString(),
    updateRevision: Number(row.update_revision),
    updateActor: row.update_actor,
  };
}

export function consumerOfRow(raw: unknown): ConsumerRecord {
  const row = raw as ConsumerRow;
  return {
    consumer: row.consumer,
    name: row.name,
    constraint: row.version_constraint,
    labels: json(row.labels),
    createTime: row.create_time.toISOString(),
    updateTime: row.update_time.toISOString(),
    createRevision: Number(row.create_revision),
    updateRevision: Number(row.update_revision),
    createActor: row.create_actor,
    updateActor: row.update_actor,
  };
}

export function boundsOfRow(raw: unknown): RevisionBounds {
  const row = raw as { current: number | string; compacted: number | string };
  return { current: Number(row.current), compacted: Number(row.compacted) };
}

/** Row readers for a dialect's statements class (SqlStatements' record, event, bounds, ... members). */
export const ROW_READERS = {
  record: recordOfRow,
  event: eventOfRow,
  policy: policyOfRow,
  consumer: consumerOfRow,
  bounds: boundsOfRow,
  compactedOf: (raw: unknown): number => Number((raw as EventRow).compacted),
  hasEvent: (raw: unknown): boolean => (raw as EventRow).revision !== null,
  score: (raw: unknown): number => Number((raw as ComponentRow).score),
};
