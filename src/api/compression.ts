/**
 * The compressions every path accepts (connect-node's gzip and br), with two
 * changes to connect-node's own:
 *
 * - A body that does not decompress gets one answer: INTERNAL, as the gRPC
 *   status code table has it ("could not decompress, but compression
 *   algorithm supported"), like a message that does not decode, with a
 *   message naming the encoding and the decoder's reason. connect-node
 *   itself answers corrupt data INVALID_ARGUMENT but truncated data INTERNAL
 *   ("decompression failed"); a body past server.maxRequestBytes once
 *   decompressed stays RESOURCE_EXHAUSTED.
 * - A gzip response of at most SYNC_GZIP_MAX_BYTES is compressed with
 *   zlib.gzipSync instead of connect-node's zlib.gzip (a stream per call:
 *   a Transform, a thread-pool trip and a deflate state alive until it
 *   ends). The bytes are the same; the cost is not. Measured with
 *   bench/unary (Connect JSON, clients accepting gzip, 3 alternating rounds
 *   on a quiet 2-core VM): GetComponent went from 0.82-0.84x the bare
 *   server's requests/s at 1.26-1.36x its CPU per request to 1.05-1.12x at
 *   0.86-0.94x, because the per-call streams and their deflate states
 *   drove full collections of the catalog's large heap. A 2-3 KB response
 *   compresses in tens of microseconds, a list page of 50 Components
 *   (about 150 KB of JSON) in about a millisecond; larger responses (a page
 *   of hundreds) keep the asynchronous path so the event loop is never held
 *   for long. List pages through the stream started a full collection of
 *   the embedded server's heap every 1.5-2.5 s (--trace-gc, Connect pages
 *   at 540/s after bench/unary's priming): p99 244-277 ms at that load,
 *   780-950 pages/s at full speed; inline, no full collection in the same
 *   windows, p99 4-8 ms, 1,100-1,140 pages/s.
 * - The inline gzip's output chunk is about half the input instead of
 *   zlib's 16 KiB. Each call takes its chunk from Buffer's shared pool, and
 *   the pool's ArrayBuffers are external memory to V8, which starts a full
 *   collection whenever external memory has grown by 64 MiB, whatever the
 *   heap's own size. At 1,260 Connect calls/s (bench/unary, 70% load), 16
 *   KiB per call started one every ~3 s ("external memory pressure" in
 *   --trace-incremental-marking), each marking the catalog's ~220 MB heap
 *   for 100-250 ms of the server's one core: GetComponent's p99 was ~235
 *   ms against the bare server's ~65 ms. With ~1.5 KiB per call no
 *   collection starts that way in the same run and the p99 is ~75 ms.
 */
import { gzipSync } from "node:zlib";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Compression } from "@connectrpc/connect/protocol";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";

/** Responses up to this size are gzipped synchronously (see the module header); a few milliseconds at most. */
const SYNC_GZIP_MAX_BYTES = 256 * 1024;
/** zlib's default output chunk, the most the inline gzip takes. */
const ZLIB_CHUNK_BYTES = 16 * 1024;

/**
 * The inline gzip's output chunk for `inputBytes`: about half the input (JSON compresses by more than that,
 * so one chunk usually holds the whole output; a larger output takes a few).
 */
function inlineChunkBytes(inputBytes: number): number {
  return Math.min(ZLIB_CHUNK_BYTES, Math.max(512, inputBytes >>> 1));
}

function compressSmallInline(compression: Compression): Compression["compress"] {
  if (compression.name !== "gzip") return (bytes) => compression.compress(bytes);
  return (bytes) => {
    if (bytes.byteLength > SYNC_GZIP_MAX_BYTES) return compression.compress(bytes);
    const out = gzipSync(bytes, { chunkSize: inlineChunkBytes(bytes.byteLength) });
    return Promise.resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
  };
}

function withOneDecompressionError(compression: Compression): Compression {
  return {
    name: compression.name,
    compress: compressSmallInline(compression),
    decompress: (bytes, readMaxBytes) =>
      compression.decompress(bytes, readMaxBytes).catch((err: unknown) => {
        const error = ConnectError.from(err);
        if (error.code === Code.ResourceExhausted) throw error;
        const reason = error.cause instanceof Error ? error.cause.message : error.rawMessage;
        throw new ConnectError(
          `the request message does not decompress as ${compression.name}: ${reason}`,
          Code.Internal,
          undefined,
          undefined,
          err,
        );
      }),
  };
}

export const ACCEPT_COMPRESSION: Compression[] = [compressionGzip, compressionBrotli].map(withOneDecompressionError);
