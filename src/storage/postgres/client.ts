/**
 * The node-postgres pool behind the PostgreSQL backend: connection settings
 * from PostgresConfig, outage errors mapped to UNAVAILABLE, and transactions
 * that never leave a broken connection in the pool.
 */
import pg from "pg";
import type { PostgresConfig } from "../../config/schema.js";
import { CatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import type { SqlDatabase, SqlSession, Statement } from "../sql/dialect.js";

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/** Connection settings for one client: the URL wins over host/port/database/user/password. */
export function connectionSettings(config: PostgresConfig): pg.ClientConfig {
  const target: pg.ClientConfig =
    config.url !== ""
      ? { connectionString: config.url }
      : {
          host: config.host,
          port: config.port,
          database: config.database,
          user: config.user,
          password: config.password,
        };
  return {
    ...target,
    connectionTimeoutMillis: config.timeoutMs,
    // Lets the kernel notice a server that vanished without closing the socket.
    keepAlive: true,
    application_name: "nestor-catalog",
  };
}

/**
 * A client outside the pool (the LISTEN connection), with `onError` already
 * listening for its 'error' events, so no client exists without a listener.
 */
export function createClient(config: PostgresConfig, onError: (err: Error) => void): pg.Client {
  const client = new pg.Client(connectionSettings(config));
  client.on("error", onError);
  return client;
}

export interface PoolOptions {
  /** Statement and query timeout; defaults to config.timeoutMs. */
  statementTimeoutMs?: number;
  /** Defaults to config.poolSize. */
  maxConnections?: number;
}

export function createPool(config: PostgresConfig, logger: Logger, options: PoolOptions = {}): Pool {
  const statementTimeoutMs = options.statementTimeoutMs ?? config.timeoutMs;
  const pool = new pg.Pool({
    ...connectionSettings(config),
    max: options.maxConnections ?? config.poolSize,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs,
    idleTimeoutMillis: 30_000,
  });
  // An idle client whose server went away (restart, admin shutdown) emits
  // 'error' on the pool; without a listener Node would crash the process.
  // The pool drops that client and opens a new one on the next checkout.
  pool.on("error", (err) => {
    logger.warn("postgres idle connection lost", { error: err });
  });
  // A checked-out client has no pool listener (pg-pool removes its idle
  // listener on checkout), so a connection that dies mid-transaction would
  // emit an unhandled 'error' and end the process. Every client gets its own
  // listener when the pool creates it; the query in flight still rejects
  // (and withTransaction destroys the client instead of returning it).
  pool.on("connect", (client) => {
    client.on("error", (err) => {
      logger.warn("postgres connection lost while in use", { error: err });
    });
  });
  return pool;
}

const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, shutting down)
  "57014", // query_canceled: statement_timeout fired
  "53300", // too_many_connections
]);

const CONNECTION_ERROR_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /query read timeout/i,
  /not queryable/i,
  /cannot use a pool after calling end/i,
  /connection ended unexpectedly/i,
];

function errorCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null || !("code" in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** True when `err` says the server cannot be reached, went away, or did not answer in time. */
export function isUnavailableError(err: unknown): boolean {
  const code = errorCode(err);
  if (code !== undefined && (CONNECTION_ERROR_CODES.has(code) || code.startsWith("08"))) return true;
  const message = err instanceof Error ? err.message : "";
  return CONNECTION_ERROR_MESSAGES.some((pattern) => pattern.test(message));
}

function describe(err: unknown): string {
  if (err instanceof Error && err.message !== "") return err.message;
  // Node reports a refused connection to several addresses as an AggregateError with an empty message.
  return errorCode(err) ?? String(err);
}

/** Text PostgreSQL refuses to store whatever the schema says: NUL characters in text or jsonb. */
const UNSTORABLE_TEXT_CODES = new Set(["22021", "22P05"]);

/**
 * Outage errors become CatalogError UNAVAILABLE, text PostgreSQL cannot hold
 * INVALID_ARGUMENT; everything else passes through unchanged.
 */
export function toStoreError(err: unknown): unknown {
  if (err instanceof CatalogError) return err;
  if (isUnavailableError(err)) {
    return new CatalogError("UNAVAILABLE", `postgres is unavailable: ${describe(err)}`, [], { cause: err });
  }
  const code = errorCode(err);
  if (code !== undefined && UNSTORABLE_TEXT_CODES.has(code)) {
    return new CatalogError(
      "INVALID_ARGUMENT",
      `postgres cannot store this text (NUL characters?): ${describe(err)}`,
      [],
      {
        cause: err,
      },
    );
  }
  return err;
}

/** Runs `work` and rethrows its failure mapped by toStoreError. */
export async function mapErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw toStoreError(err);
  }
}

/** The SQLSTATE of a server-side error, e.g. "23505" for unique_violation. */
export function sqlState(err: unknown): string | undefined {
  return err instanceof pg.DatabaseError ? err.code : undefined;
}

/**
 * Runs `work` inside BEGIN/COMMIT on one pooled connection. On failure the
 * transaction is rolled back; a connection that failed at the transport
 * level is destroyed rather than returned to the pool.
 */
export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  return mapErrors(async () => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      if (isUnavailableError(err)) {
        broken = err instanceof Error ? err : new Error(String(err));
      } else {
        await client.query("ROLLBACK").catch((rollbackErr: unknown) => {
          broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
        });
      }
      throw err;
    } finally {
      client.release(broken);
    }
  });
}

export function quoteIdentifier(name: string): string {
  return pg.escapeIdentifier(name);
}

/** A session on one client or on the pool: statements run with their values, errors mapped. */
export function sessionOn(client: pg.Pool | pg.PoolClient | pg.Client): SqlSession {
  return {
    rows: async <R>(statement: Statement) => {
      const result = await mapErrors(() => client.query(statement.text, [...statement.values]));
      return result.rows as R[];
    },
    run: async (statement: Statement) => {
      const result = await mapErrors(() => client.query(statement.text, [...statement.values]));
      return result.rowCount ?? 0;
    },
  };
}

/** The pool as the shared SQL operations see it. */
export function postgresDatabase(pool: Pool): SqlDatabase {
  const session = sessionOn(pool);
  return {
    rows: session.rows,
    run: session.run,
    transaction: async <T>(work: (tx: SqlSession) => Promise<{ value: T; rollback?: boolean }>) =>
      withTransaction(pool, async (client) => {
        const outcome = await work(sessionOn(client));
        if (outcome.rollback === true) throw new RolledBack(outcome.value);
        return outcome.value;
      }).catch((err: unknown) => {
        if (err instanceof RolledBack) return err.value as T;
        throw err;
      }),
    close: () => pool.end(),
  };
}

/** Carries a transaction's value out through the ROLLBACK of withTransaction. */
class RolledBack extends Error {
  constructor(readonly value: unknown) {
    super("rolled back: the transaction wrote nothing");
  }
}
