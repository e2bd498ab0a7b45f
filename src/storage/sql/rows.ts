/**
 * Driver rows to domain values, the same for every SQL dialect: the columns
 * a version is read with, and how a row becomes a record, an event or the
 * revision bounds. JSON columns come parsed (PostgreSQL jsonb, MySQL JSON)
 * or as text (MariaDB, where JSON is LONGTEXT); none holds a bare string, so
 * a string is always JSON to parse. Numbers may come as strings (int8, big
 * numbers) and are converted.
 */
import { withActors } from "../core/patch.js";
import type { CatalogEvent, ComponentRecord, EventType } from "../records.js";
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
  score?: number | string;
}

/** A readEvents row: the compaction mark, and an event unless the log holds none after the position. */
interface EventRow {
  compacted: number | string;
  revision: number | string | null;
  type: EventType;
  time: Date;
  component: Json<ComponentRecord>;
  actor: string;
}

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
  return record;
}

export function eventOfRow(raw: unknown): CatalogEvent {
  const row = raw as EventRow;
  return {
    revision: Number(row.revision),
    type: row.type,
    time: row.time.toISOString(),
    // Events logged before versions carried actors hold components without them.
    component: withActors(json(row.component)),
    actor: row.actor,
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
  bounds: boundsOfRow,
  compactedOf: (raw: unknown): number => Number((raw as EventRow).compacted),
  hasEvent: (raw: unknown): boolean => (raw as EventRow).revision !== null,
  score: (raw: unknown): number => Number((raw as ComponentRow).score),
};
