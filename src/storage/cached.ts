/**
 * A CatalogStore that answers getVersion and listVersions from a Cache and
 * delegates everything else. The Manager resolves "latest" and constraints
 * from listVersions, so those answers are cached too.
 *
 * The rule: no read returns data older than a write the server has already
 * acknowledged. How it is kept — generations:
 *
 *   Each name has a generation key holding a random token; every cached value
 *   of the name lives under a key that includes the token. Invalidating a
 *   name deletes its generation key, which orphans all its values at once
 *   (they expire by TTL). A reader gets the token, then its value; on a miss
 *   it reads the store and stores the answer under the token it saw BEFORE
 *   reading the store. When there is no token the reader creates one, sets
 *   it, reads it back, and only caches if it reads back its own token
 *   (so the token was in place before the store read began).
 *
 *   Why that is enough: a reader that starts after write W was acknowledged
 *   and finds token T in the generation key knows T was set after W's delete
 *   (a token is set once and T survived W's delete, so it came later), and
 *   W's delete came after W committed. Every value under T was read from the
 *   store by a reader that saw T, so after T was set: after W. A slow read
 *   that began before W can only store its answer under a token W deleted,
 *   where no later reader looks. This needs nothing but get/set/delete on
 *   one key at a time, so it holds the same for the in-process LRU and for a
 *   Redis shared by many replicas (a delete by any replica is seen by all).
 *
 * Who deletes generation keys:
 *   1. Writes through this wrapper, after the store call returns (or fails:
 *      a timed-out write may still have committed) and before returning.
 *   2. An EventFollower for writes made elsewhere (other replicas, other
 *      wrappers over the same backend), woken by onCommit, reading the log.
 *
 * The guarantee across replicas therefore depends on the cache:
 *   - Shared Redis: a write acknowledged by any replica is never served stale
 *     by any replica, as long as the writer's delete reached Redis. If Redis
 *     failed that delete, the writer's own process treats the key as a miss
 *     (see RedisCache), and the other replicas catch up when their follower
 *     applies the event from the log.
 *   - In-process LRU per replica: a replica learns of another replica's write
 *     only from its follower, so it may serve the previous value until it has
 *     applied that event (onCommit latency of the backend). Its own writes
 *     are never served stale by itself.
 *   TTL bounds staleness in every case, including a writer that dies between
 *   commit and invalidation while no replica follows the log.
 *
 * Reads bypass the cache until the follower knows the revision it starts
 * from; a compacted-away gap invalidates every name this wrapper has cached.
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "../logging/index.js";
import { EventFollower } from "./cache/event-follower.js";
import { generationKey, listValueKey, versionValueKey } from "./cache/keys.js";
import type {
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
import type {
  Cache,
  CatalogEvent,
  CatalogStore,
  HealthStatus,
  ListQuery,
  Page,
  ReadView,
  RevisionBounds,
  ScoredComponent,
  SearchQuery,
} from "./store.js";

export interface CacheOptions {
  /** Lifetime of every cached entry; also the bound on staleness when invalidation is lost. */
  ttlSeconds: number;
  /** Told of each cached read: served from the cache (hit) or from the store (miss). For metrics. */
  onLookup?: (hit: boolean) => void;
}

/** A CatalogStore whose close() also closes the wrapped store and the cache. */
export type CachedCatalogStore = CatalogStore & {
  /** Resolves once every event committed before the call was applied to the cache. For tests. */
  cacheCaughtUp(): Promise<void>;
};

export function withCache(
  store: CatalogStore,
  cache: Cache,
  options: CacheOptions,
  logger: Logger,
): CachedCatalogStore {
  return new ReadThroughStore(store, cache, options, logger);
}

class ReadThroughStore implements CatalogStore {
  readonly kind: string;
  private readonly follower: EventFollower;
  /** Names this wrapper cached values for: the ones to invalidate when the log has a gap. */
  private readonly cachedNames = new Set<string>();

  constructor(
    private readonly store: CatalogStore,
    private readonly cache: Cache,
    private readonly options: CacheOptions,
    private readonly logger: Logger,
  ) {
    this.kind = store.kind;
    this.follower = new EventFollower(
      store,
      {
        changed: (names) => this.invalidate(names),
        gap: () => this.invalidate([...this.cachedNames]),
      },
      logger,
    );
    this.follower.isFollowing();
  }

  getVersion(name: string, version: string): Promise<ComponentRecord | undefined> {
    return this.readThrough(
      name,
      (generation) => versionValueKey(name, generation, version),
      () => this.store.getVersion(name, version),
      (record) => JSON.stringify(record ?? null),
      (json) => decodeOptionalRecord(json, name),
    );
  }

  listVersions(name: string): Promise<ComponentRecord[]> {
    return this.readThrough(
      name,
      (generation) => listValueKey(name, generation),
      () => this.store.listVersions(name),
      (records) => JSON.stringify(records),
      (json) => decodeRecordList(json, name),
    );
  }

  // Writes hand WriteMeta (and its guard) to the store untouched: the guard must see the
  // store's versions inside its write, never this wrapper's cached reads.
  insertVersion(record: NewComponentRecord, meta: WriteMeta): Promise<ComponentEvent> {
    return this.writing(record.name, () => this.store.insertVersion(record, meta));
  }

