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
 * Records are kept deeply frozen: a store that hands out fresh objects per
 * read (the remote stores and replicas) has its cached answers frozen here,
 * so every hit returns the same frozen object and the API's wire caches
 * (src/api/wire-cache.ts, keyed by frozen records) serve them too. Without
 * it, GetComponent from a Redis replica converted and encoded its record on
 * every call: 0.75x the memory store's requests/s in bench/hybrid's steady
 * mode.
 *
 * Memory: two generations of at most `maxEntries` (name, selector) entries
 * each; the older one is dropped when the younger fills, and an entry read
 * from it moves to the younger, so what is read often stays.
 */
import { parseSelector } from "../semver/index.js";
import { deepFreeze } from "../storage/core/freeze.js";
import type { ComponentRecord } from "../storage/records.js";

export class ResolutionCache {
  /** Every entry was resolved at `revision`: all are dropped when a newer one is seen. */
  private young = new Generation();
  private old = new Generation();
  private revision = -1;

  constructor(private readonly maxEntries = 20_000) {}

  /** The record `selector` resolved to for `name` at `revision`, if known. */
  get(name: string, selector: string, revision: number): ComponentRecord | undefined {
    if (revision !== this.revision) return undefined;
    const young = this.young.get(name, selector);
    if (young !== undefined) return young;
    const old = this.old.get(name, selector);
    if (old !== undefined) this.put(name, selector, old);
    return old;
  }

  /** Records a resolution made from versions read after `revision` was the current one. */
  set(name: string, selector: string, revision: number, record: ComponentRecord): void {
    if (revision > this.revision) {
      // The catalog moved on: nothing cached before is valid any more.
      this.young = new Generation();
      this.old = new Generation();
      this.revision = revision;
    }
    // A resolution computed at an older revision than the newest seen may be stale: not kept.
    if (revision < this.revision) return;
    this.put(name, selector, deepFreeze(record));
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  private put(name: string, selector: string, record: ComponentRecord): void {
    if (this.young.size >= this.maxEntries) {
      this.old = this.young;
      this.young = new Generation();
    }
    this.young.set(name, selector, record);
  }
}

/**
 * One generation of resolutions, by name and then by selector. Two lookups
 * of the strings the request brought cost less than one of a key joined
 * from them, which is built, flattened and hashed on every call: joined
 * keys were about a quarter of GetComponent's handler time measured in
 * isolation (2,000 names, exact selectors, --cpu-prof).
 */
class Generation {
  private readonly byName = new Map<string, Map<string, ComponentRecord>>();
  /** The number of (name, selector) entries. */
  size = 0;

  get(name: string, selector: string): ComponentRecord | undefined {
    return this.byName.get(name)?.get(selector);
  }

  set(name: string, selector: string, record: ComponentRecord): void {
    let selectors = this.byName.get(name);
    if (selectors === undefined) {
      selectors = new Map();
      this.byName.set(name, selectors);
    }
    const before = selectors.size;
    selectors.set(selector, record);
    this.size += selectors.size - before;
  }
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
