/**
 * Git sync leases and statuses in MySQL (tables from migration
 * 20261204_002_sync_state), so replicas sharing a database share them. Lease
 * expiry uses the database's clock, not the replicas': a lease is renewed
 * by its holder or taken over once expired in one conditional UPDATE, and
 * taken when absent by an INSERT IGNORE that loses to a concurrent taker.
 */
import type { MysqlConfig } from "../../config/schema.js";
import type { Logger } from "../../logging/index.js";
import type { SqlSession } from "../sql/dialect.js";
import type { SharedSyncState } from "../store.js";
import { createPool, type Pool, sessionOn } from "./client.js";
import { assertMigrated } from "./migrate.js";

export class MysqlSyncStateStore<Status extends { repository: string }> implements SharedSyncState<Status> {
  private readonly session: SqlSession;

  private constructor(
    private readonly pool: Pool,
    config: MysqlConfig,
  ) {
    this.session = sessionOn(pool, config.timeoutMs);
  }

  /** A small pool of its own; fails FAILED_PRECONDITION when the database lacks the sync tables. */
  static async open<Status extends { repository: string }>(
    config: MysqlConfig,
    logger: Logger,
  ): Promise<MysqlSyncStateStore<Status>> {
    const pool = createPool(config, logger, { maxConnections: 2 });
    try {
      await assertMigrated(pool, config);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new MysqlSyncStateStore<Status>(pool, config);
  }

  /** `now` is ignored: expiry is decided by the database clock. */
  async acquireLease(repository: string, holder: string, ttlMs: number, _now: Date): Promise<boolean> {
    const micros = Math.max(0, Math.round(ttlMs * 1000));
    const renewed = await this.session.run({
      text:
        "UPDATE sync_leases SET holder = ?, expires_at = NOW(3) + INTERVAL ? MICROSECOND " +
        "WHERE repository = ? AND (holder = ? OR expires_at <= NOW(3))",
      values: [holder, micros, repository, holder],
    });
    if (renewed > 0) return true;
    const taken = await this.session.run({
      text:
        "INSERT IGNORE INTO sync_leases (repository, holder, expires_at) " +
        "VALUES (?, ?, NOW(3) + INTERVAL ? MICROSECOND)",
      values: [repository, holder, micros],
    });
    return taken > 0;
  }

  async releaseLease(repository: string, holder: string): Promise<void> {
    await this.session.run({
      text: "DELETE FROM sync_leases WHERE repository = ? AND holder = ?",
      values: [repository, holder],
    });
  }

  async getStatus(repository: string): Promise<Status | undefined> {
    const [row] = await this.session.rows<{ status: Status | string }>({
      text: "SELECT status FROM sync_statuses WHERE repository = ?",
      values: [repository],
    });
    return row === undefined ? undefined : parsed(row.status);
  }

  async putStatus(status: Status): Promise<void> {
    await this.session.run({
      text:
        "INSERT INTO sync_statuses (repository, status, update_time) VALUES (?, ?, NOW(3)) " +
        "ON DUPLICATE KEY UPDATE status = VALUES(status), update_time = VALUES(update_time)",
      values: [status.repository, JSON.stringify(status)],
    });
  }

  async listStatuses(): Promise<Status[]> {
    const rows = await this.session.rows<{ status: Status | string }>({
      text: "SELECT status FROM sync_statuses ORDER BY repository",
      values: [],
    });
    return rows.map((row) => parsed(row.status));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** JSON columns come parsed from MySQL and as text from MariaDB. */
function parsed<T>(value: T | string): T {
  return typeof value === "string" ? (JSON.parse(value) as T) : value;
}
