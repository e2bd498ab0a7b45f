/**
 * The Redis read model of a replica, as data: which keys hold what, how a
 * component name's versions become hash fields and index members, and the
 * writes that turn one name's state into another. Pure functions, so the
 * applier computes a batch's writes in TypeScript (with core's SemVer,
 * latest and search rules) and one Lua script applies them atomically
 * (scripts.ts); the read scripts walk what is described here.
 *
 * Keys (after the configured prefix):
 *   state              hash: applied, primary, rebuild, heartbeat
 *   v:<name>           hash: sort key -> record JSON (every version)
 *   f:<name>           hash: sort key -> filter fields JSON {p, c, e, x, l}
 *   latest             hash: name -> sort key of its latest version
 *   search             hash: name -> search document + filter fields of its latest version
 *   policy             hash: name -> compatibility policy JSON
 *   c:<name>           hash: consumer -> registration JSON (a component's consumers)
 *   cc:<consumer>      hash: name -> registration JSON (a consumer's components)
 *   i:<mode>:<order>   sorted sets (score 0, ordered by member bytes), mode a (all versions) or
 *                      l (latest), order n (name) or t (update time); with `|p|<provider>`,
 *                      `|c|<category>` or `|e|<engine>` appended, the rows of that value only.
 *
 * The sort key of a version is core's sortableVersion (byte order = SemVer
 * precedence). Index members sort in the list order with its tie-breaks
 * (core/ordering.ts) when read ascending:
 *   a:n  name \0 inv(key) \0 key            name, then version descending
 *   a:t  time \0 name \0 inv(key) \0 key    time, name, version descending
 *   l:n  name
 *   l:t  time \0 name
 * where time is the update time in ms, 15 digits, and inv maps each
 * character of a sort key (printable ASCII) to its mirror, so byte order
 * runs backwards. Descending pages read the index backwards and put each
 * group (one name in a:n, one time elsewhere) back in ascending order.
 */
import type { RegistryChange } from "../core/apply-event.js";
import { latestOf, type RowKey, rowOf, sortableVersion } from "../core/ordering.js";
import { searchDocument } from "../core/search.js";
import type { ComponentRecord, ConsumerRecord, PolicyRecord } from "../records.js";
import type { ComponentFilter, OrderField } from "../store.js";

export const STATE_KEY = "state";
export const LATEST_KEY = "latest";
export const SEARCH_KEY = "search";
export const versionsKey = (name: string) => `v:${name}`;
export const filtersKey = (name: string) => `f:${name}`;
export const POLICY_KEY = "policy";
export const consumersOfKey = (name: string) => `c:${name}`;
export const consumerKey = (consumer: string) => `cc:${consumer}`;

const TIME_DIGITS = 15;
/** Sort keys use '!' (0x21) to '~' (0x7e); a mirrored character is 0x9f minus the original. */
const MIRROR = 0x21 + 0x7e;

/** A sort key whose byte order is the reverse of `key`'s (for keys of printable ASCII, as sortableVersion makes). */
export function invertKey(key: string): string {
  let out = "";
  for (let i = 0; i < key.length; i++) out += String.fromCharCode(MIRROR - key.charCodeAt(i));
  // A key that is a prefix of another sorts first; mirrored, it must sort last.
  return `${out}\x7f`;
}

function timeDigits(updateMs: number): string {
  return String(Math.max(0, updateMs)).padStart(TIME_DIGITS, "0");
}

export type IndexMode = "a" | "l";
export type Scope = { field: "p" | "c" | "e"; value: string } | undefined;

export function indexKey(mode: IndexMode, order: OrderField, scope: Scope): string {
  const base = `i:${mode}:${order === "name" ? "n" : "t"}`;
  return scope === undefined ? base : `${base}|${scope.field}|${scope.value}`;
}

/** The narrowest index a filter allows (provider, then category, then engine), as DynamoDB's list picks. */
export function scopeOf(filter: ComponentFilter): Scope {
  if (filter.provider) return { field: "p", value: filter.provider };
  if (filter.category) return { field: "c", value: filter.category };
  if (filter.deploymentEngine) return { field: "e", value: filter.deploymentEngine };
  return undefined;
}

/** The index member of a row (a version in all-versions mode, a component's latest in latest mode). */
export function memberOf(mode: IndexMode, order: OrderField, row: RowKey): string {
  if (mode === "l") return order === "name" ? row.name : `${timeDigits(row.updateMs)}\0${row.name}`;
  const key = sortableVersion(row.version);
  const tail = `${row.name}\0${invertKey(key)}\0${key}`;
  return order === "name" ? tail : `${timeDigits(row.updateMs)}\0${tail}`;
}

/** What the read scripts need to know about an index to page through it backwards. */
export function groupingOf(mode: IndexMode, order: OrderField): "name" | "time" | "none" {
  if (order === "updateTime") return "time";
  return mode === "a" ? "name" : "none";
}

