/**
 * The hybrid store (storage.type hybrid): one primary takes every write and
 * keeps the event log, the truth (DESIGN invariants 2-4 and 9); replicas
 * serve read requests, each a read model fed from that log by an applier
 * (applier.ts). Writes, the log, commit wake-ups, bounds and compaction are
 * the primary's; WatchEvents therefore follows the primary's log. The
 * store's own reader methods are for writers (a publish reads the versions
 * it checks against) and read the primary too; read requests come through
 * readAt (router.ts), which picks a replica. A replica is never written by
 * a caller.
 *
 * Health: ok while reads can be answered (a replica is servable, or the
 * primary answers for them); writable while the primary is up. The detail
 * names each replica's condition and lag.
 */
import type { Logger } from "../../logging/index.js";
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
} from "../records.js";
import type {
  CatalogStore,
  HealthStatus,
  ListQuery,
  Page,
  ReadView,
  ReplicaStore,
  RevisionBounds,
  ScoredComponent,
  SearchQuery,
} from "../store.js";
import { ReplicaApplier, type ReplicaLagListener } from "./applier.js";
import { type ReadFallback, ReadRouter } from "./router.js";

export interface HybridOptions {
  /** The primary's identity (config/hybrid-rules.ts primaryIdentity), recorded by every replica. */
  primaryIdentity: string;
  readWaitMs: number;
  readFallback: ReadFallback;
  /** How often each replica is checked (state, lag, ahead of the primary); default 1 s. */
  probeIntervalMs?: number;
  logger: Logger;
  onLag?: ReplicaLagListener;
}

export const DEFAULT_PROBE_INTERVAL_MS = 1_000;

export class HybridCatalogStore implements CatalogStore {
  readonly kind = "hybrid";
  readonly appliers: readonly ReplicaApplier[];
  private readonly router: ReadRouter;

  private constructor(
    private readonly primary: CatalogStore,
    replicas: ReadonlyArray<{ name: string; replica: ReplicaStore }>,
    private readonly options: HybridOptions,
  ) {
    const appliers = replicas.map(
      ({ name, replica }) =>
        new ReplicaApplier(replica, primary, {
          name,
          primary: options.primaryIdentity,
          probeIntervalMs: options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS,
          logger: options.logger,
          ...(options.onLag !== undefined ? { onLag: options.onLag } : {}),
          onChange: () => this.router.changed(),
        }),
    );
    this.appliers = appliers;
    this.router = new ReadRouter(primary, appliers, options);
  }

  /** The store over `primary` and `replicas` (in read preference order), each replica checked once. */
  static async open(
    primary: CatalogStore,
    replicas: ReadonlyArray<{ name: string; replica: ReplicaStore }>,
    options: HybridOptions,
  ): Promise<HybridCatalogStore> {
    const store = new HybridCatalogStore(primary, replicas, options);
    await Promise.all(store.appliers.map((applier) => applier.start()));
    return store;
  }

  getVersion(name: string, version: string): Promise<ComponentRecord | undefined> {
    return this.primary.getVersion(name, version);
  }

  listVersions(name: string): Promise<ComponentRecord[]> {
    return this.primary.listVersions(name);
  }

  list(query: ListQuery): Promise<Page<ComponentRecord>> {
    return this.primary.list(query);
  }

  search(query: SearchQuery): Promise<Page<ScoredComponent>> {
    return this.primary.search(query);
  }

  insertVersion(record: NewComponentRecord, meta: WriteMeta): Promise<ComponentEvent> {
    return this.primary.insertVersion(record, meta);
  }

  updateVersion(
    name: string,
    version: string,
    patch: MutablePatch,
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<ComponentEvent> {
    return this.primary.updateVersion(name, version, patch, meta, expectedRevision);
  }

  deleteVersions(
    name: string,
    versions: readonly string[] | "all",
    meta: WriteMeta,
    expectedRevision?: number,
  ): Promise<ComponentEvent[]> {
    return this.primary.deleteVersions(name, versions, meta, expectedRevision);
  }

  getPolicy(name: string): Promise<PolicyRecord | undefined> {
    return this.primary.getPolicy(name);
  }

  setPolicy(name: string, mode: CompatibilityMode, meta: WriteMeta): Promise<PolicyEvent> {
    return this.primary.setPolicy(name, mode, meta);
  }

  putConsumer(registration: NewConsumerRecord, meta: WriteMeta): Promise<ConsumerEvent> {
    return this.primary.putConsumer(registration, meta);
  }

  deleteConsumer(consumer: string, name: string, meta: WriteMeta): Promise<ConsumerEvent> {
    return this.primary.deleteConsumer(consumer, name, meta);
  }

  listConsumers(query: ConsumerQuery): Promise<ConsumerRecord[]> {
    return this.primary.listConsumers(query);
  }

  readEvents(afterRevision: number, limit: number): Promise<CatalogEvent[]> {
    return this.primary.readEvents(afterRevision, limit);
  }

  revisionBounds(): Promise<RevisionBounds> {
    return this.primary.revisionBounds();
  }

  onCommit(listener: (revision: number) => void): () => void {
    return this.primary.onCommit(listener);
  }

  compact(throughRevision: number): Promise<void> {
    return this.primary.compact(throughRevision);
  }

  readAt(minRevision: number, signal?: AbortSignal): Promise<ReadView> {
    return this.router.readAt(minRevision, signal);
  }

  async health(): Promise<HealthStatus> {
    const primary = await this.primary.health();
    const replicas = this.appliers.map((applier) => {
      const { revisions, ms } = applier.lagNow();
      const state =
        applier.condition === "ok"
          ? `ok, applied revision ${applier.applied}, lag ${revisions} revisions (${ms} ms)`
          : `${applier.condition.toUpperCase()}: ${applier.reason}`;
      return `replica ${applier.name} (${applier.replica.where}): ${state}`;
    });
    const readable = this.appliers.some((applier) => applier.servable) || (this.fallsBack && primary.ok);
    const detail = [`primary: ${primary.detail}`, ...replicas].join("; ");
    return { ok: readable, writable: primary.ok, detail: `hybrid: ${detail}` };
  }

  async close(): Promise<void> {
    await Promise.all(this.appliers.map((applier) => applier.close()));
    try {
      await Promise.all(this.appliers.map((applier) => applier.replica.close()));
      await Promise.all(this.appliers.map((applier) => applier.idle()));
    } finally {
      await this.primary.close();
    }
  }

  private get fallsBack(): boolean {
    return this.options.readFallback === "primary";
  }
}
