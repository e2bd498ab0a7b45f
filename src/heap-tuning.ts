/**
 * One V8 setting for a serving process, applied when the server starts:
 * external memory (ArrayBuffers: request and response bytes, compression
 * buffers) counts toward the heap's own collection limit instead of
 * starting a full collection every time it has grown by 64 MiB.
 *
 * Why: a catalog holds a large, steady live heap (about 160-220 MB at
 * 100,000 versions) while every call makes short-lived external memory:
 * a 74 KB list page in JSON, its gzip buffers, the binary encoding of a
 * gRPC answer. With V8's fixed 64 MiB trigger a few thousand calls/s
 * start a full collection every 1-3 s ("external memory pressure" and
 * "task" in --trace-incremental-marking), and each marks the whole heap
 * for 100-250 ms of the server's core, whatever little of it changed. A
 * bare server with a 40 MB heap pays the same trigger for a tenth of the
 * cost, so the catalog's tail was several times the bare one's.
 * Measured with bench/unary's servers (embedded store, Connect
 * ListComponents pages at 208/s, 70% of the bare server's rate, 5 windows
 * of 2 s): p99 221 ms and 2.8 ms CPU per page without this, 58-61 ms and
 * 2.2 ms with it, against the bare server's 60-90 ms; full collections
 * over the run 10 -> 3. Memory: external garbage may now grow with the
 * heap's limit (live heap times V8's growing factor) before it is
 * collected, tens of MB at this size, where V8's fixed trigger allows
 * 64 MiB.
 *
 * V8 reads the flag whenever it checks its limits, so setting it at run
 * time (not only on the command line) takes effect; it is off by default
 * in Node 24 (V8 13.6). Applied only from that V8 on: older versions do
 * not have the flag, and V8 prints an error for a flag it does not know.
 * An operator's NODE_OPTIONS cannot carry it (Node allows only a short
 * list of V8 flags there), which is why the server sets it itself.
 * heap-tuning.test.ts fails when an upgrade stops it from working.
 */
import { setFlagsFromString } from "node:v8";

export const EXTERNAL_MEMORY_FLAG = "--external-memory-accounted-in-global-limit";

/** The first V8 release it was measured on; older ones are left at their defaults. */
const MIN_V8 = [13, 6] as const;

export function v8Supports(version = process.versions.v8): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major > MIN_V8[0] || (major === MIN_V8[0] && minor >= MIN_V8[1]);
}

/** Applies the setting (idempotent); returns whether it was applied. */
export function tuneHeapForServing(): boolean {
  if (!v8Supports()) return false;
  setFlagsFromString(EXTERNAL_MEMORY_FLAG);
  return true;
}
