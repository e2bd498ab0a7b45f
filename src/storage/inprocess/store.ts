/**
 * The CatalogStore shared by the in-process backends (memory, embedded):
 * reads come straight from CatalogState, versions decoded from their compact
 * form through a cache of frozen records; each write is planned under a
 * mutex, handed to `persist` (a no-op in memory, a log append on disk),
 * applied, then announced to onCommit listeners. Records and events leave
 * the store deep-frozen, so callers share them without being able to change them.
 */
import { CatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import { CommitNotifier } from "../core/commit-notifier.js";
import { storeClosed } from "../core/errors.js";
import { matchesFilterFields } from "../core/filter.js";
import { deepFreeze } from "../core/freeze.js";
import { abortReason, Mutex, type Release } from "../core/mutex.js";
import { revisionNotReached } from "../core/read-at.js";
import { rankedPage, type SearchDocument, searchDocument } from "../core/search.js";
import {
  type CatalogEvent,
  type CompatibilityMode,
  type ComponentEvent,
  type ComponentRecord,
  type ConsumerEvent,
  type ConsumerQuery,
  type ConsumerRecord,
  isComponentEvent,
  type MutablePatch,
  type NewComponentRecord,
  type NewConsumerRecord,
  type PolicyEvent,
  type PolicyRecord,
  type WriteMeta,
} from "../records.js";
import type {
  CatalogStore,
  HealthStatus,
  ListQuery,
  Page,
  ReadView,
  RevisionBounds,
  ScoredComponent,
  SearchQuery,
} from "../store.js";
import type { LoggedEvent } from "./event-log.js";
import { listComponents } from "./list.js";
import {
  type Decode,
  planDelete,
  planDeleteConsumer,
  planInsert,
  planPutConsumer,
  planSetPolicy,
  planUpdate,
} from "./plan.js";
import { RecordDecoder } from "./record-codec.js";
import type { CatalogState, VersionSlot } from "./state.js";

/**
 * The bound on one write: how long it may wait for the write mutex, and
 * (separately) how long its persistence may take before the caller is
 * answered UNAVAILABLE. `configKey` names the setting in error messages.
 */
export interface WriteBound {
  timeoutMs: number;
  configKey: string;
}

/** What `settledWithin` reports for a promise still pending when the time ran out. */
const PENDING = Symbol("pending");

export abstract class InProcessCatalogStore implements CatalogStore {
  abstract readonly kind: string;
  private readonly writeLock = new Mutex();
  private readonly notifier: CommitNotifier;
  private closed = false;
  /** Decoded records by compact form: the same frozen record while it stays cached. */
  private readonly records = new RecordDecoder();
  private readonly decode: Decode = (slot) => this.records.record(slot.blob);
  /** Set when persistence failed in a way that leaves the store unable to write safely. */
  protected failure: string | undefined;

  protected constructor(
    protected readonly state: CatalogState,
    protected readonly logger: Logger,
    /** Undefined: writes wait and persist without a time limit (memory, where persisting is a no-op). */
    private readonly writeBound?: WriteBound,
  ) {
    this.notifier = new CommitNotifier(logger);
  }

  /** Makes `events` durable before they are applied; throwing leaves nothing applied. */
  protected abstract persist(events: readonly CatalogEvent[]): Promise<void>;
  /** Makes a compaction through `throughRevision` durable before the in-memory log drops it. */
  protected abstract persistCompaction(throughRevision: number): Promise<void>;
  /** Releases files or other resources; called once, with no write in flight. */
  protected abstract release(): Promise<void>;
  /** A short description of where the data lives, for health and errors. */
  protected abstract describe(): string;

  async getVersion(name: string, version: string): Promise<ComponentRecord | undefined> {
    this.assertOpen();
    const slot = this.state.getSlot(name, version);
    return slot === undefined ? undefined : this.decode(slot);
  }

  async listVersions(name: string): Promise<ComponentRecord[]> {
    this.assertOpen();
    return (this.state.entry(name)?.sorted ?? []).map(this.decode);
  }

  async list(query: ListQuery): Promise<Page<ComponentRecord>> {
    this.assertOpen();
    return listComponents(this.state, query, this.decode);
  }

  async search(query: SearchQuery): Promise<Page<ScoredComponent>> {
    this.assertOpen();
    return rankedPage<VersionSlot>(
      {
        items: this.state.latestSlots(query.filter.names),
        name: (slot) => slot.name,
        document: (slot) => documentOf(slot, this.decode),
        matches: matchesFilterFields,
        record: this.decode,
      },
      query,
      this.state.revision,
    );
  }

  async insertVersion(record: NewComponentRecord, meta: WriteMeta): Promise<ComponentEvent> {
    const [event] = await this.commit(record.name, meta, (state) => [planInsert(state, record, meta)]);
    return event as ComponentEvent;
  }

  async updateVersion(
    name: string,
    version: string,
    patch: MutablePatch,
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<ComponentEvent> {
    const [event] = await this.commit(name, meta, (state) => [
      planUpdate(state, this.decode, name, version, patch, meta, expectedRevision),
    ]);
    return event as ComponentEvent;
  }

  async deleteVersions(
    name: string,
    versions: readonly string[] | "all",
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<ComponentEvent[]> {
    return this.commit(name, meta, (state) => planDelete(state, this.decode, name, versions, meta, expectedRevision));
  }

  async getPolicy(name: string): Promise<PolicyRecord | undefined> {
    this.assertOpen();
    return this.state.registry.policy(name);
  }

  async setPolicy(name: string, mode: CompatibilityMode, meta: WriteMeta): Promise<PolicyEvent> {
    const [event] = await this.commit(undefined, meta, (state) => [planSetPolicy(state, name, mode, meta)]);
    return event as PolicyEvent;
  }

  async putConsumer(registration: NewConsumerRecord, meta: WriteMeta): Promise<ConsumerEvent> {
    const [event] = await this.commit(undefined, meta, (state) => [planPutConsumer(state, registration, meta)]);
    return event as ConsumerEvent;
  }

  async deleteConsumer(consumer: string, name: string, meta: WriteMeta): Promise<ConsumerEvent> {
    const [event] = await this.commit(undefined, meta, (state) => [planDeleteConsumer(state, consumer, name, meta)]);
    return event as ConsumerEvent;
  }

  async listConsumers(query: ConsumerQuery): Promise<ConsumerRecord[]> {
    this.assertOpen();
    return this.state.registry.listConsumers(query);
  }

  async readEvents(afterRevision: number, limit: number): Promise<CatalogEvent[]> {
    this.assertOpen();
    return this.state.readEvents(afterRevision, limit).map((event) => this.eventOf(event));
  }

  /** A logged event as callers see it, its payload decoded (frozen). */
  protected eventOf(event: LoggedEvent): CatalogEvent {
    const header = { revision: event.revision, time: event.time, actor: event.actor };
    switch (event.type) {
      case "policy_changed":
        return deepFreeze({ ...header, type: event.type, policy: JSON.parse(event.blob) as PolicyRecord });
      case "consumer_registered":
      case "consumer_deregistered":
        return deepFreeze({ ...header, type: event.type, consumer: JSON.parse(event.blob) as ConsumerRecord });
      default: {
        const component = this.records.record(event.blob);
        const before = event.before === undefined ? {} : { before: event.before };
        return Object.freeze({ ...header, type: event.type, component, ...before });
      }
    }
  }

  async revisionBounds(): Promise<RevisionBounds> {
    this.assertOpen();
    return this.state.bounds();
  }

  onCommit(listener: (revision: number) => void): () => void {
    return this.notifier.subscribe(listener);
  }

  /**
   * readAtHead's answer without its awaits: the revision is in memory, so
   * every GetComponent and list read is answered from one settled promise
   * (three async frames and two objects fewer per read, which showed in the
   * allocation profile of bench/unary).
   */
  readAt(minRevision: number): Promise<ReadView> {
    try {
      this.assertOpen();
      const current = this.state.revision;
      if (minRevision > current) throw revisionNotReached(`${this.kind} store`, minRevision, current);
      return Promise.resolve({ revision: current, reader: this });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async compact(throughRevision: number): Promise<void> {
    await this.writeLock.run(async () => {
      this.assertWritable();
      const target = this.state.compactionTarget(throughRevision);
      if (target <= this.state.compacted) return;
      await this.persistCompaction(target);
      this.state.compact(target);
    });
  }

  async health(): Promise<HealthStatus> {
    if (this.closed) return { ok: false, detail: `${this.kind} store (${this.describe()}) is closed` };
    if (this.failure) return { ok: false, detail: `${this.kind} store (${this.describe()}): ${this.failure}` };
    return { ok: true, detail: `${this.kind} store (${this.describe()}) at revision ${this.state.revision}` };
  }

  async close(): Promise<void> {
    await this.writeLock.run(async () => {
      if (this.closed) return;
      this.closed = true;
      await this.release();
    });
  }

  /**
   * Runs one write under the mutex: the guard of a version write (`name`
   * given) sees the name's versions and policy as the previous write left
   * them, and nothing else can change them until this write is applied.
   *
   * Bounded (see WriteBound): waiting for the mutex past the limit, or for the
   * caller's signal, gives up before anything is planned. A persistence still
   * pending at the limit answers UNAVAILABLE with the outcome unknown, but
   * keeps the mutex until it really returns, so the next write neither
   * interleaves its append nor plans from a state that misses this one; if it
   * then succeeds, the write is applied (it is on disk), else nothing is.
   */
  private async commit<E extends CatalogEvent>(
    name: string | undefined,
    meta: WriteMeta,
    plan: (state: CatalogState) => E[],
  ): Promise<E[]> {
    const bound = this.writeBound;
    const release = await this.writeLock.acquire({
      signal: meta.signal,
      timeoutMs: bound?.timeoutMs,
      timedOut: () =>
        this.unavailable(
          `a write waited more than ${bound?.timeoutMs} ms for the writes before it (${bound?.configKey}); ` +
            "nothing was written",
        ),
    });
    let releaseNow = true;
    try {
      if (meta.signal?.aborted) throw abortReason(meta.signal);
      this.assertWritable();
      if (name !== undefined) {
        meta.guard?.((this.state.entry(name)?.sorted ?? []).map(this.decode), this.state.registry.policy(name));
      }
      const events = plan(this.state);
      if (events.length === 0) return events;
      // The last point where giving up leaves nothing behind.
      if (meta.signal?.aborted) throw abortReason(meta.signal);
      const persisting = this.persist(events);
      if (bound && (await settledWithin(persisting, bound.timeoutMs)) === PENDING) {
        releaseNow = false;
        this.finishLatePersist(persisting, events, release);
        throw this.unavailable(
          `persisting a write did not finish within ${bound.timeoutMs} ms (${bound.configKey}); ` +
            `its outcome is unknown: it may still be written`,
        );
      }
      await persisting;
      this.apply(events);
      return events;
    } finally {
      if (releaseNow) release();
    }
  }

  /** Applies persisted events in memory and tells listeners. */
  private apply(events: readonly CatalogEvent[]): void {
    for (const event of events) {
      const frozen = deepFreeze(event);
      const blob = this.state.apply(frozen);
      if (isComponentEvent(frozen)) this.records.remember(blob, frozen.component);
    }
    const last = events.at(-1);
    if (last) this.notifier.notify(last.revision);
  }

  /** The tail of a write whose caller was already answered: apply it if it lands, then let the next write in. */
  private finishLatePersist(persisting: Promise<void>, events: readonly CatalogEvent[], release: Release): void {
    const revision = events.at(-1)?.revision;
    persisting
      .then(
        () => {
          this.logger.warn(`${this.kind} store: a write that timed out was persisted after all; applying it`, {
            store: this.describe(),
            revision,
          });
          this.apply(events);
        },
        (err: unknown) => {
          this.logger.warn(`${this.kind} store: a write that timed out failed to persist; nothing was written`, {
            store: this.describe(),
            revision,
            err,
          });
        },
      )
      .finally(release);
  }

  private unavailable(detail: string): CatalogError {
    return new CatalogError("UNAVAILABLE", `${this.kind} store (${this.describe()}) is unavailable: ${detail}`);
  }

  private assertOpen(): void {
    if (this.closed) throw storeClosed(`${this.kind} store (${this.describe()})`);
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.failure) throw CatalogError.unavailable(`${this.kind} store (${this.describe()})`, this.failure);
  }
}

/**
 * Waits for `promise` to settle, at most `ms`; PENDING when it had not. A rejection is left for the caller
 * to await.
 */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<typeof PENDING | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof PENDING>((resolve) => {
    timer = setTimeout(() => resolve(PENDING), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => undefined,
        () => undefined,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Search documents of latest versions, made on first search; slots never change, so entries never go stale. */
const documents = new WeakMap<VersionSlot, SearchDocument>();

function documentOf(slot: VersionSlot, decode: Decode): SearchDocument {
  let document = documents.get(slot);
  if (document === undefined) {
    document = searchDocument(decode(slot));
    documents.set(slot, document);
  }
  return document;
}
