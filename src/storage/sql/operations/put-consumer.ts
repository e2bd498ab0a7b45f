/**
 * putConsumer: stores a registration (insert or replace, keeping the
 * creation of the one it replaces) as event "consumer_registered". The
 * existing row is read inside the write's transaction, behind the revision
 * lock, so no other write changes it in between.
 */
import { consumerRecordOf } from "../../core/registry.js";
import type { ConsumerEvent, NewConsumerRecord, WriteMeta } from "../../records.js";
import { normalizeTime } from "../columns.js";
import type { SqlSession, SqlStatements } from "../dialect.js";

export function putConsumer(
  sql: SqlStatements,
  registration: NewConsumerRecord,
  meta: WriteMeta,
): (tx: SqlSession, revision: number) => Promise<ConsumerEvent> {
  return async (tx, revision) => {
    const [row] = await tx.rows(sql.getConsumer(registration.consumer, registration.name));
    const existing = row === undefined ? undefined : sql.consumer(row);
    const time = normalizeTime(meta.time);
    const consumer = consumerRecordOf(existing, structuredClone(registration), { ...meta, time }, revision);
    await tx.run(sql.upsertConsumer(consumer));
    return { revision, type: "consumer_registered", time, consumer, actor: meta.actor };
  };
}
