/**
 * The composition root as a library: config → logger → telemetry → store
 * (+ cache) → manager → event feed → Git sync → server. Each piece registers
 * how it stops on one cleanup stack, so a refused start and a shutdown undo
 * the same steps in reverse. src/main.ts wraps it in a CLI; tests call it to
 * run a real server on a free port.
 */
import { type ConnectRouter, createMethodImplSpec } from "@connectrpc/connect";
import { file_google_rpc_error_details } from "../gen/ts/src/google/rpc/error_details_pb.js";
import { file_grpc_health_v1_health } from "../gen/ts/src/grpc/health/v1/health_pb.js";
import {
  CatalogService,
  file_nestor_catalog_v1_catalog_service,
} from "../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { file_nestor_catalog_v1_sync_service, SyncService } from "../gen/ts/src/nestor/catalog/v1/sync_service_pb.js";
import { prepareAuthorization } from "./api/auth/index.js";
import { catalogServiceHandlers } from "./api/catalog-service.js";
import { HealthStatusBoard, registerHealth, StoreHealthMonitor } from "./api/health.js";
import { withCallInterceptor } from "./api/interceptors.js";
import { meteredFeed } from "./api/metered-feed.js";
import { registerReflection } from "./api/reflection.js";
import { serve } from "./api/server.js";
import { serverSentEventsRoute } from "./api/sse-events.js";
import { syncServiceHandlers } from "./api/sync-service.js";
import { webAppRoute } from "./api/web-app.js";
import { type Clock, systemClock } from "./catalog/clock.js";
import { Manager } from "./catalog/manager.js";
import { withResolutionWatch } from "./catalog/resolution-watch.js";
import { retentionEnabled, startRetentionLoop } from "./catalog/retention.js";
import {
  GitSync,
  InProcessSyncStateStore,
  type RepositorySyncStatus,
  type SyncStateStore,
} from "./catalog/sync/index.js";
import type { SyncHooks } from "./catalog/sync/repository-sync.js";
import { EventFeed } from "./catalog/watch.js";
import { CleanupStack } from "./cleanup-stack.js";
import type { CatalogConfig } from "./config/schema.js";
import { tuneHeapForServing } from "./heap-tuning.js";
import type { Logger } from "./logging/index.js";
import { openSharedSyncState, openStore } from "./storage/factory.js";
import { observeStore } from "./storage/observed.js";
import type { CatalogStore } from "./storage/store.js";
import { openTelemetry } from "./telemetry.js";

