/**
 * Per-term search scores, one per place a term can occur, best first; a
 * component's score is the sum over the query's terms. Every backend uses
 * these numbers so rankings agree (the contract suite checks the order).
 */
export const SEARCH_SCORES = {
  exactName: 100,
  nameContains: 40,
  labelOrInputOrOutput: 10,
  description: 3,
} as const;
