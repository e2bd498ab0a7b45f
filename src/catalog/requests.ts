/**
 * What the Manager is asked and answers: the request and result shapes of
 * its calls, the options every write carries (actor, scope check, deadline),
 * and the etag form. Plain types: the API layer fills them from the wire.
 */
import type { CompatibilityMode, ComponentRecord, ComponentReference, PolicyRecord } from "../storage/records.js";
import type { ComponentFilter } from "../storage/store.js";
import type { CompatibilityReport } from "./compatibility.js";
import type { Warning } from "./warnings.js";

/**
 * Decides whether a write of component `name` is allowed, given the
 * providers involved: the provider the write itself sets (publish only) plus
 * the providers of the name's stored versions. Throws (PERMISSION_DENIED)
 * to refuse. The Manager calls it once early, for a fast answer, and again
 * inside the store's write guard, which is what decides.
 */
export type WriteAuthorizer = (name: string, providers: readonly string[]) => void;

export interface WriteOptions {
  actor: string;
  /** Scope check for the caller (API publishers); absent for callers allowed to write anything (admins, sync). */
  authorize?: WriteAuthorizer;
  /**
   * The caller's deadline or cancellation, handed to the store as
   * WriteMeta.signal: an aborted write writes nothing and rejects with the
   * signal's reason. Absent for callers without one (sync).
   */
  signal?: AbortSignal;
}

/**
 * How a read request reads: from a source that reflects at least
 * `minRevision` (the request's min_revision; 0 or absent = any revision,
 * DESIGN invariant 8), waiting no longer than the caller's `signal` allows.
 */
export interface ReadOptions {
  minRevision?: number;
  signal?: AbortSignal;
}

export interface PublishResult {
  component: ComponentRecord;
  created: boolean;
  revision: number;
}

export interface ReadResult {
  component: ComponentRecord;
  revision: number;
  /** What a reader should know about the version (deprecated, yanked). */
  warnings: Warning[];
}

export interface PageRequest {
  pageSize: number;
  pageToken: string;
}

export interface ListRequest extends PageRequest {
  filter: ComponentFilter;
  allVersions: boolean;
  orderBy: string;
}

export interface SearchRequest extends PageRequest {
  query: string;
  filter: ComponentFilter;
}

export interface PageResult<T> {
  items: T[];
  nextPageToken: string;
  revision: number;
  /** What a reader should know about the versions on the page. */
  warnings: Warning[];
}

export interface UpdateRequest {
  name: string;
  version: string;
  /** Values for the paths in `updateMask`; other fields are ignored. */
  description: string;
  labels: Record<string, string>;
  deprecation: DeprecationRequest | undefined;
  updateMask: readonly string[];
  etag: string;
}

/** The deprecation UpdateComponent asks for; `replacement` and `sunsetTime` only with `deprecated`. */
export interface DeprecationRequest {
  deprecated: boolean;
  message: string;
  replacement?: ComponentReference;
  /** ISO time. */
  sunsetTime?: string;
}

export interface DeleteRequest {
  name: string;
  version: string;
  allVersions: boolean;
  etag: string;
}

export interface CompareResult {
  report: CompatibilityReport;
  bumpSufficient: boolean;
  /** The compatibility modes the change satisfies (compatibility-policy.ts satisfiedModes). */
  satisfiedModes: CompatibilityMode[];
  /** The name's policy (the default when none is stored). */
  policy: PolicyRecord;
  revision: number;
}

/** The etag of a record: opaque to clients, derived from its last write. */
export function etagOf(record: ComponentRecord): string {
  return `"r${record.updateRevision}"`;
}
