/**
 * The composition root as a library: config → logger → store (+ cache) →
 * manager → event feed → server. src/main.ts wraps it in a CLI; tests call it
 * to run a real server on a free port.
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
import { registerReflection } from "./api/reflection.js";
import { type RunningServer, serve } from "./api/server.js";
import { syncServiceHandlers } from "./api/sync-service.js";
import { type Clock, systemClock } from "./catalog/clock.js";
import { Manager } from "./catalog/manager.js";
import { type RetentionLoop, retentionEnabled, startRetentionLoop } from "./catalog/retention.js";
import {
  GitSync,
  InProcessSyncStateStore,
  type RepositorySyncStatus,
  type SyncStateStore,
} from "./catalog/sync/index.js";
import { EventFeed } from "./catalog/watch.js";
import type { CatalogConfig } from "./config/schema.js";
import type { Logger } from "./logging/index.js";
import { DynamoSyncStateStore } from "./storage/dynamodb/sync-state.js";
import { openStore } from "./storage/factory.js";
import { observeStore } from "./storage/observed.js";
import { PostgresSyncStateStore } from "./storage/postgres/sync-state.js";
import type { CatalogStore } from "./storage/store.js";

export interface CatalogServer {
  readonly url: string;
  readonly port: number;
  readonly store: CatalogStore;
  readonly manager: Manager;
  /** Git synchronisation of sync.repositories. */
  readonly sync: GitSync;
  /** Drains and stops: health NOT_SERVING, watches end UNAVAILABLE, GOAWAY, then the store closes. */
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
}

export async function startCatalogServer(
  config: CatalogConfig,
  logger: Logger,
  options: StartOptions = {},
): Promise<CatalogServer> {
  const health = new HealthStatusBoard();
  const monitor = new StoreHealthMonitor(health, () => opened.health(), logger.child({ component: "health" }), {
    intervalMs: config.server.healthCheckIntervalMs,
  });
  const opened = options.store ?? (await openStore(config.storage, config.cache, logger));
  const store = observeStore(opened, monitor);
  const manager = new Manager(store, options.clock ?? systemClock, logger.child({ component: "manager" }));
  const feed = await EventFeed.start(store, logger.child({ component: "events" }), {
    progressIntervalMs: config.events.progressIntervalMs,
  });
  // ---- Git sync (docs/git-sync.md). Leases and statuses are shared through postgres or DynamoDB when
  // the catalog is there, in-process otherwise (memory, embedded: one replica by nature).
  let sharedSyncState: SharedSyncState | undefined;
  if (!options.syncState && config.sync.repositories.length > 0) {
    try {
      sharedSyncState = await openSharedSyncState(config, logger);
    } catch (err) {
      feed.close();
      await store.close();
      throw err;
    }
  }
  const gitSync = new GitSync({
    config: config.sync,
    manager,
    state: options.syncState ?? sharedSyncState ?? new InProcessSyncStateStore(),
    clock: options.clock ?? systemClock,
    logger: logger.child({ component: "git-sync" }),
  });
  // ---- end Git sync
  monitor.start();
  const stopProbe = () => monitor.stop();
  const catalogHandlers = catalogServiceHandlers({ manager, feed });
  const routes = (router: ConnectRouter) => {
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
  };
  let server: RunningServer;
  try {
    // Bind policy and key material are checked here, so a refused start closes the store too.
    const authorization = await prepareAuthorization(config, { logger });
    server = await serve({
      config: config.server,
      logger,
      routes,
      interceptors: authorization,
      // WatchEvents streams idle for hours: over gRPC they skip connect-node's per-stream objects.
      rawGrpcStreams: [createMethodImplSpec(CatalogService.method.watchEvents, catalogHandlers.watchEvents)],
    });
  } catch (err) {
    stopProbe();
    feed.close();
    await sharedSyncState?.close();
    await store.close();
    throw err;
  }
  // Event log retention: every replica compacts by count/age; compaction is idempotent.
  const retentionPolicy = {
    maxEvents: config.events.retentionMaxEvents,
    maxAgeHours: config.events.retentionMaxAgeHours,
  };
  const retention: RetentionLoop | undefined = retentionEnabled(retentionPolicy)
    ? startRetentionLoop(store, retentionPolicy, logger.child({ component: "retention" }), {
        intervalMs: options.retentionIntervalMs ?? 60_000,
        clock: options.clock ?? systemClock,
      })
    : undefined;

  gitSync.start();

  let stopping: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.address.port,
    store,
    manager,
    sync: gitSync,
    shutdown() {
      stopping ??= (async () => {
        logger.info("shutting down", { grace_ms: config.server.shutdownGraceMs });
        stopProbe();
        health.shutdown();
        feed.close();
        await server.close(config.server.shutdownGraceMs);
        await gitSync.close();
        await sharedSyncState?.close();
        await retention?.stop();
        await store.close();
        logger.info("stopped");
      })();
      return stopping;
    },
  };
}

type SharedSyncState = PostgresSyncStateStore<RepositorySyncStatus> | DynamoSyncStateStore<RepositorySyncStatus>;

/** The sync lease and status store shared by every replica on the catalog's database; none for in-process stores. */
async function openSharedSyncState(config: CatalogConfig, logger: Logger): Promise<SharedSyncState | undefined> {
  if (config.storage.type === "postgres")
    return PostgresSyncStateStore.open<RepositorySyncStatus>(config.storage.postgres, logger);
  if (config.storage.type === "dynamodb")
    return DynamoSyncStateStore.open<RepositorySyncStatus>(config.storage.dynamodb, logger);
  return undefined;
}
