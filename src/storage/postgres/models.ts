/**
 * Row ⇄ record mapping for the PostgreSQL backend, plus the two derived
 * values the tables store beside each record: the SemVer order key and the
 * weighted search document.
 */
import { parseVersion } from "../../semver/index.js";
import { withActors } from "../core/patch.js";
import type {
  CatalogEvent,
  ComponentRecord,
  DeploymentSpec,
  Deprecation,
  EventType,
  InputSpec,
  OutputSpec,
  SourceRef,
} from "../records.js";

/** A `component_versions` row as node-postgres returns it (int8 as string, jsonb parsed). */
export interface ComponentRow {
  name: string;
  version_key: string;
  version: string;
  version_order: string;
  provider: string;
  category: string;
  deployment_engine: string;
  description: string;
  labels: Record<string, string>;
  content: StoredContent;
  source: SourceRef | null;
  deprecated: boolean;
  deprecation: Deprecation;
  content_digest: string;
  create_time: Date;
  update_time: Date;
  create_revision: string;
  update_revision: string;
  create_actor: string;
  update_actor: string;
}

/** The `content` jsonb column: the immutable spec apart from provider and category. */
export interface StoredContent {
  inputs: InputSpec[];
  outputs: OutputSpec[];
  deployment: DeploymentSpec;
}

/** A `catalog_events` row. */
export interface EventRow {
  revision: string;
  type: EventType;
  time: Date;
  component: ComponentRecord;
  actor: string;
}

const ORDER_NUMBER_WIDTH = 16; // Number.MAX_SAFE_INTEGER has 16 digits; semver refuses larger parts.
const PRERELEASE_SEPARATOR = "!"; // sorts below every identifier character [0-9A-Za-z-]

/**
 * A string whose byte order ("C" collation) is SemVer precedence, so the
 * database can sort and paginate versions with a plain index:
 * `major.minor.patch` zero-padded, then `~` for a release or `-` and the
 * encoded pre-release (pre-releases sort below their release). Numeric
 * pre-release identifiers are length-prefixed so they compare numerically
 * and sort below alphanumeric ones; a shorter identifier list sorts first.
 */
export function versionOrderKey(version: string): string {
  const parsed = parseVersion(version);
  if (!parsed) throw new Error(`not a SemVer version: ${version}`);
  const core = [parsed.major, parsed.minor, parsed.patch]
    .map((part) => String(part).padStart(ORDER_NUMBER_WIDTH, "0"))
    .join(".");
  if (parsed.prerelease.length === 0) return `${core}~`;
  const identifiers = parsed.prerelease.map((identifier) => {
    const text = String(identifier);
    return /^[0-9]+$/.test(text) ? `0${String(text.length).padStart(2, "0")}${text}` : `1${text}`;
  });
  return `${core}-${identifiers.join(PRERELEASE_SEPARATOR)}`;
}

/** ISO-8601 in UTC with milliseconds, the one form times are stored and returned in. */
export function normalizeTime(time: string): string {
  const parsed = new Date(time);
  if (Number.isNaN(parsed.getTime())) throw new Error(`not an ISO-8601 time: ${time}`);
  return parsed.toISOString();
}

export function recordFromRow(row: ComponentRow): ComponentRecord {
  const record: ComponentRecord = {
    name: row.name,
    version: row.version,
    provider: row.provider,
    category: row.category,
    description: row.description,
    labels: row.labels,
    inputs: row.content.inputs,
    outputs: row.content.outputs,
    deployment: row.content.deployment,
    deprecation: row.deprecation,
    contentDigest: row.content_digest,
    createTime: row.create_time.toISOString(),
    updateTime: row.update_time.toISOString(),
    createRevision: Number(row.create_revision),
    updateRevision: Number(row.update_revision),
    createActor: row.create_actor,
    updateActor: row.update_actor,
  };
  if (row.source !== null) record.source = row.source;
  return record;
}

export function eventFromRow(row: EventRow): CatalogEvent {
  return {
    revision: Number(row.revision),
    type: row.type,
    time: row.time.toISOString(),
    // Events logged before versions carried actors hold components without them.
    component: withActors(row.component),
    actor: row.actor,
  };
}

export function contentOf(record: Pick<ComponentRecord, "inputs" | "outputs" | "deployment">): StoredContent {
  return { inputs: record.inputs, outputs: record.outputs, deployment: record.deployment };
}
