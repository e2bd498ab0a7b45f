/**
 * Commit wake-ups across replicas: every write transaction runs
 * pg_notify('nestor_catalog_events', '<schema>:<revision>'), and each store
 * keeps one dedicated LISTEN connection that fans matching notifications out
 * to its onCommit listeners. The connection reconnects with backoff; after a
 * reconnect listeners get the current revision, since notifications sent
 * while it was down are lost (which only costs latency: the log is the truth).
 */
import type pg from "pg";
import type { PostgresConfig } from "../../config/schema.js";
import type { Logger } from "../../logging/index.js";
import { createClient } from "./client.js";

/** The channel every store LISTENs on; payloads name the schema. */
export const NOTIFY_CHANNEL = "nestor_catalog_events";

const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 5_000;

/** The NOTIFY payload: the schema keeps stores on different schemas of one database apart. */
export function notificationPayload(schema: string, revision: number): string {
  return `${schema}:${revision}`;
}

/** The revision a payload carries for `schema`, or undefined when it is for another schema. */
export function revisionFromPayload(schema: string, payload: string | undefined): number | undefined {
  if (payload === undefined) return undefined;
  const separator = payload.lastIndexOf(":");
  if (separator === -1 || payload.slice(0, separator) !== schema) return undefined;
  const revision = Number(payload.slice(separator + 1));
  return Number.isSafeInteger(revision) ? revision : undefined;
}

export type CommitListener = (revision: number) => void;

export class CommitNotifier {
  private readonly listeners = new Set<CommitListener>();
  private client: pg.Client | undefined;
  private started = false;
  private closed = false;
  private backoffMs = BACKOFF_START_MS;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: PostgresConfig,
    private readonly logger: Logger,
    /** Reads the current revision, which catches listeners up after a reconnect. */
    private readonly currentRevision: () => Promise<number>,
  ) {}

  /** Registers a listener; the LISTEN connection opens with the first one. */
  subscribe(listener: CommitListener): () => void {
    this.listeners.add(listener);
    if (!this.started) {
      this.started = true;
      void this.connect(false);
    }
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Wakes this process's listeners directly, without waiting for the NOTIFY round trip. */
  emit(revision: number): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(revision);
      } catch (err) {
        this.logger.error("onCommit listener threw", { error: err });
      }
    }
  }

  /** Resolves once the LISTEN connection is up (for tests and orderly startup). */
  async ready(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.client !== undefined) return true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.client !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.listeners.clear();
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) await client.end().catch(() => undefined);
  }

  private async connect(isReconnect: boolean): Promise<void> {
    if (this.closed) return;
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      if (this.closed) return;
      this.logger.warn("postgres LISTEN connection lost; reconnecting", { error: err, retryInMs: this.backoffMs });
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    // Errors on this connection must never crash the process: they only mean reconnect.
    const client = createClient(this.config, onLost);
    client.on("end", () => onLost());
    client.on("notification", (message) => {
      if (message.channel !== NOTIFY_CHANNEL) return;
      const revision = revisionFromPayload(this.config.schema, message.payload);
      if (revision !== undefined) this.emit(revision);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (err) {
      onLost(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoffMs = BACKOFF_START_MS;
    if (isReconnect) {
      this.logger.info("postgres LISTEN connection restored");
      try {
        this.emit(await this.currentRevision());
      } catch (err) {
        this.logger.warn("could not read the revision after reconnecting", { error: err });
      }
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect(true);
    }, delay);
    this.retryTimer.unref();
  }
}
