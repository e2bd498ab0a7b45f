/**
 * Git sync leases and statuses in PostgreSQL (tables from migration
 * 20261126_002_sync_state), so replicas sharing a database share them: the
 * postgres implementation of src/catalog/sync's SyncStateStore. Storage does
 * not import the catalog layer, so the status is an opaque JSON document
 * keyed by its `repository`; the type parameter gives it back its type.
 *
 * Lease expiry uses the database's clock, not the replicas' (whose clocks may
 * disagree): a lease is taken when absent, expired, or already held by the
 * same holder, in one conditional upsert.
 */
import type { PostgresConfig } from "../../config/schema.js";
import type { Logger } from "../../logging/index.js";
import { createPool, mapErrors, type Pool, quoteIdentifier } from "./client.js";
import { assertMigrated } from "./migrate.js";

export class PostgresSyncStateStore<Status extends { repository: string }> {
  private readonly leases: string;
  private readonly statuses: string;

  private constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.leases = `${quoteIdentifier(schema)}.sync_leases`;
    this.statuses = `${quoteIdentifier(schema)}.sync_statuses`;
  }

  /** A small pool of its own; fails FAILED_PRECONDITION when the schema lacks the sync tables. */
  static async open<Status extends { repository: string }>(
    config: PostgresConfig,
    logger: Logger,
  ): Promise<PostgresSyncStateStore<Status>> {
    const pool = createPool(config, logger, { maxConnections: 2 });
    try {
      await assertMigrated(pool, config.schema);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PostgresSyncStateStore<Status>(pool, config.schema);
  }

  /** `now` is ignored: expiry is decided by the database clock. */
  async acquireLease(repository: string, holder: string, ttlMs: number, _now: Date): Promise<boolean> {
    return mapErrors(async () => {
      const result = await this.pool.query(
        `INSERT INTO ${this.leases} AS lease (repository, holder, expires_at)
           VALUES ($1, $2, now() + make_interval(secs => $3::double precision / 1000))
         ON CONFLICT (repository) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
           WHERE lease.holder = EXCLUDED.holder OR lease.expires_at <= now()
         RETURNING holder`,
        [repository, holder, ttlMs],
      );
      return result.rowCount === 1;
    });
  }

  async releaseLease(repository: string, holder: string): Promise<void> {
    await mapErrors(() =>
      this.pool.query(`DELETE FROM ${this.leases} WHERE repository = $1 AND holder = $2`, [repository, holder]),
    );
  }

  async getStatus(repository: string): Promise<Status | undefined> {
    return mapErrors(async () => {
      const result = await this.pool.query<{ status: Status }>(
        `SELECT status FROM ${this.statuses} WHERE repository = $1`,
        [repository],
      );
      return result.rows[0]?.status;
    });
  }

  async putStatus(status: Status): Promise<void> {
    await mapErrors(() =>
      this.pool.query(
        `INSERT INTO ${this.statuses} (repository, status, update_time) VALUES ($1, $2, now())
         ON CONFLICT (repository) DO UPDATE SET status = EXCLUDED.status, update_time = EXCLUDED.update_time`,
        [status.repository, JSON.stringify(status)],
      ),
    );
  }

  async listStatuses(): Promise<Status[]> {
    return mapErrors(async () => {
      const result = await this.pool.query<{ status: Status }>(
        `SELECT status FROM ${this.statuses} ORDER BY repository COLLATE "C"`,
      );
      return result.rows.map((row) => row.status);
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
