/**
 * The catalog held in memory: records per name, the event log, the revision,
 * and the sorted indexes that keep list reads proportional to the page.
 * Every change goes through `apply(event)`: the event carries the full record,
 * so the same path serves live writes and replay of a persisted log.
 * State never mutates a record or event it holds; the store freezes them on
 * the way out (freezing 100k recovered records up front would slow cold start).
 */
import { compareVersions, pickLatestOfDescending, sortDescending, versionKey } from "../../semver/index.js";
import { compactedAway } from "../core/errors.js";
import { compareNames, type ListOrder, type Row, rowOf } from "../core/ordering.js";
import { withActors } from "../core/patch.js";
import type { CatalogEvent, ComponentRecord } from "../records.js";
import type { RevisionBounds } from "../store.js";
import { KeysetIndex } from "./keyset-index.js";
import { eventWithActors } from "./legacy.js";
import { SortedArray } from "./sorted-array.js";

export interface NameEntry {
  readonly byKey: Map<string, ComponentRecord>;
  /** SemVer-descending. */
  sorted: ComponentRecord[];
  latest: ComponentRecord | undefined;
}

function timeIndex(descending: boolean, allVersions: boolean): KeysetIndex {
  return new KeysetIndex({ field: "updateTime", descending, allVersions });
}

export class CatalogState {
  revision = 0;
  compacted = 0;
  private readonly entries = new Map<string, NameEntry>();
  readonly names = new SortedArray<string>(compareNames);
  private readonly latestByTime = { asc: timeIndex(false, false), desc: timeIndex(true, false) };
  private readonly versionsByTime = { asc: timeIndex(false, true), desc: timeIndex(true, true) };
  /** Events compacted+1 ..revision, contiguous: events[i].revision === compacted + 1 + i. */
  private events: CatalogEvent[] = [];
  /** While bulk loading, indexes are rebuilt once at the end instead of per event. */
  private bulkLoading = false;

  entry(name: string): NameEntry | undefined {
    return this.entries.get(name);
  }

  getVersion(name: string, version: string): ComponentRecord | undefined {
    return this.entries.get(name)?.byKey.get(versionKey(version));
  }

  /** The time index for an updateTime-ordered list. */
  timeIndex(order: ListOrder): KeysetIndex {
    const pair = order.allVersions ? this.versionsByTime : this.latestByTime;
    return order.descending ? pair.desc : pair.asc;
  }

  bounds(): RevisionBounds {
    return { current: this.revision, compacted: this.compacted };
  }

  readEvents(afterRevision: number, limit: number): CatalogEvent[] {
    if (afterRevision < this.compacted) throw compactedAway(afterRevision, this.compacted);
    if (limit <= 0) return [];
    const start = afterRevision - this.compacted;
    return this.events.slice(start, start + limit);
  }

  /** Events after `afterRevision` without the compaction check (for persisting a compacted log). */
  eventsAfter(afterRevision: number): CatalogEvent[] {
    return this.events.slice(Math.max(0, afterRevision - this.compacted));
  }

  /** The latest version of each of `names` (or of every component, by name), for search. */
  *latestRecords(names?: readonly string[]): Iterable<ComponentRecord> {
    if (names !== undefined) {
      for (const name of new Set(names)) {
        const latest = this.entries.get(name)?.latest;
        if (latest) yield latest;
      }
      return;
    }
    for (let i = 0; i < this.names.length; i++) {
      const name = this.names.at(i);
      const latest = name === undefined ? undefined : this.entries.get(name)?.latest;
      if (latest) yield latest;
    }
  }

  /** Every stored record (for snapshots), in no particular order. */
  *records(): Iterable<ComponentRecord> {
    for (const entry of this.entries.values()) yield* entry.byKey.values();
  }

  /** The highest revision compact(throughRevision) may drop: never the current revision's event. */
  compactionTarget(throughRevision: number): number {
    return Math.min(Math.floor(throughRevision), this.revision - 1);
  }

  compact(throughRevision: number): void {
    const target = this.compactionTarget(throughRevision);
    if (target <= this.compacted) return;
    this.events = this.events.slice(target - this.compacted);
    this.compacted = target;
  }

  /** Commits one event: the record change, the log entry and the revision. Takes ownership of `event`. */
  apply(applied: CatalogEvent): void {
    if (applied.revision !== this.revision + 1) {
      throw new Error(`event revision ${applied.revision} does not follow catalog revision ${this.revision}`);
    }
    const event = eventWithActors(applied);
    this.applyRecordChange(event);
    this.events.push(event);
    this.revision = event.revision;
  }

  /**
   * Recovery from a snapshot: records at `revision`, events up to it already
   * reflected. Call inside a bulk load, before any restoreEvent/apply.
   */
  restoreSnapshot(revision: number, compacted: number, records: Iterable<ComponentRecord>): void {
    for (const record of records) this.putRecord(withActors(record));
    this.revision = revision;
    this.compacted = compacted;
  }

