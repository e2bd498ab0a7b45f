/**
 * A CatalogStore that tells observers how each call ends, for what watches
 * the store from outside: health (a write failing UNAVAILABLE takes the
 * writes health service down at once, instead of at the next probe),
 * metrics (latency and errors by operation) and tracing (a span per call).
 * The store's answers pass through untouched: an observer sees a call start
 * and settle, it never changes one.
 *
 * An observer's start() returns what to call when the operation settles, or
 * undefined when it has nothing to do for that operation (health ignores
 * successful reads), so a store with only the health observer costs a read
 * one extra settlement handler.
 */
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
  CatalogEvent,
  CatalogStore,
  HealthStatus,
  ListQuery,
  Page,
  ReadSource,
  ReadView,
  RevisionBounds,
  ScoredComponent,
  SearchQuery,
} from "./store.js";

export type StoreWrite =
  | "insertVersion"
  | "updateVersion"
  | "deleteVersions"
  | "setPolicy"
  | "putConsumer"
  | "deleteConsumer";
export type StoreRead =
  | "getVersion"
  | "listVersions"
  | "list"
  | "search"
  | "getPolicy"
  | "listConsumers"
  | "readEvents"
  | "revisionBounds"
  | "compact"
  | "readAt";
export type StoreOperation = StoreWrite | StoreRead;

export const STORE_WRITES: ReadonlySet<StoreOperation> = new Set<StoreWrite>([
  "insertVersion",
  "updateVersion",
  "deleteVersions",
  "setPolicy",
  "putConsumer",
  "deleteConsumer",
]);

/** Called once when the operation settles: `error` is what the caller receives, undefined on success. */
export type Settle = (error: unknown) => void;

export interface StoreObserver {
  start(operation: StoreOperation): Settle | undefined;
}

export function observeStore(store: CatalogStore, observers: readonly StoreObserver[]): CatalogStore {
  return new ObservedStore(store, observers);
}

class ObservedStore implements CatalogStore {
  readonly kind: string;

  constructor(
    private readonly store: CatalogStore,
    private readonly observers: readonly StoreObserver[],
  ) {
    this.kind = store.kind;
  }

  getVersion(name: string, version: string): Promise<ComponentRecord | undefined> {
    return this.observe("getVersion", () => this.store.getVersion(name, version));
  }

  listVersions(name: string): Promise<ComponentRecord[]> {
    return this.observe("listVersions", () => this.store.listVersions(name));
  }

  insertVersion(record: NewComponentRecord, meta: WriteMeta): Promise<ComponentEvent> {
    return this.observe("insertVersion", () => this.store.insertVersion(record, meta));
  }

  updateVersion(
    name: string,
    version: string,
    patch: MutablePatch,
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<ComponentEvent> {
    return this.observe("updateVersion", () => this.store.updateVersion(name, version, patch, meta, expectedRevision));
  }

  deleteVersions(
    name: string,
    versions: readonly string[] | "all",
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<ComponentEvent[]> {
    return this.observe("deleteVersions", () => this.store.deleteVersions(name, versions, meta, expectedRevision));
  }

  getPolicy(name: string): Promise<PolicyRecord | undefined> {
    return this.observe("getPolicy", () => this.store.getPolicy(name));
  }

  setPolicy(name: string, mode: CompatibilityMode, meta: WriteMeta): Promise<PolicyEvent> {
    return this.observe("setPolicy", () => this.store.setPolicy(name, mode, meta));
  }

  putConsumer(registration: NewConsumerRecord, meta: WriteMeta): Promise<ConsumerEvent> {
    return this.observe("putConsumer", () => this.store.putConsumer(registration, meta));
  }

  deleteConsumer(consumer: string, name: string, meta: WriteMeta): Promise<ConsumerEvent> {
    return this.observe("deleteConsumer", () => this.store.deleteConsumer(consumer, name, meta));
  }

  listConsumers(query: ConsumerQuery): Promise<ConsumerRecord[]> {
    return this.observe("listConsumers", () => this.store.listConsumers(query));
  }

  list(query: ListQuery): Promise<Page<ComponentRecord>> {
    return this.observe("list", () => this.store.list(query));
  }

  search(query: SearchQuery): Promise<Page<ScoredComponent>> {
    return this.observe("search", () => this.store.search(query));
  }

  readEvents(afterRevision: number, limit: number): Promise<CatalogEvent[]> {
    return this.observe("readEvents", () => this.store.readEvents(afterRevision, limit));
  }

  revisionBounds(): Promise<RevisionBounds> {
    return this.observe("revisionBounds", () => this.store.revisionBounds());
  }

  onCommit(listener: (revision: number) => void): () => void {
    return this.store.onCommit(listener);
  }

  compact(throughRevision: number): Promise<void> {
    return this.observe("compact", () => this.store.compact(throughRevision));
  }

  async readAt(minRevision: number, signal?: AbortSignal): Promise<ReadView> {
    const view = await this.observe("readAt", () => this.store.readAt(minRevision, signal));
    // The store itself is already behind this wrapper; another source (a replica) gets observed reads too.
    return view.reader === this.store ? { revision: view.revision, reader: this } : this.observedView(view);
  }

  health(): Promise<HealthStatus> {
    return this.store.health();
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private observedView(view: ReadView): ReadView {
    const source: ReadSource = view.reader;
    return {
      revision: view.revision,
      reader: {
        getVersion: (name, version) => this.observe("getVersion", () => source.getVersion(name, version)),
        listVersions: (name) => this.observe("listVersions", () => source.listVersions(name)),
        list: (query) => this.observe("list", () => source.list(query)),
        search: (query) => this.observe("search", () => source.search(query)),
        getPolicy: (name) => this.observe("getPolicy", () => source.getPolicy(name)),
        listConsumers: (query) => this.observe("listConsumers", () => source.listConsumers(query)),
      },
    };
  }

  /** The store's own promise, with the observers told when it settles. */
  private observe<T>(operation: StoreOperation, call: () => Promise<T>): Promise<T> {
    if (this.observers.length === 1) {
      // The usual case (health alone, metrics and tracing off): no list of settles per call.
      const settle = this.observers[0]!.start(operation);
      const answer = call();
      if (settle !== undefined) answer.then(() => settle(undefined), settle);
      return answer;
    }
    let settles: Settle[] | undefined;
    for (const observer of this.observers) {
      const settle = observer.start(operation);
      if (settle === undefined) continue;
      settles ??= [];
      settles.push(settle);
    }
    const answer = call();
    if (settles === undefined) return answer;
    const done = settles;
    answer.then(
      () => {
        for (const settle of done) settle(undefined);
      },
      (error: unknown) => {
        for (const settle of done) settle(error);
      },
    );
    return answer;
  }
}
