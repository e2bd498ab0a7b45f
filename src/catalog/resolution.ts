/**
 * Which stored version a version selector picks, written once for every
 * reader of it: GetComponent, ValidateInputs, impact analysis and the
 * constraint-aware watch. An exact version picks itself, yanked or not;
 * "latest" and constraints never pick a yanked version (core/ordering.ts
 * latestOf is the latest rule every backend's marker follows too).
 */
import { CatalogError, quoted, REASONS } from "../errors/index.js";
import { resolveRange, type VersionSelector, versionKey } from "../semver/index.js";
import { latestAmong, type VersionState } from "../storage/core/ordering.js";
import type { ComponentRecord } from "../storage/records.js";
import type { ComponentReader } from "../storage/store.js";
import { parseSelectorCached } from "./resolution-cache.js";

/** What resolution reads of a version: its number and lifecycle flags. */
export type Resolvable = VersionState;

/** The selector parsed, or INVALID_ARGUMENT on `field` naming what is wrong with it. */
export function parseVersionSelector(selector: string, field: string): VersionSelector {
  const parsed = parseSelectorCached(selector);
  if ("error" in parsed)
    throw CatalogError.invalid([{ field, description: parsed.error, reason: REASONS.versionSelector }]);
  return parsed;
}

/** The version `selector` picks among `items` (any order), or undefined when none does. */
export function resolveAmong<T extends Resolvable>(items: readonly T[], selector: VersionSelector): T | undefined {
  if (selector.kind === "exact") {
    const key = versionKey(selector.version);
    return items.find((item) => versionKey(item.version) === key);
  }
  const version = (item: T) => item.version;
  const deprecated = (item: T) => item.deprecated;
  const yanked = (item: T) => item.yanked;
  if (selector.kind === "range") return resolveRange(items, selector.range, version, deprecated, yanked);
  return latestAmong(items);
}

/** A stored version as resolution sees it. */
export function resolvableOf(record: ComponentRecord): Resolvable & { record: ComponentRecord } {
  return {
    version: record.version,
    deprecated: record.deprecation.deprecated,
    yanked: record.yank !== undefined,
    record,
  };
}

/** The stored version `selector` picks among a name's versions; NOT_FOUND naming the selector when none does. */
export function resolveRecord(
  name: string,
  selector: string,
  parsed: VersionSelector,
  versions: readonly ComponentRecord[],
): ComponentRecord {
  if (versions.length === 0) throw new CatalogError("NOT_FOUND", `component ${name} not found`);
  const resolved = resolveAmong(versions.map(resolvableOf), parsed)?.record;
  if (resolved !== undefined) return resolved;
  if (parsed.kind === "exact") {
    throw new CatalogError("NOT_FOUND", `component ${name} has no version ${parsed.version}${highest(versions)}`);
  }
  const what = parsed.kind === "latest" ? "latest" : quoted(selector.trim());
  throw new CatalogError("NOT_FOUND", `no version of ${name} satisfies ${what}${highest(versions)}`);
}

/** " (highest versions: ...)" naming the first few of a name's versions, SemVer-descending. */
export function highest(versions: readonly ComponentRecord[]): string {
  const shown = versions
    .slice(0, 5)
    .map((r) => (r.yank ? `${r.version} (yanked)` : r.version))
    .join(", ");
  return ` (highest versions: ${shown})`;
}

/** NOT_FOUND for `what` (e.g. "version 1.2.3") of `name`, naming its highest versions when it has any. */
export async function versionNotFound(reader: ComponentReader, name: string, what: string): Promise<CatalogError> {
  const versions = await reader.listVersions(name);
  if (versions.length === 0) return new CatalogError("NOT_FOUND", `component ${name} not found`);
  return new CatalogError("NOT_FOUND", `component ${name} has no ${what}${highest(versions)}`);
}
