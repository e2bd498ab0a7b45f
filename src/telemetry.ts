/**
 * Metrics and tracing for the composition root, built from config and the
 * OTEL_* environment: Prometheus metrics when the admin listener is on
 * (server.admin.port > 0), OpenTelemetry traces when the environment asks
 * (src/observability/tracing.ts). What is off installs nothing: no
 * interceptor, no store observer, no listener.
 */

import type { Interceptor } from "@connectrpc/connect";
import { startAdminServer } from "./api/admin-server.js";
import { metricsInterceptor } from "./api/metrics-interceptor.js";
import { tracingInterceptor } from "./api/tracing-interceptor.js";
import type { SyncHooks } from "./catalog/sync/repository-sync.js";
import type { CleanupStack } from "./cleanup-stack.js";
import type { CatalogConfig } from "./config/schema.js";
import type { Logger } from "./logging/index.js";
import { CatalogMetrics } from "./observability/metrics.js";
import { openTracing } from "./observability/tracing.js";
import type { StoreObserver } from "./storage/observed.js";
import { packageVersion } from "./version.js";

export interface Telemetry {
  readonly metrics: CatalogMetrics | undefined;
  /** Interceptors to run inside the call interceptor, outermost first. */
  readonly interceptors: Interceptor[];
  storeObservers(backend: string): StoreObserver[];
  /** What Git sync tells metrics and tracing. */
  readonly syncHooks: SyncHooks;
  /** Starts the admin listener (when on) and registers its close. */
  startAdmin(cleanup: CleanupStack): Promise<void>;
}

export function openTelemetry(
  config: CatalogConfig,
  logger: Logger,
  env: NodeJS.ProcessEnv,
  cleanup: CleanupStack,
): Telemetry {
  const metrics = config.server.admin.port > 0 ? new CatalogMetrics() : undefined;
  const tracing = openTracing(env, logger.child({ component: "tracing" }), packageVersion());
  if (tracing !== undefined) cleanup.defer(() => tracing.shutdown());
  const interceptors: Interceptor[] = [];
  if (tracing !== undefined) interceptors.push(tracingInterceptor(tracing.tracer));
  if (metrics !== undefined) interceptors.push(metricsInterceptor(metrics));
  return {
    metrics,
    interceptors,
    storeObservers: (backend) => [
      ...(metrics !== undefined ? [metrics.storeObserver(backend)] : []),
      ...(tracing !== undefined ? [tracing.storeObserver(backend)] : []),
    ],
    syncHooks: {
      ...(tracing !== undefined ? { around: tracing.around } : {}),
      ...(metrics !== undefined ? { finished: (repository, run) => metrics.syncFinished(repository, run) } : {}),
    },
    async startAdmin(stack) {
      if (metrics === undefined) return;
      const admin = await startAdminServer(config.server.admin, metrics, logger.child({ component: "admin" }));
      stack.defer(() => admin.close());
    },
  };
}
