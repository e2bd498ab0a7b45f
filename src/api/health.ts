/**
 * grpc.health.v1.Health: the standard health checking protocol, so load
 * balancers, Kubernetes probes and grpc_health_probe can ask whether the
 * server (service "") and the catalog (its fully-qualified service name) are
 * serving. Status lives on one board; a probe polls the store and flips it.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthCheckResponseSchema,
} from "../../gen/ts/src/grpc/health/v1/health_pb.js";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import type { Logger } from "../logging/index.js";

export { ServingStatus };

/** The service name that stands for the whole server in the health protocol. */
export const OVERALL_HEALTH = "";

/** The services the board tracks unless told otherwise. */
export const DEFAULT_HEALTH_SERVICES: readonly string[] = [OVERALL_HEALTH, CatalogService.typeName];

export class HealthStatusBoard {
  private readonly statuses = new Map<string, ServingStatus>();
  /** Bumped on every change, so a watcher can tell whether it missed one. */
  private version = 0;
  private waiters: Array<() => void> = [];
  private shutDown = false;

  constructor(services: readonly string[] = DEFAULT_HEALTH_SERVICES, initial: ServingStatus = ServingStatus.SERVING) {
    for (const service of services) this.statuses.set(service, initial);
  }

  /** The status of a service, or undefined when the board does not know it. */
  get(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** Every service the board tracks. */
  services(): string[] {
    return [...this.statuses.keys()];
  }

  get isShutDown(): boolean {
    return this.shutDown;
  }

  /**
   * Sets (and starts tracking) a service's status. Ignored after shutdown, so
   * a late probe result cannot bring a stopping server back to SERVING.
   */
  set(service: string, status: ServingStatus): void {
    if (this.shutDown) return;
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    this.notify();
  }

  /** Every service NOT_SERVING for good; open watches send that, then end. */
  shutdown(): void {
    if (this.shutDown) return;
    for (const service of this.statuses.keys()) this.statuses.set(service, ServingStatus.NOT_SERVING);
    this.shutDown = true;
    this.notify();
  }

  /** Resolves at the next change (or shutdown), or when `signal` aborts. */
  nextChange(signal?: AbortSignal): Promise<void> {
    if (this.shutDown || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        signal?.removeEventListener("abort", done);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      this.waiters.push(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /**
   * The current status of `service` (SERVICE_UNKNOWN while the board does not
   * know it), then each different status, until `signal` aborts or the board
   * shuts down. A slow reader gets the latest status, not every step between.
   */
  async *watch(service: string, signal: AbortSignal): AsyncGenerator<ServingStatus> {
    let lastSent: ServingStatus | undefined;
    while (!signal.aborted) {
      const versionSeen = this.version;
      const current = this.statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
      if (current !== lastSent) {
        yield current;
        lastSent = current;
      }
      if (this.shutDown) return;
      if (this.version === versionSeen) await this.nextChange(signal);
    }
  }

  private notify(): void {
    this.version++;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

export function registerHealth(router: ConnectRouter, board: HealthStatusBoard): void {
  router.service(Health, {
    check(request) {
      const status = board.get(request.service);
      if (status === undefined) {
        // The spec: Check on a service the server does not know is NOT_FOUND.
        throw new ConnectError(`unknown service ${JSON.stringify(request.service)}`, Code.NotFound);
      }
      return create(HealthCheckResponseSchema, { status });
    },
    async *watch(request, context) {
      for await (const status of board.watch(request.service, context.signal)) {
        yield create(HealthCheckResponseSchema, { status });
      }
    },
  });
}

export interface StoreHealth {
  ok: boolean;
  detail: string;
}

/**
 * Polls `check` now and then every `intervalMs`, and sets every service on
 * the board SERVING or NOT_SERVING from the answer. A check that throws
 * counts as unhealthy. Each transition is logged once, not every poll.
 * Returns a function that stops the probe; a check in flight is then ignored.
 */
export function startStoreHealthProbe(
  board: HealthStatusBoard,
  check: () => Promise<StoreHealth>,
  intervalMs: number,
  logger: Logger,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastOk: boolean | undefined;

  const apply = (health: StoreHealth) => {
    if (stopped || board.isShutDown) return;
    const status = health.ok ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    for (const service of board.services()) board.set(service, status);
    if (health.ok !== lastOk) {
      if (health.ok) logger.info("store healthy: serving", { detail: health.detail });
      else logger.warn("store unhealthy: not serving", { detail: health.detail });
      lastOk = health.ok;
    }
  };

  const poll = async () => {
    let health: StoreHealth;
    try {
      health = await check();
    } catch (err) {
      health = { ok: false, detail: `health check failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    apply(health);
    if (stopped) return;
    // Chained timeouts, not an interval: a slow check never overlaps the next.
    timer = setTimeout(() => void poll(), intervalMs);
    timer.unref();
  };

  void poll();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}
