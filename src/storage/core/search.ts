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
  return scoreDocument(documentOf(record), terms);
}

/** The score of a search document for `terms`, or undefined when some term matches nowhere. */
export function scoreDocument(text: SearchDocument, terms: readonly string[]): number | undefined {
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

/** How a search reads its candidates (records, or an engine's compact rows). */
export interface SearchCandidates<T> {
  items: Iterable<T>;
  name(item: T): string;
  document(item: T): SearchDocument;
  matches(item: T, filter: SearchQuery["filter"]): boolean;
  record(item: T): ComponentRecord;
}

/** One page of a search over `latest` (each component's latest version), ranked in process. */
export function searchPage(
  latest: Iterable<ComponentRecord>,
  query: SearchQuery,
  revision: number,
): Page<ScoredComponent> {
  return rankedPage(
    { items: latest, name: (r) => r.name, document: documentOf, matches: matchesFilter, record: (r) => r },
    query,
    revision,
  );
}

/** One page of a ranked search over any candidates; only the page's items become records. */
export function rankedPage<T>(
  candidates: SearchCandidates<T>,
  query: SearchQuery,
  revision: number,
): Page<ScoredComponent> {
  const after = query.cursor ? decodeSearchCursor(query.cursor) : undefined;
  const pageSize = pageSizeOf(query.pageSize);
  const hits: Array<{ item: T; key: ScoreKey }> = [];
  for (const item of candidates.items) {
    if (!candidates.matches(item, query.filter)) continue;
    const score = scoreDocument(candidates.document(item), query.terms);
    if (score === undefined) continue;
    const key = { score, name: candidates.name(item) };
    if (after && compareScored(key, after) <= 0) continue;
    hits.push({ item, key });
  }
  hits.sort((a, b) => compareScored(a.key, b.key));
  const items = hits
    .slice(0, pageSize)
    .map((hit) => ({ component: candidates.record(hit.item), score: hit.key.score }));
  const page: Page<ScoredComponent> = { items, revision };
  const last = hits[Math.min(pageSize, hits.length) - 1];
  if (hits.length > pageSize && last) page.nextCursor = encodeSearchCursor(last.key);
  return page;
}