  updateVersion(
    name: string,
    version: string,
    patch: MutablePatch,
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<ComponentEvent> {
    return this.writing(name, () => this.store.updateVersion(name, version, patch, meta, expectedRevision));
  }

  deleteVersions(
    name: string,
    versions: readonly string[] | "all",
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<ComponentEvent[]> {
    return this.writing(name, () => this.store.deleteVersions(name, versions, meta, expectedRevision));
  }

  // Policies and registrations are not cached: they are read at writes, in impact analysis and in listings.
  getPolicy(name: string): Promise<PolicyRecord | undefined> {
    return this.store.getPolicy(name);
  }

  setPolicy(name: string, mode: CompatibilityMode, meta: WriteMeta): Promise<PolicyEvent> {
    return this.store.setPolicy(name, mode, meta);
  }

  putConsumer(registration: NewConsumerRecord, meta: WriteMeta): Promise<ConsumerEvent> {
    return this.store.putConsumer(registration, meta);
  }

  deleteConsumer(consumer: string, name: string, meta: WriteMeta): Promise<ConsumerEvent> {
    return this.store.deleteConsumer(consumer, name, meta);
  }

  listConsumers(query: ConsumerQuery): Promise<ConsumerRecord[]> {
    return this.store.listConsumers(query);
  }

  list(query: ListQuery): Promise<Page<ComponentRecord>> {
    return this.store.list(query);
  }

  search(query: SearchQuery): Promise<Page<ScoredComponent>> {
    return this.store.search(query);
  }

  readEvents(afterRevision: number, limit: number): Promise<CatalogEvent[]> {
    return this.store.readEvents(afterRevision, limit);
  }

  revisionBounds(): Promise<RevisionBounds> {
    return this.store.revisionBounds();
  }

  onCommit(listener: (revision: number) => void): () => void {
    return this.store.onCommit(listener);
  }

  compact(throughRevision: number): Promise<void> {
    return this.store.compact(throughRevision);
  }

  /**
   * Reads through the cache only when it has applied every event up to the
   * revision the view reflects; otherwise (just after a write made
   * elsewhere, before the follower read it) the view reads the store.
   */
  async readAt(minRevision: number, signal?: AbortSignal): Promise<ReadView> {
    const view = await this.store.readAt(minRevision, signal);
    if (view.reader !== this.store || this.follower.position < view.revision) return view;
    return { revision: view.revision, reader: this };
  }

  health(): Promise<HealthStatus> {
    return this.store.health();
  }

  cacheCaughtUp(): Promise<void> {
    return this.follower.caughtUp();
  }

  async close(): Promise<void> {
    await this.follower.stop();
    try {
      await this.store.close();
    } finally {
      await this.cache.close();
    }
  }

  private async writing<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      await this.invalidate([name]);
    }
  }

  private async invalidate(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    try {
      await this.cache.delete(names.map(generationKey));
    } catch (err) {
      this.logger.warn("cache invalidation failed", { names, error: err });
    }
  }

  private async readThrough<T>(
    name: string,
    valueKey: (generation: string) => string,
    load: () => Promise<T>,
    encode: (value: T) => string,
    decode: (json: string) => T | typeof UNDECODABLE,
  ): Promise<T> {
    if (!this.follower.isFollowing()) return load();
    const generation = await this.currentGeneration(name);
    if (generation === undefined) return load();
    const key = valueKey(generation);
    const cached = await this.cacheGet(key);
    if (cached !== undefined) {
      const value = decode(cached);
      if (value !== UNDECODABLE) {
        this.options.onLookup?.(true);
        return value;
      }
    }
    this.options.onLookup?.(false);
    const value = await load();
    this.cachedNames.add(name);
    await this.cacheSet(key, encode(value));
    return value;
  }

  /**
   * The name's generation token, created when absent. Undefined when this
   * reader cannot be sure its token was in place before its store read (it
   * lost a creation race, or the cache is not answering): then it must not
   * cache.
   */
  private async currentGeneration(name: string): Promise<string | undefined> {
    const key = generationKey(name);
    const existing = await this.cacheGet(key);
    if (existing !== undefined) return existing;
    const created = randomBytes(9).toString("base64url");
    await this.cacheSet(key, created);
    const confirmed = await this.cacheGet(key);
    return confirmed === created ? created : undefined;
  }

  private async cacheGet(key: string): Promise<string | undefined> {
    try {
      return await this.cache.get(key);
    } catch (err) {
      this.logger.debug("cache get failed", { key, error: err });
      return undefined;
    }
  }

  private async cacheSet(key: string, value: string): Promise<void> {
    try {
      await this.cache.set(key, value, this.options.ttlSeconds);
    } catch (err) {
      this.logger.debug("cache set failed", { key, error: err });
    }
  }
}

const UNDECODABLE = Symbol("undecodable");

function parseJson(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return UNDECODABLE;
  }
}

/** A value this code did not write (corrupt, or another format) is treated as a miss. */
function isRecordOf(value: unknown, name: string): value is ComponentRecord {
  return typeof value === "object" && value !== null && (value as { name?: unknown }).name === name;
}

function decodeOptionalRecord(json: string, name: string): ComponentRecord | undefined | typeof UNDECODABLE {
  const value = parseJson(json);
  if (value === null) return undefined;
  return isRecordOf(value, name) ? value : UNDECODABLE;
}

function decodeRecordList(json: string, name: string): ComponentRecord[] | typeof UNDECODABLE {
  const value = parseJson(json);
  if (!Array.isArray(value)) return UNDECODABLE;
  const records: ComponentRecord[] = [];
  for (const item of value) {
    if (!isRecordOf(item, name)) return UNDECODABLE;
    records.push(item);
  }
  return records;
}