  /** Recovery: an event already reflected in the snapshot's records, kept for readEvents. */
  restoreEvent(event: CatalogEvent): void {
    const expected = this.compacted + this.events.length + 1;
    if (event.revision !== expected) {
      throw new Error(`event revision ${event.revision} is not the expected ${expected}`);
    }
    this.events.push(eventWithActors(event));
  }

  beginBulkLoad(): void {
    this.bulkLoading = true;
  }

  /** Rebuilds every index with one sort each. */
  endBulkLoad(): void {
    this.bulkLoading = false;
    const latestRows: Row[] = [];
    const versionRows: Row[] = [];
    for (const entry of this.entries.values()) {
      entry.sorted = sortDescending([...entry.byKey.values()], (r) => r.version);
      entry.latest = pickLatestOf(entry.sorted);
      if (entry.latest) latestRows.push(rowOf(entry.latest));
      for (const record of entry.sorted) versionRows.push(rowOf(record));
    }
    this.names.reset([...this.entries.keys()]);
    this.latestByTime.asc.reset([...latestRows]);
    this.latestByTime.desc.reset(latestRows);
    this.versionsByTime.asc.reset([...versionRows]);
    this.versionsByTime.desc.reset(versionRows);
  }

  private applyRecordChange(event: CatalogEvent): void {
    const record = event.component;
    if (event.type === "deleted") this.removeRecord(record.name, record.version);
    else this.putRecord(record);
  }

  private putRecord(record: ComponentRecord): void {
    const key = versionKey(record.version);
    let entry = this.entries.get(record.name);
    if (!entry) {
      entry = { byKey: new Map(), sorted: [], latest: undefined };
      this.entries.set(record.name, entry);
      if (!this.bulkLoading) this.names.insert(record.name);
    }
    const previous = entry.byKey.get(key);
    entry.byKey.set(key, record);
    if (this.bulkLoading) return;
    if (previous) {
      entry.sorted[indexOfVersion(entry.sorted, previous.version)] = record;
      this.removeVersionRow(previous);
    } else {
      entry.sorted.splice(insertionIndex(entry.sorted, record.version), 0, record);
    }
    this.addVersionRow(record);
    this.refreshLatest(entry);
  }

  private removeRecord(name: string, version: string): void {
    const entry = this.entries.get(name);
    const key = versionKey(version);
    const previous = entry?.byKey.get(key);
    if (!entry || !previous) return;
    entry.byKey.delete(key);
    if (entry.byKey.size === 0) this.entries.delete(name);
    if (this.bulkLoading) return;
    entry.sorted.splice(indexOfVersion(entry.sorted, previous.version), 1);
    this.removeVersionRow(previous);
    if (entry.byKey.size === 0) this.names.remove(name);
    this.refreshLatest(entry);
  }

  private addVersionRow(record: ComponentRecord): void {
    const row = rowOf(record);
    this.versionsByTime.asc.insert(row);
    this.versionsByTime.desc.insert(row);
  }

  private removeVersionRow(record: ComponentRecord): void {
    const row = rowOf(record);
    this.versionsByTime.asc.remove(row);
    this.versionsByTime.desc.remove(row);
  }

  /** Moves the name's row in the latest-mode time indexes when its latest version changed. */
  private refreshLatest(entry: NameEntry): void {
    const next = pickLatestOf(entry.sorted);
    const previous = entry.latest;
    if (next === previous) return;
    if (previous) {
      const row = rowOf(previous);
      this.latestByTime.asc.remove(row);
      this.latestByTime.desc.remove(row);
    }
    if (next) {
      const row = rowOf(next);
      this.latestByTime.asc.insert(row);
      this.latestByTime.desc.insert(row);
    }
    entry.latest = next;
  }
}

/** A name's "latest" from its SemVer-descending versions (the store keeps each name's `sorted` so). */
export function pickLatestOf(sorted: readonly ComponentRecord[]): ComponentRecord | undefined {
  return pickLatestOfDescending(
    sorted,
    (r) => r.version,
    (r) => r.deprecation.deprecated,
  );
}

/** Index of the first version in a SemVer-descending array that is below `version`. */
function insertionIndex(sorted: readonly ComponentRecord[], version: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareVersions((sorted[mid] as ComponentRecord).version, version) >= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

function indexOfVersion(sorted: readonly ComponentRecord[], version: string): number {
  const index = insertionIndex(sorted, version) - 1;
  if (index < 0 || compareVersions((sorted[index] as ComponentRecord).version, version) !== 0) {
    throw new Error(`version ${version} is missing from its sorted index`);
  }
  return index;
}
