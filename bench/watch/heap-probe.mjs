/**
 * Preloaded into the server by bench/watch/run.ts during a flatness run
 * (`node --import ./bench/watch/heap-probe.mjs ...`): every
 * NESTOR_BENCH_HEAP_PROBE_MS it writes one line to stdout,
 *   heap-probe {"rss":…,"external":…,"arrayBuffers":…,"spaces":{"old_space":[committed, used],…}}
 * (bytes), so the bench can tell which of V8's spaces (or memory outside
 * the JS heap) an RSS change comes from. Bench-only; the catalog never loads it.
 */
import { getHeapSpaceStatistics } from "node:v8";

const everyMs = Number(process.env.NESTOR_BENCH_HEAP_PROBE_MS ?? "0");
if (everyMs > 0) {
  setInterval(() => {
    const memory = process.memoryUsage();
    const spaces = {};
    for (const space of getHeapSpaceStatistics()) spaces[space.space_name] = [space.space_size, space.space_used_size];
    process.stdout.write(
      `heap-probe ${JSON.stringify({ rss: memory.rss, external: memory.external, arrayBuffers: memory.arrayBuffers, spaces })}\n`,
    );
  }, everyMs).unref();
}
