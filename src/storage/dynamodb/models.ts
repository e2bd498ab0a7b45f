/**
 * The single-table layout (see README.md beside this file): key builders,
 * the sortable version encoding, and the mapping between domain records and
 * DynamoDB items. Records travel as one JSON string attribute (`doc`) so an
 * item round-trips exactly; the other attributes exist only to be keyed or
 * indexed.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { CatalogError } from "../../errors/index.js";
import { pad, sortableVersion, timeKey } from "../core/ordering.js";
import { withActors } from "../core/patch.js";
import {
  type CatalogEvent,
  type ComponentRecord,
  type ConsumerRecord,
  isComponentEvent,
  type PolicyRecord,
} from "../records.js";

export type Item = Record<string, AttributeValue>;

export const ATTR = {
  pk: "PK",
  sk: "SK",
  doc: "doc",
  /** GSI byProvider hash key: `<LATEST|VERSION>#<provider>`. */
  provider: "gsiProvider",
  /** GSI byCategory hash key: `<LATEST|VERSION>#<category>`. */
  category: "gsiCategory",
  /** GSI byName / byUpdateTime hash key: `LATEST` or `VERSION`. */
  kind: "gsiKind",
  /** Range key of byProvider, byCategory, byName: `<name>` (LATEST) or `<name>#<sortable version>`. */
  nameKey: "gsiName",
  /** Range key of byUpdateTime: `<zero-padded update ms>#<name>[#<sortable version>]`. */
  timeKey: "gsiTime",
  updateRevision: "updateRevision",
  current: "current",
  /** On event items: the id of the commit attempt that wrote them. */
  writeId: "writeId",
  compacted: "compacted",
} as const;

export const INDEX = {
  byProvider: "byProvider",
  byCategory: "byCategory",
  byName: "byName",
  byUpdateTime: "byUpdateTime",
} as const;

export type RowKind = "LATEST" | "VERSION";

export const COMPONENT_PREFIX = "COMPONENT#";
export const VERSION_PREFIX = "VERSION#";
export const LATEST_SK = "LATEST";
/** A name's compatibility policy, in its component partition. */
export const POLICY_SK = "POLICY";
/** A component's registrations: partition CONSUMERS#<name>, sort key the consumer. */
export const CONSUMERS_OF_PREFIX = "CONSUMERS#";
/** A consumer's registrations: partition CONSUMER#<consumer>, sort key the component name. */
export const CONSUMER_PREFIX = "CONSUMER#";
export const EVENT_PK = "EVENT";
export const META_PK = "CATALOG";
export const REVISION_SK = "REVISION";

/** DynamoDB's hard limits that the store checks before writing. */
export const LIMITS = {
  itemBytes: 400 * 1024,
  transactionItems: 100,
  transactionBytes: 4 * 1024 * 1024,
} as const;

const REVISION_WIDTH = 16;
const TIME_WIDTH = 15; // milliseconds since 1970 stay under 15 digits until the year 33658

export function componentPk(name: string): string {
  return `${COMPONENT_PREFIX}${name}`;
}

export function versionSk(version: string): string {
  return `${VERSION_PREFIX}${sortableVersion(version)}`;
}

export function eventSk(revision: number): string {
  return pad(revision, REVISION_WIDTH);
}

export function key(pk: string, sk: string): Item {
  return { [ATTR.pk]: { S: pk }, [ATTR.sk]: { S: sk } };
}

export const revisionKey = (): Item => key(META_PK, REVISION_SK);

/** Upper bound (exclusive) of every index key that starts with `prefix` + "#...". */
export function afterPrefix(prefix: string): string {
  return `${prefix}$`; // "$" is the character right after "#"
}

export function nameIndexKey(kind: RowKind, record: ComponentRecord): string {
  return kind === "LATEST" ? record.name : `${record.name}#${sortableVersion(record.version)}`;
}

export function timeIndexPrefix(updateMs: number): string {
  return pad(Math.max(0, Math.floor(updateMs)), TIME_WIDTH);
}

/** A version item (kind VERSION) or a name's LATEST item, with its index attributes. */
export function recordItem(kind: RowKind, record: ComponentRecord): Item {
  const sk = kind === "LATEST" ? LATEST_SK : versionSk(record.version);
  return {
    ...key(componentPk(record.name), sk),
    [ATTR.doc]: { S: JSON.stringify(record) },
    [ATTR.updateRevision]: { N: String(record.updateRevision) },
    [ATTR.kind]: { S: kind },
    [ATTR.provider]: { S: `${kind}#${record.provider}` },
    [ATTR.category]: { S: `${kind}#${record.category}` },
    [ATTR.nameKey]: { S: nameIndexKey(kind, record) },
    [ATTR.timeKey]: { S: `${timeIndexPrefix(timeKey(record.updateTime))}#${nameIndexKey(kind, record)}` },
  };
}

export function policyItem(policy: PolicyRecord): Item {
  return { ...key(componentPk(policy.name), POLICY_SK), [ATTR.doc]: { S: JSON.stringify(policy) } };
}

/** The two keys of a registration: in its component's partition and in its consumer's. */
export function consumerKeys(consumer: string, name: string): [Item, Item] {
  return [key(`${CONSUMERS_OF_PREFIX}${name}`, consumer), key(`${CONSUMER_PREFIX}${consumer}`, name)];
}

/** The two items of a registration (see consumerKeys), each holding it whole. */
export function consumerItems(record: ConsumerRecord): [Item, Item] {
  const doc = { [ATTR.doc]: { S: JSON.stringify(record) } };
  const [byComponent, byConsumer] = consumerKeys(record.consumer, record.name);
  return [
    { ...byComponent, ...doc },
    { ...byConsumer, ...doc },
  ];
}

export function eventItem(event: CatalogEvent): Item {
  return { ...key(EVENT_PK, eventSk(event.revision)), [ATTR.doc]: { S: JSON.stringify(event) } };
}

function docOf(item: Item): string {
  const doc = item[ATTR.doc]?.S;
  if (doc === undefined)
    throw new CatalogError("INTERNAL", `DynamoDB item ${describeKey(item)} has no "doc" attribute`);
  return doc;
}

/** Items written before versions carried actors read with createActor/updateActor "". */
export function recordOf(item: Item): ComponentRecord {
  return withActors(JSON.parse(docOf(item)) as ComponentRecord);
}

export function eventOf(item: Item): CatalogEvent {
  const event = JSON.parse(docOf(item)) as CatalogEvent;
  return isComponentEvent(event) ? { ...event, component: withActors(event.component) } : event;
}

export function policyOf(item: Item): PolicyRecord {
  return JSON.parse(docOf(item)) as PolicyRecord;
}

export function consumerOf(item: Item): ConsumerRecord {
  return JSON.parse(docOf(item)) as ConsumerRecord;
}

export function numberAttr(item: Item | undefined, name: string): number {
  const raw = item?.[name]?.N;
  return raw === undefined ? 0 : Number(raw);
}

export function describeKey(item: Item): string {
  return `${item[ATTR.pk]?.S ?? "?"} / ${item[ATTR.sk]?.S ?? "?"}`;
}

/**
 * The item's size as DynamoDB counts it: UTF-8 bytes of every attribute name
 * and value (numbers at most 21 bytes, a little over for maps and lists).
 */
export function itemSize(item: Item): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) total += Buffer.byteLength(name) + valueSize(value);
  return total;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return 21;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.B !== undefined) return value.B.byteLength;
  if (value.M !== undefined) return 3 + itemSize(value.M);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  return 0;
}
