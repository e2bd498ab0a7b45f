/**
 * The request compressions every path accepts (connect-node's gzip and br),
 * with one answer for a body that does not decompress: INTERNAL, as the
 * gRPC status code table has it ("could not decompress, but compression
 * algorithm supported"), like a message that does not decode, with a
 * message naming the encoding and the decoder's reason. connect-node itself
 * answers corrupt data INVALID_ARGUMENT but truncated data INTERNAL
 * ("decompression failed"); a body past server.maxRequestBytes once
 * decompressed stays RESOURCE_EXHAUSTED.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { Compression } from "@connectrpc/connect/protocol";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";

function withOneDecompressionError(compression: Compression): Compression {
  return {
    name: compression.name,
    compress: (bytes) => compression.compress(bytes),
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