export interface CatalogServer {
  readonly url: string;
  readonly port: number;
  readonly store: CatalogStore;
  readonly manager: Manager;
  /** Git synchronisation of sync.repositories. */
  readonly sync: GitSync;
  /** Drains and stops: health NOT_SERVING, watches and event streams end UNAVAILABLE, GOAWAY, then the store closes. */
  shutdown(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  /** Use this store instead of opening the configured one (tests). */
  store?: CatalogStore;
  /** How often event log retention runs (default every minute); tests shorten it. */
  retentionIntervalMs?: number;
  /** Share Git sync leases and statuses with other servers in this process (tests); default in-process. */
  syncState?: SyncStateStore;
  /** OTEL_* variables for tracing; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

export async function startCatalogServer(
  config: CatalogConfig,
  logger: Logger,
  options: StartOptions = {},
): Promise<CatalogServer> {
  tuneHeapForServing();
  const cleanup = new CleanupStack();
  try {
    return await assemble(config, logger, options, cleanup);
  } catch (err) {
    await cleanup.close();
    throw err;
  }
}

/** Starts each piece in order, registering how it stops; the last registered stops first. */
async function assemble(
  config: CatalogConfig,
  logger: Logger,
  options: StartOptions,
  cleanup: CleanupStack,
): Promise<CatalogServer> {
  const clock = options.clock ?? systemClock;
  const telemetry = openTelemetry(config, logger, options.env ?? process.env, cleanup);
  const health = new HealthStatusBoard();
  const metrics = telemetry.metrics;
  const onCacheLookup = config.cache.type !== "none" ? metrics?.cacheLookups(config.cache.type) : undefined;
  const opened =
    options.store ??
    (await openStore(config.storage, config.cache, logger, {
      ...(onCacheLookup ? { onCacheLookup } : {}),
      ...(metrics !== undefined
        ? { onReplicaLag: (replica, revisions, seconds) => metrics.replicaLag(replica, revisions, seconds) }
        : {}),
    }));
  cleanup.defer(() => opened.close());
  const monitor = new StoreHealthMonitor(health, () => opened.health(), logger.child({ component: "health" }), {
    intervalMs: config.server.healthCheckIntervalMs,
  });
  const store = observeStore(opened, [monitor, ...telemetry.storeObservers(opened.kind)]);
  const manager = new Manager(store, clock, logger.child({ component: "manager" }));
  const feed = await EventFeed.start(store, logger.child({ component: "events" }), {
    progressIntervalMs: config.events.progressIntervalMs,
  });
  cleanup.defer(() => feed.close());
  const gitSync = await startGitSync(config, logger, options, manager, telemetry.syncHooks, cleanup);
  monitor.startPolling();
  cleanup.defer(() => monitor.stop());
  telemetry.metrics?.track({ health, feed });
  const followed = withResolutionWatch(feed, store);
  const watchFeed = telemetry.metrics !== undefined ? meteredFeed(followed, telemetry.metrics) : followed;
  const catalogHandlers = catalogServiceHandlers({ manager, feed: watchFeed });
  // Bind policy and key material are checked here, so a refused start closes the store too.
  const authorization = await prepareAuthorization(config, {
    logger,
    ...(telemetry.metrics ? { observer: telemetry.metrics.authObserver() } : {}),
  });
  const interceptors = [...telemetry.interceptors, ...authorization];
  const server = await serve({
    config: config.server,
    logger,
    routes: (router) => registerServices(router, catalogHandlers, gitSync, health),
    interceptors,
    // WatchEvents streams idle for hours: over gRPC they skip connect-node's per-stream objects.
    rawGrpcStreams: [createMethodImplSpec(CatalogService.method.watchEvents, catalogHandlers.watchEvents)],
    // GET /v1/events: WatchEvents as Server-Sent Events, behind the same interceptor instances (shared limits).
    httpRoutes: [
      serverSentEventsRoute({ feed: watchFeed, logger, interceptors: withCallInterceptor(logger, interceptors) }),
      webAppRoute(config.server.webAppDir, logger.child({ component: "web-app" })),
    ],
  });
  cleanup.defer(() => server.close(config.server.shutdownGraceMs));
  await telemetry.startAdmin(cleanup);
  startRetention(config, store, logger, options, clock, cleanup);
  // Runs first at shutdown: health says NOT_SERVING and watches end UNAVAILABLE before connections drain.
  cleanup.defer(() => {
    logger.info("shutting down", { grace_ms: config.server.shutdownGraceMs });
    monitor.stop();
    health.shutdown();
    feed.close();
  });
  gitSync.start();
  return {
    url: server.url,
    port: server.address.port,
    store,
    manager,
    sync: gitSync,
    shutdown: async () => {
      await cleanup.close();
      logger.info("stopped");
    },
  };
}

function registerServices(
  router: ConnectRouter,
  catalogHandlers: ReturnType<typeof catalogServiceHandlers>,
  gitSync: GitSync,
  health: HealthStatusBoard,
): void {
  router.service(CatalogService, catalogHandlers);
  router.service(SyncService, syncServiceHandlers(gitSync));
  registerHealth(router, health);
  // error_details lets reflection clients decode the google.rpc.BadRequest details of errors.
  registerReflection(router, [
    file_nestor_catalog_v1_catalog_service,
    file_nestor_catalog_v1_sync_service,
    file_grpc_health_v1_health,
    file_google_rpc_error_details,
  ]);
}

/**
 * Git sync (docs/git-sync.md). Leases and statuses are shared through the catalog's database
 * (storage/factory.ts), in-process for the backends that serve one replica by nature.
 */
async function startGitSync(
  config: CatalogConfig,
  logger: Logger,
  options: StartOptions,
  manager: Manager,
  hooks: SyncHooks,
  cleanup: CleanupStack,
): Promise<GitSync> {
  let state = options.syncState;
  if (state === undefined && config.sync.repositories.length > 0) {
    const shared = await openSharedSyncState<RepositorySyncStatus>(config.storage, logger);
    if (shared !== undefined) {
      cleanup.defer(() => shared.close());
      state = shared;
    }
  }
  const gitSync = new GitSync({
    config: config.sync,
    manager,
    state: state ?? new InProcessSyncStateStore(),
    clock: options.clock ?? systemClock,
    logger: logger.child({ component: "git-sync" }),
    hooks,
  });
  cleanup.defer(() => gitSync.close());
  return gitSync;
}

/** Event log retention: every replica compacts by count/age; compaction is idempotent. */
function startRetention(
  config: CatalogConfig,
  store: CatalogStore,
  logger: Logger,
  options: StartOptions,
  clock: Clock,
  cleanup: CleanupStack,
): void {
  const policy = { maxEvents: config.events.retentionMaxEvents, maxAgeHours: config.events.retentionMaxAgeHours };
  if (!retentionEnabled(policy)) return;
  const loop = startRetentionLoop(store, policy, logger.child({ component: "retention" }), {
    intervalMs: options.retentionIntervalMs ?? 60_000,
    clock,
  });
  cleanup.defer(() => loop.stop());
}
