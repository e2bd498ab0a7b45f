/**
 * A CatalogStore that tells an observer how its calls end, for what watches
 * the store from outside: health (a write failing UNAVAILABLE takes the
 * writes health service down at once, instead of at the next probe) and,
 * through the same hook, metrics. The store's answers pass through
 * untouched: the observer sees a settled call, it never changes one.
 *
 * Reads are observed only when they fail (their success needs no action and
 * costs nothing but the original promise); writes both ways.
 */
import type { ComponentRecord, MutablePatch, NewComponentRecord, WriteMeta } from "./records.js";
import type {
  CatalogEvent,
  CatalogStore,
  HealthStatus,
  ListQuery,
  Page,
  RevisionBounds,
  ScoredComponent,
  SearchQuery,
} from "./store.js";

export type StoreWrite = "insertVersion" | "updateVersion" | "deleteVersions";
export type StoreRead = "getVersion" | "listVersions" | "list" | "search" | "readEvents" | "revisionBounds" | "compact";

export interface StoreObserver {
  /** A write committed. */
  writeSucceeded(operation: StoreWrite): void;
  /** A call failed; `error` is what the caller receives. */
  failed(operation: StoreWrite | StoreRead, error: unknown): void;
}

export function observeStore(store: CatalogStore, observer: StoreObserver): CatalogStore {
  return new ObservedStore(store, observer);
}

class ObservedStore implements CatalogStore {
  readonly kind: string;

  constructor(
    private readonly store: CatalogStore,
    private readonly observer: StoreObserver,
  ) {
    this.kind = store.kind;
  }

  getVersion(name: string, version: string): Promise<ComponentRecord | undefined> {
    return this.read("getVersion", this.store.getVersion(name, version));
  }

  listVersions(name: string): Promise<ComponentRecord[]> {
    return this.read("listVersions", this.store.listVersions(name));
  }

  insertVersion(record: NewComponentRecord, meta: WriteMeta): Promise<CatalogEvent> {
    return this.write("insertVersion", () => this.store.insertVersion(record, meta));
  }

  updateVersion(
    name: string,
    version: string,
    patch: MutablePatch,
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<CatalogEvent> {
    return this.write("updateVersion", () => this.store.updateVersion(name, version, patch, meta, expectedRevision));
  }

  deleteVersions(
    name: string,
    versions: readonly string[] | "all",
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<CatalogEvent[]> {
    return this.write("deleteVersions", () => this.store.deleteVersions(name, versions, meta, expectedRevision));
  }

  list(query: ListQuery): Promise<Page<ComponentRecord>> {
    return this.read("list", this.store.list(query));
  }

  search(query: SearchQuery): Promise<Page<ScoredComponent>> {
    return this.read("search", this.store.search(query));
  }

  readEvents(afterRevision: number, limit: number): Promise<CatalogEvent[]> {
    return this.read("readEvents", this.store.readEvents(afterRevision, limit));
  }

  revisionBounds(): Promise<RevisionBounds> {
    return this.read("revisionBounds", this.store.revisionBounds());
  }

  onCommit(listener: (revision: number) => void): () => void {
    return this.store.onCommit(listener);
  }

  compact(throughRevision: number): Promise<void> {
    return this.read("compact", this.store.compact(throughRevision));
  }

  health(): Promise<HealthStatus> {
    return this.store.health();
  }

  close(): Promise<void> {
    return this.store.close();
  }

  /** The store's own promise, with the observer told of a failure on the side. */
  private read<T>(operation: StoreRead, answer: Promise<T>): Promise<T> {
    answer.then(undefined, (error: unknown) => this.observer.failed(operation, error));
    return answer;
  }

  private async write<T>(operation: StoreWrite, call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      this.observer.writeSucceeded(operation);
      return result;
    } catch (error) {
      this.observer.failed(operation, error);
      throw error;
    }
  }
}
