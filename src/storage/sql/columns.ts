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