/** The fields ComponentFilter looks at, as the read scripts check them. */
export function filterFieldsOf(record: ComponentRecord): Record<string, unknown> {
  return {
    p: record.provider,
    c: record.category,
    e: record.deployment.engine,
    x: record.deprecation.deprecated,
    l: record.labels,
  };
}

/** Everything the read model holds for one name: hash fields and index members. */
export interface NameEntries {
  /** key -> field -> value */
  hashes: Map<string, Map<string, string>>;
  /** key -> members */
  indexes: Map<string, Set<string>>;
}

function scopesOf(record: ComponentRecord): Scope[] {
  return [
    undefined,
    { field: "p", value: record.provider },
    { field: "c", value: record.category },
    { field: "e", value: record.deployment.engine },
  ];
}

/** The entries of `name` when it holds `versions` (any order; empty when the name has none). */
export function entriesOf(name: string, versions: readonly ComponentRecord[]): NameEntries {
  const entries: NameEntries = { hashes: new Map(), indexes: new Map() };
  const hash = (key: string, field: string, value: string) => {
    const fields = entries.hashes.get(key) ?? new Map<string, string>();
    entries.hashes.set(key, fields);
    fields.set(field, value);
  };
  const index = (key: string, member: string) => {
    const members = entries.indexes.get(key) ?? new Set<string>();
    entries.indexes.set(key, members);
    members.add(member);
  };
  for (const record of versions) {
    const key = sortableVersion(record.version);
    const row = rowOf(record);
    hash(versionsKey(name), key, JSON.stringify(record));
    hash(filtersKey(name), key, JSON.stringify(filterFieldsOf(record)));
    for (const scope of scopesOf(record)) {
      for (const order of ["name", "updateTime"] as const)
        index(indexKey("a", order, scope), memberOf("a", order, row));
    }
  }
  // core's latest rule: yanked versions are never latest.
  const latest = latestOf(versions);
  if (latest !== undefined) {
    hash(LATEST_KEY, name, sortableVersion(latest.version));
    const document = searchDocument(latest);
    const search = { n: document.name, f: document.fields, d: document.description, ...filterFieldsOf(latest) };
    hash(SEARCH_KEY, name, JSON.stringify(search));
    const latestRow = rowOf(latest);
    for (const scope of scopesOf(latest)) {
      for (const order of ["name", "updateTime"] as const)
        index(indexKey("l", order, scope), memberOf("l", order, latestRow));
    }
  }
  return entries;
}

/**
 * One write of the apply script, flattened into its arguments:
 *   H key field value   HSET      D key field   HDEL
 *   A key member        ZADD 0    R key member  ZREM
 */
export type Write =
  | ["H", string, string, string]
  | ["D", string, string]
  | ["A", string, string]
  | ["R", string, string];

/** The writes that turn `before` into `after`, touching only what differs. */
export function writesBetween(before: NameEntries, after: NameEntries): Write[] {
  const writes: Write[] = [];
  for (const [key, fields] of before.hashes) {
    const next = after.hashes.get(key);
    for (const field of fields.keys()) if (!next?.has(field)) writes.push(["D", key, field]);
  }
  for (const [key, fields] of after.hashes) {
    const previous = before.hashes.get(key);
    for (const [field, value] of fields) if (previous?.get(field) !== value) writes.push(["H", key, field, value]);
  }
  for (const [key, members] of before.indexes) {
    const next = after.indexes.get(key);
    for (const member of members) if (!next?.has(member)) writes.push(["R", key, member]);
  }
  for (const [key, members] of after.indexes) {
    const previous = before.indexes.get(key);
    for (const member of members) if (!previous?.has(member)) writes.push(["A", key, member]);
  }
  return writes;
}

/** The writes of one policy or registration change (core/apply-event.ts registryChangeOf). */
export function registryWrites(change: RegistryChange): Write[] {
  switch (change.kind) {
    case "policy":
      return [["H", POLICY_KEY, change.policy.name, JSON.stringify(change.policy)]];
    case "consumer":
      return consumerWrites(change.consumer);
    case "consumer_removed": {
      const { consumer, name } = change.consumer;
      return [
        ["D", consumersOfKey(name), consumer],
        ["D", consumerKey(consumer), name],
      ];
    }
  }
}

/** The writes storing a name's policy and registrations (a rebuild's snapshot). */
export function registrySnapshotWrites(
  policy: PolicyRecord | undefined,
  consumers: readonly ConsumerRecord[],
): Write[] {
  const writes = consumers.flatMap(consumerWrites);
  if (policy !== undefined) writes.push(["H", POLICY_KEY, policy.name, JSON.stringify(policy)]);
  return writes;
}

function consumerWrites(record: ConsumerRecord): Write[] {
  const json = JSON.stringify(record);
  return [
    ["H", consumersOfKey(record.name), record.consumer, json],
    ["H", consumerKey(record.consumer), record.name, json],
  ];
}
