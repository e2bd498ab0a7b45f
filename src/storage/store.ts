/**
 * The storage contract. Every backend implements CatalogStore and passes the
 * shared contract suite (test/storage/contract/) against its real server.
 * Stores are pure persistence: no validation, no compatibility rules, no
 * resolution of "latest" for reads by version (the Manager does that).
 *
 * Errors: stores throw CatalogError (src/errors) with these codes only:
 *   ALREADY_EXISTS      insertVersion of a (name, versionKey) that exists
 *   NOT_FOUND           update/delete of a version that does not exist
 *   ABORTED             expectedRevision given and the stored updateRevision differs
 *   OUT_OF_RANGE        readEvents after a revision that was compacted away
 *   UNAVAILABLE         the backend cannot be reached or timed out
 *   INVALID_ARGUMENT    a page cursor the store cannot decode
 * plus, unchanged, whatever a write's guard throws (see ComponentWriter).
 *
 * Object identity (what the API's wire caches rely on, src/api/wire-cache.ts;
 * checked by test/api/wire-cache.test.ts):
 *   - A record or event a store hands out frozen (Object.isFrozen) is deeply
 *     frozen and stands for that content for as long as anyone holds it: a
 *     write that changes a version replaces its record with a new object. A
 *     store may instead hand out fresh, unfrozen objects per read (the remote
 *     stores do); those are cached by identity only once the Manager's
 *     resolution cache (src/catalog/resolution-cache.ts) has frozen and kept
 *     one.
 *   - The event feed (src/catalog/watch.ts) hands every watcher it serves
 *     from its ring (synced: live events, recent ones) the same CatalogEvent
 *     object for a revision, the one it read from the log, and never changes
 *     it. A watcher catching up from the log gets what the log returns, which
 *     may be a fresh object per read: shared encodings then simply miss.
 */
import type {
  CatalogEvent,
  CompatibilityMode,
  ComponentEvent,
  ComponentRecord,
  ConsumerEvent,
  ConsumerQuery,
  ConsumerRecord,
  MutablePatch,
  NewComponentRecord,
  NewConsumerRecord,
  PolicyEvent,
  PolicyRecord,
  WriteMeta,
} from "./records.js";

export type { CatalogEvent, ComponentEvent, ComponentRecord, WriteGuard } from "./records.js";

export interface ComponentReader {
  /** The version whose versionKey equals versionKey(version), or undefined. */
  getVersion(name: string, version: string): Promise<ComponentRecord | undefined>;
  /** Every version of `name`, SemVer-descending; empty when the name is unknown. */
  listVersions(name: string): Promise<ComponentRecord[]>;
}

/**
 * Every write is one atomic unit: the record change, one event per changed
 * version in the event log, and the catalog revision bump (one revision per
 * event). Nothing is written when the call fails.
 *
 * Write guards (WriteMeta.guard): when given, the store calls the guard with
 * the name's current versions (SemVer-descending, frozen or copied: the
 * guard must not keep or change them) and its stored policy, inside the write's critical section:
 * after this write is serialised against every other write (the in-process
 * mutex; the locked revision row in Postgres; in DynamoDB after reading the
 * state the counter condition will pin, and again on every re-plan after a
 * lost race), before the store's own checks (ALREADY_EXISTS, NOT_FOUND,
 * ABORTED) and before anything is written. So no other write can land
 * between what the guard saw and this write's commit. When the guard throws, nothing is
 * written, the revision does not move, and the thrown error propagates
 * unchanged (callers throw CatalogError, e.g. PERMISSION_DENIED or
 * FAILED_PRECONDITION). A delete naming no versions writes nothing and may
 * skip the guard. Wrappers (caches) pass WriteMeta through untouched.
 *
 * Cancellation (WriteMeta.signal): when given, the store checks it before
 * the write commits: before and while waiting for the write's turn (the
 * in-process mutex), after getting a Postgres connection and again just
 * before COMMIT, and before each DynamoDB attempt (its transaction send gets
 * the signal as abortSignal). A write whose signal aborted by then writes
 * nothing and rejects with the signal's reason, unchanged, as
 * AbortSignal.throwIfAborted does (the API maps a Connect deadline to
 * DEADLINE_EXCEEDED and anything else to CANCELED). Once the commit itself
 * is under way the signal no longer stops it: an abort that lands during a
 * DynamoDB transaction send leaves the outcome unknown, like any deadline.
 */
