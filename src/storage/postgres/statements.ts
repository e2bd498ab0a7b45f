/**
 * The PostgreSQL statements behind the shared SQL operations
 * (../sql/operations), hand-written: a query builder cost more than the
 * exact-get budget allows (measured; ../README.md, "Shared SQL"). Values always travel
 * as parameters; the only text spliced in is the schema name, quoted as an
 * identifier, and fixed fragments from closed sets.
 */
import type { ScoreKey } from "../core/cursor.js";
import type { RowKey } from "../core/ordering.js";
import type { CatalogEvent, ConsumerQuery, ConsumerRecord, PolicyRecord } from "../records.js";
import { type ValueEncoding, VERSION_COLUMN_COUNT, VERSION_INSERT_COLUMNS, versionValues } from "../sql/columns.js";
import type { LatestMark, SqlStatements, Statement, VersionColumns } from "../sql/dialect.js";
import { type Grammar, listPageStatement, searchPageStatement } from "../sql/query-parts.js";
import {
  COMPONENT_COLUMNS,
  CONSUMER_COLUMNS,
  eventColumns,
  POLICY_COLUMNS,
  ROW_READERS,
  UPSERT_COLUMNS,
} from "../sql/rows.js";
import type { ListQuery, SearchQuery } from "../store.js";
import { quoteIdentifier } from "./client.js";
import { NOTIFY_CHANNEL, notificationPayload } from "./notifications.js";

const CASTS = {
  text: "text",
  time: "timestamptz",
  number: "float8",
  integer: "int",
  json: "jsonb",
  textList: "text[]",
} as const;

const GRAMMAR: Grammar = {
  placeholder: (index, cast) => `$${index}::${CASTS[cast]}`,
  labelsContain: (parameter) => `labels @> ${parameter}`,
  nameIn: (params, names) => `name = ANY(${params.add([...names], "textList")})`,
  position: (parameter, column) => `strpos(${column}, ${parameter})`,
  fieldContains: (params, term) =>
    `EXISTS (SELECT 1 FROM unnest(search_fields) field WHERE strpos(field, ${params.add(term)}) > 0)`,
  // The partial indexes are declared WHERE is_latest: the predicate must read the same.
  scoreColumn: (expression) => `(${expression})::float8`,
  flag: (column, value) => (value ? column : `NOT ${column}`),
};

export class PostgresStatements implements SqlStatements {
  private readonly versions: string;
  private readonly events: string;
  private readonly revision: string;
  private readonly replica: string;
  private readonly policies: string;
  private readonly consumers: string;

  constructor(readonly schema: string) {
    const quoted = quoteIdentifier(schema);
    this.replica = `${quoted}.replica_state`;
    this.versions = `${quoted}.component_versions`;
    this.events = `${quoted}.catalog_events`;
    this.revision = `${quoted}.catalog_revision`;
    this.policies = `${quoted}.compatibility_policies`;
    this.consumers = `${quoted}.consumers`;
  }

  reserveRevision(): Statement[] {
    return [{ text: `UPDATE ${this.revision} SET current = current + 1 RETURNING current, compacted`, values: [] }];
  }

  advanceRevision(by: number): Statement {
    return { text: `UPDATE ${this.revision} SET current = current + $1`, values: [by] };
  }

  revisionBounds(): Statement {
    return { text: `SELECT current, compacted FROM ${this.revision}`, values: [] };
  }

  lockRevisionBounds(): Statement {
    return { text: `SELECT current, compacted FROM ${this.revision} FOR UPDATE`, values: [] };
  }

  getVersion(name: string, versionKey: string): Statement {
    return {
      text: `SELECT ${COMPONENT_COLUMNS} FROM ${this.versions} WHERE name = $1 AND version_key = $2`,
      values: [name, versionKey],
    };
  }

  listVersions(name: string): Statement {
    return {
      text: `SELECT ${COMPONENT_COLUMNS} FROM ${this.versions} WHERE name = $1 ORDER BY version_order DESC`,
      values: [name],
    };
  }

  listVersionsOf(names: readonly string[]): Statement {
    return {
      text:
        `SELECT ${COMPONENT_COLUMNS} FROM ${this.versions} WHERE name = ANY($1::text[]) ` +
        "ORDER BY name, version_order DESC",
      values: [[...names]],
    };
  }

  insertVersion(columns: VersionColumns): Statement {
    return {
      text: `INSERT INTO ${this.versions} ${VERSION_INSERT_COLUMNS} VALUES ${versionTuple(0)}`,
      values: versionValues(columns, ENCODING),
    };
  }

