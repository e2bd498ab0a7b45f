/**
 * A record as the SQL backends store it: the derived columns (version key,
 * SemVer order key, search text) beside the record's own, and the one form
 * times are stored in.
 */
import { versionKey } from "../../semver/index.js";
import { sortableVersion } from "../core/ordering.js";
import { searchDocument } from "../core/search.js";
import type { ComponentRecord } from "../records.js";
import type { VersionColumns } from "./dialect.js";

export function columnsOf(record: ComponentRecord): VersionColumns {
  return {
    record,
    versionKey: versionKey(record.version),
    versionOrder: sortableVersion(record.version),
    search: searchDocument(record),
  };
}

/** ISO-8601 in UTC with milliseconds, the one form times are stored and returned in. */
export function normalizeTime(time: string): string {
  const parsed = new Date(time);
  if (Number.isNaN(parsed.getTime())) throw new Error(`not an ISO-8601 time: ${time}`);
  return parsed.toISOString();
}

/** The immutable spec apart from provider and category: one JSON column. */
export function contentColumn(record: Pick<ComponentRecord, "inputs" | "outputs" | "deployment">): {
  inputs: ComponentRecord["inputs"];
  outputs: ComponentRecord["outputs"];
  deployment: ComponentRecord["deployment"];
} {
  return { inputs: record.inputs, outputs: record.outputs, deployment: record.deployment };
}

/** How a dialect passes the values its driver cannot take as they are. */
export interface ValueEncoding {
  time(iso: string): unknown;
  textList(values: readonly string[]): unknown;
}

/** The columns every dialect inserts a version with, in the order versionValues gives their values. */
export const VERSION_INSERT_COLUMNS =
  "(name, version_key, version, version_order, provider, category, deployment_engine, description, labels, " +
  "content, source, deprecated, deprecation, content_digest, create_time, update_time, create_revision, " +
  "update_revision, search_name, search_fields, search_description, create_actor, update_actor, yank)";
export const VERSION_COLUMN_COUNT = 24;

/** One version row's values, in VERSION_INSERT_COLUMNS order. */
export function versionValues(
  { record, versionKey, versionOrder, search }: VersionColumns,
  encode: ValueEncoding,
): unknown[] {
  return [
    record.name,
    versionKey,
    record.version,
    versionOrder,
    record.provider,
    record.category,
    record.deployment.engine,
    record.description,
    JSON.stringify(record.labels),
    JSON.stringify(contentColumn(record)),
    record.source === undefined ? null : JSON.stringify(record.source),
    record.deprecation.deprecated,
    JSON.stringify(record.deprecation),
    record.contentDigest,
    encode.time(record.createTime),
    encode.time(record.updateTime),
    record.createRevision,
    record.updateRevision,
    search.name,
    encode.textList(search.fields),
    search.description,
    record.createActor,
    record.updateActor,
    record.yank === undefined ? null : JSON.stringify(record.yank),
  ];
}
