/**
 * Bulk seeding for the PostgreSQL benchmark only: the store's write path
 * commits (and flushes) every version on its own, ~35 writes/s here, so
 * 100,000 versions would take most of an hour. This writes the same rows the
 * store would (src/storage/postgres/statements.ts insertVersion and
 * appendEvents, values from src/storage/sql/columns.ts) with one INSERT ... SELECT FROM
 * unnest(...) per 1,000 versions, then marks each name's latest version and
 * sets the revision. The store is not involved, so it is opened first (to
 * migrate the schema) and reads the rows afterwards like any other.
 */
import pg from "pg";
import { pickLatest, versionKey } from "../../src/semver/index.js";
import { sortableVersion } from "../../src/storage/core/ordering.js";
import { searchDocument } from "../../src/storage/core/search.js";
import type { ComponentRecord } from "../../src/storage/records.js";
import { contentColumn } from "../../src/storage/sql/columns.js";
import { benchRecord, catalogEntries, metaFor, VERSIONS } from "../unary/catalog-data.js";

const BATCH = 1_000;

export async function bulkSeedPostgres(url: string, schema: string, components: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const latest = pickLatest(
    [...VERSIONS],
    (v) => v,
    () => false,
  );
  try {
    await client.query("BEGIN");
    let batch: ComponentRecord[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await insertBatch(client, schema, batch, latest);
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
    const total = components * VERSIONS.length;
    await client.query(`UPDATE ${schema}.catalog_revision SET current = $1`, [total]);
    await client.query("COMMIT");
    await client.query(`ANALYZE ${schema}.component_versions`);
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}

async function insertBatch(
  client: pg.Client,
  schema: string,
  records: ComponentRecord[],
  latest: string | undefined,
): Promise<void> {
  const col = <T>(pick: (r: ComponentRecord) => T) => records.map(pick);
  const search = records.map((r) => searchDocument(r));
  await client.query(
    `INSERT INTO ${schema}.component_versions (name, version_key, version, version_order, provider, category, ` +
      `deployment_engine, description, labels, content, source, deprecated, deprecation, content_digest, is_latest, ` +
      `create_time, update_time, create_revision, update_revision, search_name, search_fields, search_description) ` +
      `SELECT name, version_key, version, version_order, provider, category, deployment_engine, description, labels, ` +
      `content, NULL, false, deprecation, content_digest, is_latest, t, t, revision, revision, search_name, ` +
      `ARRAY(SELECT jsonb_array_elements_text(search_fields)), search_description FROM unnest(` +
      `$1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[], ` +
      `$10::jsonb[], $11::jsonb[], $12::text[], $13::boolean[], $14::timestamptz[], $15::bigint[], $16::text[], ` +
      `$17::jsonb[], $18::text[]) AS u(name, version_key, version, version_order, provider, category, ` +
      `deployment_engine, description, labels, content, deprecation, content_digest, is_latest, t, revision, ` +
      `search_name, search_fields, search_description)`,
    [
      col((r) => r.name),
      col((r) => versionKey(r.version)),
      col((r) => r.version),
      col((r) => sortableVersion(r.version)),
      col((r) => r.provider),
      col((r) => r.category),
      col((r) => r.deployment.engine),
      col((r) => r.description),
      col((r) => JSON.stringify(r.labels)),
      col((r) => JSON.stringify(contentColumn(r))),
      col((r) => JSON.stringify(r.deprecation)),
      col((r) => r.contentDigest),
      col((r) => r.version === latest),
      col((r) => r.createTime),
      col((r) => r.createRevision),
      search.map((s) => s.name),
      search.map((s) => JSON.stringify(s.fields)),
      search.map((s) => s.description),
    ],
  );
  await client.query(
    `INSERT INTO ${schema}.catalog_events (revision, type, time, component, actor) ` +
      `SELECT revision, 'created', t, component, 'bench' ` +
      `FROM unnest($1::bigint[], $2::timestamptz[], $3::jsonb[]) AS u(revision, t, component)`,
    [col((r) => r.createRevision), col((r) => r.createTime), col((r) => JSON.stringify(r))],
  );
}
