/**
 * The parts of list and search statements the dialects agree on, written
 * once over a small grammar (how a placeholder, a JSON containment, a set
 * membership and a substring test are spelled): filter conditions, keyset
 * conditions and orders, and the search score. The score tiers are
 * core/search.ts's, so SQL ranks exactly as the in-process backends do.
 */
import type { ScoreKey } from "../core/cursor.js";
import { type RowKey, sortableVersion } from "../core/ordering.js";
import { SEARCH_SCORES } from "../core/search.js";
import type { ComponentFilter, ListQuery, SearchQuery } from "../store.js";
import type { Statement } from "./dialect.js";
import { COMPONENT_COLUMNS } from "./rows.js";

/** The kind of a parameter's value, for dialects that spell a cast per placeholder. */
export type Cast = "text" | "time" | "number" | "integer" | "json" | "textList";

export interface Grammar {
  /** The placeholder for parameter number `index` (1-based) carrying a value of kind `cast`. */
  placeholder(index: number, cast: Cast): string;
  /** labels (a JSON object column) holds every entry of the parameter (a JSON object text). */
  labelsContain(parameter: string): string;
  /** name is one of `names` (never empty). */
  nameIn(params: Params, names: readonly string[]): string;
  /** 1-based position of the parameter in `column` (0 when absent), byte-wise. */
  position(parameter: string, column: string): string;
  /** Some entry of search_fields contains the term. */
  fieldContains(params: Params, term: string): string;
  /** A boolean column is true (or false), spelled so an index on it can be used. */
  flag(column: "is_latest" | "deprecated", value: boolean): string;
  /** The score expression as a column of a type both the keyset and the cursor agree on. */
  scoreColumn(expression: string): string;
}

/** Collects parameter values and hands out their placeholders. */
export class Params {
  readonly values: unknown[] = [];
  constructor(private readonly grammar: Grammar) {}
  add(value: unknown, cast: Cast = "text"): string {
    this.values.push(value);
    return this.grammar.placeholder(this.values.length, cast);
  }
}

export function filterConditions(filter: ComponentFilter, latestOnly: boolean, params: Params, g: Grammar): string[] {
  const conditions: string[] = [];
  if (latestOnly) conditions.push(g.flag("is_latest", true));
  if (!filter.includeDeprecated) conditions.push(g.flag("deprecated", false));
  // An empty string is the proto's "unset", so it filters nothing.
  if (filter.provider) conditions.push(`provider = ${params.add(filter.provider)}`);
  if (filter.category) conditions.push(`category = ${params.add(filter.category)}`);
  if (filter.deploymentEngine) conditions.push(`deployment_engine = ${params.add(filter.deploymentEngine)}`);
  if (filter.labels && Object.keys(filter.labels).length > 0) {
    conditions.push(g.labelsContain(params.add(JSON.stringify(filter.labels), "json")));
  }
  if (filter.names !== undefined) {
    conditions.push(filter.names.length === 0 ? "1 = 0" : g.nameIn(params, [...new Set(filter.names)]));
  }
  return conditions;
}

