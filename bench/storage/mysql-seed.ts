/**
 * Bulk seeding for the MySQL benchmark only: the store's write path commits
 * every version on its own, so 100,000 versions would take many minutes.
 * This writes the rows the store would write, with the store's own INSERT
 * statements (src/storage/mysql/statements.ts insertVersion and
 * appendEvents, values from src/storage/sql/columns.ts) batched 500 rows a
 * statement, then marks each name's latest version and sets the revision.
 */
import mysql from "mysql2/promise";
import { pickLatest, versionKey } from "../../src/semver/index.js";
import { MysqlStatements } from "../../src/storage/mysql/statements.js";
import type { CatalogEvent, ComponentRecord } from "../../src/storage/records.js";
import { columnsOf } from "../../src/storage/sql/columns.js";
import { benchRecord, catalogEntries, metaFor, VERSIONS } from "../unary/catalog-data.js";

const BATCH = 500;

export async function bulkSeedMysql(url: string, components: number): Promise<void> {
  const connection = await mysql.createConnection({ uri: url, timezone: "Z", charset: "UTF8MB4_BIN" });
  const sql = new MysqlStatements();
  const latest = pickLatest(
    [...VERSIONS],
    (v) => v,
    () => false,
  );
  try {
    await connection.query("START TRANSACTION");
    let batch: ComponentRecord[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const statements = batch.map((record) => sql.insertVersion(columnsOf(record)));
      const head = statements[0]!.text.slice(0, statements[0]!.text.indexOf("VALUES ") + 7);
      const group = statements[0]!.text.slice(head.length);
      await connection.query(
        `${head}${statements.map(() => group).join(", ")}`,
        statements.flatMap((s) => [...s.values]),
      );
      const events: CatalogEvent[] = batch.map((record) => ({
        revision: record.createRevision,
        type: "created",
        time: record.createTime,
        component: record,
        actor: record.createActor,
      }));
      const append = sql.appendEvents(events);
      await connection.query(append.text, [...append.values]);
      batch = [];
    };
    for (const { index, version, sequence } of catalogEntries(components)) {
      const meta = metaFor(sequence);
      batch.push({
        ...benchRecord(index, version),
        createTime: meta.time,
        updateTime: meta.time,
        createRevision: sequence + 1,
        updateRevision: sequence + 1,
        createActor: meta.actor,
        updateActor: meta.actor,
      });
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    await connection.query("UPDATE component_versions SET is_latest = (version_key = ?)", [
      latest === undefined ? "" : versionKey(latest),
    ]);
    await connection.query("UPDATE catalog_revision SET current = ?", [components * VERSIONS.length]);
    await connection.query("COMMIT");
    await connection.query("ANALYZE TABLE component_versions");
  } catch (err) {
    await connection.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    await connection.end();
  }
}
