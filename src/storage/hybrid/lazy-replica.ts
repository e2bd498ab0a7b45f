/**
 * A replica opened on first use, and again after a failed open: a replica
 * whose server is down when the catalog starts does not stop the catalog
 * from starting (reads go to the other replicas); its applier's checks
 * keep trying, and it serves once it opens. Until then every call fails
 * with the open's error (UNAVAILABLE for an outage, FAILED_PRECONDITION for
 * a place that cannot be a replica, which its applier refuses loudly).
 */
import { storeClosed } from "../core/errors.js";
import type { CatalogEvent, ComponentRecord, ConsumerQuery, ConsumerRecord, PolicyRecord } from "../records.js";
import type {
  ApplyOptions,
  HealthStatus,
  ListQuery,
  Page,
  ReplicaSnapshot,
  ReplicaState,
  ReplicaStore,
  ScoredComponent,
  SearchQuery,
} from "../store.js";

export class LazyReplica implements ReplicaStore {
  private opened: ReplicaStore | undefined;
  private opening: Promise<ReplicaStore> | undefined;
  private closed = false;

  constructor(
    readonly kind: string,
    readonly where: string,
    private readonly open: () => Promise<ReplicaStore>,
  ) {}

  async getVersion(name: string, version: string): Promise<ComponentRecord | undefined> {
    return (await this.replica()).getVersion(name, version);
  }

  async listVersions(name: string): Promise<ComponentRecord[]> {
    return (await this.replica()).listVersions(name);
  }

  async list(query: ListQuery): Promise<Page<ComponentRecord>> {
    return (await this.replica()).list(query);
  }

  async search(query: SearchQuery): Promise<Page<ScoredComponent>> {
    return (await this.replica()).search(query);
  }

  async getPolicy(name: string): Promise<PolicyRecord | undefined> {
    return (await this.replica()).getPolicy(name);
  }

  async listConsumers(query: ConsumerQuery): Promise<ConsumerRecord[]> {
    return (await this.replica()).listConsumers(query);
  }

  async state(): Promise<ReplicaState> {
    return (await this.replica()).state();
  }

  async apply(events: readonly CatalogEvent[], options: ApplyOptions): Promise<ReplicaState> {
    return (await this.replica()).apply(events, options);
  }

  async rebuild(primary: string, snapshot: ReplicaSnapshot): Promise<ReplicaState> {
    return (await this.replica()).rebuild(primary, snapshot);
  }

  async health(): Promise<HealthStatus> {
    try {
      return await (await this.replica()).health();
    } catch (err) {
      return { ok: false, detail: `${this.where}: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const replica = this.opened ?? (await this.opening?.catch(() => undefined));
    await replica?.close();
  }

  private replica(): Promise<ReplicaStore> {
    if (this.closed) return Promise.reject(storeClosed(this.where));
    if (this.opened !== undefined) return Promise.resolve(this.opened);
    this.opening ??= this.open().then(
      (replica) => {
        this.opened = replica;
        return replica;
      },
      (err: unknown) => {
        this.opening = undefined;
        throw err;
      },
    );
    return this.opening;
  }
}
