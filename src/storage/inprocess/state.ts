/**
 * The catalog held in memory: a compact slot per stored version (slot.ts:
 * the record's compact form plus what indexes read), the registry of
 * policies and consumers (registry.ts), the event log (event-log.ts), the
 * revision, and the sorted indexes that keep list reads proportional to the
 * page. Every change goes through `apply(event)`: the event carries the full
 * record, so the same path serves live writes and replay of a persisted log.
 * Records are decoded only when a read hands one out (the store's
 * RecordDecoder).
 */
import { compareVersions, pickLatestOfDescending, sortDescending, versionKey } from "../../semver/index.js";
import { compactedAway } from "../core/errors.js";
import { compareNames, type ListOrder } from "../core/ordering.js";
import { withActors } from "../core/patch.js";
import { type CatalogEvent, type ComponentEvent, isComponentEvent } from "../records.js";
import type { RevisionBounds } from "../store.js";
import { EventLogArrays, type LoggedEvent } from "./event-log.js";
import { KeysetIndex } from "./keyset-index.js";
import { encodeRecord } from "./record-codec.js";
import { RegistryState } from "./registry.js";
import { Interner, type SlotFields, slotOf, type VersionSlot } from "./slot.js";
import { SortedArray } from "./sorted-array.js";

export type { VersionSlot } from "./slot.js";

export interface NameEntry {
  readonly name: string;
  /** SemVer-descending. */
  sorted: VersionSlot[];
  latest: VersionSlot | undefined;
}

function timeIndex(descending: boolean, allVersions: boolean): KeysetIndex<VersionSlot> {
  return new KeysetIndex<VersionSlot>({ field: "updateTime", descending, allVersions });
}

export class CatalogState {
  revision = 0;
  private readonly entries = new Map<string, NameEntry>();
  readonly names = new SortedArray<string>(compareNames);
  private readonly latestByTime = { asc: timeIndex(false, false), desc: timeIndex(true, false) };
  private readonly versionsByTime = { asc: timeIndex(false, true), desc: timeIndex(true, true) };
  private readonly log = new EventLogArrays();
  readonly registry = new RegistryState();
  private readonly strings = new Interner();
  /** While bulk loading, indexes are rebuilt once at the end instead of per event. */
  private bulkLoading = false;
  /** Entries whose versions a bulk load appended out of order (the others came sorted from a snapshot). */
  private readonly unsorted = new Set<NameEntry>();
  private snapshotSorted = true;

  /** Highest revision whose event was compacted away. */
  get compacted(): number {
    return this.log.before;
  }

  entry(name: string): NameEntry | undefined {
    return this.entries.get(name);
  }

  /** The slot whose key equals versionKey(version), or undefined. */
  getSlot(name: string, version: string): VersionSlot | undefined {
    const entry = this.entries.get(name);
    if (entry === undefined) return undefined;
    const key = versionKey(version);
    return entry.sorted.find((slot) => slot.key === key);
  }

  /** The time index for an updateTime-ordered list. */
  timeIndex(order: ListOrder): KeysetIndex<VersionSlot> {
    const pair = order.allVersions ? this.versionsByTime : this.latestByTime;
    return order.descending ? pair.desc : pair.asc;
  }

  bounds(): RevisionBounds {
    return { current: this.revision, compacted: this.compacted };
  }

  readEvents(afterRevision: number, limit: number): LoggedEvent[] {
    if (afterRevision < this.compacted) throw compactedAway(afterRevision, this.compacted);
    if (limit <= 0) return [];
    const start = afterRevision - this.compacted;
    return this.log.slice(start, start + limit);
  }

  /** Events after `afterRevision` without the compaction check (for persisting a compacted log). */
  eventsAfter(afterRevision: number): LoggedEvent[] {
    return this.log.slice(Math.max(0, afterRevision - this.compacted), this.log.length);
  }

  /** How many versions are stored. */
  get versionCount(): number {
    let count = 0;
    for (const entry of this.entries.values()) count += entry.sorted.length;
    return count;
  }

  /** Every stored version (for snapshots), by name, SemVer-descending within a name. */
  *slots(): Iterable<VersionSlot> {
    for (let i = 0; i < this.names.length; i++) {
      const name = this.names.at(i);
      const entry = name === undefined ? undefined : this.entries.get(name);
      if (entry !== undefined) yield* entry.sorted;
    }
  }

