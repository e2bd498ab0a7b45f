/**
 * The event feed as watch endpoints see it, counted: streams open, events
 * sent, and how far behind the head each batch is when it goes out
 * (nestor_watch_lag_revisions). Installed only when metrics are on; batches
 * pass through a forwarding iterator, one counter update per batch.
 */
import type { WatchBatch, WatchFeed, WatchFilter, WatchOptions } from "../catalog/watch.js";
import type { CatalogMetrics } from "../observability/metrics.js";
import { observeStream } from "./stream-end.js";

export function meteredFeed(feed: WatchFeed, metrics: CatalogMetrics): WatchFeed {
  return {
    get headRevision() {
      return feed.headRevision;
    },
    watch(
      startRevision: number,
      filter: WatchFilter,
      signal: AbortSignal,
      options?: WatchOptions,
    ): AsyncIterable<WatchBatch> {
      const batches = feed.watch(startRevision, filter, signal, options);
      return {
        [Symbol.asyncIterator]() {
          metrics.watchStreams.inc();
          return observeStream(batches, {
            message(batch) {
              if (batch.events.length === 0) return;
              metrics.watchEventsSent.inc(batch.events.length);
              metrics.watchLag.observe(Math.max(0, feed.headRevision - batch.revision));
            },
            end: () => metrics.watchStreams.dec(),
          })[Symbol.asyncIterator]();
        },
      };
    },
  };
}
