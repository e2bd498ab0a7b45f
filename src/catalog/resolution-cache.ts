/**
 * What GetComponent's version selectors resolved to, per (name, selector),
 * valid for one catalog revision.
 *
 * Resolving "latest" or a constraint lists every version of the name and
 * parses each one (semver), and even an exact version is parsed to be
 * recognised as one: in the unary profile (bench/unary, --cpu-prof) semver
 * parsing was the largest cost of the service's own code. Processors ask for
 * the same few (name, selector) pairs over and over, so the answer is kept.
 *
 * Correctness under writes, here and on other replicas: an entry is tagged
 * with the catalog revision that was current *before* its versions were
 * read, and is served only while that is still the current revision (the
 * Manager reads it from the store on every call, and a replica sharing a
 * database sees every write as a revision bump there). The versions it saw
 * are at least that new, so a hit can never be older than a read would be;
 * any write anywhere in the catalog makes every entry a miss. Writes are
 * rare next to reads (which is why processors poll Get), so the simple rule
 * costs little; a write-heavy burst just runs uncached until it ends.
 *
 * Memory: two generations of at most `maxEntries` each; the older one is
 * dropped when the younger fills, so what is read often stays.
 */
import { parseSelector } from "../semver/index.js";
import type { ComponentRecord } from "../storage/records.js";
import { TwoGenerationMap } from "./two-generation-map.js";

export class ResolutionCache {
  /** Every entry was resolved at `revision`: all are dropped when a newer one is seen. */
  private readonly entries: TwoGenerationMap<string, ComponentRecord>;
  private revision = -1;

  constructor(maxEntries = 20_000) {
    this.entries = new TwoGenerationMap(maxEntries);
  }

  /** The record `selector` resolved to for `name` at `revision`, if known. */
  get(name: string, selector: string, revision: number): ComponentRecord | undefined {
    if (revision !== this.revision) return undefined;
    return this.entries.get(keyOf(name, selector));
  }

  /** Records a resolution made from versions read after `revision` was the current one. */
  set(name: string, selector: string, revision: number, record: ComponentRecord): void {
    if (revision > this.revision) {
      // The catalog moved on: nothing cached before is valid any more.
      this.entries.clear();
      this.revision = revision;
    }
    // A resolution computed at an older revision than the newest seen may be stale: not kept.
    if (revision < this.revision) return;
    this.entries.set(keyOf(name, selector), record);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Names are DNS labels (no newline), so the first newline always ends the name. */
function keyOf(name: string, selector: string): string {
  return `${name}\n${selector}`;
}

const MAX_SELECTORS = 1_000;
const selectors = new Map<string, ReturnType<typeof parseSelector>>();

/**
 * parseSelector, remembered by text: callers send a handful of distinct
 * selectors ("latest", "^1.2.0", their pinned versions), and parsing one is
 * a semver parse or a Range build. The parsed forms are never mutated
 * (Range.test only reads), so one can be shared by every call.
 */
export function parseSelectorCached(text: string): ReturnType<typeof parseSelector> {
  let parsed = selectors.get(text);
  if (parsed === undefined) {
    parsed = parseSelector(text);
    // Unbounded distinct input must not grow memory: start over when full.
    if (selectors.size >= MAX_SELECTORS) selectors.clear();
    selectors.set(text, parsed);
  }
  return parsed;
}
