/**
 * The MySQL / MariaDB statements behind the shared SQL operations
 * (../sql/operations), hand-written like PostgreSQL's (../README.md, "Shared
 * SQL"). Tables live in the connection's database. The revision counter row
 * moves with `UPDATE ... SET current = LAST_INSERT_ID(current + 1)`: the
 * update locks the row until the transaction ends, and LAST_INSERT_ID hands
 * the new value back on this connection; AUTO_INCREMENT ids are not in commit
 * order on InnoDB, so they are never revisions. Names and versions compare
 * byte-wise (utf8mb4_bin), as everywhere else.
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

/** A LIKE pattern matching `term` anywhere, with LIKE's own characters taken literally (escape `\`). */
function containing(term: string): string {
  return `%${term.replace(/[\\%_]/g, "\\$&")}%`;
}

const GRAMMAR: Grammar = {
  placeholder: () => "?",
  labelsContain: (parameter) => `JSON_CONTAINS(labels, ${parameter})`,
  nameIn: (params, names) => `name IN (${names.map((name) => params.add(name)).join(", ")})`,
  position: (parameter, column) => `LOCATE(${parameter}, ${column})`,
  fieldContains: (params, term) => `JSON_SEARCH(search_fields, 'one', ${params.add(containing(term))}) IS NOT NULL`,
  // An equality, so the (provider, is_latest, name)-style indexes serve filtered, name-ordered pages.
  scoreColumn: (expression) => `(${expression})`,
  flag: (column, value) => `${column} = ${value ? 1 : 0}`,
};

export class MysqlStatements implements SqlStatements {
  reserveRevision(): Statement[] {
    return [
      { text: "UPDATE catalog_revision SET current = LAST_INSERT_ID(current + 1)", values: [] },
      { text: "SELECT LAST_INSERT_ID() AS current, compacted FROM catalog_revision", values: [] },
    ];
  }

  advanceRevision(by: number): Statement {
    return { text: "UPDATE catalog_revision SET current = current + ?", values: [by] };
  }

  revisionBounds(): Statement {
    return { text: "SELECT current, compacted FROM catalog_revision", values: [] };
  }

  lockRevisionBounds(): Statement {
    return { text: "SELECT current, compacted FROM catalog_revision FOR UPDATE", values: [] };
  }

  getVersion(name: string, versionKey: string): Statement {
    return {
      text: `SELECT ${COMPONENT_COLUMNS} FROM component_versions WHERE name = ? AND version_key = ?`,
      values: [name, versionKey],
    };
  }

  listVersions(name: string): Statement {
    return {
      text: `SELECT ${COMPONENT_COLUMNS} FROM component_versions WHERE name = ? ORDER BY version_order DESC`,
      values: [name],
    };
  }

  listVersionsOf(names: readonly string[]): Statement {
    return {
      text:
        `SELECT ${COMPONENT_COLUMNS} FROM component_versions WHERE name IN (${names.map(() => "?").join(", ")}) ` +
        "ORDER BY name, version_order DESC",
      values: [...names],
    };
  }

  insertVersion(columns: VersionColumns): Statement {
    return {
      text: `INSERT INTO component_versions ${VERSION_INSERT_COLUMNS} VALUES ${VERSION_TUPLE}`,
      values: versionValues(columns, ENCODING),
    };
  }

  updateVersion({ record, versionKey, search }: VersionColumns): Statement {
    return {
      text:
        "UPDATE component_versions SET description = ?, labels = ?, deprecated = ?, deprecation = ?, " +
        "update_time = ?, update_revision = ?, search_name = ?, search_fields = ?, search_description = ?, " +
        "update_actor = ?, yank = ? WHERE name = ? AND version_key = ?",
      values: [
        record.description,
        JSON.stringify(record.labels),
        record.deprecation.deprecated,
        JSON.stringify(record.deprecation),
        new Date(record.updateTime),
        record.updateRevision,
        search.name,
        JSON.stringify(search.fields),
        search.description,
        record.updateActor,
        record.yank === undefined ? null : JSON.stringify(record.yank),
        record.name,
        versionKey,
      ],
    };
  }

  deleteVersions(name: string, versionKeys: readonly string[]): Statement {
    const keys = versionKeys.map(() => "?").join(", ");
    return {
      text: `DELETE FROM component_versions WHERE name = ? AND version_key IN (${keys})`,
      values: [name, ...versionKeys],
    };
  }

  upsertVersions(rows: readonly VersionColumns[]): Statement {
    const tuples = rows.map(() => VERSION_TUPLE).join(", ");
    const updated = UPSERT_COLUMNS.map((column) => `${column} = VALUES(${column})`).join(", ");
    return {
      text:
        `INSERT INTO component_versions ${VERSION_INSERT_COLUMNS} VALUES ${tuples} ` +
        `ON DUPLICATE KEY UPDATE ${updated}`,
      values: rows.flatMap((row) => versionValues(row, ENCODING)),
    };
  }

  deleteAllVersions(): Statement {
    return { text: "DELETE FROM component_versions", values: [] };
  }

  deleteAllRegistrations(): Statement[] {
    return [
      { text: "DELETE FROM compatibility_policies", values: [] },
      { text: "DELETE FROM consumers", values: [] },
    ];
  }

  replicaState(): Statement {
    return { text: "SELECT r.current, s.primary_name FROM catalog_revision r, replica_state s", values: [] };
  }