  updateVersion({ record, versionKey, search }: VersionColumns): Statement {
    return {
      text:
        `UPDATE ${this.versions} SET description = $3, labels = $4::jsonb, deprecated = $5, ` +
        `deprecation = $6::jsonb, update_time = $7, update_revision = $8, search_name = $9, ` +
        `search_fields = $10::text[], search_description = $11, update_actor = $12, yank = $13::jsonb ` +
        `WHERE name = $1 AND version_key = $2`,
      values: [
        record.name,
        versionKey,
        record.description,
        JSON.stringify(record.labels),
        record.deprecation.deprecated,
        JSON.stringify(record.deprecation),
        record.updateTime,
        record.updateRevision,
        search.name,
        search.fields,
        search.description,
        record.updateActor,
        record.yank === undefined ? null : JSON.stringify(record.yank),
      ],
    };
  }

  deleteVersions(name: string, versionKeys: readonly string[]): Statement {
    return {
      text: `DELETE FROM ${this.versions} WHERE name = $1 AND version_key = ANY($2::text[])`,
      values: [name, [...versionKeys]],
    };
  }

  upsertVersions(rows: readonly VersionColumns[]): Statement {
    const tuples = rows.map((_, i) => versionTuple(i * VERSION_COLUMN_COUNT)).join(", ");
    const updated = UPSERT_COLUMNS.map((column) => `${column} = EXCLUDED.${column}`).join(", ");
    return {
      text:
        `INSERT INTO ${this.versions} ${VERSION_INSERT_COLUMNS} VALUES ${tuples} ` +
        `ON CONFLICT (name, version_key) DO UPDATE SET ${updated}`,
      values: rows.flatMap((row) => versionValues(row, ENCODING)),
    };
  }

  deleteAllVersions(): Statement {
    return { text: `DELETE FROM ${this.versions}`, values: [] };
  }

  deleteAllRegistrations(): Statement[] {
    return [
      { text: `DELETE FROM ${this.policies}`, values: [] },
      { text: `DELETE FROM ${this.consumers}`, values: [] },
    ];
  }

  replicaState(): Statement {
    return { text: `SELECT r.current, s.primary_name FROM ${this.revision} r, ${this.replica} s`, values: [] };
  }

  setReplicaState(applied: number, primary: string): Statement[] {
    return [
      { text: `UPDATE ${this.revision} SET current = $1`, values: [applied] },
      { text: `UPDATE ${this.replica} SET primary_name = $1, applied_time = now()`, values: [primary] },
    ];
  }

  anyEvent(): Statement {
    return { text: `SELECT revision FROM ${this.events} LIMIT 1`, values: [] };
  }

  markLatest(name: string, versionKey: string | null): Statement {
    return {
      text:
        `UPDATE ${this.versions} SET is_latest = (version_key IS NOT DISTINCT FROM $2::text) ` +
        `WHERE name = $1 AND is_latest <> (version_key IS NOT DISTINCT FROM $2::text)`,
      values: [name, versionKey],
    };
  }

  markLatestOf(latest: readonly LatestMark[]): Statement {
    const marked = "(v.version_key IS NOT DISTINCT FROM t.version_key)";
    return {
      text:
        `UPDATE ${this.versions} v SET is_latest = ${marked} ` +
        "FROM unnest($1::text[], $2::text[]) AS t(name, version_key) " +
        `WHERE v.name = t.name AND v.is_latest <> ${marked}`,
      values: [latest.map((mark) => mark.name), latest.map((mark) => mark.versionKey)],
    };
  }

  getPolicy(name: string): Statement {
    return { text: `SELECT ${POLICY_COLUMNS} FROM ${this.policies} WHERE name = $1`, values: [name] };
  }

  upsertPolicy(policy: PolicyRecord): Statement {
    return {
      text:
        `INSERT INTO ${this.policies} (${POLICY_COLUMNS}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO UPDATE ` +
        "SET mode = EXCLUDED.mode, update_time = EXCLUDED.update_time, update_revision = EXCLUDED.update_revision, " +
        "update_actor = EXCLUDED.update_actor",
      values: [policy.name, policy.mode, policy.updateTime, policy.updateRevision, policy.updateActor],
    };
  }

  getConsumer(consumer: string, name: string): Statement {
    return {
      text: `SELECT ${CONSUMER_COLUMNS} FROM ${this.consumers} WHERE consumer = $1 AND name = $2`,
      values: [consumer, name],
    };
  }

