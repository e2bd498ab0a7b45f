/**
 * Search ranking, written once. Every term must match the latest version of
 * a component somewhere; a term scores by the best place it matches (the
 * lower-cased text of searchDocument), and a component's score is the sum
 * over its terms. Results sort by score descending, then name. Backends that
 * rank in process call searchPage; SQL backends store searchDocument beside
 * each version and compute the same scores with SEARCH_SCORES in SQL.
 */
import type { ComponentRecord } from "../records.js";
import type { Page, ScoredComponent, SearchQuery } from "../store.js";
import { decodeSearchCursor, encodeSearchCursor, pageSizeOf, type ScoreKey } from "./cursor.js";
import { matchesFilter } from "./filter.js";
import { compareNames } from "./ordering.js";

/** Per-term scores, one per place a term can occur, best first. */
export const SEARCH_SCORES = {
  exactName: 100,
  nameContains: 40,
  labelOrInputOrOutput: 10,
  description: 3,
} as const;

/** The lower-cased text search matches terms against. */
export interface SearchDocument {
  name: string;
  /** Label keys and values, input names, output names. */
  fields: string[];
  description: string;
}

export function searchDocument(
  record: Pick<ComponentRecord, "name" | "labels" | "inputs" | "outputs" | "description">,
): SearchDocument {
  const fields = [
    ...Object.entries(record.labels).flat(),
    ...record.inputs.map((input) => input.name),
    ...record.outputs.map((output) => output.name),
  ];
  return {
    name: record.name.toLowerCase(),
    fields: fields.map((field) => field.toLowerCase()),
    description: record.description.toLowerCase(),
  };
}

/** Documents per record; stored records are immutable, so an entry never goes stale. */
const documents = new WeakMap<ComponentRecord, SearchDocument>();

function documentOf(record: ComponentRecord): SearchDocument {
  let document = documents.get(record);
  if (document === undefined) {
    document = searchDocument(record);
    documents.set(record, document);
  }
  return document;
}

/** The score of `record` for `terms`, or undefined when some term matches nowhere. */
export function scoreRecord(record: ComponentRecord, terms: readonly string[]): number | undefined {
  const text = documentOf(record);
  let score = 0;
  for (const rawTerm of terms) {
    const term = rawTerm.toLowerCase();
    if (text.name === term) score += SEARCH_SCORES.exactName;
    else if (text.name.includes(term)) score += SEARCH_SCORES.nameContains;
    else if (text.fields.some((field) => field.includes(term))) score += SEARCH_SCORES.labelOrInputOrOutput;
    else if (text.description.includes(term)) score += SEARCH_SCORES.description;
    else return undefined;
  }
  return score;
}

/** Search order: score descending, then name ascending. */
export function compareScored(a: ScoreKey, b: ScoreKey): number {
  return a.score !== b.score ? b.score - a.score : compareNames(a.name, b.name);
}

/** One page of a search over `latest` (each component's latest version), ranked in process. */
export function searchPage(
  latest: Iterable<ComponentRecord>,
  query: SearchQuery,
  revision: number,
): Page<ScoredComponent> {
  const after = query.cursor ? decodeSearchCursor(query.cursor) : undefined;
  const pageSize = pageSizeOf(query.pageSize);
  const hits: ScoredComponent[] = [];
  for (const record of latest) {
    if (!matchesFilter(record, query.filter)) continue;
    const score = scoreRecord(record, query.terms);
    if (score === undefined) continue;
    if (after && compareScored({ score, name: record.name }, after) <= 0) continue;
    hits.push({ component: record, score });
  }
  hits.sort((a, b) => compareScored(keyOf(a), keyOf(b)));
  const items = hits.slice(0, pageSize);
  const page: Page<ScoredComponent> = { items, revision };
  const last = items.at(-1);
  if (hits.length > pageSize && last) page.nextCursor = encodeSearchCursor(keyOf(last));
  return page;
}

function keyOf(hit: ScoredComponent): ScoreKey {
  return { score: hit.score, name: hit.component.name };
}
