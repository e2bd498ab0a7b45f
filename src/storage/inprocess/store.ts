/**
 * The CatalogStore shared by the in-process backends (memory, embedded):
 * reads come straight from CatalogState; each write is planned under a
 * mutex, handed to `persist` (a no-op in memory, a log append on disk),
 * applied, then announced to onCommit listeners. Records and events leave
 * the store deep-frozen, so callers share them without being able to change them.
 */
import { CatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import type { CatalogEvent, ComponentRecord, MutablePatch, NewComponentRecord, WriteMeta } from "../records.js";
import type {
  CatalogStore,
  HealthStatus,
  ListQuery,
  Page,
  RevisionBounds,
  ScoredComponent,
  SearchQuery,
} from "../store.js";
import { deepFreeze } from "./freeze.js";
import { listComponents } from "./list.js";
import { Mutex } from "./mutex.js";
import { CommitNotifier } from "../commit-notifier.js";
import { planDelete, planInsert, planUpdate } from "./plan.js";
import { searchComponents } from "./search.js";
import { CatalogState } from "./state.js";

export abstract class InProcessCatalogStore implements CatalogStore {
  abstract readonly kind: string;
  private readonly writeLock = new Mutex();
  private readonly notifier: CommitNotifier;
  private closed = false;
  /** Set when persistence failed in a way that leaves the store unable to write safely. */
  protected failure: string | undefined;

  protected constructor(
    protected readonly state: CatalogState,
    protected readonly logger: Logger,
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
    return deepFreeze(this.state.getVersion(name, version));
  }

  async listVersions(name: string): Promise<ComponentRecord[]> {
    this.assertOpen();
    return (this.state.entry(name)?.sorted ?? []).map(deepFreeze);
  }

  async list(query: ListQuery): Promise<Page<ComponentRecord>> {
    this.assertOpen();
    const page = listComponents(this.state, query);
    page.items.forEach(deepFreeze);
    return page;
  }

  async search(query: SearchQuery): Promise<Page<ScoredComponent>> {
    this.assertOpen();
    const page = searchComponents(this.state, query);
    for (const hit of page.items) deepFreeze(hit.component);
    return page;
  }

  async insertVersion(record: NewComponentRecord, meta: WriteMeta): Promise<CatalogEvent> {
    const [event] = await this.commit(record.name, meta, (state) => [planInsert(state, record, meta)]);
    return event as CatalogEvent;
  }

  async updateVersion(
    name: string,
    version: string,
    patch: MutablePatch,
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<CatalogEvent> {
    const [event] = await this.commit(name, meta, (state) => [
      planUpdate(state, name, version, patch, meta, expectedRevision),
    ]);
    return event as CatalogEvent;
  }

  async deleteVersions(
    name: string,
    versions: readonly string[] | "all",
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<CatalogEvent[]> {
    return this.commit(name, meta, (state) => planDelete(state, name, versions, meta, expectedRevision));
  }

  async readEvents(afterRevision: number, limit: number): Promise<CatalogEvent[]> {
    this.assertOpen();
    return this.state.readEvents(afterRevision, limit).map(deepFreeze);
  }

  async revisionBounds(): Promise<RevisionBounds> {
    this.assertOpen();
    return this.state.bounds();
  }

  onCommit(listener: (revision: number) => void): () => void {
    return this.notifier.subscribe(listener);
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
   * Runs one write under the mutex: the guard sees the name's versions as the
   * previous write left them, and nothing else can change them until this
   * write is applied.
   */
  private async commit(
    name: string,
    meta: WriteMeta,
    plan: (state: CatalogState) => CatalogEvent[],
  ): Promise<CatalogEvent[]> {
    return this.writeLock.run(async () => {
      this.assertWritable();
      meta.guard?.((this.state.entry(name)?.sorted ?? []).map(deepFreeze));
      const events = plan(this.state);
      const last = events.at(-1);
      if (!last) return events;
      await this.persist(events);
      for (const event of events) this.state.apply(deepFreeze(event));
      this.notifier.notify(last.revision);
      return events;
    });
  }

  private assertOpen(): void {
    if (this.closed) throw CatalogError.unavailable(`${this.kind} store (${this.describe()})`, "it is closed");
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.failure) throw CatalogError.unavailable(`${this.kind} store (${this.describe()})`, this.failure);
  }
}