  setReplicaState(applied: number, primary: string): Statement[] {
    return [
      { text: "UPDATE catalog_revision SET current = ?", values: [applied] },
      { text: "UPDATE replica_state SET primary_name = ?, applied_time = CURRENT_TIMESTAMP(3)", values: [primary] },
    ];
  }

  anyEvent(): Statement {
    return { text: "SELECT revision FROM catalog_events LIMIT 1", values: [] };
  }

  markLatest(name: string, versionKey: string | null): Statement {
    return {
      text:
        "UPDATE component_versions SET is_latest = (version_key <=> ?) " +
        "WHERE name = ? AND is_latest <> (version_key <=> ?)",
      values: [versionKey, name, versionKey],
    };
  }

  markLatestOf(latest: readonly LatestMark[]): Statement {
    // A name without a latest version is in no pair, so each of its rows is unmarked.
    const pairs = latest.filter((mark) => mark.versionKey !== null);
    const marked = pairs.length === 0 ? "FALSE" : `((name, version_key) IN (${pairs.map(() => "(?, ?)").join(", ")}))`;
    const pairValues = pairs.flatMap((mark) => [mark.name, mark.versionKey]);
    return {
      text:
        `UPDATE component_versions SET is_latest = ${marked} ` +
        `WHERE name IN (${latest.map(() => "?").join(", ")}) AND is_latest <> ${marked}`,
      values: [...pairValues, ...latest.map((mark) => mark.name), ...pairValues],
    };
  }

  getPolicy(name: string): Statement {
    return { text: `SELECT ${POLICY_COLUMNS} FROM compatibility_policies WHERE name = ?`, values: [name] };
  }

  upsertPolicy(policy: PolicyRecord): Statement {
    return {
      text:
        `INSERT INTO compatibility_policies (${POLICY_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE ` +
        "mode = VALUES(mode), update_time = VALUES(update_time), update_revision = VALUES(update_revision), " +
        "update_actor = VALUES(update_actor)",
      values: [policy.name, policy.mode, new Date(policy.updateTime), policy.updateRevision, policy.updateActor],
    };
  }

  getConsumer(consumer: string, name: string): Statement {
    return {
      text: `SELECT ${CONSUMER_COLUMNS} FROM consumers WHERE consumer = ? AND name = ?`,
      values: [consumer, name],
    };
  }

  upsertConsumer(r: ConsumerRecord): Statement {
    return {
      text:
        `INSERT INTO consumers (${CONSUMER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE ` +
        "version_constraint = VALUES(version_constraint), labels = VALUES(labels), " +
        "update_time = VALUES(update_time), " +
        "update_revision = VALUES(update_revision), update_actor = VALUES(update_actor)",
      values: [
        r.consumer,
        r.name,
        r.constraint,
        JSON.stringify(r.labels),
        new Date(r.createTime),
        new Date(r.updateTime),
        r.createRevision,
        r.updateRevision,
        r.createActor,
        r.updateActor,
      ],
    };
  }

  deleteConsumer(consumer: string, name: string): Statement {
    return { text: "DELETE FROM consumers WHERE consumer = ? AND name = ?", values: [consumer, name] };
  }

  listConsumers(query: ConsumerQuery): Statement {
    const [column, order, value] =
      "name" in query ? ["name", "consumer", query.name] : ["consumer", "name", query.consumer];
    return {
      text: `SELECT ${CONSUMER_COLUMNS} FROM consumers WHERE ${column} = ? ORDER BY ${order}`,
      values: [value],
    };
  }

  appendEvents(events: readonly CatalogEvent[]): Statement {
    return {
      text:
        "INSERT INTO catalog_events (revision, type, time, component, actor, payload) VALUES " +
        events.map(() => "(?, ?, ?, ?, ?, ?)").join(", "),
      values: events.flatMap((event) => {
        const { component, payload } = eventColumns(event);
        return [event.revision, event.type, new Date(event.time), component, event.actor, payload];
      }),
    };
  }

  readEvents(afterRevision: number, limit: number): Statement {
    return {
      text:
        "SELECT r.compacted, e.revision, e.type, e.time, e.component, e.actor, e.payload FROM catalog_revision r " +
        "LEFT JOIN (SELECT revision, type, time, component, actor, payload FROM catalog_events WHERE revision > ? " +
        "ORDER BY revision LIMIT ?) e ON 1 = 1 ORDER BY e.revision",
      values: [afterRevision, limit],
    };
  }

  compactEvents(throughRevision: number): Statement[] {
    return [
      { text: "DELETE FROM catalog_events WHERE revision <= ?", values: [throughRevision] },
      { text: "UPDATE catalog_revision SET compacted = ?", values: [throughRevision] },
    ];
  }

  committed(): Statement[] {
    return [];
  }

  listPage(query: ListQuery, after: RowKey | undefined, limit: number): Statement {
    return listPageStatement("component_versions", query, after, limit, GRAMMAR);
  }

  searchPage(query: SearchQuery, after: ScoreKey | undefined, limit: number): Statement {
    return searchPageStatement("component_versions", query, after, limit, GRAMMAR);
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

const VERSION_TUPLE = `(${Array.from({ length: VERSION_COLUMN_COUNT }, () => "?").join(", ")})`;

const ENCODING: ValueEncoding = { time: (iso) => new Date(iso), textList: (values) => JSON.stringify(values) };
