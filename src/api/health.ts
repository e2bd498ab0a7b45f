/**
 * grpc.health.v1.Health: the standard health checking protocol, so load
 * balancers, Kubernetes probes and grpc_health_probe can ask whether the
 * server (service "") and the catalog (its fully-qualified service name) are
 * serving, and whether writes can succeed (WRITES_HEALTH). Status lives on
 * one board; StoreHealthMonitor keeps it in step with the store.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../gen/ts/src/grpc/health/v1/health_pb.js";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { CatalogError, quoted } from "../errors/index.js";
import type { Logger } from "../logging/index.js";
import { type Settle, STORE_WRITES, type StoreObserver, type StoreOperation } from "../storage/observed.js";

export { ServingStatus };

/** The service name that stands for the whole server in the health protocol. */
export const OVERALL_HEALTH = "";

/** The services the board tracks unless told otherwise (WRITES_HEALTH: see StoreHealthMonitor). */
export const DEFAULT_HEALTH_SERVICES: readonly string[] = [
  OVERALL_HEALTH,
  CatalogService.typeName,
  `${CatalogService.typeName}/writes`,
];

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
        throw new ConnectError(`unknown service ${quoted(request.service)}`, Code.NotFound);
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
  /** false when writes cannot succeed while reads can (a hybrid store's primary is down). */
  writable?: boolean;
}

/** The health service that says whether writes can succeed (reads may still work when they cannot). */
export const WRITES_HEALTH = `${CatalogService.typeName}/writes`;

export interface StoreHealthMonitorOptions {
  /** How often the store is asked when nothing else prompts a check. */
  intervalMs: number;
  /** The least time between two checks prompted by failing calls. */
  minGapMs?: number;
}

/**
 * Keeps the board in step with the store. Two sources:
 *   - the store's own health check, polled every intervalMs and also soon
 *     after any store call fails UNAVAILABLE: it sets the catalog service
 *     (readiness: can the catalog answer?); when it fails, writes are down
 *     too, and so they are when it says reads work but writes cannot (a
 *     hybrid store whose primary is down), until a check says they can.
 *     The server itself ("") stays SERVING until shutdown: it says the
 *     process is alive, so a liveness probe never restarts a replica for a
 *     store outage that a restart cannot cure;
 *   - how writes end (this is a StoreObserver, see storage/observed.ts): a
 *     write that fails UNAVAILABLE takes WRITES_HEALTH down at once (a full
 *     disk under the embedded store, a primary that refuses writes), a write
 *     that commits brings it back, and so does the store's check recovering
 *     from an outage it saw. A store check cannot try a write without making
 *     one, so while no write is attempted the writes status stays as the
 *     last one left it.
 * Each transition is logged once: a store outage at warn, writes going down
 * at error (data cannot be published), recoveries at info.
 * The constructor starts nothing: `check()` is one step; `startPolling()` polls.
 */
export class StoreHealthMonitor implements StoreObserver {
  private storeOk: boolean | undefined;
  private writesOk = true;
  /** The last check said writes cannot succeed while reads can. */
  private unwritable = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastCheckAt = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private readonly minGapMs: number;
  /** When the armed timer fires (performance.now() time). */
  private nextAt = 0;

  constructor(
    private readonly board: HealthStatusBoard,
    private readonly storeHealth: () => Promise<StoreHealth>,
    private readonly logger: Logger,
    private readonly options: StoreHealthMonitorOptions,
  ) {
    this.minGapMs = options.minGapMs ?? 250;
  }

  /** Asks the store once and applies the answer (a check that throws counts as unhealthy). */
  check(): Promise<void> {
    this.running ??= this.runCheck().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Checks now, then every intervalMs (and sooner when calls fail) until stop(). */
  startPolling(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** StoreObserver: writes are watched both ways, reads only for outages. */
  start(operation: StoreOperation): Settle {
    return STORE_WRITES.has(operation) ? this.settleWrite : this.settleRead;
  }

  private readonly settleWrite: Settle = (error) => {
    if (error === undefined) this.setWrites(true, "a write committed");
    else if (isOutage(error)) {
      this.setWrites(false, error.message);
      this.checkSoon();
    }
  };

  private readonly settleRead: Settle = (error) => {
    if (error !== undefined && isOutage(error)) this.checkSoon();
  };

  private checkSoon(): void {
    if (!this.stopped) this.schedule(Math.max(0, this.lastCheckAt + this.minGapMs - performance.now()));
  }

  private async runCheck(): Promise<void> {
    this.lastCheckAt = performance.now();
    let health: StoreHealth;
    try {
      health = await this.storeHealth();
    } catch (err) {
      health = { ok: false, detail: `health check failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (this.stopped || this.board.isShutDown) return;
    const status = health.ok ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    this.board.set(CatalogService.typeName, status);
    const recovered = health.ok && this.storeOk === false;
    if (health.ok !== this.storeOk) {
      if (health.ok) this.logger.info("store healthy: serving", { detail: health.detail });
      else this.logger.warn("store unhealthy: not serving", { detail: health.detail });
      this.storeOk = health.ok;
    }
    if (!health.ok || health.writable === false) this.setWrites(false, health.detail);
    else if (recovered || (health.writable === true && this.unwritable)) this.setWrites(true, "the store recovered");
    this.unwritable = health.writable === false;
  }

  private setWrites(ok: boolean, reason: string): void {
    if (this.stopped || this.board.isShutDown) return;
    this.board.set(WRITES_HEALTH, ok ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    if (ok === this.writesOk) return;
    this.writesOk = ok;
    if (ok) this.logger.info("writes available again", { service: WRITES_HEALTH, reason });
    else
      this.logger.error("writes unavailable: publishing fails until the store takes writes again", {
        service: WRITES_HEALTH,
        reason,
      });
  }

  /** (Re)arms the timer to fire in `delayMs`, unless it already fires sooner. */
  private schedule(delayMs: number): void {
    if (this.stopped) return;
    const at = performance.now() + delayMs;
    if (this.timer !== undefined && this.nextAt <= at) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.nextAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.check().then(() => this.schedule(this.options.intervalMs));
    }, delayMs);
    this.timer.unref();
  }
}

function isOutage(error: unknown): error is CatalogError {
  return error instanceof CatalogError && error.code === "UNAVAILABLE";
}