export interface ComponentWriter {
  /** Inserts a new version as event "created". ALREADY_EXISTS if its versionKey is taken. */
  insertVersion(record: NewComponentRecord, meta: WriteMeta): Promise<ComponentEvent>;
  /**
   * Applies `patch` to one version as event "updated", or "yanked" /
   * "unyanked" for a patch that sets `yank` (core/patch.ts updateEventType),
   * carrying the version's lifecycle flags before the change. NOT_FOUND if
   * absent; ABORTED when `expectedRevision` is given and differs from
   * updateRevision.
   */
  updateVersion(
    name: string,
    version: string,
    patch: MutablePatch,
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<ComponentEvent>;
  /**
   * Deletes the given versions (or every version of `name` when `versions` is
   * "all") as one "deleted" event each, in SemVer-descending order. NOT_FOUND
   * if any named version (or, for "all", the name) does not exist; ABORTED
   * as for update when exactly one version is named.
   */
  deleteVersions(
    name: string,
    versions: readonly string[] | "all",
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<ComponentEvent[]>;
}

/**
 * Compatibility policies, one per component name (whether or not it has
 * versions). Each change is one atomic write with its event, like a version
 * change; writes honour WriteMeta.signal and ignore its guard.
 */
/** The compatibility policy reads (answered by replicas too). */
export interface PolicyReader {
  getPolicy(name: string): Promise<PolicyRecord | undefined>;
}

export interface PolicyStore extends PolicyReader {
  /** Stores `mode` as the policy of `name`, as event "policy_changed". */
  setPolicy(name: string, mode: CompatibilityMode, meta: WriteMeta): Promise<PolicyEvent>;
}

/**
 * Consumer registrations, one per (consumer, component name). Writes are
 * atomic with their event, honour WriteMeta.signal and ignore its guard.
 */
export interface ConsumerStore extends ConsumerReader {
  /**
   * Inserts or replaces the registration of (consumer, name) as event
   * "consumer_registered"; a replacement keeps the create time, revision
   * and actor of the registration it replaces.
   */
  putConsumer(registration: NewConsumerRecord, meta: WriteMeta): Promise<ConsumerEvent>;
  /** Removes the registration as event "consumer_deregistered"; NOT_FOUND when there is none. */
  deleteConsumer(consumer: string, name: string, meta: WriteMeta): Promise<ConsumerEvent>;
}

/** The consumer registration reads (answered by replicas too). */
export interface ConsumerReader {
  /**
   * The registrations of one component (ordered by consumer) or of one
   * consumer (ordered by component name), byte order.
   */
  listConsumers(query: ConsumerQuery): Promise<ConsumerRecord[]>;
}

export type OrderField = "name" | "updateTime";

export interface ComponentFilter {
  provider?: string;
  category?: string;
  /** Every entry must be present with the same value. */
  labels?: Record<string, string>;
  deploymentEngine?: string;
  /** Restrict to these names. */
  names?: readonly string[];
  /**
   * false: leave out deprecated versions in all-versions mode, and components
   * whose latest version is deprecated in latest mode.
   */
  includeDeprecated: boolean;
}

export interface ListQuery {
  filter: ComponentFilter;
  /**
   * false: one row per component, its latest version (semver.pickLatest over
   * all its versions); the filter applies to that version.
   * true: every version that matches the filter.
   */
  allVersions: boolean;
  /** Keyset order. Ties break by name, then version (SemVer-descending). */
  orderBy: { field: OrderField; descending: boolean };
  pageSize: number;
  /** The `nextCursor` of the previous page, or undefined for the first page. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Present when more items may follow. Opaque to callers; stable while the catalog changes. */
  nextCursor?: string;
  /** The catalog revision the page reflects (at least). */
  revision: number;
}

export interface SearchQuery {
  /** Lower-cased terms; every term must match somewhere in a component. */
  terms: readonly string[];
  filter: ComponentFilter;
  pageSize: number;
  cursor?: string;
}

export interface ScoredComponent {
  component: ComponentRecord;
  score: number;
}

export interface ComponentSearcher {
  list(query: ListQuery): Promise<Page<ComponentRecord>>;
  /**
   * Ranked search over the latest version of each component: name, description,
   * label keys and values, input and output names. Sorted by score
   * descending, then name.
   */
  search(query: SearchQuery): Promise<Page<ScoredComponent>>;
}

export interface RevisionBounds {
  /** Revision of the last committed write; 0 for an empty catalog. */
  current: number;
  /**
   * Highest revision whose event was compacted away (0 if none). Events with
   * revision > compacted are all still in the log.
   */
  compacted: number;
}

export interface EventLog {
  /**
   * Events with revision > afterRevision in revision order, at most `limit`.
   * OUT_OF_RANGE when afterRevision < bounds.compacted.
   */
  readEvents(afterRevision: number, limit: number): Promise<CatalogEvent[]>;
  revisionBounds(): Promise<RevisionBounds>;
  /**
   * Registers a wake-up called (possibly late, possibly coalesced, possibly
   * lost across processes) after writes commit, with the revision written.
   * The log stays the truth: listeners re-read it. Returns an unsubscribe.
   */
  onCommit(listener: (revision: number) => void): () => void;
  /** Deletes events with revision <= throughRevision (never the current revision's). */
  compact(throughRevision: number): Promise<void>;
}

export interface HealthStatus {
  ok: boolean;
  /** What is wrong when not ok, naming the backend. */
  detail: string;
  /**
   * false when writes cannot succeed while reads still can (a hybrid
   * store whose primary is down); absent when writes follow `ok`.
   */
  writable?: boolean;
}

export interface HealthChecker {
  health(): Promise<HealthStatus>;
}

/** The reads of one read request, from one source. */
export type ReadSource = ComponentReader & ComponentSearcher & PolicyReader & ConsumerReader;

/** Where one read request reads, and the revision it reflects. */
export interface ReadView {
  /** Every read through `reader` reflects this catalog revision or a later one. */
  revision: number;
  reader: ReadSource;
}

/**
 * How a read request finds its source (DESIGN invariant 8). The store's own
 * reader methods are for writers and always read the truth (a hybrid
 * store's primary); a read request asks readAt instead, so it may be
 * answered by a replica.
 */
export interface ReadRouter {
  /**
   * A view reflecting `minRevision` or later (0: any revision).
   *
   * A single store is always at its own head: the view is the store itself
   * at its current revision, and a minRevision above that fails UNAVAILABLE
   * at once, with a retry hint (core/read-at.ts): the store has not
   * committed that revision, so the caller saw it elsewhere (another
   * catalog, or this one before it was restored from a backup), and waiting
   * here would not bring it. A hybrid store answers from a replica that has
   * applied minRevision, waiting for one up to storage.hybrid.readWaitMs.
   */
  readAt(minRevision: number, signal?: AbortSignal): Promise<ReadView>;
}

export interface CatalogStore
  extends ComponentReader,
    ComponentWriter,
    ComponentSearcher,
    PolicyStore,
    ConsumerStore,
    EventLog,
    HealthChecker,
    ReadRouter {
  /** Backend name for logs and health, e.g. "memory", "embedded", "postgres". */
  readonly kind: string;
  close(): Promise<void>;
}

/** A key-value cache with TTL. Values are JSON strings. */
export interface Cache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Git sync leases and statuses shared by every replica on one database: the
 * storage side of src/catalog/sync's SyncStateStore (storage does not import
 * the catalog, so a status is an opaque JSON document keyed by its
 * `repository`; the type parameter gives it back its type). A lease is
 * taken when absent, expired, or already held by the same holder.
 */
export interface SharedSyncState<Status extends { repository: string }> {
  /** True when `holder` holds the lease afterwards, until `now` + ttlMs (the backend's clock may decide). */
  acquireLease(repository: string, holder: string, ttlMs: number, now: Date): Promise<boolean>;
  releaseLease(repository: string, holder: string): Promise<void>;
  getStatus(repository: string): Promise<Status | undefined>;
  putStatus(status: Status): Promise<void>;
  /** Every status, by repository name in byte order. */
  listStatuses(): Promise<Status[]>;
  close(): Promise<void>;
}

/** Where a replica stands, as its own storage records it. */
export interface ReplicaState {
  /** Revision of the last primary event applied; 0 for an empty replica. */
  appliedRevision: number;
  /** The primary that fed it (see ApplyOptions.primary); "" while nothing was applied. */
  primary: string;
  /**
   * Present while a rebuild runs in steps another process can see (Redis):
   * the replica must not be served and only the rebuild writes it.
   * `ageMs`: time since the rebuild's last step (a stalled one is taken over).
   */
  rebuild?: { ageMs: number };
}

export interface ApplyOptions {
  /** Identity of the primary the events come from; a replica fed by another primary refuses them. */
  primary: string;
}

/** What a replica is rebuilt from (hybrid/rebuild.ts reads it from the primary). */
export interface ReplicaSnapshot {
  /** The primary's revision when the snapshot started: every version it yields is at least that new. */
  revision: number;
  /** Every component name with all its versions, a few names at a time. */
  names(): AsyncIterable<ReadonlyMap<string, readonly ComponentRecord[]>>;
  /** The primary's events after `after`, in batches, to the end of its log. */
  events(after: number): AsyncIterable<readonly CatalogEvent[]>;
  /**
   * The compatibility policy and consumer registrations of a name names()
   * yielded, as the primary holds them now (the events after the snapshot's
   * revision, replayed over them, end at the primary's state). A policy or
   * registration of a name with no version at all is not in a snapshot.
   */
  registryOf(name: string): Promise<{ policy: PolicyRecord | undefined; consumers: ConsumerRecord[] }>;
}

/**
 * A read replica of a hybrid store: a read model of a primary's event log
 * (DESIGN invariants 7-9). Its reads answer like a store's; its list and
 * search pages carry the revision it has applied. Only appliers write it.
 *
 * apply(events) applies, in one atomic unit, the events after its applied
 * revision and moves the applied revision to the last of them: events at
 * or below it are skipped (so racing appliers never apply one twice or move
 * it back), and the first event applied must directly follow it (a gap is
 * refused). It applies nothing while a rebuild runs, and refuses
 * (FAILED_PRECONDITION) events of another primary than the one that fed
 * it. It returns the state after.
 *
 * rebuild(primary, snapshot) replaces the content with the snapshot's
 * names, replays the primary's events after the snapshot's revision, and
 * only then serves again: a SQL replica does it in one transaction (readers
 * see the old content until it commits); Redis marks itself rebuilding
 * (reads refuse) and takes over a rebuild whose process stalled.
 */
export interface ReplicaStore extends ComponentReader, ComponentSearcher, PolicyReader, ConsumerReader, HealthChecker {
  /** Backend name, e.g. "redis", "postgres". */
  readonly kind: string;
  /** Where its data lives, for logs and errors. */
  readonly where: string;
  state(): Promise<ReplicaState>;
  apply(events: readonly CatalogEvent[], options: ApplyOptions): Promise<ReplicaState>;
  rebuild(primary: string, snapshot: ReplicaSnapshot): Promise<ReplicaState>;
  close(): Promise<void>;
}
