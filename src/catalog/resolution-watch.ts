/**
 * The constraint-aware watch (EventFilter.resolution): besides the events a
 * watch's filter lets through, a "resolution_changed" event each time the
 * version a constraint resolves to changes, right after the event that
 * changed it and with that event's revision.
 *
 * What a constraint resolves to at a revision is derived from the stored
 * versions and the event log, never from what this process happened to
 * see, so every server and every resume agrees. A watch from revision S
 * first rebuilds the name's versions at S (their numbers and lifecycle
 * flags), then steps them through each event it delivers and compares the
 * resolution before and after; a resume from the revision of a
 * resolution_changed event therefore neither repeats nor misses it.
 *
 * The versions at S: the stored versions (read first), then the name's
 * events after S to the log's end, read once. A version with no event since
 * S is as stored; otherwise its first event since S says what it was then
 * (created: absent; deleted: its last state; updated, yanked, unyanked: the
 * lifecycle flags the event records from before it). So a watch near the
 * head reads only the events since its start. Events logged before versions
 * recorded those flags do not say; then the versions are rebuilt the same
 * way at the oldest revision the log holds (where, on a log never
 * compacted, every version starts with its "created") and the events up to
 * S are applied to them.
 */
import type { VersionSelector } from "../semver/index.js";
import { versionKey } from "../semver/index.js";
import type { CatalogEvent, ComponentEvent, ComponentRecord } from "../storage/records.js";
import { isComponentEvent } from "../storage/records.js";
import type { CatalogStore } from "../storage/store.js";
import { type Resolvable, resolvableOf, resolveAmong } from "./resolution.js";
import { parseSelectorCached } from "./resolution-cache.js";
import {
  compileFilter,
  type ResolutionChangedEvent,
  type ResolutionFilter,
  type WatchBatch,
  type WatchEvent,
  type WatchFeed,
  type WatchFilter,
  type WatchOptions,
} from "./watch.js";

/** What the constraint watch reads of the store: its log, and its versions when the log is compacted. */
export type ResolutionSource = Pick<CatalogStore, "readEvents" | "revisionBounds" | "listVersions">;

/** Events read per step while folding the log. */
const FOLD_BATCH = 1000;

type Versions = Map<string, Resolvable>;

/** `feed` with the constraint-aware watch: a watch whose filter has `resolution` is served here. */
export function withResolutionWatch(feed: WatchFeed, source: ResolutionSource): WatchFeed {
  return {
    get headRevision() {
      return feed.headRevision;
    },
    watch(startRevision, filter, signal, options) {
      if (filter.resolution === undefined) return feed.watch(startRevision, filter, signal, options);
      return watchResolution(
        feed,
        source,
        startRevision,
        { ...filter, resolution: filter.resolution },
        signal,
        options,
      );
    },
  };
}

async function* watchResolution(
  feed: WatchFeed,
  source: ResolutionSource,
  startRevision: number,
  filter: WatchFilter & { resolution: ResolutionFilter },
  signal: AbortSignal,
  options: WatchOptions = {},
): AsyncGenerator<WatchBatch> {
  const { name, constraint } = filter.resolution;
  const parsed = parseSelectorCached(constraint);
  if ("error" in parsed) throw new Error(`constraint ${constraint} was not checked: ${parsed.error}`);
  const passes = compileFilter({ ...filter, types: filter.types.filter((t) => t !== "resolution_changed") });
  const wantsEvents = filter.types.length === 0 || filter.types.some((t) => t !== "resolution_changed");
  const wantsChanges = filter.types.length === 0 || filter.types.includes("resolution_changed");
  // Every event of the name reaches the fold; the caller's filter then picks what it asked for.
  const names = filter.names.length === 0 ? [] : [...new Set([...filter.names, name])];
  const inner = feed.watch(startRevision, { names, provider: "", category: "", types: [] }, signal, options);
  let versions: Versions | undefined;
  for await (const batch of inner) {
    if (batch.events.length === 0) {
      yield batch;
      continue;
    }
    // The first batch's events follow its position: the fold covers everything up to there.
    versions ??= await versionsAt(source, name, batch.events[0]!.revision - 1);
    const events: WatchEvent[] = [];
    for (const event of batch.events) {
      if (event.type === "resolution_changed") continue;
      if (wantsEvents && (passes === undefined || passes(event))) events.push(event);
      if (!isComponentEvent(event) || event.component.name !== name) continue;
      const change = step(versions, event, parsed, filter.resolution);
      if (change !== undefined && wantsChanges) events.push(change);
    }
    if (events.length > 0) yield { events, revision: batch.revision, progress: false };
  }
}

