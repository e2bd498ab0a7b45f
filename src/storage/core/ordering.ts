/**
 * The orders every backend sorts by, written once: the SemVer sort key a
 * database can index, time keys, the list order with its tie-breaks, and
 * which version is a name's "latest" (latestOf).
 *
 * List order: the primary field in the requested direction; ties by name
 * ascending, then version SemVer-descending, whatever the direction. In
 * latest mode a row is a component, so its key has no version: a name's
 * latest version may change between pages without the name repeating.
 */
import { CatalogError } from "../../errors/index.js";
import { compareVersions, parseVersion, pickLatest } from "../../semver/index.js";
import type { ComponentRecord, LifecycleFlags } from "../records.js";
import type { OrderField } from "../store.js";

const NUMBER_WIDTH = 16; // Number.MAX_SAFE_INTEGER has 16 digits; semver refuses larger parts.

/**
 * A string whose byte order (UTF-8, a binary collation, DynamoDB sort keys)
 * is SemVer precedence. Build metadata is ignored, as precedence ignores it.
 *
 *   <major>.<minor>.<patch>   each zero-padded to 16 digits
 *   then "~" for a release, or "-" + identifiers for a pre-release
 *   ("-" < "~": a pre-release sorts below its release)
 *   identifier: numeric -> "1" + 3-digit length + digits (longer number = larger);
 *               other   -> "2" + the identifier (numeric < alphanumeric; ASCII order otherwise)
 *   each identifier is followed by "!", which sorts below every identifier
 *   character, so a shorter identifier list that is a prefix sorts first.
 */
export function sortableVersion(version: string): string {
  const parsed = parseVersion(version);
  if (!parsed) throw new CatalogError("INVALID_ARGUMENT", `"${version}" is not a SemVer version`);
  const triple = [parsed.major, parsed.minor, parsed.patch].map((n) => pad(n, NUMBER_WIDTH)).join(".");
  if (parsed.prerelease.length === 0) return `${triple}~`;
  return `${triple}-${parsed.prerelease.map((id) => `${encodeIdentifier(String(id))}!`).join("")}`;
}

function encodeIdentifier(id: string): string {
  if (/^[0-9]+$/.test(id)) {
    const digits = id.replace(/^0+(?=.)/, "");
    return `1${pad(digits.length, 3)}${digits}`;
  }
  return `2${id}`;
}

export function pad(value: number | string, width: number): string {
  return String(value).padStart(width, "0");
}

/** Milliseconds since the epoch of an ISO time; unparseable times sort first. */
export function timeKey(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? 0 : ms;
}

export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface ListOrder {
  field: OrderField;
  descending: boolean;
  allVersions: boolean;
}

/** The sort key of a list row. `version` is ignored in latest mode. */
export interface RowKey {
  updateMs: number;
  name: string;
  version: string;
}

/** A list row: its key plus the record it shows. */
export interface Row extends RowKey {
  record: ComponentRecord;
}

export function rowOf(record: ComponentRecord): Row {
  return { updateMs: timeKey(record.updateTime), name: record.name, version: record.version, record };
}

export function rowComparator(order: ListOrder): (a: RowKey, b: RowKey) => number {
  const direction = order.descending ? -1 : 1;
  return (a, b) => {
    if (order.field === "updateTime") {
      if (a.updateMs !== b.updateMs) return (a.updateMs - b.updateMs) * direction;
      const byName = compareNames(a.name, b.name);
      if (byName !== 0) return byName;
    } else {
      const byName = compareNames(a.name, b.name);
      if (byName !== 0) return byName * direction;
    }
    return order.allVersions ? compareVersions(b.version, a.version) : 0;
  };
}

/** What version resolution reads of a stored version besides its number. */
export function lifecycleOf(record: ComponentRecord): LifecycleFlags {
  return { deprecated: record.deprecation.deprecated, yanked: record.yank !== undefined };
}

/** A version as the latest rule reads it: its number and lifecycle flags. */
export interface VersionState extends LifecycleFlags {
  version: string;
}

/**
 * The latest rule: semver.pickLatest with yanked versions left out (a name
 * whose every version is yanked has no latest). Every backend's latest
 * marker (list in latest mode, search) follows it through latestOf, the
 * in-process engine's through inprocess/state.ts pickLatestOf (the same
 * rule over its descending slots, property-tested against this), and every
 * "latest" read through latestAmong.
 */
export function latestAmong<T extends VersionState>(items: readonly T[]): T | undefined {
  return pickLatest(
    items,
    (item) => item.version,
    (item) => item.deprecated,
    (item) => item.yanked,
  );
}

/** A name's "latest" among its stored versions (the latest rule, latestAmong, over records). */
export function latestOf(records: readonly ComponentRecord[]): ComponentRecord | undefined {
  return pickLatest(
    records,
    (record) => record.version,
    (record) => record.deprecation.deprecated,
    (record) => record.yank !== undefined,
  );
}
