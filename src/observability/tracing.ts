/**
 * OpenTelemetry tracing, configured by the standard OTEL_* environment
 * variables and off unless asked for: on when OTEL_TRACES_EXPORTER is "otlp"
 * or an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), and never when OTEL_SDK_DISABLED is
 * "true". Spans go out over OTLP/HTTP (the exporter reads its endpoint,
 * headers and timeout from the same variables) in batches.
 *
 * Off means nothing is installed: no interceptor, no store observer, so the
 * unary hot path pays nothing. On, the context travels with AsyncLocalStorage
 * (one context manager per process) and the caller's W3C `traceparent` is
 * continued.
 */
import { context, propagation, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { CatalogError } from "../errors/index.js";
import type { Logger } from "../logging/index.js";
import type { Settle, StoreObserver } from "../storage/observed.js";

export interface Tracing {
  readonly tracer: Tracer;
  /** A span around a Git sync run ("sync") or one of its steps, in the run's trace. */
  around<T>(step: string, repository: string, work: () => Promise<T>): Promise<T>;
  /** Spans around store operations, children of the call's span. */
  storeObserver(backend: string): StoreObserver;
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

export function tracingEnabled(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === "true") return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? "").split(",").map((name) => name.trim());
  if (exporters.includes("none")) return false;
  return (
    exporters.includes("otlp") ||
    (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? "") !== "" ||
    (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? "") !== ""
  );
}

let contextInstalled = false;

/** Tracing as the environment asks, or undefined when it is off. */
export function openTracing(env: NodeJS.ProcessEnv, logger: Logger, version: string): Tracing | undefined {
  if (!tracingEnabled(env)) return undefined;
  if (!contextInstalled) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    contextInstalled = true;
  }
  const resource = defaultResource().merge(
    resourceFromAttributes({
      "service.name": env.OTEL_SERVICE_NAME ?? "nestor-catalog",
      "service.version": version,
    }),
  );
  const provider = new TracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  });
  const tracer = provider.getTracer("nestor-catalog", version);
  logger.info("tracing on: spans go out over OTLP/HTTP", {
    endpoint: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT ?? "(exporter default)",
  });
  return {
    tracer,
    storeObserver: (backend) => storeSpans(tracer, backend),
    around: (step, repository, work) =>
      tracer.startActiveSpan(
        step === "sync" ? `git-sync ${repository}` : `git-sync ${step}`,
        { kind: SpanKind.INTERNAL, attributes: { "nestor.sync.repository": repository } },
        (span) =>
          work().then(
            (result) => {
              endSpan(span, undefined);
              return result;
            },
            (error: unknown) => {
              endSpan(span, error);
              throw error;
            },
          ),
      ),
    shutdown: () => provider.shutdown(),
  };
}

function storeSpans(tracer: Tracer, backend: string): StoreObserver {
  return {
    start(operation): Settle | undefined {
      // A store call outside any traced call (the event feed's reads, retention) opens no root span of its own.
      if (trace.getSpan(context.active()) === undefined) return undefined;
      const span = tracer.startSpan(`store ${operation}`, {
        kind: SpanKind.INTERNAL,
        attributes: { "nestor.store.backend": backend, "nestor.store.operation": operation },
      });
      return (error) => endSpan(span, error);
    },
  };
}

/** Ends `span`, marking it an error when `error` is a server-side failure. */
export function endSpan(span: Span, error: unknown): void {
  if (error !== undefined) {
    const code = error instanceof CatalogError ? error.code : "INTERNAL";
    span.setAttribute("nestor.error.code", code);
    if (code === "INTERNAL" || code === "UNAVAILABLE" || code === "DEADLINE_EXCEEDED") {
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
    }
  }
  span.end();
}