/** Applies `event` to `versions`; the resolution_changed event when what `parsed` picks moved. */
function step(
  versions: Versions,
  event: ComponentEvent,
  parsed: VersionSelector,
  resolution: ResolutionFilter,
): ResolutionChangedEvent | undefined {
  const before = resolveAmong([...versions.values()], parsed)?.version;
  apply(versions, event);
  const after = resolveAmong([...versions.values()], parsed)?.version;
  if (before === after) return undefined;
  return {
    type: "resolution_changed",
    revision: event.revision,
    time: event.time,
    actor: event.actor,
    resolution: {
      ...resolution,
      ...(before === undefined ? {} : { oldVersion: before }),
      ...(after === undefined ? {} : { newVersion: after }),
    },
  };
}

function apply(versions: Versions, event: ComponentEvent): void {
  const key = versionKey(event.component.version);
  if (event.type === "deleted") versions.delete(key);
  else versions.set(key, flagsOf(event.component));
}

function flagsOf(record: ComponentRecord): Resolvable {
  const { version, deprecated, yanked } = resolvableOf(record);
  return { version, deprecated, yanked };
}

/** The name's versions at `revision` (see the header). */
async function versionsAt(source: ResolutionSource, name: string, revision: number): Promise<Versions> {
  const stored = await source.listVersions(name);
  const since = rebuilt(stored, await nameEventsAfter(source, name, revision));
  if (since.exact) return since.versions;
  const { compacted } = await source.revisionBounds();
  const held = await nameEventsAfter(source, name, compacted);
  const { versions } = rebuilt(stored, held);
  for (const event of held) if (event.revision <= revision) apply(versions, event);
  return versions;
}

/**
 * The versions before `events` (a name's events to the log's end, oldest
 * first), given `stored` read before them. Not `exact` when a version's
 * first event does not record the flags it changed from (its flags after
 * the event are taken then).
 */
function rebuilt(stored: readonly ComponentRecord[], events: readonly ComponentEvent[]) {
  const first = new Map<string, ComponentEvent>();
  for (const event of events) {
    const key = versionKey(event.component.version);
    if (!first.has(key)) first.set(key, event);
  }
  const versions: Versions = new Map();
  for (const record of stored) {
    if (!first.has(versionKey(record.version))) versions.set(versionKey(record.version), flagsOf(record));
  }
  let exact = true;
  for (const [key, event] of first) {
    if (event.type === "created") continue;
    if (event.type !== "deleted" && event.before === undefined) exact = false;
    versions.set(key, { ...flagsOf(event.component), ...(event.type === "deleted" ? {} : event.before) });
  }
  return { versions, exact };
}

/** Every version event of `name` the log holds after `after`, to its end. */
async function nameEventsAfter(source: ResolutionSource, name: string, after: number): Promise<ComponentEvent[]> {
  const out: ComponentEvent[] = [];
  let position = after;
  for (;;) {
    const events: CatalogEvent[] = await source.readEvents(position, FOLD_BATCH);
    if (events.length === 0) return out;
    for (const event of events) if (isComponentEvent(event) && event.component.name === name) out.push(event);
    position = events[events.length - 1]!.revision;
  }
}