  /** The latest version of each of `names` (or of every component, by name), for search. */
  *latestSlots(names?: readonly string[]): Iterable<VersionSlot> {
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

  /** The highest revision compact(throughRevision) may drop: never the current revision's event. */
  compactionTarget(throughRevision: number): number {
    return Math.min(Math.floor(throughRevision), this.revision - 1);
  }

  compact(throughRevision: number): void {
    const target = this.compactionTarget(throughRevision);
    if (target > this.compacted) this.log.dropThrough(target);
  }

  /**
   * Commits one event: the version or registry change, the log entry and the
   * revision. Returns the compact form of the event's payload (for a
   * component event shared with the version it wrote), so the caller can
   * cache the record it already holds.
   */
  apply(applied: CatalogEvent): string {
    if (applied.revision !== this.revision + 1) {
      throw new Error(`event revision ${applied.revision} does not follow catalog revision ${this.revision}`);
    }
    const blob = isComponentEvent(applied) ? this.applyVersionChange(applied) : this.applyRegistryChange(applied);
    this.log.push(loggedOf(applied, blob));
    this.revision = applied.revision;
    return blob;
  }

  /**
   * Recovery from a snapshot: versions at `revision`, events up to it
   * already reflected; `sorted` when they come by name, SemVer-descending
   * within a name (as slots() yields them). Call inside a bulk load, then
   * restoreSlot for each version, before any restoreEvent/apply.
   */
  beginSnapshot(revision: number, compacted: number, sorted: boolean): void {
    this.revision = revision;
    this.log.reset(compacted);
    this.snapshotSorted = sorted;
  }

  restoreSlot(stored: SnapshotSlot): void {
    const entry = this.entryFor(stored.name);
    entry.sorted.push(this.strings.slot(entry.name, stored));
    if (!this.snapshotSorted) this.unsorted.add(entry);
  }

  /** Recovery: an event already reflected in the snapshot's versions, kept for readEvents. */
  restoreEvent(event: CatalogEvent): void {
    const expected = this.compacted + this.log.length + 1;
    if (event.revision !== expected) {
      throw new Error(`event revision ${event.revision} is not the expected ${expected}`);
    }
    if (!isComponentEvent(event)) {
      this.log.push(loggedOf(event, registryBlob(event)));
      return;
    }
    const component = withActors(event.component);
    // The version as the snapshot holds it is often exactly this event's component: share its form.
    const current = this.getSlot(component.name, component.version);
    const blob =
      current !== undefined && current.updateRevision === component.updateRevision
        ? current.blob
        : encodeRecord(component);
    this.log.push(loggedOf(event, blob));
  }

  beginBulkLoad(): void {
    this.bulkLoading = true;
  }

  /** Rebuilds every index with one sort each. */
  endBulkLoad(): void {
    this.bulkLoading = false;
    const latest: VersionSlot[] = [];
    const versions: VersionSlot[] = [];
    const names: string[] = [];
    for (const entry of this.entries.values()) {
      if (entry.sorted.length === 0) continue;
      if (this.unsorted.has(entry)) entry.sorted = sortDescending(entry.sorted, (slot) => slot.version);
      entry.latest = pickLatestOf(entry.sorted);
      names.push(entry.name);
      if (entry.latest) latest.push(entry.latest);
      for (const slot of entry.sorted) versions.push(slot);
    }
    this.unsorted.clear();
    this.names.reset(names);
    this.latestByTime.asc.reset([...latest]);
    this.latestByTime.desc.reset(latest);
    this.versionsByTime.asc.reset([...versions]);
    this.versionsByTime.desc.reset(versions);
  }

  private entryFor(name: string): NameEntry {
    let entry = this.entries.get(name);
    if (entry === undefined) {
      entry = { name, sorted: [], latest: undefined };
      this.entries.set(name, entry);
      if (!this.bulkLoading) this.names.insert(name);
    }
    return entry;
  }

  /** The registry change of a policy or consumer event; the form the log keeps for it. */
  private applyRegistryChange(event: Exclude<CatalogEvent, ComponentEvent>): string {
    if (event.type === "policy_changed") this.registry.setPolicy(event.policy);
    else if (event.type === "consumer_registered") this.registry.putConsumer(event.consumer);
    else this.registry.deleteConsumer(event.consumer.consumer, event.consumer.name);
    return registryBlob(event);
  }

  /** The version change of one event; the compact form the log keeps for it. */
  private applyVersionChange(event: ComponentEvent): string {
    const record = withActors(event.component);
    if (event.type === "deleted") {
      const existing = this.getSlot(record.name, record.version);
      const blob =
        existing !== undefined && existing.updateRevision === record.updateRevision
          ? existing.blob
          : encodeRecord(record);
      if (existing !== undefined) this.removeSlot(existing);
      return blob;
    }
    const blob = encodeRecord(record);
    const entry = this.entryFor(record.name);
    this.putSlot(entry, slotOf(record, blob, entry.name, this.strings));
    return blob;
  }

  private putSlot(entry: NameEntry, slot: VersionSlot): void {
    const index = entry.sorted.findIndex((stored) => stored.key === slot.key);
    const previous = index === -1 ? undefined : entry.sorted[index];
    if (this.bulkLoading) {
      if (previous !== undefined) entry.sorted[index] = slot;
      else {
        entry.sorted.push(slot);
        this.unsorted.add(entry);
      }
      return;
    }
    if (previous !== undefined) {
      entry.sorted[index] = slot;
      this.versionsByTime.asc.remove(previous);
      this.versionsByTime.desc.remove(previous);
    } else {
      entry.sorted.splice(insertionIndex(entry.sorted, slot.version), 0, slot);
    }
    this.versionsByTime.asc.insert(slot);
    this.versionsByTime.desc.insert(slot);
    this.refreshLatest(entry);
  }

  private removeSlot(slot: VersionSlot): void {
    const entry = this.entries.get(slot.name);
    if (entry === undefined) return;
    entry.sorted = entry.sorted.filter((stored) => stored !== slot);
    if (entry.sorted.length === 0) this.entries.delete(slot.name);
    if (this.bulkLoading) return;
    this.versionsByTime.asc.remove(slot);
    this.versionsByTime.desc.remove(slot);
    if (entry.sorted.length === 0) this.names.remove(slot.name);
    this.refreshLatest(entry);
  }

  /** Moves the name's row in the latest-mode time indexes when its latest version changed. */
  private refreshLatest(entry: NameEntry): void {
    const next = pickLatestOf(entry.sorted);
    const previous = entry.latest;
    if (next === previous) return;
    if (previous) {
      this.latestByTime.asc.remove(previous);
      this.latestByTime.desc.remove(previous);
    }
    if (next) {
      this.latestByTime.asc.insert(next);
      this.latestByTime.desc.insert(next);
    }
    entry.latest = next;
  }
}

/** A version as a snapshot stores it (embedded/snapshot.ts): the slot's fields before sharing, and its name. */
export type SnapshotSlot = SlotFields & { readonly name: string };

/**
 * A name's "latest" from its SemVer-descending versions (the store keeps
 * each name's `sorted` so): core/ordering.ts latestOf's rule, over slots.
 */
export function pickLatestOf<T extends { version: string; deprecated: boolean; yanked: boolean }>(
  sorted: readonly T[],
): T | undefined {
  return pickLatestOfDescending(
    sorted,
    (slot) => slot.version,
    (slot) => slot.deprecated,
    (slot) => slot.yanked,
  );
}

/** The log entry of an event whose payload's compact form is `blob`. */
function loggedOf(event: CatalogEvent, blob: string): LoggedEvent {
  const logged: LoggedEvent = {
    revision: event.revision,
    type: event.type,
    time: event.time,
    actor: event.actor,
    blob,
  };
  if (isComponentEvent(event) && event.before !== undefined) logged.before = event.before;
  return logged;
}

/** A policy or registration as the log keeps it: its JSON. */
function registryBlob(event: Exclude<CatalogEvent, ComponentEvent>): string {
  return JSON.stringify(event.type === "policy_changed" ? event.policy : event.consumer);
}

/** Index of the first version in a SemVer-descending array that is below `version`. */
function insertionIndex(sorted: readonly VersionSlot[], version: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareVersions((sorted[mid] as VersionSlot).version, version) >= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
