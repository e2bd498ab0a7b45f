/**
 * The one way this project opens a Redis connection. Tuned for a cache that
 * must never slow a request down: no offline queue (a command while
 * disconnected fails at once instead of waiting), a command timeout, at most
 * one retry of a command caught by a dropped connection, and reconnection
 * with capped backoff for as long as the process lives.
 */
import { Redis } from "ioredis";

export interface RedisClientOptions {
  /** redis:// or rediss:// URL; may carry credentials, so it is never logged. */
  url: string;
  /** Prepended by the client to every key it sends. */
  keyPrefix: string;
  /** Bound on connecting and on each command, in milliseconds. */
  timeoutMs: number;
}

const MAX_RECONNECT_DELAY_MS = 2_000;

/** Delay before reconnect attempt `attempt` (1-based): 50ms doubling, capped, never giving up. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt - 1, 10), MAX_RECONNECT_DELAY_MS);
}

/**
 * Opens (in the background) a client with `onError` already listening for
 * its 'error' events: an EventEmitter 'error' without a listener would end
 * the process, so no client exists without one, even for a moment.
 */
export function createRedisClient(options: RedisClientOptions, onError: (err: unknown) => void): Redis {
  const client = new Redis(options.url, {
    keyPrefix: options.keyPrefix,
    connectTimeout: options.timeoutMs,
    commandTimeout: options.timeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // A command whose reply was lost with the connection must not be replayed
    // later: a late SET could land after the DEL that invalidated it.
    autoResendUnfulfilledCommands: false,
    retryStrategy: reconnectDelayMs,
  });
  // Attached before the connection attempt can report anything (ioredis emits on a later tick).
  client.on("error", onError);
  return client;
}

/** Resolves true once `client` is ready, false when `timeoutMs` passes first. */
export async function waitUntilReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === "ready") return true;
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      client.off("ready", onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.once("ready", onReady);
  });
}