  upsertConsumer(r: ConsumerRecord): Statement {
    return {
      text:
        `INSERT INTO ${this.consumers} (${CONSUMER_COLUMNS}) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10) ` +
        "ON CONFLICT (consumer, name) DO UPDATE SET version_constraint = EXCLUDED.version_constraint, " +
        "labels = EXCLUDED.labels, update_time = EXCLUDED.update_time, update_revision = EXCLUDED.update_revision, " +
        "update_actor = EXCLUDED.update_actor",
      values: [
        r.consumer,
        r.name,
        r.constraint,
        JSON.stringify(r.labels),
        r.createTime,
        r.updateTime,
        r.createRevision,
        r.updateRevision,
        r.createActor,
        r.updateActor,
      ],
    };
  }

  deleteConsumer(consumer: string, name: string): Statement {
    return { text: `DELETE FROM ${this.consumers} WHERE consumer = $1 AND name = $2`, values: [consumer, name] };
  }

  listConsumers(query: ConsumerQuery): Statement {
    const [column, order, value] =
      "name" in query ? ["name", "consumer", query.name] : ["consumer", "name", query.consumer];
    return {
      text: `SELECT ${CONSUMER_COLUMNS} FROM ${this.consumers} WHERE ${column} = $1 ORDER BY ${order}`,
      values: [value],
    };
  }

  appendEvents(events: readonly CatalogEvent[]): Statement {
    const columns = events.map(eventColumns);
    return {
      text:
        `INSERT INTO ${this.events} (revision, type, time, component, actor, payload) ` +
        `SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::jsonb[], $5::text[], $6::jsonb[])`,
      values: [
        events.map((event) => event.revision),
        events.map((event) => event.type),
        events.map((event) => event.time),
        columns.map((column) => column.component),
        events.map((event) => event.actor),
        columns.map((column) => column.payload),
      ],
    };
  }

  readEvents(afterRevision: number, limit: number): Statement {
    return {
      text:
        `SELECT r.compacted, e.revision, e.type, e.time, e.component, e.actor, e.payload FROM ${this.revision} r ` +
        `LEFT JOIN LATERAL (SELECT * FROM ${this.events} WHERE revision > $1 ORDER BY revision LIMIT $2) e ON true ` +
        `ORDER BY e.revision`,
      values: [afterRevision, limit],
    };
  }

  compactEvents(throughRevision: number): Statement[] {
    return [
      { text: `DELETE FROM ${this.events} WHERE revision <= $1`, values: [throughRevision] },
      { text: `UPDATE ${this.revision} SET compacted = $1`, values: [throughRevision] },
    ];
  }

  committed(lastRevision: number): Statement[] {
    return [
      { text: `SELECT pg_notify($1, $2)`, values: [NOTIFY_CHANNEL, notificationPayload(this.schema, lastRevision)] },
    ];
  }

  listPage(query: ListQuery, after: RowKey | undefined, limit: number): Statement {
    return listPageStatement(this.versions, query, after, limit, GRAMMAR);
  }

  searchPage(query: SearchQuery, after: ScoreKey | undefined, limit: number): Statement {
    return searchPageStatement(this.versions, query, after, limit, GRAMMAR);
  }

  readonly record = ROW_READERS.record;
  readonly event = ROW_READERS.event;
  readonly policy = ROW_READERS.policy;
  readonly consumer = ROW_READERS.consumer;
  readonly bounds = ROW_READERS.bounds;
  readonly compactedOf = ROW_READERS.compactedOf;
  readonly hasEvent = ROW_READERS.hasEvent;
  readonly score = ROW_READERS.score;
}

/** Parameter casts by column position (1-based) in VERSION_INSERT_COLUMNS. */
const VERSION_CASTS: Readonly<Record<number, string>> = {
  9: "::jsonb",
  10: "::jsonb",
  11: "::jsonb",
  13: "::jsonb",
  20: "::text[]",
  24: "::jsonb",
};

/** One row's placeholders, numbered after `offset` parameters. */
function versionTuple(offset: number): string {
  const slots = Array.from(
    { length: VERSION_COLUMN_COUNT },
    (_, i) => `${"$"}${offset + i + 1}${VERSION_CASTS[i + 1] ?? ""}`,
  );
  return `(${slots.join(", ")})`;
}

const ENCODING: ValueEncoding = { time: (iso) => iso, textList: (values) => values };
