/**
 * Two V8 settings for a serving process, applied when the server starts.
 *
 * 1. `--external-memory-accounted-in-global-limit`: external memory
 *    (ArrayBuffers: request and response bytes, compression buffers) counts
 *    toward the heap's own collection limit instead of starting a full
 *    collection every time it has grown by 64 MiB.
 *
 *    Why: a catalog holds a large, steady live heap (about 160-220 MB at
 *    100,000 versions) while every call makes short-lived external memory:
 *    a 74 KB list page in JSON, its gzip buffers, the binary encoding of a
 *    gRPC answer. With V8's fixed 64 MiB trigger a few thousand calls/s
 *    start a full collection every 1-3 s ("external memory pressure" and
 *    "task" in --trace-incremental-marking), and each marks the whole heap
 *    for 100-250 ms of the server's core, whatever little of it changed. A
 *    bare server with a 40 MB heap pays the same trigger for a tenth of the
 *    cost, so the catalog's tail was several times the bare one's.
 *    Measured with bench/unary's servers (embedded store, Connect
 *    ListComponents pages at 208/s, 70% of the bare server's rate, 5 windows
 *    of 2 s): p99 221 ms and 2.8 ms CPU per page without this, 58-61 ms and
 *    2.2 ms with it, against the bare server's 60-90 ms; full collections
 *    over the run 10 -> 3. Memory: external garbage may now grow with the
 *    heap's limit (live heap times V8's growing factor) before it is
 *    collected, tens of MB at this size, where V8's fixed trigger allows
 *    64 MiB.
 *
 * 2. `--no-allocation-site-pretenuring`: every object starts in the young
 *    generation. With V8's default, an allocation site most of whose
 *    objects survive a scavenge (of a full-sized young generation) is
 *    switched to allocating straight into the old generation, and Node's
 *    HTTP/2 stream objects are such sites under load. From then on every
 *    call's stream, its stream states and its response headers are
 *    old-generation garbage that only a full collection frees (the sampling
 *    heap profiler, counting objects freed by full collections only, over a
 *    minute at 2,400 calls/s: 33 MB from the Http2Stream constructor, 29 MB
 *    from respond(), 28 MB from Readable.on). The old generation then grew
 *    by ~1.5 KB per call, and the catalog marked its ~190 MB live heap every
 *    ~85 s at that rate: a 300 ms stall each time on the server's one core.
 *    Measured with bench/unary/full-collections.ts (memory store, gRPC
 *    `^1.2.0` gets at 2,400/s for 100 s): with the flag 732-737 bytes per
 *    call reach the old generation instead of 1,513 (41 on the embedded
 *    store), no full collection fell in the window instead of one, p99.9
 *    43-47 ms and the slowest call 54-56 ms instead of 220 and 259 ms, at the
 *    same CPU per call. Objects that do live long (the catalog itself) are
 *    copied once more on their way to the old generation; opening an
 *    embedded store of 100,000 versions took 1.83 s with it and 1.85 s
 *    without (medians of 8 alternating runs), with the same 140 MB heap.
 *
 * V8 reads both flags whenever it checks its limits or a scavenge's
 * survivors, so setting them at run time (not only on the command line)
 * takes effect; a site already switched before the server starts stays
 * switched, which is why the server sets them before opening its store.
 * The first is off by default in Node 24 (V8 13.6). Applied only from that
 * V8 on: older versions do not have the first flag, V8 prints an error for
 * a flag it does not know, and the second was measured only there. An
 * operator's NODE_OPTIONS cannot carry them (Node allows only a short list
 * of V8 flags there), which is why the server sets them itself.
 * heap-tuning.test.ts fails when an upgrade stops either from working.
 */
import { setFlagsFromString } from "node:v8";

export const EXTERNAL_MEMORY_FLAG = "--external-memory-accounted-in-global-limit";
export const NO_PRETENURING_FLAG = "--no-allocation-site-pretenuring";

/** The first V8 release it was measured on; older ones are left at their defaults. */
const MIN_V8 = [13, 6] as const;

export function v8Supports(version = process.versions.v8): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major > MIN_V8[0] || (major === MIN_V8[0] && minor >= MIN_V8[1]);
}

/** Applies the settings (idempotent); returns whether they were applied. */
export function tuneHeapForServing(): boolean {
  if (!v8Supports()) return false;
  setFlagsFromString(EXTERNAL_MEMORY_FLAG);
  setFlagsFromString(NO_PRETENURING_FLAG);
  return true;
}
