/**
 * Deadlines a caller asks for, held to what a timer can hold.
 *
 * Node's setTimeout fires almost at once (after 1 ms, with a
 * TimeoutOverflowWarning) for a delay above 2^31-1 ms, about 24.8 days. The
 * gRPC spec allows grpc-timeout values up to 8 digits of hours (~11,400
 * years) and Connect's connect-timeout-ms up to 10 digits (~115 days), and
 * a processor that sets a month-long deadline on its watch is legitimate.
 * A deadline beyond what a timer can hold is "no practical deadline": the
 * call runs without one, on both paths (connect-node, whose handlers set
 * the timer from the header, and the raw gRPC stream path).
 */
import { parseTimeout as parseConnectTimeout } from "@connectrpc/connect/protocol-connect";
import { parseTimeout as parseGrpcTimeout } from "@connectrpc/connect/protocol-grpc";

/** The longest delay a Node timer holds. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A grpc-timeout header parsed as connect does, with a deadline beyond
 * MAX_TIMER_MS read as none. A value that does not parse is an error
 * (connect's, which the call answers with its message bounded).
 */
export function parsePracticalGrpcTimeout(value: string | null): ReturnType<typeof parseGrpcTimeout> {
  const timeout = parseGrpcTimeout(value, Number.MAX_SAFE_INTEGER);
  return timeout.timeoutMs !== undefined && timeout.timeoutMs > MAX_TIMER_MS ? {} : timeout;
}

/**
 * Removes a deadline header (gRPC and gRPC-Web: grpc-timeout; Connect:
 * connect-timeout-ms) whose deadline is beyond MAX_TIMER_MS, before
 * connect-es reads it. Headers that do not parse stay, for connect to refuse.
 */
export function dropImpracticalDeadline(header: Headers): void {
  const grpc = header.get("grpc-timeout");
  if (grpc !== null && (parseGrpcTimeout(grpc, Number.MAX_SAFE_INTEGER).timeoutMs ?? 0) > MAX_TIMER_MS)
    header.delete("grpc-timeout");
  const connect = header.get("connect-timeout-ms");
  if (connect !== null && (parseConnectTimeout(connect, Number.MAX_SAFE_INTEGER).timeoutMs ?? 0) > MAX_TIMER_MS)
    header.delete("connect-timeout-ms");
}
