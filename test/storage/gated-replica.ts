/**
 * A replica for tests that make one lag, fail or die: every call goes to a
 * real replica, but applies can be held at a gate (a lagging replica), and
 * the replica can be made to answer UNAVAILABLE, for everything (down) or
 * for reads only (dying under a read).
 */
import { CatalogError } from "../../src/errors/index.js";
import type {
  CatalogEvent,
  ComponentRecord,
  ConsumerQuery,
  ConsumerRecord,
  PolicyRecord,
} from "../../src/storage/records.js";
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
} from "../../src/storage/store.js";

export class GatedReplica implements ReplicaStore {
  readonly kind: string;
  readonly where: string;
  /** Every call fails UNAVAILABLE. */
  down = false;
  /** Reads fail UNAVAILABLE (state and apply still work). */
  failReads = false;
  private gate: Promise<void> | undefined;
  private release: (() => void) | undefined;
  private arrived: Array<() => void> = [];
  /** Applies that reached the replica, in order. */
  readonly applied: CatalogEvent[][] = [];

  constructor(readonly inner: ReplicaStore) {
    this.kind = inner.kind;
    this.where = `gated ${inner.where}`;
  }

  /** Holds every apply from now on at the gate. */
  hold(): void {
    this.gate ??= new Promise((resolve) => {
      this.release = resolve;
    });
  }

  /** Lets held applies through. */
  open(): void {
    this.release?.();
    this.gate = undefined;
    this.release = undefined;
  }

  /** Resolves once an apply is waiting at the (held) gate. */
  waiting(): Promise<void> {
    return new Promise((resolve) => this.arrived.push(resolve));
  }

  getVersion(name: string, version: string): Promise<ComponentRecord | undefined> {
    return this.reading(() => this.inner.getVersion(name, version));
  }

  listVersions(name: string): Promise<ComponentRecord[]> {
    return this.reading(() => this.inner.listVersions(name));
  }

  list(query: ListQuery): Promise<Page<ComponentRecord>> {
    return this.reading(() => this.inner.list(query));
  }

  search(query: SearchQuery): Promise<Page<ScoredComponent>> {
    return this.reading(() => this.inner.search(query));
  }

  getPolicy(name: string): Promise<PolicyRecord | undefined> {
    return this.reading(() => this.inner.getPolicy(name));
  }

  listConsumers(query: ConsumerQuery): Promise<ConsumerRecord[]> {
    return this.reading(() => this.inner.listConsumers(query));
  }

  state(): Promise<ReplicaState> {
    return this.calling(() => this.inner.state());
  }

  async apply(events: readonly CatalogEvent[], options: ApplyOptions): Promise<ReplicaState> {
    if (this.gate !== undefined) {
      for (const arrived of this.arrived.splice(0)) arrived();
      await this.gate;
    }
    return this.calling(async () => {
      const state = await this.inner.apply(events, options);
      this.applied.push([...events]);
      return state;
    });
  }

  rebuild(primary: string, snapshot: ReplicaSnapshot): Promise<ReplicaState> {
    return this.calling(() => this.inner.rebuild(primary, snapshot));
  }

  async health(): Promise<HealthStatus> {
    return this.down ? { ok: false, detail: `${this.where}: down` } : this.inner.health();
  }

  close(): Promise<void> {
    this.open();
    return this.inner.close();
  }

  private reading<T>(read: () => Promise<T>): Promise<T> {
    if (this.failReads) return Promise.reject(this.outage());
    return this.calling(read);
  }

  private calling<T>(call: () => Promise<T>): Promise<T> {
    return this.down ? Promise.reject(this.outage()) : call();
  }

  private outage(): CatalogError {
    return CatalogError.unavailable(this.where, "the test took it down");
  }
}
