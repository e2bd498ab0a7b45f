/**
 * ComponentSearcher.search over CatalogState: every term must match the
 * latest version of a component somewhere; a term scores by the best place
 * it matches, and a component's score is the sum over its terms.
 */
import type { ComponentRecord } from "../records.js";
import { SEARCH_SCORES } from "../search-scores.js";
import type { Page, ScoredComponent, SearchQuery } from "../store.js";
import { matchesFilter } from "./filter.js";
import { compareScored, decodeSearchCursor, encodeSearchCursor } from "./order.js";
import type { CatalogState } from "./state.js";

interface SearchText {
  name: string;
  fields: string[];
  description: string;
}

/** Lower-cased text per record; records are immutable, so the cache never goes stale. */
const textCache = new WeakMap<ComponentRecord, SearchText>();

function searchTextOf(record: ComponentRecord): SearchText {
  let text = textCache.get(record);
  if (!text) {
    text = {
      name: record.name.toLowerCase(),
      fields: [
        ...Object.entries(record.labels).flat(),
        ...record.inputs.map((input) => input.name),
        ...record.outputs.map((output) => output.name),
      ].map((field) => field.toLowerCase()),
      description: record.description.toLowerCase(),
    };
    textCache.set(record, text);
  }
  return text;
}

/** The score of `record` for `terms`, or undefined when some term matches nowhere. */
export function scoreRecord(record: ComponentRecord, terms: readonly string[]): number | undefined {
  const text = searchTextOf(record);
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

export function searchComponents(state: CatalogState, query: SearchQuery): Page<ScoredComponent> {
  const after = query.cursor ? decodeSearchCursor(query.cursor) : undefined;
  const pageSize = Math.max(1, Math.floor(query.pageSize));
  const names = query.filter.names ? new Set(query.filter.names) : iterate(state);
  const hits: ScoredComponent[] = [];
  for (const name of names) {
    const latest = state.entry(name)?.latest;
    if (!latest || !matchesFilter(latest, query.filter)) continue;
    const score = scoreRecord(latest, query.terms);
    if (score === undefined) continue;
    if (after && compareScored({ score, name }, after) <= 0) continue;
    hits.push({ component: latest, score });
  }
  hits.sort((a, b) => compareScored(keyOf(a), keyOf(b)));
  const items = hits.slice(0, pageSize);
  const page: Page<ScoredComponent> = { items, revision: state.revision };
  const last = items.at(-1);
  if (hits.length > pageSize && last) page.nextCursor = encodeSearchCursor(keyOf(last));
  return page;
}

function keyOf(hit: ScoredComponent): { score: number; name: string } {
  return { score: hit.score, name: hit.component.name };
}

function* iterate(state: CatalogState): Iterable<string> {
  for (let i = 0; i < state.names.length; i++) {
    const name = state.names.at(i);
    if (name !== undefined) yield name;
  }
}
