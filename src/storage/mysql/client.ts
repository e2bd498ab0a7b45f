/**
 * The mysql2 pool behind the MySQL backend (MySQL 8.0+, MariaDB 10.11+),
 * the only module that creates mysql2 pools and connections: every one has
 * its 'error' events handled from creation (an unhandled one would end the
 * process; test/storage/driver-clients.test.ts). Outage errors become
 * UNAVAILABLE; write transactions retry deadlocks and lock-wait timeouts a
 * bounded number of times, then answer UNAVAILABLE.
 */
import mysql from "mysql2";
import type { PoolConnection as PromiseConnection, Pool as PromisePool } from "mysql2/promise";
import type { MysqlConfig } from "../../config/schema.js";
import { CatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import type { SqlDatabase, SqlSession, Statement } from "../sql/dialect.js";

export type Pool = PromisePool;
export type Connection = PromiseConnection;

/** Deadlock (1213) and lock wait timeout (1205): the transaction may succeed if run again. */
const RETRYABLE = new Set([1213, 1205]);
/** Attempts of one write transaction before it answers UNAVAILABLE. */
export const MAX_TRANSACTION_ATTEMPTS = 3;

export interface PoolOptions {
  /** Defaults to config.poolSize. */
  maxConnections?: number;
  /** Per-query timeout; defaults to config.timeoutMs. */
  queryTimeoutMs?: number;
}

/** Connection settings: the URL wins over host/port/database/user/password. */
function connectionOptions(config: MysqlConfig): mysql.PoolOptions {
  const target: mysql.PoolOptions =
    config.url !== ""
      ? { uri: config.url }
      : {
          host: config.host,
          port: config.port,
          database: config.database,
          user: config.user,
          password: config.password,
        };
  return {
    ...target,
    connectTimeout: config.timeoutMs,
    // Times travel as UTC DATETIME(3); JSON and big numbers are read as the backend's statements expect.
    timezone: "Z",
    charset: "UTF8MB4_BIN",
    supportBigNumbers: true,
    bigNumberStrings: false,
    enableKeepAlive: true,
  };
}

export function createPool(config: MysqlConfig, logger: Logger, options: PoolOptions = {}): Pool {
  const pool = mysql.createPool({
    ...connectionOptions(config),
    connectionLimit: options.maxConnections ?? config.poolSize,
    maxIdle: options.maxConnections ?? config.poolSize,
    idleTimeout: 30_000,
    waitForConnections: true,
    queueLimit: 0,
  });
  pool.on("error", (err) => logger.warn("mysql pool error", { error: err }));
  // A connection whose server went away emits 'error'; without a listener Node would end the process.
  // The pool drops that connection and opens a new one on the next checkout.
  pool.on("connection", (connection) => {
    connection.on("error", (err) => logger.warn("mysql connection lost", { error: err }));
    // A writer blocked on the revision row gives up (1205, retried) within the configured timeout,
    // before the query timeout, rather than after InnoDB's default 50 s.
    const seconds = Math.max(1, Math.floor(config.timeoutMs / 1000));
    connection.query(`SET SESSION innodb_lock_wait_timeout = ${seconds}`, (err) => {
      if (err) logger.warn("mysql: could not set innodb_lock_wait_timeout", { error: err });
    });
  });
  return pool.promise();
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
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_CON_COUNT_ERROR",
  "ER_SERVER_SHUTDOWN",
  "ER_SERVER_GONE_ERROR",
  "ER_SERVER_LOST",
  "ER_QUERY_INTERRUPTED",
  "ER_CONNECTION_KILLED",
]);

const CONNECTION_ERROR_MESSAGES = [
  /can't add new command when connection is in closed state/i,
  /pool is closed/i,
  /connection lost/i,
  /query inactivity timeout/i,
];

function errorCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null || !("code" in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** The server's error number (1213, 1205, ...), when the error came from the server. */
export function errorNumber(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null || !("errno" in err)) return undefined;
  const errno = (err as { errno: unknown }).errno;
  return typeof errno === "number" ? errno : undefined;
}