export function where(conditions: readonly string[]): string {
  return conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`;
}

/** One key of a keyset order: a column, its direction, the kind of its values. */
export interface OrderKey {
  column: string;
  descending: boolean;
  cast: Cast;
}

const NAME: OrderKey = { column: "name", descending: false, cast: "text" };
const VERSION_DESCENDING: OrderKey = { column: "version_order", descending: true, cast: "text" };

/** The list order (core/ordering.ts) as columns: field in the asked direction, then name, then version descending. */
export function listOrderKeys(query: ListQuery): OrderKey[] {
  const descending = query.orderBy.descending;
  const primary: OrderKey[] =
    query.orderBy.field === "name"
      ? [{ ...NAME, descending }]
      : [{ column: "update_time", descending, cast: "time" }, NAME];
  return query.allVersions ? [...primary, VERSION_DESCENDING] : primary;
}

/** The key values of a list row key for `listOrderKeys(query)`. */
export function listKeyValues(query: ListQuery, after: { updateMs: number; name: string; version: string }): unknown[] {
  const primary: unknown[] = query.orderBy.field === "name" ? [after.name] : [new Date(after.updateMs), after.name];
  return query.allVersions ? [...primary, sortableVersion(after.version)] : primary;
}

export const SEARCH_ORDER: OrderKey[] = [{ column: "score", descending: true, cast: "number" }, NAME];

/**
 * `(k1, k2, ...)` strictly after `values` in the given mixed-direction
 * order. The leading `k1 >= v1` (or `<=`) is implied by the rest; it is
 * there so the planner can start the index scan at the cursor.
 */
export function keysetAfter(keys: readonly OrderKey[], values: readonly unknown[], params: Params): string {
  const [first] = keys;
  if (first === undefined) return "1 = 0";
  const bound = `${first.column} ${first.descending ? "<=" : ">="} ${params.add(values[0], first.cast)}`;
  return `(${bound} AND ${strictlyAfter(keys, values, params)})`;
}

function strictlyAfter(keys: readonly OrderKey[], values: readonly unknown[], params: Params): string {
  const [first, ...rest] = keys;
  if (first === undefined) return "1 = 0";
  // Each use gets a parameter of its own: positional `?` placeholders cannot be reused.
  const beyond = `${first.column} ${first.descending ? "<" : ">"} ${params.add(values[0], first.cast)}`;
  if (rest.length === 0) return beyond;
  const equal = `${first.column} = ${params.add(values[0], first.cast)}`;
  return `(${beyond} OR (${equal} AND ${strictlyAfter(rest, values.slice(1), params)}))`;
}

export function orderBy(keys: readonly OrderKey[]): string {
  return keys.map((key) => `${key.column} ${key.descending ? "DESC" : "ASC"}`).join(", ");
}

/**
 * The score of a row for `terms`: per term, the best place it occurs in the
 * lower-cased search columns; a term found nowhere makes the sum NULL.
 */
export function searchScore(terms: readonly string[], params: Params, g: Grammar): string {
  if (terms.length === 0) return "0";
  return terms
    .map((raw) => {
      const term = raw.toLowerCase();
      const t = params.add(term);
      return (
        `(CASE WHEN search_name = ${t} THEN ${SEARCH_SCORES.exactName} ` +
        `WHEN ${g.position(params.add(term), "search_name")} > 0 THEN ${SEARCH_SCORES.nameContains} ` +
        `WHEN ${g.fieldContains(params, term)} THEN ${SEARCH_SCORES.labelOrInputOrOutput} ` +
        `WHEN ${g.position(params.add(term), "search_description")} > 0 THEN ${SEARCH_SCORES.description} END)`
      );
    })
    .join(" + ");
}

/** One page (plus one row) of a list from `table` in keyset order, after `after`. */
export function listPageStatement(
  table: string,
  query: ListQuery,
  after: RowKey | undefined,
  limit: number,
  g: Grammar,
): Statement {
  const params = new Params(g);
  const keys = listOrderKeys(query);
  const conditions = filterConditions(query.filter, !query.allVersions, params, g);
  if (after !== undefined) conditions.push(keysetAfter(keys, listKeyValues(query, after), params));
  const text =
    `SELECT ${COMPONENT_COLUMNS} FROM ${table} ${where(conditions)} ` +
    `ORDER BY ${orderBy(keys)} LIMIT ${params.add(limit, "integer")}`;
  return { text, values: params.values };
}

/** One page (plus one row) of a ranked search over the latest versions in `table`, after `after`. */
export function searchPageStatement(
  table: string,
  query: SearchQuery,
  after: ScoreKey | undefined,
  limit: number,
  g: Grammar,
): Statement {
  const params = new Params(g);
  // The score's parameters first: it comes first in the text (positional placeholders follow text order).
  const score = searchScore(query.terms, params, g);
  const conditions = filterConditions(query.filter, true, params, g);
  const outer = ["score IS NOT NULL"];
  if (after !== undefined) outer.push(keysetAfter(SEARCH_ORDER, [after.score, after.name], params));
  const text =
    `SELECT * FROM (SELECT ${COMPONENT_COLUMNS}, ${g.scoreColumn(score)} AS score FROM ${table} ` +
    `${where(conditions)}) ranked ${where(outer)} ORDER BY ${orderBy(SEARCH_ORDER)} ` +
    `LIMIT ${params.add(limit, "integer")}`;
  return { text, values: params.values };
}
