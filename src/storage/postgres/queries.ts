/**
 * SQL for the PostgreSQL backend. Values always travel as parameters; the
 * only text spliced into statements is the schema name, quoted as an
 * identifier, and fixed column/direction fragments chosen from closed sets.
 */
import {
  decodeListCursor,
  decodeSearchCursor,
  encodeListCursor,
  encodeSearchCursor,
  pageSizeOf,
} from "../core/cursor.js";
import { timeKey } from "../core/ordering.js";
import { SEARCH_SCORES, type SearchDocument } from "../core/search.js";
import type { ComponentFilter, ListQuery, SearchQuery } from "../store.js";
import { quoteIdentifier } from "./client.js";
import { type ComponentRow, versionOrderKey } from "./models.js";

export interface SqlQuery {
  text: string;
  values: unknown[];
}

/** The channel every store LISTENs on; payloads name the schema (see notifications.ts). */
export const NOTIFY_CHANNEL = "nestor_catalog_events";

const COMPONENT_COLUMNS = [
  "name",
  "version_key",
  "version",
  "version_order",
  "provider",
  "category",
  "deployment_engine",
  "description",
  "labels",
  "content",
  "source",
  "deprecated",
  "deprecation",
  "content_digest",
  "create_time",
  "update_time",
  "create_revision",
  "update_revision",
  "create_actor",
  "update_actor",
].join(", ");