export function isUnavailableError(err: unknown): boolean {
  const code = errorCode(err);
  if (code !== undefined && CONNECTION_ERROR_CODES.has(code)) return true;
  if (typeof err === "object" && err !== null && (err as { fatal?: unknown }).fatal === true) return true;
  const message = err instanceof Error ? err.message : "";
  return CONNECTION_ERROR_MESSAGES.some((pattern) => pattern.test(message));
}

function describe(err: unknown): string {
  if (err instanceof Error && err.message !== "") return err.message;
  return errorCode(err) ?? String(err);
}

/** Outage errors become CatalogError UNAVAILABLE; everything else passes through unchanged. */
export function toStoreError(err: unknown): unknown {
  if (err instanceof CatalogError) return err;
  if (isUnavailableError(err)) {
    return new CatalogError("UNAVAILABLE", `mysql is unavailable: ${describe(err)}`, [], { cause: err });
  }
  return err;
}

export async function mapErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw toStoreError(err);
  }
}

/** A session on one connection or on the pool, each statement bounded by `timeoutMs`. */
export function sessionOn(target: Pool | Connection, timeoutMs: number): SqlSession {
  const send = (statement: Statement) =>
    mapErrors(() => target.query({ sql: statement.text, timeout: timeoutMs }, [...statement.values]));
  return {
    rows: async <R>(statement: Statement) => {
      const [result] = await send(statement);
      return (Array.isArray(result) ? result : []) as R[];
    },
    run: async (statement: Statement) => {
      const [result] = await send(statement);
      return Array.isArray(result) ? result.length : (result as { affectedRows: number }).affectedRows;
    },
  };
}

/** The pool as the shared SQL operations see it. */
export function mysqlDatabase(pool: Pool, config: MysqlConfig, logger: Logger): SqlDatabase {
  const session = sessionOn(pool, config.timeoutMs);
  return {
    rows: session.rows,
    run: session.run,
    transaction: (work) => withRetriedTransaction(pool, config.timeoutMs, logger, work),
    close: () => pool.end(),
  };
}

/**
 * Runs `work` in a transaction on one pooled connection; a deadlock or lock
 * wait timeout rolls back and runs it again, at most
 * MAX_TRANSACTION_ATTEMPTS times, then fails UNAVAILABLE. A connection that
 * failed at the transport level is destroyed rather than returned.
 */
async function withRetriedTransaction<T>(
  pool: Pool,
  timeoutMs: number,
  logger: Logger,
  work: (tx: SqlSession) => Promise<{ value: T; rollback?: boolean }>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transactionOnce(pool, timeoutMs, work);
    } catch (err) {
      const cause = err instanceof CatalogError && err.cause !== undefined ? err.cause : err;
      const errno = errorNumber(cause);
      if (errno === undefined || !RETRYABLE.has(errno)) throw err;
      if (attempt >= MAX_TRANSACTION_ATTEMPTS) {
        throw new CatalogError(
          "UNAVAILABLE",
          `mysql is unavailable: a write hit ${errno === 1213 ? "a deadlock" : "a lock wait timeout"} ` +
            `${attempt} times; nothing was written, retry later`,
          [],
          { cause },
        );
      }
      logger.debug("mysql write transaction retried", { errno, attempt });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}

async function transactionOnce<T>(
  pool: Pool,
  timeoutMs: number,
  work: (tx: SqlSession) => Promise<{ value: T; rollback?: boolean }>,
): Promise<T> {
  const connection = await mapErrors(() => pool.getConnection());
  let broken = false;
  try {
    const tx = sessionOn(connection, timeoutMs);
    await tx.run({ text: "START TRANSACTION", values: [] });
    const outcome = await work(tx);
    await tx.run({ text: outcome.rollback === true ? "ROLLBACK" : "COMMIT", values: [] });
    return outcome.value;
  } catch (err) {
    if (isUnavailableError(err instanceof CatalogError ? (err.cause ?? err) : err)) broken = true;
    else await connection.query("ROLLBACK").catch(() => (broken = true));
    throw toStoreError(err);
  } finally {
    if (broken) connection.destroy();
    else connection.release();
  }
}