/** Collects parameters and hands out their `$n` placeholders. */
class Parameters {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

type Direction = "ASC" | "DESC";

/** One key of a keyset order: a column expression, its direction, and how its cursor value is cast. */
interface OrderKey {
  expression: string;
  direction: Direction;
  cast: string;
}

/**
 * `(k1, k2, ...)` strictly after `cursor` in the given mixed-direction
 * order: k1 beyond c1, or k1 = c1 and the rest after the rest. The leading
 * `k1 >= c1` (or `<=`) is implied by the rest; it is there so the planner
 * can start the index scan at the cursor instead of filtering from the top.
 */
function keysetAfter(keys: readonly OrderKey[], cursor: readonly unknown[], params: Parameters): string {
  const [first] = keys;
  if (first === undefined) return "false";
  const bound = `${first.expression} ${first.direction === "ASC" ? ">=" : "<="} ${params.add(cursor[0])}::${first.cast}`;
  return `(${bound} AND ${strictlyAfter(keys, cursor, params)})`;
}

function strictlyAfter(keys: readonly OrderKey[], cursor: readonly unknown[], params: Parameters): string {
  const [first, ...rest] = keys;
  if (first === undefined) return "false";
  const value = `${params.add(cursor[0])}::${first.cast}`;
  const beyond = `${first.expression} ${first.direction === "ASC" ? ">" : "<"} ${value}`;
  if (rest.length === 0) return beyond;
  return `(${beyond} OR (${first.expression} = ${value} AND ${strictlyAfter(rest, cursor.slice(1), params)}))`;
}

function orderByClause(keys: readonly OrderKey[]): string {
  return keys.map((key) => `${key.expression} ${key.direction}`).join(", ");
}

const NAME: OrderKey = { expression: "name", direction: "ASC", cast: "text" };
const VERSION_DESCENDING: OrderKey = { expression: "version_order", direction: "DESC", cast: "text" };

/**
 * List orders: the field in the asked direction, ties by name ascending then
 * version SemVer-descending. In latest mode a row is a component, so its key
 * has no version: a name whose latest version changes between pages does not
 * repeat.
 */
function listOrder(query: ListQuery): OrderKey[] {
  const direction: Direction = query.orderBy.descending ? "DESC" : "ASC";
  const primary: OrderKey[] =
    query.orderBy.field === "name"
      ? [{ ...NAME, direction }]
      : [{ expression: "update_time", direction, cast: "timestamptz" }, NAME];
  return query.allVersions ? [...primary, VERSION_DESCENDING] : primary;
}

/** A page query: fetches one row more than the page to know whether another page follows. */
export interface PageQuery<R> {
  sql: SqlQuery;
  pageSize: number;
  /** The cursor that continues after `row`. */
  cursorAfter(row: R): string;
}

function filterConditions(filter: ComponentFilter, latestOnly: boolean, params: Parameters): string[] {
  const conditions: string[] = [];
  if (latestOnly) conditions.push("is_latest");
  if (!filter.includeDeprecated) conditions.push("NOT deprecated");
  // An empty string is the proto's "unset", so it filters nothing.
  if (filter.provider) conditions.push(`provider = ${params.add(filter.provider)}`);
  if (filter.category) conditions.push(`category = ${params.add(filter.category)}`);
  if (filter.deploymentEngine) conditions.push(`deployment_engine = ${params.add(filter.deploymentEngine)}`);
  if (filter.labels && Object.keys(filter.labels).length > 0) {
    conditions.push(`labels @> ${params.add(JSON.stringify(filter.labels))}::jsonb`);
  }
  if (filter.names !== undefined) conditions.push(`name = ANY(${params.add([...filter.names])}::text[])`);
  return conditions;
}

function where(conditions: readonly string[]): string {
  return conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`;
}

/** The statements of one catalog schema. */
export class CatalogSql {
  readonly versions: string;
  readonly events: string;
  readonly revision: string;

  constructor(readonly schema: string) {
    const quoted = quoteIdentifier(schema);
    this.versions = `${quoted}.component_versions`;
    this.events = `${quoted}.catalog_events`;
    this.revision = `${quoted}.catalog_revision`;
  }

  /** Serialises writers: every write transaction starts here and holds the row until commit. */
  lockRevision(): string {
    return `SELECT current, compacted FROM ${this.revision} FOR UPDATE`;
  }

  revisionBounds(): string {
    return `SELECT current, compacted FROM ${this.revision}`;
  }

  setCurrentRevision(revision: number): SqlQuery {
    return { text: `UPDATE ${this.revision} SET current = $1`, values: [revision] };
  }

  notify(payload: string): SqlQuery {
    return { text: `SELECT pg_notify($1, $2)`, values: [NOTIFY_CHANNEL, payload] };
  }

  getVersion(name: string, key: string, forUpdate = false): SqlQuery {
    return {
      text:
        `SELECT ${COMPONENT_COLUMNS} FROM ${this.versions} WHERE name = $1 AND version_key = $2` +
        (forUpdate ? " FOR UPDATE" : ""),
      values: [name, key],
    };
  }

  listVersions(name: string): SqlQuery {
    return {
      text: `SELECT ${COMPONENT_COLUMNS} FROM ${this.versions} WHERE name = $1 ORDER BY version_order DESC`,
      values: [name],
    };
  }

  insertVersion(row: {
    name: string;
    versionKey: string;
    version: string;
    versionOrder: string;
    provider: string;
    category: string;
    deploymentEngine: string;
    description: string;
    labelsJson: string;
    contentJson: string;
    sourceJson: string | null;
    deprecated: boolean;
    deprecationJson: string;
    contentDigest: string;
    time: string;
    revision: number;
    actor: string;
    search: SearchDocument;
  }): SqlQuery {
    return {
      text:
        `INSERT INTO ${this.versions} (name, version_key, version, version_order, provider, category, ` +
        `deployment_engine, description, labels, content, source, deprecated, deprecation, content_digest, ` +
        `create_time, update_time, create_revision, update_revision, search_name, search_fields, search_description, ` +
        `create_actor, update_actor) ` +
        `VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11::jsonb, $12, $13::jsonb, $14, ` +
        `$15, $15, $16, $16, $17, $18::text[], $19, $20, $20) ON CONFLICT (name, version_key) DO NOTHING ` +
        `RETURNING ${COMPONENT_COLUMNS}`,
      values: [
        row.name,
        row.versionKey,
        row.version,
        row.versionOrder,
        row.provider,
        row.category,
        row.deploymentEngine,
        row.description,
        row.labelsJson,
        row.contentJson,
        row.sourceJson,
        row.deprecated,
        row.deprecationJson,
        row.contentDigest,
        row.time,
        row.revision,
        row.search.name,
        row.search.fields,
        row.search.description,
        row.actor,
      ],
    };
  }

  updateMutable(row: {
    name: string;
    versionKey: string;
    description: string;
    labelsJson: string;
    deprecated: boolean;
    deprecationJson: string;
    time: string;
    revision: number;
    actor: string;
    search: SearchDocument;
  }): SqlQuery {
    return {
      text:
        `UPDATE ${this.versions} SET description = $3, labels = $4::jsonb, deprecated = $5, ` +
        `deprecation = $6::jsonb, update_time = $7, update_revision = $8, ` +
        `search_name = $9, search_fields = $10::text[], search_description = $11, update_actor = $12 ` +
        `WHERE name = $1 AND version_key = $2 RETURNING ${COMPONENT_COLUMNS}`,
      values: [
        row.name,
        row.versionKey,
        row.description,
        row.labelsJson,
        row.deprecated,
        row.deprecationJson,
        row.time,
        row.revision,
        row.search.name,
        row.search.fields,
        row.search.description,
        row.actor,
      ],
    };
  }

  /** Deletes the given version keys of `name`, or all of them when `keys` is undefined. */
  deleteVersions(name: string, keys: readonly string[] | undefined): SqlQuery {
    return {
      text:
        `DELETE FROM ${this.versions} WHERE name = $1 AND ($2::text[] IS NULL OR version_key = ANY($2::text[])) ` +
        `RETURNING ${COMPONENT_COLUMNS}`,
      values: [name, keys === undefined ? null : [...keys]],
    };
  }

  latestCandidates(name: string): SqlQuery {
    return {
      text: `SELECT version_key, version, deprecated FROM ${this.versions} WHERE name = $1`,
      values: [name],
    };
  }

  /** Moves the latest marker of `name` to `latestKey` (or clears it when null). */
  markLatest(name: string, latestKey: string | null): SqlQuery {
    return {
      text:
        `UPDATE ${this.versions} SET is_latest = (version_key IS NOT DISTINCT FROM $2::text) ` +
        `WHERE name = $1 AND is_latest <> (version_key IS NOT DISTINCT FROM $2::text)`,
      values: [name, latestKey],
    };
  }

  insertEvents(
    events: ReadonlyArray<{ revision: number; type: string; time: string; componentJson: string; actor: string }>,
  ): SqlQuery {
    return {
      text:
        `INSERT INTO ${this.events} (revision, type, time, component, actor) ` +
        `SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::jsonb[], $5::text[])`,
      values: [
        events.map((event) => event.revision),
        events.map((event) => event.type),
        events.map((event) => event.time),
        events.map((event) => event.componentJson),
        events.map((event) => event.actor),
      ],
    };
  }

  /**
   * Events after `afterRevision`, each row carrying the compaction bound read
   * in the same snapshot. No rows means nothing after `afterRevision`, which
   * is never out of range: the current revision's event is never compacted.
   */
  readEvents(afterRevision: number, limit: number): SqlQuery {
    return {
      text:
        `SELECT r.compacted, e.revision, e.type, e.time, e.component, e.actor FROM ${this.revision} r ` +
        `CROSS JOIN LATERAL (SELECT * FROM ${this.events} WHERE revision > $1 ORDER BY revision LIMIT $2) e ` +
        `ORDER BY e.revision`,
      values: [afterRevision, Math.max(0, Math.floor(limit))],
    };
  }

  compactEvents(throughRevision: number): SqlQuery[] {
    return [
      { text: `DELETE FROM ${this.events} WHERE revision <= $1`, values: [throughRevision] },
      { text: `UPDATE ${this.revision} SET compacted = $1`, values: [throughRevision] },
    ];
  }

  /** One page of a list query, in keyset order. */
  list(query: ListQuery): PageQuery<ComponentRow> {
    const params = new Parameters();
    const keys = listOrder(query);
    const conditions = filterConditions(query.filter, !query.allVersions, params);
    const order = { ...query.orderBy, allVersions: query.allVersions };
    if (query.cursor !== undefined) {
      const after = decodeListCursor(query.cursor, order);
      const primary =
        query.orderBy.field === "name" ? [after.name] : [new Date(after.updateMs).toISOString(), after.name];
      const values = query.allVersions ? [...primary, versionOrderKey(after.version)] : primary;
      conditions.push(keysetAfter(keys, values, params));
    }
    const pageSize = pageSizeOf(query.pageSize);
    const limit = params.add(pageSize + 1);
    return {
      sql: {
        text:
          `SELECT ${COMPONENT_COLUMNS} FROM ${this.versions} ${where(conditions)} ` +
          `ORDER BY ${orderByClause(keys)} LIMIT ${limit}`,
        values: params.values,
      },
      pageSize,
      cursorAfter: (row) =>
        encodeListCursor(order, {
          updateMs: timeKey(row.update_time.toISOString()),
          name: row.name,
          version: row.version,
        }),
    };
  }

  /**
   * One page (plus one row) of a search over latest versions. Each term
   * scores by the best place it occurs (substring of the lower-cased text):
   * exact name, name, a label key/value or input/output name, description;
   * a term found nowhere makes the sum NULL, which drops the row. Ordered
   * by score descending, then name.
   */
  search(query: SearchQuery): PageQuery<ComponentRow & { score: number }> {
    const params = new Parameters();
    const conditions = filterConditions(query.filter, true, params);
    const termScores = query.terms.map((term) => {
      const t = `${params.add(term.toLowerCase())}::text`;
      return (
        `(CASE WHEN search_name = ${t} THEN ${SEARCH_SCORES.exactName} ` +
        `WHEN strpos(search_name, ${t}) > 0 THEN ${SEARCH_SCORES.nameContains} ` +
        `WHEN EXISTS (SELECT 1 FROM unnest(search_fields) field WHERE strpos(field, ${t}) > 0) ` +
        `THEN ${SEARCH_SCORES.labelOrInputOrOutput} ` +
        `WHEN strpos(search_description, ${t}) > 0 THEN ${SEARCH_SCORES.description} END)`
      );
    });
    const score = termScores.length === 0 ? "0" : termScores.join(" + ");
    const keys: OrderKey[] = [{ expression: "score", direction: "DESC", cast: "float8" }, NAME];
    const outer = ["score IS NOT NULL"];
    if (query.cursor !== undefined) {
      const after = decodeSearchCursor(query.cursor);
      outer.push(keysetAfter(keys, [after.score, after.name], params));
    }
    const pageSize = pageSizeOf(query.pageSize);
    const limit = params.add(pageSize + 1);
    return {
      sql: {
        text:
          `SELECT * FROM (SELECT ${COMPONENT_COLUMNS}, (${score})::float8 AS score FROM ${this.versions} ` +
          `${where(conditions)}) ranked ${where(outer)} ORDER BY ${orderByClause(keys)} LIMIT ${limit}`,
        values: params.values,
      },
      pageSize,
      cursorAfter: (row) => encodeSearchCursor({ score: row.score, name: row.name }),
    };
  }
}
